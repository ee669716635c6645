"""Office Open XML and OpenDocument files are zip archives of XML parts: opened with care.

A zip bomb is refused by the sizes the archive declares (Python's zipfile stops reading a
member at its declared size, so a lying header gives a CRC error, not more data). Office
files never carry a DTD, so any part that declares one is refused before a parser sees it:
that shuts out entity-expansion ("billion laughs") and external-entity tricks whatever the
XML library underneath does.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from campaign.parsing.extracted import UnreadableDocument

MAX_UNPACKED_MB = 300
MAX_PARTS = 10_000
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def zip_type(data: bytes) -> str:
    """docx, xlsx, pptx or odt, from the archive's list of parts (nothing is unpacked)."""
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


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, once its declared sizes are sane and none of its XML parts has a DTD."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableDocument("damaged zip archive (Office file or zip)") from None
    if len(members) > MAX_PARTS:
        raise UnreadableDocument(f"file has more than {MAX_PARTS} parts; refused as unsafe")
    if sum(member.file_size for member in members) > MAX_UNPACKED_MB * 1024 * 1024:
        raise UnreadableDocument(f"file unpacks to more than {MAX_UNPACKED_MB} MB")
    for member in members:
        if member.filename.endswith((".xml", ".rels")) and _declares_dtd(archive, member):
            raise UnreadableDocument("document declares XML entities; refused as unsafe")
    return archive


def _declares_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """A DTD comes before the root element, so the first few KB tell (any encoding)."""
    try:
        with archive.open(member) as part:
            head = part.read(4096)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UnreadableDocument("damaged zip archive (Office file or zip)") from None
    return bool(_DTD.search(head) or _DTD.search(head.replace(b"\x00", b"")))


def read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise UnreadableDocument(f"damaged document: no {name}") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UnreadableDocument("damaged zip archive (Office file or zip)") from None


def parse_xml(raw: bytes) -> ElementTree.Element:
    if _DTD.search(raw[:4096]):
        raise UnreadableDocument("document declares XML entities; refused as unsafe")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise UnreadableDocument("damaged document XML") from None
