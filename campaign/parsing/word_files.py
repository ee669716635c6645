"""Word (.docx) and OpenDocument text (.odt) letters as pages of text with their tables.

A .docx has no fixed pages, but it records where they fell: a page starts at an explicit page
break (`w:br w:type="page"`, "page break before" on a paragraph), at a section break that
starts a new page, and wherever Word last laid out a page (`w:lastRenderedPageBreak`, written
by Word on save). Breaks that fall together count once. So a page here is the page a person
saw in Word when the file was saved; files written by other tools give one page per
explicit break or section. Headers are read once, at the top of the first page.
"""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

from campaign.parsing.extracted import Table, UnreadableDocument
from campaign.parsing.office_zip import open_zip, parse_xml, read_part
from campaign.parsing.tables import table_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = {_MC_FALLBACK, f"{_W}delText", f"{_W}instrText", f"{_W}sectPr", f"{_W}rPr"}


class _Pages:
    """Text and tables collected in reading order, a new page started at each break."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.tables: list[list[Table]] = [[]]
        self._pending_break = False

    def page_break(self) -> None:
        self._pending_break = True

    def add(self, text: str, table: Table | None = None) -> None:
        if not text.strip():
            if text:
                self.pages[-1].append(text)
            return
        if self._pending_break and "".join(self.pages[-1]).strip():
            self.pages.append([])
            self.tables.append([])
        self._pending_break = False
        self.pages[-1].append(text)
        if table is not None:
            self.tables[-1].append(table)

    def result(self) -> tuple[list[str], list[list[Table]]]:
        pages = [re.sub(r"\n{3,}", "\n\n", "".join(parts)).strip() for parts in self.pages]
        return pages, self.tables


def read_docx(data: bytes) -> tuple[list[str], list[list[Table]]]:
    """Pages of a Word file (see the module notes for where pages break) and their tables."""
    import docx  # python-docx: loaded in the extraction process only

    open_zip(data)  # sizes and DTDs checked before python-docx parses anything
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise  # the extraction process reports it as needing more memory
    except Exception as error:  # python-docx raises several unrelated types for bad files
        raise UnreadableDocument(f"damaged Word file ({type(error).__name__})") from None
    pages = _Pages()
    for header in _headers(document):
        pages.add(header + "\n")
    body = document.element.body
    new_page_sections = _sections_starting_new_pages(body)
    section = 0
    for child in body:
        if child.tag == f"{_W}tbl":
            table, breaks = _table(child)
            pages.add(table_text(table) + "\n", table)
            if breaks:
                pages.page_break()
        elif child.tag == f"{_W}p":
            _paragraph(child, pages)
            if child.find(f"{_W}pPr/{_W}sectPr") is not None:
                section += 1
                if section in new_page_sections:
                    pages.page_break()
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            for inner in content if content is not None else ():
                if inner.tag == f"{_W}p":
                    _paragraph(inner, pages)
                elif inner.tag == f"{_W}tbl":
                    table, _ = _table(inner)
                    pages.add(table_text(table) + "\n", table)
    return pages.result()


def _headers(document) -> list[str]:
    headers: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header):
            if part.is_linked_to_previous:
                continue
            try:
                collector = _Pages()
                for child in part._element:
                    if child.tag == f"{_W}p":
                        _paragraph(child, collector)
                    elif child.tag == f"{_W}tbl":
                        collector.add(table_text(_table(child)[0]) + "\n")
                text = "\n".join(collector.result()[0]).strip()
            except Exception:  # a missing header part is not worth failing the file
                continue
            if text and text not in headers:
                headers.append(text)
    return headers


def _sections_starting_new_pages(body: ElementTree.Element) -> set[int]:
    """Numbers (from 1) of the section breaks after which the next section starts a page."""
    properties = [p.find(f"{_W}pPr/{_W}sectPr") for p in body.iter(f"{_W}p")]
    properties = [found for found in properties if found is not None]
    final = body.find(f"{_W}sectPr")
    if final is not None:
        properties.append(final)
    starting = set()
    for number, following in enumerate(properties[1:], start=1):
        kind = following.find(f"{_W}type")
        if kind is None or kind.get(f"{_W}val") != "continuous":
            starting.add(number)
    return starting


def _paragraph(element: ElementTree.Element, pages: _Pages) -> None:
    properties = element.find(f"{_W}pPr")
    if properties is not None:
        before = properties.find(f"{_W}pageBreakBefore")
        if before is not None and before.get(f"{_W}val", "true") not in ("0", "false"):
            pages.page_break()
    parts: list[str] = []

    def flush() -> None:
        if parts:
            pages.add("".join(parts))
            parts.clear()

    def walk(node: ElementTree.Element) -> None:
        for child in node:
            tag = child.tag
            if tag in _SKIPPED:
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag == f"{_W}lastRenderedPageBreak":
                flush()
                pages.page_break()
            elif tag == f"{_W}br":
                if child.get(f"{_W}type") == "page":
                    flush()
                    pages.page_break()
                else:
                    parts.append("\n")
            elif tag == f"{_W}cr":
                parts.append("\n")
            elif tag == f"{_W}p":  # a paragraph inside a text box
                parts.append("\n")
                walk(child)
            else:
                walk(child)

    walk(element)
    parts.append("\n")
    flush()


def _table(element: ElementTree.Element) -> tuple[Table, bool]:
    """Rows of cell texts (a merged cell once), and whether a page broke inside the table."""
    rows: Table = []
    for row in element.iter(f"{_W}tr"):
        cells: list[str] = []
        for cell in row.findall(f"{_W}tc"):
            text = " ".join(_plain(p) for p in cell.iter(f"{_W}p")).strip()
            if not cells or text != cells[-1]:
                cells.append(text)
        rows.append(cells)
    breaks = any(True for _ in element.iter(f"{_W}lastRenderedPageBreak"))
    return rows, breaks


def _plain(paragraph: ElementTree.Element) -> str:
    collector = _Pages()
    _paragraph(paragraph, collector)
    return " ".join(" ".join(collector.result()[0]).split())


_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def read_odt(data: bytes) -> tuple[list[str], list[list[Table]]]:
    """An OpenDocument text as one page of paragraphs and headings."""
    root = parse_xml(read_part(open_zip(data), "content.xml"))
    lines = []
    for element in root.iter():
        if element.tag in (f"{_TEXT_NS}p", f"{_TEXT_NS}h"):
            lines.append("".join(element.itertext()))
    return ["\n".join(lines)], [[]]
