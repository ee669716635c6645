"""What reading a file gives: its text page by page with the tables found there, or a reason.

Kept apart from documents.py so the capped extraction processes (extraction_worker.py), which
load the format readers but none of the pool or routing code, raise and build the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_BREAK = "\n\f\n"

# A table as read: rows of cell texts. Cells covered by a merged neighbour are left out, so a
# row can be shorter than the widest one.
Table = list[list[str]]


class UnreadableDocument(Exception):
    """A file that gives no text; the message is a one-line reason a person can act on."""


@dataclass(frozen=True)
class ExtractedText:
    """The text of one file, page by page (sheets and slides count as pages).

    `tables` is empty or holds one list of tables per page; the same tables are also written
    into the page text, one row per line with cells separated by tabs, so a reader of plain
    text sees them. `ocr_pages` are page numbers (from 1) whose text came from OCR and so may
    hold recognition errors; `unread_pages` look scanned but still have no text. `note` is a
    remark for a person, such as why a scan was not read.
    """

    pages: list[str]
    method: str
    needs_ocr: bool = False
    truncated: bool = False
    tables: list[list[Table]] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)
    unread_pages: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def text(self) -> str:
        return PAGE_BREAK.join(self.pages)

    def tables_on(self, page: int) -> list[Table]:
        """The tables found on one page, numbered from 1 (none when the format has none)."""
        return self.tables[page - 1] if 0 < page <= len(self.tables) else []
