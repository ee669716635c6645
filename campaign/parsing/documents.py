"""Replies and attachments as text with pages: PDF, Word, Excel, CSV, PowerPoint, HTML, RTF, mail.

The type comes from the file's first bytes, then its name and declared content type, because
authorities' mail systems often label a PDF as application/octet-stream and a Word file as .dat.
PDFs and Office files are read in capped extraction processes (extraction_pool.py): a hostile
or broken file costs one failed attachment, never the worker that reads the inbox. Mail
bodies, HTML, RTF, CSV and plain text are read here; their parsers are linear and bounded.

Scanned PDF pages are read by OCR (ocr.py) when Debian's tesseract is installed; otherwise,
or when OCR finds nothing, the result says `needs_ocr` and names the pages in `unread_pages`.
Legacy .ppt and .xls files need Debian's catdoc; without it the reason says so.
"""

from __future__ import annotations

import email
import email.policy
import re
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from campaign.parsing.converters import find_converter
from campaign.parsing.extracted import PAGE_BREAK, ExtractedText, Table, UnreadableDocument
from campaign.parsing.extraction_pool import ExtractionPool, shared_pool
from campaign.parsing.legacy_office import OLE_MAGIC
from campaign.parsing.ocr import INSTALL_HINT, find_tesseract
from campaign.parsing.office_zip import zip_type
from campaign.parsing.rtf import rtf_to_text
from campaign.parsing.spreadsheets import read_csv

__all__ = [
    "PAGE_BREAK",
    "ExtractedText",
    "UnreadableDocument",
    "decode_text",
    "detect_type",
    "extract_text",
    "html_to_text",
]

# Seconds of OCR per scanned page at most; the whole document has `ocr_timeout_seconds`.
OCR_PAGE_SECONDS = 60.0
# A PDF longer than this is read in page ranges by several extraction processes at once.
SPLIT_AFTER = 40
# A PDF larger than this reaches the extraction processes as a file, not through their pipes.
HAND_OVER_AS_FILE_BYTES = 8 * 1024 * 1024
_LABELS = {
    "pdf": "PDF",
    "docx": "Word file",
    "odt": "OpenDocument file",
    "xlsx": "Excel file",
    "pptx": "PowerPoint file",
    "ole": "Office 97-2003 file",
}


def extract_text(
    data: bytes,
    filename: str,
    content_type: str = "",
    *,
    max_pages: int = 500,
    timeout_seconds: float = 60.0,
    memory_limit_mb: int = 1024,
    pdf_engine: str = "pdfium",
    ocr: bool = True,
    ocr_timeout_seconds: float = 300.0,
    pool: ExtractionPool | None = None,
) -> ExtractedText:
    """Text of one reply or attachment, or UnreadableDocument saying why there is none.

    `pdf_engine` is "pdfium" (text and ruled tables, fast) or "pdfplumber" (pdfplumber's words
    and table finder on every page; many times slower). Only the first `max_pages` pages of a
    PDF are read; `truncated` says so. `timeout_seconds` and `memory_limit_mb` bound reading
    one file; OCR of its scanned pages gets `ocr_timeout_seconds` more, and `ocr=False` skips
    it. `pool` is the set of extraction processes to use (the process-wide one by default).
    """
    if not data or data.isspace():  # isspace, unlike strip, does not copy a 50 MB file
        raise UnreadableDocument("empty file")
    kind = detect_type(data, filename, content_type)
    if kind in _LABELS:
        limits = {
            "label": _LABELS[kind],
            "memory_limit_mb": memory_limit_mb,
            "timeout_seconds": timeout_seconds,
        }
        pool = pool or shared_pool()
        if kind == "pdf":
            return _pdf(data, pool, limits, max_pages, pdf_engine, ocr, ocr_timeout_seconds)
        return _office(kind, data, pool, limits)
    if kind == "rtf":
        return ExtractedText([rtf_to_text(decode_text(data))], "rtf")
    if kind == "csv":
        pages, tables = read_csv(decode_text(data))
        return ExtractedText(pages, "csv", tables=tables)
    if kind == "eml":
        return ExtractedText([_email_body(data)], "email")
    if kind == "html":
        return ExtractedText([html_to_text(decode_text(data))], "html")
    if kind == "text":
        return ExtractedText([decode_text(data)], "text")
    raise UnreadableDocument(f"unsupported file type ({_describe(filename, content_type)})")


def detect_type(data: bytes, filename: str = "", content_type: str = "") -> str:
    """The file's format: pdf, docx, xlsx, pptx, odt, ole, rtf, csv, eml, html, text or unknown."""
    head = data[:1024]
    suffix = Path(filename).suffix.lower()
    declared = content_type.split(";")[0].strip().lower()
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return zip_type(data)
    if data.startswith(OLE_MAGIC):
        return "ole"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if suffix == ".pdf" or declared == "application/pdf":
        raise UnreadableDocument("not a PDF: the file has no %PDF header (damaged or mislabelled)")
    if suffix in {".docx", ".xlsx", ".pptx", ".odt"}:
        raise UnreadableDocument(f"not a valid {suffix} file: it is not a zip archive")
    if not _looks_like_text(head):
        if suffix == ".doc":
            raise UnreadableDocument("legacy Word .doc: not an Office 97-2003 file")
        return "unknown"
    lowered = head.lstrip().lower()
    if suffix == ".csv" or declared in {"text/csv", "application/csv"}:
        return "csv"
    if suffix == ".eml" or declared == "message/rfc822":
        return "eml"
    if suffix in {".html", ".htm", ".xhtml"} or declared in {"text/html", "application/xhtml+xml"}:
        return "html"
    # Word's "web page" files are often saved with a .doc name.
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in data[:4096]:
        return "html"
    if suffix != ".txt" and re.match(
        rb"(?:(?:return-path|received|from|to|subject|date|message-id|mime-version|"
        rb"delivered-to|x-[\w-]+):[^\n]*\r?\n){3}",
        head,
        re.IGNORECASE,
    ):
        return "eml"
    return "text"


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: BOMs honoured, UTF-8 first, then Windows-1252, then Latin-1."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
}
_SKIPPED_TAGS = {"script", "style", "head", "title", "noscript", "template", "svg", "object"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
            if tag == "pre":
                self.preformatted += 1
        elif tag in {"td", "th"}:
            self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "hr"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
            if tag == "pre":
                self.preformatted = max(0, self.preformatted - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.preformatted:
            data = re.sub(r"\s+", " ", data)
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: block elements on their own lines, no scripts or styles."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = [line.strip(" \t") for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _describe(filename: str, content_type: str) -> str:
    suffix = Path(filename).suffix.lower()
    return ", ".join(part for part in (suffix, content_type) if part) or "no name or type"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(head) * 0.02


# --- PDF and Office files, read in the extraction processes ------------------------------------


def _pdf(
    data: bytes,
    pool: ExtractionPool,
    limits: dict[str, Any],
    max_pages: int,
    engine: str,
    ocr: bool,
    ocr_seconds: float,
) -> ExtractedText:
    with _handed_over(data) as (payload, source):
        read = _pdf_pages(payload, source, pool, limits, max_pages, engine)
        scanned: list[int] = read["scanned"]
        texts, note = {}, ""
        if scanned:
            texts, note = _recognised(payload, source, pool, limits, scanned, ocr, ocr_seconds)
    pages: list[str] = read["pages"]
    tables: list[list[Table]] = read["tables"]
    ocr_pages: list[int] = []
    for index, text in sorted(texts.items()):
        if text.strip():
            pages[index] = text
            ocr_pages.append(index + 1)
    unread = [index + 1 for index in scanned if not pages[index].strip()]
    note = _unread_note(unread, note or "OCR found no text") if unread else ""
    with_text = sum(1 for page in pages if page.strip())
    # Mostly empty pages and hardly any words: a scan, whatever else the file holds.
    needs_ocr = bool(pages) and with_text * 2 < len(pages) and sum(map(len, pages)) < 200
    method = "ocr" if ocr_pages and len(ocr_pages) * 2 >= with_text else engine
    return ExtractedText(
        pages,
        method,
        needs_ocr=needs_ocr,
        truncated=read["page_count"] > len(pages),
        tables=tables,
        ocr_pages=ocr_pages,
        unread_pages=unread,
        note=note,
    )


@contextmanager
def _handed_over(data: bytes) -> Iterator[tuple[bytes, dict[str, str]]]:
    """(payload, options) that give the extraction processes the PDF.

    A large PDF goes through a private temporary file instead of each process's pipe, so the
    processes that read it in parallel do not each hold a copy: PDFium reads a file as it needs.
    """
    if len(data) <= HAND_OVER_AS_FILE_BYTES:
        yield data, {}
        return
    with tempfile.NamedTemporaryFile(prefix="campaign-", suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        yield b"", {"path": handle.name}


def _pdf_pages(
    payload: bytes,
    source: dict[str, str],
    pool: ExtractionPool,
    limits: dict[str, Any],
    max_pages: int,
    engine: str,
) -> dict[str, Any]:
    """Pages, tables and scanned pages of a PDF; a long one is read in parallel page ranges.

    The first job reads a document of up to SPLIT_AFTER pages (a whole letter, usually) and
    only counts a longer one. All of a long one is then shared between the pool's processes
    from its first page, so a 300-page release does not keep one core busy while the others
    wait; each range has what is left of the time limit.
    """
    deadline = time.monotonic() + limits["timeout_seconds"]
    job = {"max_pages": max_pages, "engine": engine, **source}
    read = pool.run("pdf", payload, {**job, "count_past": SPLIT_AFTER}, **limits)
    wanted = min(read["page_count"], max_pages)
    if engine != "pdfium" or wanted <= SPLIT_AFTER:
        return read
    parts = max(1, min(pool.size, -(-wanted // SPLIT_AFTER)))
    step = -(-wanted // parts)
    ranges = [(start, min(start + step, wanted)) for start in range(0, wanted, step)]

    def read_range(bounds: tuple[int, int]) -> dict[str, Any]:
        remaining = max(deadline - time.monotonic(), 0.001)
        options = {**job, "first": bounds[0], "last": bounds[1]}
        return pool.run("pdf", payload, options, **{**limits, "timeout_seconds": remaining})

    with ThreadPoolExecutor(len(ranges), thread_name_prefix="pdf-range") as threads:
        for part in threads.map(read_range, ranges):
            read["pages"] += part["pages"]
            read["tables"] += part["tables"]
            read["scanned"] += part["scanned"]
    return read


def _recognised(
    payload: bytes,
    source: dict[str, str],
    pool: ExtractionPool,
    limits: dict[str, Any],
    scanned: list[int],
    ocr: bool,
    seconds: float,
) -> tuple[dict[int, str], str]:
    """OCR text of the scanned pages by index, and a note when some could not be read.

    The pages are shared between the pool's processes (tesseract uses one core per page), all
    within the same `seconds`; each process keeps to it itself, the pool's limit is a backstop.
    """
    if not ocr:
        return {}, "OCR was not asked for"
    tesseract = find_tesseract()
    if tesseract is None:
        return {}, f"OCR is not installed ({INSTALL_HINT})"
    parts = min(pool.size, len(scanned))
    step = -(-len(scanned) // parts)
    groups = [scanned[start : start + step] for start in range(0, len(scanned), step)]
    job = {**source, "tesseract": tesseract, "page_seconds": min(OCR_PAGE_SECONDS, seconds)}
    deadline = time.monotonic() + seconds

    def recognise(pages: list[int]) -> dict[str, Any]:
        remaining = max(deadline - time.monotonic(), 0.001)
        options = {**job, "pages": pages, "seconds": remaining}
        try:
            return pool.run(
                "ocr", payload, options, **{**limits, "timeout_seconds": remaining + 30}
            )
        except UnreadableDocument as reason:
            return {"texts": {}, "failed": f"OCR failed: {reason}"}

    texts: dict[int, str] = {}
    notes: list[str] = []
    with ThreadPoolExecutor(len(groups), thread_name_prefix="ocr") as threads:
        for answer in threads.map(recognise, groups):
            texts.update({int(index): text for index, text in answer["texts"].items()})
            notes.append(answer.get("failed", ""))
            if answer.get("out_of_time"):
                notes.append(f"OCR stopped after {seconds:g} seconds")
            notes += [
                f"OCR gave up on page {index + 1} after {job['page_seconds']:g} seconds"
                for index in answer.get("gave_up", [])
            ]
    return texts, "; ".join(dict.fromkeys(note for note in notes if note))


def _unread_note(unread: list[int], reason: str) -> str:
    if len(unread) == 1:
        return f"page {unread[0]} looks scanned and has no text: {reason}"
    return f"{len(unread)} pages look scanned and have no text: {reason}"


def _office(kind: str, data: bytes, pool: ExtractionPool, limits: dict[str, Any]) -> ExtractedText:
    options: dict[str, Any] = {}
    if kind == "ole":
        options = {
            "catppt": find_converter("catppt"),
            "xls2csv": find_converter("xls2csv"),
            "seconds": limits["timeout_seconds"],
        }
    read = pool.run(kind, data, options, **limits)
    return ExtractedText(read["pages"], read.get("method", kind), tables=read["tables"])


# --- mail ----------------------------------------------------------------------------------------


def _email_body(data: bytes) -> str:
    """Subject and readable body of an attached email (message/rfc822)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    subject = str(message.get("subject", "") or "")
    body = ""
    try:
        part = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    except (KeyError, LookupError):
        part = None
    if part is not None:
        content = part.get_content()
        body = html_to_text(content) if part.get_content_type() == "text/html" else content
    return f"{subject}\n\n{body}".strip()
