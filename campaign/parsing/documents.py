"""Replies and attachments as text with pages: PDF, Word, Excel, PowerPoint, HTML, RTF, mail, text.

The type comes from the file's first bytes, then its name and declared content type, because
authorities' mail systems often label a PDF as application/octet-stream and a Word file as .dat.
PDFs are read in a separate process with a memory ceiling and a time limit (see pdf_worker.py):
a hostile or broken PDF must cost one failed attachment, never the worker that reads the inbox.
Office files are zip archives whose declared sizes are checked before any XML is parsed.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from campaign.parsing.legacy_office import (
    OLE_MAGIC,
    CompoundFile,
    LegacyOfficeError,
    outlook_message_text,
    word_text,
)
from campaign.parsing.rtf import rtf_to_text

PAGE_BREAK = "\n\f\n"
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 200
MAX_UNPACKED_MB = 300
_PDF_WORKER = Path(__file__).with_name("pdf_worker.py")


class UnreadableDocument(Exception):
    """A file that gives no text; the message is a one-line reason a person can act on."""


@dataclass(frozen=True)
class ExtractedText:
    """The text of one file, page by page (sheets and slides count as pages)."""

    pages: list[str]
    method: str
    needs_ocr: bool = False
    truncated: bool = False

    @property
    def text(self) -> str:
        return PAGE_BREAK.join(self.pages)


def extract_text(
    data: bytes,
    filename: str,
    content_type: str = "",
    *,
    max_pages: int = 500,
    timeout_seconds: float = 60.0,
    memory_limit_mb: int = 1024,
    pdf_engine: str = "pdfium",
) -> ExtractedText:
    """Text of one reply or attachment, or UnreadableDocument saying why there is none.

    `pdf_engine` is "pdfium" (plain text, fast) or "pdfplumber" (slower; keeps layout for
    tables). Only the first `max_pages` pages of a PDF are read; `truncated` says so.
    """
    if not data or not data.strip():
        raise UnreadableDocument("empty file")
    kind = detect_type(data, filename, content_type)
    if kind == "pdf":
        return _pdf(data, max_pages, timeout_seconds, memory_limit_mb, pdf_engine)
    if kind == "docx":
        return ExtractedText([_docx(data)], "docx")
    if kind == "xlsx":
        return ExtractedText(_xlsx(data), "xlsx")
    if kind == "pptx":
        return ExtractedText(_pptx(data), "pptx")
    if kind == "odt":
        return ExtractedText([_odt(data)], "odt")
    if kind == "ole":
        return _legacy_office(data)
    if kind == "rtf":
        return ExtractedText([rtf_to_text(decode_text(data))], "rtf")
    if kind == "eml":
        return ExtractedText([_email_body(data)], "email")
    if kind == "html":
        return ExtractedText([html_to_text(decode_text(data))], "html")
    if kind == "text":
        return ExtractedText([decode_text(data)], "text")
    raise UnreadableDocument(f"unsupported file type ({_describe(filename, content_type)})")


def detect_type(data: bytes, filename: str = "", content_type: str = "") -> str:
    """The file's format: pdf, docx, xlsx, pptx, odt, ole, rtf, eml, html, text or unknown."""
    head = data[:1024]
    suffix = Path(filename).suffix.lower()
    declared = content_type.split(";")[0].strip().lower()
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data, suffix)
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


# --- PDF -------------------------------------------------------------------------------------


def _pdf(
    data: bytes, max_pages: int, timeout_seconds: float, memory_limit_mb: int, engine: str
) -> ExtractedText:
    command = [sys.executable, "-I", str(_PDF_WORKER), engine, str(max_pages), str(memory_limit_mb)]
    try:
        finished = subprocess.run(
            command, input=data, capture_output=True, timeout=timeout_seconds, check=False
        )
    except subprocess.TimeoutExpired:
        raise UnreadableDocument(
            f"PDF took longer than {timeout_seconds:g} seconds to read"
        ) from None
    try:
        result = json.loads(finished.stdout or b"{}")
    except ValueError:
        result = {}
    if "pages" not in result:
        error = result.get("error")
        if error == "password":
            raise UnreadableDocument("PDF is password-protected")
        if error == "damaged":
            raise UnreadableDocument("PDF is damaged and cannot be read")
        # No answer at all: the worker was killed or crashed, which under an address-space
        # ceiling means it ran out of memory.
        raise UnreadableDocument(f"PDF needs more memory than {memory_limit_mb} MB to read")
    pages = [_tidy_pdf_page(page) for page in result["pages"]]
    readable = [page for page in pages if _is_readable(page)]
    needs_ocr = bool(pages) and len(readable) * 2 < len(pages) and sum(map(len, readable)) < 200
    pages = [page if _is_readable(page) else "" for page in pages]
    truncated = result.get("page_count", len(pages)) > len(pages)
    return ExtractedText(pages, engine, needs_ocr=needs_ocr, truncated=truncated)


def _tidy_pdf_page(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-")
    return text.replace("\x02", "-")


def _is_readable(page: str) -> bool:
    """A page with real words; fonts without a Unicode map give control characters instead."""
    stripped = page.strip()
    if sum(ch.isalnum() for ch in stripped) < 10:
        return False
    bad = sum(1 for ch in stripped if (ord(ch) < 32 and ch not in "\n\t\f") or ch == "\ufffd")
    bad += sum(1 for ch in stripped if "\ue000" <= ch <= "\uf8ff")
    return bad <= len(stripped) * 0.05


# --- Office Open XML and OpenDocument --------------------------------------------------------


def _zip_type(data: bytes, suffix: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableDocument("damaged zip archive (Office file or zip)") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "content.xml" in names:
        return "odt"
    raise UnreadableDocument("zip archive that is not a Word, Excel or PowerPoint file")


def _open_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise UnreadableDocument(f"file unpacks to more than {MAX_UNPACKED_MB} MB")
    return archive


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _docx(data: bytes) -> str:
    """Paragraphs and tables in document order, text boxes included, headers first."""
    import docx  # python-docx: imported here so plain-text replies never pay for it

    _open_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several unrelated types for bad files
        raise UnreadableDocument(f"damaged Word file ({type(error).__name__})") from None
    blocks: list[str] = []
    seen_headers: set[str] = set()
    for section in document.sections:
        for part in (section.header, section.first_page_header):
            if part.is_linked_to_previous:
                continue
            try:
                text = "\n".join(_block_text(child) for child in part._element)
            except Exception:  # a missing header part is not worth failing the file
                continue
            if text.strip() and text not in seen_headers:
                seen_headers.add(text)
                blocks.append(text.strip())
    body = document.element.body
    blocks.extend(_block_text(child) for child in body)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(blocks)).strip()


def _block_text(element: ElementTree.Element) -> str:
    tag = element.tag
    if tag == f"{_W}p":
        return _run_text(element)
    if tag == f"{_W}tbl":
        rows = []
        for row in element.iter(f"{_W}tr"):
            cells: list[str] = []
            for cell in row.findall(f"{_W}tc"):
                text = " ".join(_run_text(p) for p in cell.iter(f"{_W}p")).strip()
                if not cells or text != cells[-1]:
                    cells.append(text)
            rows.append("\t".join(cells))
        return "\n".join(rows)
    if tag == f"{_W}sdt":
        content = element.find(f"{_W}sdtContent")
        return "\n".join(_block_text(child) for child in content) if content is not None else ""
    return ""


def _run_text(element: ElementTree.Element) -> str:
    parts: list[str] = []

    def walk(node: ElementTree.Element) -> None:
        for child in node:
            tag = child.tag
            if tag == _MC_FALLBACK or tag == f"{_W}delText" or tag == f"{_W}instrText":
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}p" and parts:
                parts.append("\n")
                walk(child)
                continue
            walk(child)

    walk(element)
    return "".join(parts)


def _xlsx(data: bytes) -> list[str]:
    """One page per sheet: its name, then rows of tab-separated cells (capped)."""
    import openpyxl

    _open_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for damaged workbooks
        raise UnreadableDocument(f"damaged Excel file ({type(error).__name__})") from None
    pages = []
    try:
        for sheet in workbook.worksheets:
            lines = [sheet.title]
            for row in sheet.iter_rows(
                max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS, values_only=True
            ):
                cells = [_cell_text(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    lines.append("\t".join(cells))
            pages.append("\n".join(lines))
    finally:
        workbook.close()
    return pages


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date().isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return " ".join(str(value).split())


_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _pptx(data: bytes) -> list[str]:
    """One page per slide, in slide order; text of every shape."""
    archive = _open_zip(data)
    slides = sorted(
        (name for name in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)),
        key=lambda name: int(re.search(r"(\d+)", name.rsplit("/", 1)[1]).group(1)),
    )
    pages = []
    for name in slides:
        root = _parse_xml(archive.read(name))
        paragraphs = []
        for paragraph in root.iter(f"{_A}p"):
            text = "".join(node.text or "" for node in paragraph.iter(f"{_A}t"))
            if text.strip():
                paragraphs.append(text)
        pages.append("\n".join(paragraphs))
    return pages


_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odt(data: bytes) -> str:
    root = _parse_xml(_open_zip(data).read("content.xml"))
    lines = []
    for element in root.iter():
        if element.tag in (f"{_TEXT_NS}p", f"{_TEXT_NS}h"):
            lines.append("".join(element.itertext()))
    return "\n".join(lines)


def _parse_xml(raw: bytes) -> ElementTree.Element:
    if b"<!ENTITY" in raw[:4096]:
        raise UnreadableDocument("document declares XML entities; refused as unsafe")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise UnreadableDocument("damaged document XML") from None


# --- Office 97-2003, RTF and mail ------------------------------------------------------------


def _legacy_office(data: bytes) -> ExtractedText:
    try:
        ole = CompoundFile(data)
        if "WordDocument" in ole.entries:
            return ExtractedText([word_text(data)], "doc")
        if any(name.startswith("__substg1.0_") for name in ole.entries):
            return ExtractedText([outlook_message_text(data)], "msg")
    except LegacyOfficeError as error:
        raise UnreadableDocument(f"legacy Office file: {error}") from None
    if "Workbook" in ole.entries or "Book" in ole.entries:
        raise UnreadableDocument("legacy Excel .xls: not supported; save it as .xlsx")
    if "PowerPoint Document" in ole.entries:
        raise UnreadableDocument("legacy PowerPoint .ppt: not supported; save it as .pptx")
    raise UnreadableDocument("Office 97-2003 file of an unsupported kind")


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
