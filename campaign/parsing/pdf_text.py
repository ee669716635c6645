"""PDF text page by page, with ruled tables, inside a capped extraction process.

Policy: PDFium (pypdfium2) reads every page's text; it is about 35 times faster than
pdfplumber. Tables are found on the same PDFium page from the lines it draws (tables.py, the
lattice method pdfplumber uses for `extract_tables`), and each cell's text is read with
PDFium's text-in-a-rectangle call. Only pages that draw at least two horizontal and two
vertical lines are looked at, so a plain letter costs nothing extra. pdfplumber (words with
positions, its own table finder) is used only when a caller asks for `engine="pdfplumber"`,
for example to re-read one document whose layout PDFium got wrong: at 7 to 15 pages a second,
running it on every table page would make reading a reply slower than pdftotext.

Runs in the extraction process (see extraction_worker.py); every page, text page and document
is closed after use so a long-lived process does not grow.
"""

from __future__ import annotations

import ctypes
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from campaign.parsing.extracted import Table, UnreadableDocument
from campaign.parsing.tables import (
    Box,
    Line,
    cell_text,
    find_grids,
    grid_box,
    is_worth_keeping,
    table_text,
)

# Object walks stop here: a page with tens of thousands of objects is a drawing or a map.
MAX_OBJECTS = 20_000
MAX_PATH_SEGMENTS = 400
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


def read_pdf(data: bytes, max_pages: int, engine: str = "pdfium") -> PdfPages:
    """Text of the first `max_pages` pages; UnreadableDocument for password or damage."""
    if engine == "pdfplumber":
        return _read_with_pdfplumber(data, max_pages)
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise _unreadable(error) from None
    try:
        result = PdfPages(page_count=len(pdf))
        if result.page_count == 0:
            raise UnreadableDocument("PDF is damaged and cannot be read: it has no pages")
        for index in range(min(result.page_count, max_pages)):
            page = pdf[index]
            try:
                text, tables, looks_scanned = _read_page(page)
            finally:
                page.close()
            result.pages.append(text)
            result.tables.append(tables)
            if looks_scanned:
                result.scanned.append(index)
        return result
    finally:
        pdf.close()


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


def _read_page(page) -> tuple[str, list[Table], bool]:
    """The page's text with its ruled tables written in, its tables, and whether it is a scan."""
    textpage = page.get_textpage()
    try:
        text = tidy_page(textpage.get_text_range())
        readable = is_readable(text)
        shapes = _Shapes(page)
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
        if self.rotation == 90:
            return y, x
        if self.rotation == 180:
            return -x, y
        if self.rotation == 270:
            return -y, -x
        return x, -y


class _Shapes:
    """One walk over the page's objects: how many pictures and text runs, and its ruled lines."""

    def __init__(self, page) -> None:
        import pypdfium2.raw as pdfium_c

        self._c = pdfium_c
        self.view = _View(page.get_rotation())
        self.images = 0
        self.texts = 0
        self.horizontal: list[Line] = []
        self.vertical: list[Line] = []
        self._budget = MAX_OBJECTS
        self._bounds = tuple(ctypes.c_float() for _ in range(4))
        self._point = (ctypes.c_float(), ctypes.c_float())
        count = pdfium_c.FPDFPage_CountObjects(page.raw)
        objects = (pdfium_c.FPDFPage_GetObject(page.raw, index) for index in range(count))
        self._walk(objects, None, depth=0)

    @property
    def lines_enough(self) -> bool:
        return len(self.horizontal) >= 2 and len(self.vertical) >= 2

    def _walk(self, objects: Iterator, outer: tuple | None, depth: int) -> None:
        c = self._c
        for obj in objects:
            self._budget -= 1
            if self._budget < 0:
                return
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_TEXT:
                self.texts += 1
            elif kind == c.FPDF_PAGEOBJ_IMAGE:
                self.images += 1
            elif kind == c.FPDF_PAGEOBJ_PATH:
                self._path(obj, outer)
            elif kind == c.FPDF_PAGEOBJ_FORM and depth < 3:
                matrix = _compose(self._matrix(obj), outer)
                count = c.FPDFFormObj_CountObjects(obj)
                inner = (c.FPDFFormObj_GetObject(obj, index) for index in range(max(count, 0)))
                self._walk(inner, matrix, depth + 1)

    def _matrix(self, obj) -> tuple:
        matrix = self._c.FS_MATRIX()
        if not self._c.FPDFPageObj_GetMatrix(obj, matrix):
            return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)

    def _path(self, obj, outer: tuple | None) -> None:
        c = self._c
        left, bottom, right, top = self._bounds
        if not c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            return
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        if x1 - x0 <= THIN or y1 - y0 <= THIN:
            # A hairline or a thin filled bar: one ruled line through its middle.
            if x1 - x0 <= THIN:
                middle = (x0 + x1) / 2
                self._add(_apply(outer, middle, y0), _apply(outer, middle, y1))
            else:
                middle = (y0 + y1) / 2
                self._add(_apply(outer, x0, middle), _apply(outer, x1, middle))
            return
        segments = c.FPDFPath_CountSegments(obj)
        if segments in (4, 5):
            # A rectangle (cell border or shading): its four sides, as pdfplumber counts them.
            corners = [_apply(outer, x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
            for index in range(4):
                self._add(corners[index], corners[index - 1])
            return
        if segments <= 5 or segments > MAX_PATH_SEGMENTS:
            return
        own = _compose(self._matrix(obj), outer)
        x, y = self._point
        start = current = None
        for index in range(segments):
            segment = c.FPDFPath_GetPathSegment(obj, index)
            if not c.FPDFPathSegment_GetPoint(segment, x, y):
                continue
            point = _apply(own, x.value, y.value)
            kind = c.FPDFPathSegment_GetType(segment)
            if kind == c.FPDF_SEGMENT_MOVETO:
                start = current = point
                continue
            if kind == c.FPDF_SEGMENT_LINETO and current is not None:
                self._add(current, point)
            current = point
            if c.FPDFPathSegment_GetClose(segment) and start is not None:
                self._add(current, start)
                current = start

    def _add(self, one: tuple[float, float], other: tuple[float, float]) -> None:
        (ax, ay), (bx, by) = self.view.shown(*one), self.view.shown(*other)
        if abs(ay - by) <= 1.0 and abs(ax - bx) > 1.0:
            self.horizontal.append(Line((ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) <= 1.0 and abs(ay - by) > 1.0:
            self.vertical.append(Line((ax + bx) / 2, min(ay, by), max(ay, by)))


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

    def text_in(box: Box) -> str:
        left, bottom, right, top = view.user_rect(box)
        return tidy_page(textpage.get_text_bounded(left, bottom, right, top)).strip()

    tables: list[Table] = []
    parts: list[str] = []
    above = -FAR
    for grid in grids:
        x0, top, x1, bottom = grid_box(grid)
        if top < above:  # overlaps the previous table: keep the first reading
            continue
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


def _read_with_pdfplumber(data: bytes, max_pages: int) -> PdfPages:
    """Words with positions and pdfplumber's own table finder, for every page (slow)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFSyntaxError) as error:
        raise _unreadable(error) from None
    with pdf:
        result = PdfPages(page_count=len(pdf.pages))
        if result.page_count == 0:
            raise UnreadableDocument("PDF is damaged and cannot be read: it has no pages")
        for index, page in enumerate(pdf.pages[:max_pages]):
            try:
                text, tables = _pdfplumber_page(page)
            finally:
                page.close()
            readable = is_readable(text)
            result.pages.append(text if readable else "")
            result.tables.append(tables if readable else [])
            if not readable and (page.images or text.strip()):
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
