"""Tables and pages: answers given in a table read as rows, and every piece of text keeps its page.

PDF tables are found from the lines a page draws (tables.py); Word pages break where Word
broke them; sheets, CSV files and slides are pages of their own; legacy .xls and .ppt files
are read by Debian's catdoc when it is installed, and say what to install when it is not.
"""

from __future__ import annotations

import shutil
import struct

import pytest

from campaign.parsing.documents import UnreadableDocument, extract_text
from campaign.parsing.tables import Line, find_grids, table_text

from .factories import make_docx, pdf_from_objects

# --- the lattice method on plain numbers ------------------------------------------------------


def grid_lines(xs: list[float], ys: list[float]) -> tuple[list[Line], list[Line]]:
    horizontal = [Line(y, xs[0], xs[-1]) for y in ys]
    vertical = [Line(x, ys[0], ys[-1]) for x in xs]
    return horizontal, vertical


def test_ruled_grid_gives_rows_of_cells_left_to_right():
    horizontal, vertical = grid_lines([50, 200, 500], [100, 130, 160, 190])
    [grid] = find_grids(horizontal, vertical)
    assert grid == [
        [(50, 100, 200, 130), (200, 100, 500, 130)],
        [(50, 130, 200, 160), (200, 130, 500, 160)],
        [(50, 160, 200, 190), (200, 160, 500, 190)],
    ]


def test_lines_a_little_apart_or_broken_are_one_line():
    horizontal, vertical = grid_lines([50, 200, 500], [100, 130, 160])
    horizontal += [Line(131.5, 50, 120), Line(131.5, 122, 500)]  # a double, broken border
    [grid] = find_grids(horizontal, vertical)
    assert [len(row) for row in grid] == [2, 2]


def test_merged_cell_is_one_cell_in_its_row():
    horizontal = [Line(100, 50, 500), Line(130, 50, 500), Line(160, 50, 500)]
    vertical = [Line(50, 100, 160), Line(500, 100, 160), Line(200, 130, 160)]
    [grid] = find_grids(horizontal, vertical)
    assert grid == [[(50, 100, 500, 130)], [(50, 130, 200, 160), (200, 130, 500, 160)]]


@pytest.mark.parametrize(
    ("xs", "ys"),
    [([50, 500], [100, 300]), ([50, 200, 500], [100, 130])],
    ids=["box around a paragraph", "one row of headings"],
)
def test_a_box_or_a_single_row_is_not_a_table(xs, ys):
    assert find_grids(*grid_lines(xs, ys)) == []


def test_table_text_is_one_row_per_line_with_tab_separated_cells():
    rows = [["Question", "Answer"], ["1. Do you use\nCapita One?", "Yes"], ["", ""]]
    assert table_text(rows) == "Question\tAnswer\n1. Do you use Capita One?\tYes"


# --- PDF tables -------------------------------------------------------------------------------


def make_pdf_with_table(
    rows: list[list[str]],
    *,
    rotate: int = 0,
    strokes: bool = False,
    one_path: bool = False,
    diagonal: bool = False,
) -> bytes:
    """A letter page: a heading, a ruled table of `rows` (first column 150 pt), a closing line.

    Borders are thin filled rectangles (as Word's PDF export draws them), stroked lines, or
    (`one_path`) every rule in one stroked path, optionally with a diagonal across it as a
    drawing would have. A rotated page is drawn turned the other way, so that it reads upright
    when shown, as landscape pages are.
    """
    left, middle, right, top, height = 56.0, 206.0, 540.0, 500.0, 30.0
    bottom = top - height * len(rows)
    ys = [top - height * index for index in range(len(rows) + 1)]
    if one_path:
        rules = [f"{left} {y} m {right} {y} l" for y in ys]
        rules += [f"{x} {bottom} m {x} {top} l" for x in (left, middle, right)]
        if diagonal:
            rules.append(f"{left} {bottom} m {right} {top} l")
        lines = [" ".join(rules) + " S"]
    elif strokes:
        lines = [f"{left} {y} m {right} {y} l S" for y in ys]
        lines += [f"{x} {bottom} m {x} {top} l S" for x in (left, middle, right)]
    else:
        lines = [f"{left} {y - 0.5} {right - left} 1 re f" for y in ys]
        lines += [f"{x - 0.5} {bottom} 1 {top - bottom} re f" for x in (left, middle, right)]
    texts = ["BT /F1 11 Tf 56 560 Td (Our ref: FOI/2018/77 - answers below) Tj ET"]
    for index, row in enumerate(rows):
        baseline = ys[index] - 19
        for x, cell in zip((left + 4, middle + 4), row, strict=True):
            texts.append(f"BT /F1 10 Tf {x} {baseline} Td ({cell}) Tj ET")
    texts.append(f"BT /F1 11 Tf 56 {bottom - 40} Td (Yours sincerely, FOI Team) Tj ET")
    turn = {0: "", 90: "0 1 -1 0 595 0 cm"}[rotate]
    stream = "\n".join(["q", turn, "0 g 1 w", *lines, *texts, "Q"]).encode()
    rotation = f"/Rotate {rotate} " if rotate else ""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {rotation}/Contents 4 0 R "
            f"/Resources << /Font << /F1 5 0 R >> >> >>".encode(),
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


ANSWERS = [
    ["Question", "Response"],
    ["1. Briefing notes", "Information not held"],
    ["2. Contracts", "Exempt under section 43"],
]


@pytest.mark.parametrize(
    "options",
    [{}, {"strokes": True}, {"one_path": True}, {"rotate": 90}],
    ids=["filled-borders", "stroked-borders", "one-path", "rotated-page"],
)
def test_answers_in_a_ruled_pdf_table_read_as_rows(options):
    extracted = extract_text(make_pdf_with_table(ANSWERS, **options), "reply.pdf")
    assert extracted.tables == [[ANSWERS]]
    lines = extracted.pages[0].splitlines()
    assert lines == [
        "Our ref: FOI/2018/77 - answers below",
        "Question\tResponse",
        "1. Briefing notes\tInformation not held",
        "2. Contracts\tExempt under section 43",
        "Yours sincerely, FOI Team",
    ]


def test_a_path_with_a_slanted_side_is_a_drawing_not_a_table():
    extracted = extract_text(make_pdf_with_table(ANSWERS, one_path=True, diagonal=True), "r.pdf")
    assert extracted.tables == [[]]
    assert "Exempt under section 43" in extracted.pages[0]


def test_a_grid_too_costly_to_read_cell_by_cell_keeps_its_text_without_a_table(monkeypatch):
    """Each cell costs PDFium a pass over the page's characters: past the budget (a page-size
    grid of figures) the grid's words stay in the page text in reading order."""
    from campaign.parsing import pdf_text

    pdf = make_pdf_with_table(ANSWERS)
    assert pdf_text.read_pdf(pdf, 10).tables == [[ANSWERS]]
    monkeypatch.setattr(pdf_text, "MAX_CELL_READS", 6 * 100)  # six cells, over 100 characters
    read = pdf_text.read_pdf(pdf, 10)
    assert read.tables == [[]]
    for words in ("Briefing notes", "Information not held", "Exempt under section 43"):
        assert words in read.pages[0]


def test_pdfplumber_engine_reads_the_same_table():
    extracted = extract_text(make_pdf_with_table(ANSWERS), "reply.pdf", pdf_engine="pdfplumber")
    assert extracted.method == "pdfplumber"
    assert extracted.tables == [[ANSWERS]]
    assert "1. Briefing notes\tInformation not held" in extracted.pages[0]


# --- Word pages -------------------------------------------------------------------------------


def make_docx_with_pages() -> bytes:
    import io

    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_paragraph("Our ref: FOI 18-0501")
    document.add_paragraph("Page one text.").add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("Page two text.")
    grid = document.add_table(rows=2, cols=2)
    for row, values in zip(grid.rows, [["Question", "Answer"], ["Q1", "Not held"]], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("Page three, a new section.")
    document.add_section(WD_SECTION.CONTINUOUS)
    document.add_paragraph("Still page three.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_pages_break_at_page_breaks_and_new_page_sections():
    extracted = extract_text(make_docx_with_pages(), "reply.docx")
    assert extracted.pages == [
        "Our ref: FOI 18-0501\nPage one text.",
        "Page two text.\nQuestion\tAnswer\nQ1\tNot held",
        "Page three, a new section.\n\nStill page three.",  # the break's own empty paragraph
    ]
    assert extracted.tables_on(2) == [[["Question", "Answer"], ["Q1", "Not held"]]]
    assert extracted.tables_on(1) == extracted.tables_on(3) == []


def test_word_file_from_an_authority_breaks_where_word_laid_out_its_pages():
    from .factories import CORPUS

    path = CORPUS / "originals" / "durham-constabulary-dc-foi-59-18.docx"
    extracted = extract_text(path.read_bytes(), path.name)
    assert len(extracted.pages) == 4  # three rendered page breaks recorded by Word
    assert all(page.strip() for page in extracted.pages)
    assert sum(len(tables) for tables in extracted.tables) == 1


def test_plain_word_reply_is_one_page():
    assert len(extract_text(make_docx(["Dear Sir", "Not held."]), "r.docx").pages) == 1


# --- legacy PowerPoint and Excel through catdoc ------------------------------------------------

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def ole_file(stream_name: str, stream: bytes) -> bytes:
    """An Office 97-2003 container (OLE2, 512-byte sectors) holding one stream."""
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    sectors = len(stream) // 512
    fat = [_FAT, _END] + [3 + i if i < sectors - 1 else _END for i in range(sectors)]
    fat += [_FREE] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x2C, 1, 1, 0, 4096, _END, 0, _END, 0, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([_FREE] * 108))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", raw, 0x40, len(encoded), kind, 1, _NONE, _NONE, child)
        struct.pack_into("<III", raw, 0x74, start, size, 0)
        return bytes(raw)

    directory = entry("Root Entry", 5, 1, _END, 0) + entry(stream_name, 2, _NONE, 2, len(stream))
    return bytes(header) + struct.pack("<128I", *fat) + directory + bytes(256) + stream


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def make_xls(rows: list[list[object]]) -> bytes:
    """An Excel 97-2003 workbook (BIFF8) with one sheet of text and number cells."""
    version = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6)
    name = b"Answers"
    sheet_list = _record(0x0085, struct.pack("<IBBBB", 0, 0, 0, len(name), 0) + name)
    globals_size = len(_record(0x0809, version)) + len(sheet_list) + len(_record(0x000A))
    sheet_list = _record(0x0085, struct.pack("<IBBBB", globals_size, 0, 0, len(name), 0) + name)
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                raw = value.encode("latin-1")
                cells += _record(0x0204, struct.pack("<HHHHB", r, c, 0, len(raw), 0) + raw)
            else:
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
    sheet = (
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
        + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, max(map(len, rows)), 0))
        + cells
        + _record(0x000A)
    )
    workbook = _record(0x0809, version) + sheet_list + _record(0x000A) + sheet
    return ole_file("Workbook", workbook)


def _ppt_record(kind: int, data: bytes = b"", container: bool = False) -> bytes:
    return struct.pack("<HHI", 0x000F if container else 0, kind, len(data)) + data


def make_ppt(slides: list[list[str]]) -> bytes:
    """A PowerPoint 97-2003 file: one SlidePersistAtom and its text atoms per slide."""
    body = b""
    for number, lines in enumerate(slides, start=1):
        persist = struct.pack("<IIiII", number, 0, len(lines), 255 + number, 0)
        body += _ppt_record(0x03F3, persist)
        for line in lines:
            body += _ppt_record(0x0F9F, struct.pack("<I", 1))
            body += _ppt_record(0x0FA8, line.encode("latin-1"))
    listing = _ppt_record(0x0FF0, body, container=True)
    return ole_file("PowerPoint Document", _ppt_record(0x03E8, listing, container=True))


catdoc = pytest.mark.skipif(
    not shutil.which("xls2csv") or not shutil.which("catppt"),
    reason="Debian's catdoc is not installed (scripts/install-tools)",
)


@catdoc
def test_legacy_excel_sheet_is_a_page_and_a_table():
    data = make_xls([["Question", "Answer"], ["Do you use Capita One?", "Yes"], ["Value", 12000]])
    extracted = extract_text(data, "answers.xls")
    assert extracted.method == "xls"
    assert extracted.pages == ["Question\tAnswer\nDo you use Capita One?\tYes\nValue\t12000"]
    assert extracted.tables_on(1) == [
        [["Question", "Answer"], ["Do you use Capita One?", "Yes"], ["Value", "12000"]]
    ]


@catdoc
def test_legacy_powerpoint_slides_are_pages():
    data = make_ppt([["Risk model training", "Slide one"], ["Second slide"]])
    extracted = extract_text(data, "training.ppt")
    assert extracted.method == "ppt"
    assert extracted.pages == ["Risk model training\nSlide one", "Second slide"]


@pytest.mark.parametrize(
    ("build", "name", "reason"),
    [
        (lambda: make_xls([["x"]]), "a.xls", "legacy Excel .xls: install Debian's catdoc"),
        (lambda: make_ppt([["x"]]), "a.ppt", "legacy PowerPoint .ppt: install Debian's catdoc"),
    ],
)
def test_legacy_excel_and_powerpoint_without_catdoc_say_what_to_install(
    build, name, reason, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no converters installed
    with pytest.raises(UnreadableDocument, match=reason):
        extract_text(build(), name)
