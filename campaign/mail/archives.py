"""Files inside files: zip archives and Outlook's winmail.dat, opened within fixed limits.

Authorities send their disclosures as zips of PDFs, and Outlook wraps attachments in
winmail.dat (TNEF) when it thinks the recipient runs Outlook too. Both are unpacked so every
document reaches the parser, and both are hostile ground: a zip can claim small sizes and
expand to gigabytes, name its members "../../etc/passwd", nest zips in zips, or hold thousands
of entries; a TNEF blob can declare billions of properties. Every size, count and depth is
checked before any byte is decompressed, and one shared budget caps what all the archives in
one message may expand to. The archive itself is always kept; what was not unpacked is listed
in `refused` with a reason.

tnefparse trusts the counts inside the blob (a four-byte count can make it loop for hours), so
each attachment's property table is walked here first, within bounds, and only tables that
pass are handed to it, one attachment at a time.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from tnefparse.codepage import Codepage
from tnefparse.tnef import TNEF

from campaign.mail.inbound import (
    InboundFile,
    InboundLimits,
    RefusedPart,
    count_reason,
    guess_content_type,
    human_size,
    safe_filename,
    size_reason,
)

ZIP_TYPES = {
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    "application/zip-compressed",
    "multipart/x-zip",
}
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
# Zip containers that are documents in their own right: the parser reads them whole.
_DOCUMENT_SUFFIXES = (
    ".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xltx", ".pptx", ".pptm", ".potx",
    ".odt", ".ods", ".odp", ".odg", ".epub", ".jar", ".apk", ".xps", ".oxps", ".vsdx",
)  # fmt: skip
# Below this a high compression ratio is just a small, repetitive file, not a bomb.
RATIO_FLOOR_BYTES = 1024 * 1024
# A central directory entry is 46 bytes plus its name; more than this per allowed member
# means a directory built to exhaust memory, not one that lists documents.
_DIRECTORY_BYTES_PER_MEMBER = 1024
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
_TNEF_ATTACH_DATA = 0x800F
_TNEF_ATTACH_TITLE = 0x8010
_TNEF_ATTACH_RENDDATA = 0x9002
_TNEF_ATTACHMENT = 0x9005
_TNEF_OEM_CODEPAGE = 0x9007
_TNEF_LEVEL_MESSAGE = 1
_TNEF_LEVEL_ATTACHMENT = 2
MAX_TNEF_OBJECTS = 100_000
MAX_MAPI_VALUES = 4096
_MAPI_ATTACH_DATA_OBJ = 0x3701
_MAPI_FIXED_SIZES = {
    0x0002: 2, 0x000B: 2, 0x0003: 4, 0x0004: 4, 0x000A: 4,
    0x0005: 8, 0x0006: 8, 0x0007: 8, 0x0014: 8, 0x0040: 8, 0x0048: 16,
}  # fmt: skip
_MAPI_VARIABLE = {0x0000, 0x000D, 0x001E, 0x001F, 0x0102}
_MAPI_MULTI_VALUE = 0x1000
_MAPI_NAMED = 0x8000
_IMESSAGE_SIGNATURE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"


class ExpansionBudget:
    """Bytes the archives of one message may still expand to, shared by all of them."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining


@dataclass
class Expansion:
    """What came out of one archive: files kept, parts refused, and notes on damage."""

    files: list[InboundFile] = field(default_factory=list)
    refused: list[RefusedPart] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def is_archive(file: InboundFile) -> bool:
    """Whether the file is a zip or winmail.dat that should be unpacked."""
    return _is_zip(file) or _is_tnef(file)


def expand_archive(
    file: InboundFile,
    limits: InboundLimits,
    *,
    room: int,
    budget: ExpansionBudget,
    depth: int = 1,
) -> Expansion:
    """The files inside an archive, at most `room` of them; never raises.

    `depth` is 1 for an archive attached to the email, 2 for one inside that, and so on.
    """
    unpacker = _Unpacker(file, limits, room, budget, depth)
    try:
        if _is_zip(file):
            unpacker.unzip()
        elif _is_tnef(file):
            unpacker.untnef()
    except Exception as error:  # damage we did not foresee: keep what came out so far
        unpacker.expansion.defects.append(
            f"{file.filename} could not be unpacked completely ({type(error).__name__}); "
            "it is kept as it is"
        )
    return unpacker.expansion


def _is_zip(file: InboundFile) -> bool:
    name = file.filename.lower()
    if name.endswith(_DOCUMENT_SUFFIXES):
        return False
    return (file.content_type in ZIP_TYPES or name.endswith(".zip")) and file.data[:4] in (
        b"PK\x03\x04",
        b"PK\x05\x06",
    )


def _is_tnef(file: InboundFile) -> bool:
    return file.content_type in TNEF_TYPES or file.filename.lower() == "winmail.dat"


class _Unpacker:
    """Unpacks one archive, keeping count of room, budget and depth."""

    def __init__(
        self,
        archive: InboundFile,
        limits: InboundLimits,
        room: int,
        budget: ExpansionBudget,
        depth: int,
    ) -> None:
        self.archive = archive
        self.limits = limits
        self.room = room
        self.budget = budget
        self.depth = depth
        self.expansion = Expansion()
        label = f"{archive.container}/{archive.filename}" if archive.container else archive.filename
        self.container = label[-255:]

    def refuse(self, filename: str, reason: str) -> None:
        self.expansion.refused.append(RefusedPart(filename, reason))

    def defect(self, note: str) -> None:
        self.expansion.defects.append(note)

    def refusal(self, size: int) -> str | None:
        """Why a member of this size may not be unpacked now, or None if it may."""
        if self.room <= 0:
            return count_reason(self.limits)
        if size > self.limits.max_attachment_bytes:
            return size_reason(self.limits)
        if size > self.budget.remaining:
            return f"archive would expand past {human_size(self.limits.max_archive_total_bytes)}"
        return None

    def keep(self, filename: str, data: bytes) -> None:
        member = InboundFile(filename, guess_content_type(filename), data, self.container)
        self.expansion.files.append(member)
        self.room -= 1
        self.budget.remaining -= len(data)
        if not is_archive(member):
            return
        if self.depth + 1 > self.limits.max_archive_depth:
            self.refuse(
                filename, f"nested archive deeper than {self.limits.max_archive_depth} levels"
            )
            return
        inner = expand_archive(
            member, self.limits, room=self.room, budget=self.budget, depth=self.depth + 1
        )
        self.room -= len(inner.files)
        self.expansion.files += inner.files
        self.expansion.refused += inner.refused
        self.expansion.defects += inner.defects

    # zip

    def unzip(self) -> None:
        data = self.archive.data
        problem = _zip_directory_problem(data, self.limits)
        if problem:
            self.refuse(self.archive.filename, problem)
            return
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except Exception:  # BadZipFile, or NotImplementedError for a version from the future
            self.defect(f"{self.archive.filename} is not a readable zip file; it is kept as it is")
            return
        members = [info for info in archive.infolist() if not _is_skipped_member(info)]
        if len(members) > self.limits.max_archive_members:
            self.refuse(
                self.archive.filename, f"zip member count over {self.limits.max_archive_members}"
            )
            return
        stem = self.archive.filename.rsplit(".", 1)[0] or "archive"
        for index, info in enumerate(members, 1):
            name = safe_filename(_member_name(info.filename), f"{stem}-member-{index}.bin")
            reason = self._zip_member_refusal(info)
            if reason:
                self.refuse(name, reason)
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(info.file_size + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                OSError,
                ValueError,
                RuntimeError,
                NotImplementedError,
                struct.error,
            ):
                self.refuse(name, "damaged zip member that could not be unpacked")
                continue
            self.keep(name, content[: info.file_size])

    def _zip_member_refusal(self, info: zipfile.ZipInfo) -> str | None:
        if self.room <= 0:
            return count_reason(self.limits)
        if info.flag_bits & 0x1:
            return "encrypted zip member"
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2 and LZMA decompress without an output bound in zipfile: refuse them.
            return "zip member compressed with a method this tool does not unpack"
        ratio = self.limits.max_archive_ratio
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > ratio * max(
            info.compress_size, 1
        ):
            return f"compression ratio over {ratio} to 1 (zip bomb guard)"
        return self.refusal(info.file_size)

    # winmail.dat

    def untnef(self) -> None:
        name = self.archive.filename
        data = self.archive.data
        if data[:4] != TNEF_SIGNATURE:
            self.defect(f"{name} is not a readable winmail.dat; it is kept as it is")
            return
        groups, codepage, damage = _tnef_groups(data)
        if damage:
            self.defect(f"{name} is damaged ({damage}); what could be read was unpacked")
        for index, group in enumerate(groups, 1):
            fallback = f"winmail-attachment-{index}.bin"
            if self.room <= 0:  # no room: not worth decoding its properties
                title = _tnef_text(group.title, _tnef_codec(codepage) or "cp1252")
                self.refuse(safe_filename(title, fallback), count_reason(self.limits))
                continue
            attachment = _tnef_attachment(group, codepage)
            filename = safe_filename(attachment.name, fallback)
            if attachment.embedded:
                self.refuse(filename, "an Outlook item inside winmail.dat, which is not unpacked")
                continue
            if attachment.data is None:
                continue  # a rendering hint with no content
            reason = self.refusal(len(attachment.data))
            if reason:
                self.refuse(filename, reason)
                continue
            self.keep(filename, attachment.data)
        if not groups and not damage:
            self.defect(f"{name} holds no attachments")


def _member_name(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _is_skipped_member(info: zipfile.ZipInfo) -> bool:
    """Folders and the litter macOS and Windows leave in zips are not documents."""
    if info.is_dir():
        return True
    path = info.filename.replace("\\", "/")
    base = _member_name(path).lower()
    return path.startswith("__MACOSX/") or base in _JUNK_NAMES or base.startswith("._")


def _zip_directory_problem(data: bytes, limits: InboundLimits) -> str | None:
    """Read the end-of-directory record the way zipfile will, and refuse a directory too large
    to hold in memory before zipfile builds an object for every entry in it."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if at < 0 or at + 22 > len(data):
        return None  # zipfile will say it is not a zip
    entries, size = struct.unpack_from("<HI", data, at + 10)
    # zipfile expects the zip64 record right before its 20-byte locator.
    zip64_at = at - 20 - 56
    has_zip64 = (
        zip64_at >= 0
        and data[at - 20 : at - 16] == b"PK\x06\x07"
        and data[zip64_at : zip64_at + 4] == b"PK\x06\x06"
    )
    if (entries == 0xFFFF or size == 0xFFFFFFFF) and has_zip64:
        entries, size = struct.unpack_from("<QQ", data, zip64_at + 32)
    if entries > 2 * limits.max_archive_members:
        return f"zip member count over {limits.max_archive_members}"
    if size > limits.max_archive_members * _DIRECTORY_BYTES_PER_MEMBER + 65536:
        return "zip directory too large to read"
    return None


# --- TNEF -----------------------------------------------------------------------------------------


@dataclass
class _TnefAttachment:
    name: str
    data: bytes | None
    embedded: bool = False


@dataclass
class _TnefGroup:
    title: bytes = b""
    data: bytes | None = None
    properties: list[bytes] = field(default_factory=list)


def _tnef_groups(data: bytes) -> tuple[list[_TnefGroup], int, str | None]:
    """The attachments of a winmail.dat as raw parts, its codepage, and any damage."""
    codepage = 1252
    groups: list[_TnefGroup] = []
    damage = None
    view = memoryview(data)
    offset = 6
    count = 0
    while offset + 11 <= len(data):
        count += 1
        if count > MAX_TNEF_OBJECTS:
            damage = f"more than {MAX_TNEF_OBJECTS} parts"
            break
        level = data[offset]
        name, _kind, length = struct.unpack_from("<HHI", data, offset + 1)
        start = offset + 9
        end = start + length
        if end > len(data):
            damage = "it is cut short"
            end = len(data)
        payload = view[start:end]
        offset = end + 2
        if level == _TNEF_LEVEL_MESSAGE and name == _TNEF_OEM_CODEPAGE and length >= 4:
            codepage = struct.unpack_from("<I", payload)[0]
        elif level == _TNEF_LEVEL_ATTACHMENT:
            if name == _TNEF_ATTACH_RENDDATA:
                groups.append(_TnefGroup())
            elif not groups:
                continue  # attachment details before any attachment began
            elif name == _TNEF_ATTACH_TITLE:
                groups[-1].title = bytes(payload)
            elif name == _TNEF_ATTACH_DATA:
                groups[-1].data = bytes(payload)
            elif name == _TNEF_ATTACHMENT:
                groups[-1].properties.append(bytes(payload))
    if _tnef_codec(codepage) is None:
        codepage = 1252
    return groups, codepage, damage


def _tnef_codec(codepage: int) -> str | None:
    try:
        return codecs.lookup(Codepage(codepage).codepage()).name
    except (LookupError, ValueError):
        return None


def _tnef_attachment(group: _TnefGroup, codepage: int) -> _TnefAttachment:
    title = _tnef_text(group.title, _tnef_codec(codepage) or "cp1252")
    checks = [_check_mapi(table) for table in group.properties]
    if "embedded" in checks:
        return _TnefAttachment(title, None, embedded=True)
    if not group.properties or "unsafe" in checks:
        return _TnefAttachment(title, group.data)
    long_name, mapi_data = _tnef_long_name(group.properties, codepage)
    data = group.data if group.data is not None else mapi_data
    return _TnefAttachment(long_name or title, data)


def _tnef_text(raw: bytes, codec: str) -> str:
    raw = raw.rstrip(b"\x00")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(codec, "replace")


def _tnef_long_name(tables: list[bytes], codepage: int) -> tuple[str, bytes | None]:
    """The long file name (and data, when it is kept there) from checked property tables,
    decoded by tnefparse in a blob holding just this one attachment."""

    def tnef_object(level: int, name: int, kind: int, payload: bytes) -> bytes:
        return struct.pack("<BHHI", level, name, kind, len(payload)) + payload + b"\x00\x00"

    blob = TNEF_SIGNATURE + b"\x00\x00"
    blob += tnef_object(_TNEF_LEVEL_MESSAGE, _TNEF_OEM_CODEPAGE, 6, struct.pack("<II", codepage, 0))
    blob += tnef_object(_TNEF_LEVEL_ATTACHMENT, _TNEF_ATTACH_RENDDATA, 6, b"")
    for table in tables:
        blob += tnef_object(_TNEF_LEVEL_ATTACHMENT, _TNEF_ATTACHMENT, 6, table)
    try:
        parsed = TNEF(blob, do_checksum=False)
        attachment = parsed.attachments[0]
        names = [a.data for a in attachment.mapi_attrs if a.name == 0x3707]
        data = attachment.data if isinstance(attachment.data, bytes) and attachment.data else None
    except Exception:
        return "", None
    name = names[0] if names and isinstance(names[0], str) else ""
    return name.strip("\x00"), data


def _check_mapi(data: bytes) -> str:
    """ "ok" if tnefparse can decode this property table in bounded time and memory,
    "embedded" if it holds an Outlook item (which tnefparse would parse again, unchecked),
    "unsafe" otherwise. Walks the table exactly as tnefparse's decode_mapi does."""
    size = len(data)
    if size < 4:
        return "unsafe"
    (count,) = struct.unpack_from("<I", data, 0)
    if count > size // 4:
        return "unsafe"
    offset = 4
    values = 0
    embedded = False
    for _ in range(count):
        if offset >= size:
            break  # decode_mapi skips the rest
        if offset + 4 > size:
            return "unsafe"
        kind, name = struct.unpack_from("<HH", data, offset)
        offset += 4
        if name >= _MAPI_NAMED:
            if offset + 20 > size:
                return "unsafe"
            (id_kind,) = struct.unpack_from("<I", data, offset + 16)
            offset += 20
            if id_kind == 0:
                offset += 4
            else:
                if offset + 4 > size:
                    return "unsafe"
                (length,) = struct.unpack_from("<I", data, offset)
                offset += 4 + length + (-length % 4)
                if offset > size:
                    return "unsafe"
        multi = None
        if kind & _MAPI_MULTI_VALUE:
            kind ^= _MAPI_MULTI_VALUE
            if offset + 4 > size:
                return "unsafe"
            (multi,) = struct.unpack_from("<I", data, offset)
            offset += 4
        for _ in range(multi or 1):
            values += 1
            if values > MAX_MAPI_VALUES:
                return "unsafe"
            if kind in _MAPI_FIXED_SIZES:
                offset += _MAPI_FIXED_SIZES[kind]
                if offset > size:
                    return "unsafe"
            elif kind in _MAPI_VARIABLE:
                if multi:
                    items = 1
                else:
                    if offset + 4 > size:
                        return "unsafe"
                    (items,) = struct.unpack_from("<I", data, offset)
                    offset += 4
                for _ in range(items):
                    values += 1
                    if values > MAX_MAPI_VALUES or offset + 4 > size:
                        return "unsafe"
                    (length,) = struct.unpack_from("<I", data, offset)
                    offset += 4
                    if offset + length > size:
                        return "unsafe"
                    if name == _MAPI_ATTACH_DATA_OBJ and data[offset : offset + 16] == (
                        _IMESSAGE_SIGNATURE
                    ):
                        embedded = True
                    offset += length + (-length % 4)
            else:
                # decode_mapi raises on an unknown type and stops there, safely.
                return "embedded" if embedded else "ok"
        if (multi or 1) % 2 and kind in (0x0002, 0x000B):
            offset += 2
    return "embedded" if embedded else "ok"
