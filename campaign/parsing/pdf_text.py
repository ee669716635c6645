"""PDF text page by page, with ruled tables, inside a capped extraction process.

Policy: PDFium (pypdfium2) reads every page's text; it is about 35 times faster than
pdfplumber. Tables are looked for on the first `TABLE_PAGES` pages only, where the letter and
its answers are (an authority's answer table sits in the reply letter; past page 50 a PDF is
a released report, read as plain text). They are found on the same PDFium page from the lines
it draws (tables.py, the lattice method pdfplumber uses for `extract_tables`), and each cell's
text is read with PDFium's text-in-a-rectangle call. Pages that draw no shapes (most letters)
or thousands (charts, maps) are not looked at, nor paths with a curve or a slanted side, and a
grid too large to read cell by cell (a page of figures) keeps its text without a table.
pdfplumber (words with positions, its own table finder) is used only when a caller asks for
`engine="pdfplumber"`, for example to re-read one document whose layout PDFium got wrong: at
7 to 15 pages a second, running it on every table page would make reading a reply slower than
pdftotext.

A long PDF can be read in page ranges (`first`, `last`) by several processes at once. The first
job on a document (`count_past`) reads it only if it is short; a long one is just counted, so
the caller can share all of it between processes from the first page.

Runs in the extraction process (see extraction_worker.py); every page, text page and document
is closed after use so a long-lived process does not grow.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from campaign.parsing.extracted import Table, UnreadableDocument
from campaign.parsing.tables import (
    MIN_LINE,
    Box,
    Line,
    cell_text,
    find_grids,
    grid_box,
    is_worth_keeping,
    table_text,
)

TABLE_PAGES = 50
# PDFium keeps what it parsed for the document's lifetime (about 1 MB a page in a report with
# pictures); reopening it every so many pages keeps a 300-page file near the size of a short one.
REOPEN_EVERY = 25
# A page with more objects than this is a drawing or a map: no tables looked for.
MAX_OBJECTS = 5_000
# A page drawing thousands of shapes is a chart. (A table needs four lines, but one path can
# draw them all: a whole grid stroked at once.)
MAX_PATHS = 2_000
MAX_PATH_SEGMENTS = 400
# Reading a cell costs PDFium a pass over every character of the page, so a grid's cost is its
# cells times the page's characters. Past this (about 12 ms: a 30 x 30 grid of figures on a
# full page) the grid is a data table, not an authority's answers: its text is kept in PDFium's
# reading order, as on a page without lines, and no table is rebuilt from it.
MAX_CELL_READS = 3_000_000
THIN = 2.0  # a filled rectangle this thin is a ruled line
FAR = 100_000.0  # beyond any page: "the whole width"


@dataclass
class PdfPages:
    """What one PDF gave: text and tables per page, and the pages that look like scans."""

    pages: list[str] = field(default_factory=list)
    tables: list[list[Table]] = field(default_factory=list)
    page_count: int = 0
    scanned: list[int] = field(default_factory=list)  # indexes from 0

    def to_json(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "tables": self.tables,
            "page_count": self.page_count,
            "scanned": self.scanned,
        }


def read_pdf(
    data: bytes | bytearray | Path,
    max_pages: int,
    engine: str = "pdfium",
    first: int = 0,
    last: int | None = None,
    count_past: int | None = None,
) -> PdfPages:
    """Text of pages `first` to `last` (exclusive; at most to `max_pages`), counted from 0.

    With `count_past`, a document that would have more pages to read than that is only
    counted: no pages. UnreadableDocument for a password or damage. `page_count` is the whole
    document's.
    """
    if engine == "pdfplumber":
        return _read_with_pdfplumber(data, max_pages)
    pdf = open_pdf(data)
    try:
        result = PdfPages(page_count=len(pdf))
        if result.page_count == 0:
            raise UnreadableDocument("PDF is damaged and cannot be read: it has no pages")
        end = min(result.page_count, max_pages, result.page_count if last is None else last)
        if count_past is not None and end - first > count_past:
            return result
        for index in range(first, end):
            if index > first and (index - first) % REOPEN_EVERY == 0:
                pdf.close()  # PDFium keeps every object it parsed until the document closes
                pdf = open_pdf(data)
            page = pdf[index]
            try:
                text, tables, looks_scanned = _read_page(page, tables=index < TABLE_PAGES)
            finally:
                page.close()
            result.pages.append(text)
            result.tables.append(tables)
            if looks_scanned:
                result.scanned.append(index)
        return result
    finally:
        pdf.close()


def open_pdf(data: bytes | bytearray | Path):
    """A PDFium document over `data` without copying it: a bytearray is shared, and a file is
    read as PDFium needs it."""
    import pypdfium2 as pdfium

    if isinstance(data, bytearray):
        data = (ctypes.c_char * len(data)).from_buffer(data)
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise _unreadable(error) from None


def warm_up() -> None:
    """Read a one-line PDF in the two fonts Office documents most often leave out.

    PDFium looks through the system's fonts the first time a PDF names a font it does not
    embed (Arial, Times New Roman: most letters saved from Word); that costs 10 to 40 ms once
    per process. A long-lived extraction process pays it when it starts, not on a reply.
    """
    stream = b"BT /F1 11 Tf 56 780 Td (Arial) Tj /F2 11 Tf (Times New Roman) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /TrueType /BaseFont /TimesNewRoman /Encoding /WinAnsiEncoding >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    with contextlib.suppress(Exception):  # a warm-up only: the first reply would pay it instead
        read_pdf(pdf, 1)


_TEN_LETTERS_OR_DIGITS = re.compile(r"(?:[^\W_][\W_]*){10}")
# Control characters, replacement marks and private-use code points: what PDFium gives for
# glyphs whose font has no map back to Unicode.
_GARBLED = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\ufffd\ue000-\uf8ff]")


def is_readable(page: str) -> bool:
    """A page with real words; fonts without a Unicode map give control characters instead."""
    stripped = page.strip()
    if not _TEN_LETTERS_OR_DIGITS.search(stripped):
        return False
    return len(_GARBLED.findall(stripped)) <= len(stripped) * 0.05


def tidy_page(text: str) -> str:
    """PDFium's line ends and soft hyphens as plain text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-")
    return text.replace("\x02", "-")


def _unreadable(error: BaseException) -> UnreadableDocument:
    lowered = str(error).lower()
    if "password" in lowered or "security" in lowered or "encrypt" in lowered:
        return UnreadableDocument("PDF is password-protected")
    return UnreadableDocument("PDF is damaged and cannot be read")


# --- one PDFium page --------------------------------------------------------------------------


def _read_page(page, tables: bool) -> tuple[str, list[Table], bool]:
    """The page's text with its ruled tables written in, its tables, and whether it is a scan."""
    textpage = page.get_textpage()
    try:
        text = tidy_page(textpage.get_text_range())
        readable = is_readable(text)
        if readable and not tables:
            return text, [], False
        shapes = _Shapes(page, lines=readable)
        if not readable:
            # No usable text: a scan (pictures) or unmapped glyphs, unless the page is blank.
            return "", [], shapes.images > 0 or shapes.texts > 0
        grids = find_grids(shapes.horizontal, shapes.vertical) if shapes.lines_enough else []
        if not grids:
            return text, [], False
        return _with_tables(textpage, shapes.view, grids, text)
    finally:
        textpage.close()


class _View:
    """Turns PDF user space into the page as shown (rotation applied, y downwards) and back."""

    def __init__(self, rotation: int) -> None:
        self.rotation = rotation % 360

    def shown(self, x: float, y: float) -> tuple[float, float]:
        if self.rotation == 90:
            return y, x
        if self.rotation == 180:
            return -x, y
        if self.rotation == 270:
            return -y, -x
        return x, -y

    def user_rect(self, box: Box) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in user space of a box on the shown page."""
        x0, top, x1, bottom = box
        corners = [self._user(x0, top), self._user(x1, bottom)]
        xs = [corner[0] for corner in corners]
        ys = [corner[1] for corner in corners]
        return min(xs), min(ys), max(xs), max(ys)

    def _user(self, x: float, y: float) -> tuple[float, float]:
        # Each of the four turns (with y flipped) is its own inverse.
        return self.shown(x, y)


class _Shapes:
    """One walk over the page's objects: how many pictures and text runs, and its ruled lines.

    Written for speed (it runs on every page): plain PDFium calls, and path objects are only
    turned into lines when there are enough of them to make a table and not so many that
    the page is a chart or a map.
    """

    def __init__(self, page, lines: bool = True) -> None:
        import pypdfium2.raw as pdfium_c

        self._c = pdfium_c
        self.view = _View(page.get_rotation())
        self.images = 0
        self.texts = 0
        self.horizontal: list[Line] = []
        self.vertical: list[Line] = []
        self._paths: list[tuple[object, tuple | None]] = []
        self._budget = MAX_OBJECTS
        # Without text, a page only needs to say whether it shows anything: stop at the first.
        self._first_only = not lines
        self._walk(page.raw, None, 0)
        if lines and self._budget >= 0 and 0 < len(self._paths) <= MAX_PATHS:
            self._lines()

    @property
    def lines_enough(self) -> bool:
        return len(self.horizontal) >= 2 and len(self.vertical) >= 2

    def _walk(self, parent, outer: tuple | None, depth: int) -> None:
        c = self._c
        if depth == 0:
            count, get = c.FPDFPage_CountObjects(parent), c.FPDFPage_GetObject
        else:
            count, get = c.FPDFFormObj_CountObjects(parent), c.FPDFFormObj_GetObject
        get_type, paths = c.FPDFPageObj_GetType, self._paths
        text, image, path, form = (
            c.FPDF_PAGEOBJ_TEXT,
            c.FPDF_PAGEOBJ_IMAGE,
            c.FPDF_PAGEOBJ_PATH,
            c.FPDF_PAGEOBJ_FORM,
        )
        count = max(count, 0)
        self._budget -= count
        if self._budget < 0:
            return  # a drawing or a map, not a letter: no tables looked for
        for index in range(count):
            obj = get(parent, index)
            kind = get_type(obj)
            if kind == path:
                paths.append((obj, outer))
            elif kind == text:
                self.texts += 1
            elif kind == image:
                self.images += 1
            elif kind == form and depth < 3:
                self._walk(obj, _compose(self._matrix(obj), outer), depth + 1)
            if self._first_only and (self.texts or self.images):
                return

    def _matrix(self, obj) -> tuple:
        matrix = self._c.FS_MATRIX()
        if not self._c.FPDFPageObj_GetMatrix(obj, matrix):
            return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)

    def _lines(self) -> None:
        c = self._c
        get_bounds, count_segments = c.FPDFPageObj_GetBounds, c.FPDFPath_CountSegments
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        segments: list[tuple[float, float, float, float]] = []  # x0, y0, x1, y1 in user space
        for obj, outer in self._paths:
            if not get_bounds(obj, left, bottom, right, top):
                continue
            x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
            width, height = x1 - x0, y1 - y0
            if width < MIN_LINE and height < MIN_LINE:
                continue  # a dot, a bullet or a glyph drawn as a shape
            if width <= THIN:  # a hairline or a thin filled bar: one line through its middle
                middle = (x0 + x1) / 2
                found = [(middle, y0, middle, y1)]
            elif height <= THIN:
                middle = (y0 + y1) / 2
                found = [(x0, middle, x1, middle)]
            else:
                count = count_segments(obj)
                if count in (4, 5):
                    # A rectangle (a cell's border or shading): four sides, as pdfplumber has.
                    found = [(x0, y0, x1, y0), (x1, y0, x1, y1), (x1, y1, x0, y1), (x0, y1, x0, y0)]
                elif 5 < count <= MAX_PATH_SEGMENTS:
                    found = self._straight_sides(obj, count)
                    outer = _compose(self._matrix(obj), outer)
                else:
                    continue
            if outer is not None:
                found = [
                    (*_apply(outer, ax, ay), *_apply(outer, bx, by)) for ax, ay, bx, by in found
                ]
            segments += found
        self._classify(segments)

    def _straight_sides(self, obj, count: int) -> list[tuple[float, float, float, float]]:
        """The straight sides of a path drawn as one object (a whole grid, say), in the path's
        own space; none for a curved shape or one with a slanted side (a chart's outline, an
        arrow, a curve flattened into short lines), which is a drawing, not a table: a table's
        rules are level or upright, and a drawing can have hundreds of sides to read."""
        c = self._c
        get_segment, get_point = c.FPDFPath_GetPathSegment, c.FPDFPathSegment_GetPoint
        get_type, is_closing = c.FPDFPathSegment_GetType, c.FPDFPathSegment_GetClose
        move, line = c.FPDF_SEGMENT_MOVETO, c.FPDF_SEGMENT_LINETO
        x, y = ctypes.c_float(), ctypes.c_float()
        sides: list[tuple[float, float, float, float]] = []
        start = current = None
        for index in range(count):
            segment = get_segment(obj, index)
            kind = get_type(segment)
            if kind not in (move, line):
                return []
            if not get_point(segment, x, y):
                continue
            point = (x.value, y.value)
            if kind == line and current is not None:
                if _slanted(*current, *point):
                    return []
                sides.append((*current, *point))
            current = point if kind == line else None
            if kind == move:
                start = current = point
            if is_closing(segment) and start is not None and current is not None:
                if _slanted(*current, *start):
                    return []
                sides.append((*current, *start))
                current = start
        return sides

    def _classify(self, segments: list[tuple[float, float, float, float]]) -> None:
        """Horizontal and vertical lines on the page as shown; slanted ones are dropped."""
        horizontal, vertical = self.horizontal, self.vertical
        if self.view.rotation == 0:  # most pages: y flips, nothing else (kept inline for speed)
            shown = [(ax, -ay, bx, -by) for ax, ay, bx, by in segments]
        else:
            turn = self.view.shown
            shown = [(*turn(ax, ay), *turn(bx, by)) for ax, ay, bx, by in segments]
        for ax, ay, bx, by in shown:
            if -1.0 <= ay - by <= 1.0:
                if abs(ax - bx) >= MIN_LINE:
                    horizontal.append(Line((ay + by) / 2, min(ax, bx), max(ax, bx)))
            elif -1.0 <= ax - bx <= 1.0 and abs(ay - by) >= MIN_LINE:
                vertical.append(Line((ax + bx) / 2, min(ay, by), max(ay, by)))


def _slanted(ax: float, ay: float, bx: float, by: float) -> bool:
    """More than about three degrees off level and off upright, at any scale."""
    across, up = abs(bx - ax), abs(by - ay)
    return min(across, up) > 0.05 * max(across, up)


def _compose(inner: tuple, outer: tuple | None) -> tuple:
    """The matrix that applies `inner` then `outer` (PDF row-vector convention)."""
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer  # the usual names of a PDF matrix
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _apply(matrix: tuple | None, x: float, y: float) -> tuple[float, float]:
    if matrix is None:
        return x, y
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _with_tables(
    textpage, view: _View, grids: list[list[list[Box]]], page_text: str
) -> tuple[str, list[Table], bool]:
    """Page text rebuilt band by band so each table reads as rows, with the text around it."""

    import pypdfium2.raw as pdfium_c

    chars = pdfium_c.FPDFText_CountChars(textpage.raw)
    size = chars + 1
    buffer = (ctypes.c_ushort * size)()

    def text_in(box: Box) -> str:
        # One PDFium call into a buffer the size of the page's text (pypdfium2's helper
        # calls twice to size its own buffer, which doubles the cost on a big table).
        left, bottom, right, top = view.user_rect(box)
        written = pdfium_c.FPDFText_GetBoundedText(
            textpage.raw, left, top, right, bottom, buffer, size
        )
        raw = ctypes.string_at(buffer, max(written, 0) * 2).decode("utf-16-le", "ignore")
        return tidy_page(raw.replace("\x00", "")).strip()

    tables: list[Table] = []
    parts: list[str] = []
    above = -FAR
    for grid in grids:
        x0, top, x1, bottom = grid_box(grid)
        if top < above:  # overlaps the previous table: keep the first reading
            continue
        if sum(map(len, grid)) * chars > MAX_CELL_READS:
            continue  # a data table: read with the text around it
        table = [[cell_text(text_in(_inset(cell))) for cell in row] for row in grid]
        if not is_worth_keeping(table):
            continue
        parts.append(text_in((-FAR, above, FAR, top)))
        parts.append(text_in((-FAR, top, x0, bottom)))
        parts.append(table_text(table))
        parts.append(text_in((x1, top, FAR, bottom)))
        tables.append(table)
        above = bottom
    if not tables:
        return page_text, [], False
    parts.append(text_in((-FAR, above, FAR, FAR)))
    return "\n".join(part for part in parts if part), tables, False


def _inset(box: Box, by: float = 1.0) -> Box:
    x0, top, x1, bottom = box
    return (x0 + by, top + by, x1 - by, bottom - by)


# --- pdfplumber, on request -------------------------------------------------------------------


def _read_with_pdfplumber(data: bytes | bytearray | Path, max_pages: int) -> PdfPages:
    """Words with positions and pdfplumber's own table finder, for every page (slow)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(data if isinstance(data, Path) else io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFSyntaxError) as error:
        raise _unreadable(error) from None
    with pdf:
        result = PdfPages(page_count=len(pdf.pages))
        if result.page_count == 0:
            raise UnreadableDocument("PDF is damaged and cannot be read: it has no pages")
        for index, page in enumerate(pdf.pages[:max_pages]):
            try:
                text, tables = _pdfplumber_page(page)
                shows_something = bool(text.strip() or page.images)
            finally:
                page.close()  # pdfplumber keeps every parsed object of a page until then
            readable = is_readable(text)
            result.pages.append(text if readable else "")
            result.tables.append(tables if readable else [])
            if not readable and shows_something:
                result.scanned.append(index)
        return result


def _pdfplumber_page(page) -> tuple[str, list[Table]]:
    found = [
        (table.bbox, [[cell or "" for cell in row] for row in table.extract()])
        for table in page.find_tables()
    ]
    found = [(bbox, rows) for bbox, rows in found if is_worth_keeping(rows)]
    if not found:
        return page.extract_text() or "", []
    width, height = page.width, page.height

    def text_in(x0: float, top: float, x1: float, bottom: float) -> str:
        x0, x1 = max(x0, 0), min(x1, width)
        top, bottom = max(top, 0), min(bottom, height)
        if x1 <= x0 or bottom <= top:
            return ""
        return (page.crop((x0, top, x1, bottom), strict=False).extract_text() or "").strip()

    parts, tables, above = [], [], 0.0
    for (x0, top, x1, bottom), rows in sorted(found, key=lambda item: item[0][1]):
        table = [[cell_text(cell) for cell in row] for row in rows]
        parts += [
            text_in(0, above, width, top),
            text_in(0, top, x0, bottom),
            table_text(table),
            text_in(x1, top, width, bottom),
        ]
        tables.append(table)
        above = max(above, bottom)
    parts.append(text_in(0, above, width, height))
    return "\n".join(part for part in parts if part), tables
