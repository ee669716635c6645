"""PowerPoint slides as pages: .pptx read from its XML, legacy .ppt through Debian's catppt.

Training slides and presentations are often released under FOI; one page per slide lets an
answer point at the slide that says it. Tables on a slide (a:tbl) are kept as tables.
"""

from __future__ import annotations

import re

from campaign.parsing.converters import run_converter
from campaign.parsing.extracted import Table
from campaign.parsing.office_zip import open_zip, parse_xml, read_part
from campaign.parsing.tables import table_text

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def read_pptx(data: bytes) -> tuple[list[str], list[list[Table]]]:
    """One page per slide, in slide order: the text of every shape, tables as rows."""
    archive = open_zip(data)
    slides = sorted(
        (name for name in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)),
        key=lambda name: int(re.search(r"(\d+)\.xml$", name).group(1)),
    )
    pages, tables = [], []
    for name in slides:
        root = parse_xml(read_part(archive, name))
        in_tables = {id(p) for table in root.iter(f"{_A}tbl") for p in table.iter(f"{_A}p")}
        slide_tables = [_table(table) for table in root.iter(f"{_A}tbl")]
        paragraphs = []
        for paragraph in root.iter(f"{_A}p"):
            if id(paragraph) in in_tables:
                continue
            text = "".join(node.text or "" for node in paragraph.iter(f"{_A}t"))
            if text.strip():
                paragraphs.append(text)
        paragraphs += [table_text(table) for table in slide_tables]
        pages.append("\n".join(part for part in paragraphs if part))
        tables.append(slide_tables)
    return pages, tables


def _table(element) -> Table:
    return [
        [
            " ".join("".join(node.text or "" for node in cell.iter(f"{_A}t")).split())
            for cell in row.findall(f"{_A}tc")
            if cell.get("hMerge") != "1" and cell.get("vMerge") != "1"
        ]
        for row in element.iter(f"{_A}tr")
    ]


def read_ppt(data: bytes, catppt: str, seconds: float) -> tuple[list[str], list[list[Table]]]:
    """A PowerPoint 97-2003 file through catppt, which ends each slide with a form feed."""
    text = run_converter([catppt, "-d", "utf-8"], data, ".ppt", seconds, "PowerPoint .ppt")
    slides = [slide.strip() for slide in text.split("\f")]
    while slides and not slides[-1]:
        slides.pop()
    return slides or [""], [[] for _ in slides or [""]]
