"""Text of Office 97-2003 files: Word .doc letters and Outlook .msg messages, and the way in
for legacy PowerPoint and Excel files (read by catdoc's converters, see converters.py).

All are OLE2 compound files (a small FAT file system inside one file). Councils still send
.doc replies, so the text is recovered from the Word piece table (the list of text runs, each
either cp1252 or UTF-16); where that structure is damaged, long printable runs are recovered
instead. Nothing here follows pointers without checking bounds, and every loop is capped.
"""

from __future__ import annotations

import re
import struct

from campaign.parsing.converters import CATDOC_HINT
from campaign.parsing.extracted import Table, UnreadableDocument

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_MAX_SECTORS = 1 << 20


class LegacyOfficeError(ValueError):
    """The file is not a readable Office 97-2003 document; the message says why."""


class CompoundFile:
    """The streams of an OLE2 compound file, by name."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(OLE_MAGIC) or len(data) < 512:
            raise LegacyOfficeError("not an Office 97-2003 file")
        self.data = data
        self.sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        self.mini_sector_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
        if self.sector_size not in (512, 4096) or self.mini_sector_size != 64:
            raise LegacyOfficeError("damaged file header")
        fat_sectors = struct.unpack_from("<I", data, 0x2C)[0]
        first_dir = struct.unpack_from("<I", data, 0x30)[0]
        self.mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
        first_minifat = struct.unpack_from("<I", data, 0x3C)[0]
        first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector = first_difat
        for _ in range(min(difat_count, _MAX_SECTORS)):
            if sector in (_FREE, _END):
                break
            entries = struct.unpack_from(f"<{self.sector_size // 4}I", self._sector(sector))
            difat.extend(entries[:-1])
            sector = entries[-1]
        self.fat: list[int] = []
        for fat_sector in [s for s in difat if s not in (_FREE, _END)][:fat_sectors]:
            block = self._sector(fat_sector)
            self.fat.extend(struct.unpack_from(f"<{self.sector_size // 4}I", block))
        self.entries = self._directory(first_dir)
        root = self.entries.get("Root Entry")
        self.mini_stream = self._chain(root[0], root[1]) if root else b""
        minifat_bytes = self._chain(first_minifat, None) if first_minifat != _END else b""
        self.minifat = list(struct.unpack_from(f"<{len(minifat_bytes) // 4}I", minifat_bytes))

    def _sector(self, number: int) -> bytes:
        start = (number + 1) * self.sector_size
        if number >= _MAX_SECTORS or start + self.sector_size > len(self.data):
            raise LegacyOfficeError("damaged file: sector out of range")
        return self.data[start : start + self.sector_size]

    def _chain(self, first: int, size: int | None) -> bytes:
        chunks, sector, seen = [], first, set()
        while sector not in (_FREE, _END) and sector < len(self.fat):
            if sector in seen:
                raise LegacyOfficeError("damaged file: sector loop")
            seen.add(sector)
            chunks.append(self._sector(sector))
            sector = self.fat[sector]
        data = b"".join(chunks)
        return data if size is None else data[:size]

    def _mini_chain(self, first: int, size: int) -> bytes:
        chunks, sector, seen = [], first, set()
        step = self.mini_sector_size
        while sector not in (_FREE, _END) and sector < len(self.minifat):
            if sector in seen:
                raise LegacyOfficeError("damaged file: sector loop")
            seen.add(sector)
            chunks.append(self.mini_stream[sector * step : (sector + 1) * step])
            sector = self.minifat[sector]
        return b"".join(chunks)[:size]

    def _directory(self, first: int) -> dict[str, tuple[int, int]]:
        raw = self._chain(first, None)
        entries = {}
        for offset in range(0, len(raw) - 127, 128):
            name_length = struct.unpack_from("<H", raw, offset + 0x40)[0]
            kind = raw[offset + 0x42]
            if kind not in (1, 2, 5) or not 2 <= name_length <= 64:
                continue
            name = raw[offset : offset + name_length - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", raw, offset + 0x74)
            entries.setdefault(name, (start, size))
        return entries

    def stream(self, name: str) -> bytes:
        if name not in self.entries:
            raise LegacyOfficeError(f"no {name} stream")
        start, size = self.entries[name]
        if size < self.mini_cutoff and name != "Root Entry":
            return self._mini_chain(start, size)
        return self._chain(start, size)


def word_text(data: bytes) -> str:
    """Text of a Word 97-2003 .doc, from its piece table, or recovered runs if that fails."""
    ole = CompoundFile(data)
    if "WordDocument" not in ole.entries:
        raise LegacyOfficeError("not a Word document")
    document = ole.stream("WordDocument")
    if len(document) < 0x1AA or struct.unpack_from("<H", document, 0)[0] != 0xA5EC:
        return _printable_runs(data)
    flags = struct.unpack_from("<H", document, 0x0A)[0]
    if flags & 0x0100:
        raise LegacyOfficeError("password-protected")
    table_name = "1Table" if flags & 0x0200 else "0Table"
    try:
        table = ole.stream(table_name)
        fc_clx, lcb_clx = struct.unpack_from("<II", document, 0x1A2)
        text = _piece_table_text(document, table[fc_clx : fc_clx + lcb_clx])
    except (LegacyOfficeError, struct.error):
        return _printable_runs(data)
    return _tidy_word_text(text) if text.strip() else _printable_runs(data)


def _piece_table_text(document: bytes, clx: bytes) -> str:
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # skip property modifiers
        position += 3 + struct.unpack_from("<H", clx, position + 1)[0]
    if position >= len(clx) or clx[position] != 0x02:
        raise LegacyOfficeError("no piece table")
    size = struct.unpack_from("<I", clx, position + 1)[0]
    plc = clx[position + 5 : position + 5 + size]
    count = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    parts = []
    for index in range(count):
        descriptor = plc[(count + 1) * 4 + index * 8 : (count + 1) * 4 + (index + 1) * 8]
        fc = struct.unpack_from("<I", descriptor, 2)[0]
        length = cps[index + 1] - cps[index]
        if length <= 0 or length > len(document):
            continue
        if fc & 0x40000000:
            start = (fc & 0x3FFFFFFF) // 2
            parts.append(document[start : start + length].decode("cp1252", "replace"))
        else:
            parts.append(document[fc : fc + 2 * length].decode("utf-16-le", "replace"))
    return "".join(parts)


def _tidy_word_text(text: str) -> str:
    # Field codes: keep the shown result, drop the instruction ({ HYPERLINK "..." }).
    text = re.sub(r"\x13[^\x13\x14\x15]*\x14", "", text)
    text = re.sub(r"\x13[^\x13\x14\x15]*\x15", "", text)
    text = text.replace("\x15", "")
    text = text.replace("\x07", "\t").replace("\x0b", "\n").replace("\x0c", "\n")
    text = text.replace("\r", "\n").replace("\x1e", "-").replace("\x1f", "")
    return re.sub(r"[\x00-\x08\x0e-\x1d]", "", text)


def _printable_runs(data: bytes) -> str:
    """Long runs of readable text, for Word files whose structure cannot be followed."""
    runs = []
    for match in re.finditer(rb"[\x20-\x7e\r\n\t\x91-\x97\xa3]{40,}", data):
        chunk = match.group().decode("cp1252", "replace")
        if sum(ch.isalpha() for ch in chunk) > len(chunk) * 0.5 and " " in chunk:
            runs.append(chunk)
    for match in re.finditer(rb"(?:[\x20-\x7e\r\n\t]\x00){40,}", data):
        chunk = match.group().decode("utf-16-le", "replace")
        if sum(ch.isalpha() for ch in chunk) > len(chunk) * 0.5 and " " in chunk:
            runs.append(chunk)
    if not runs:
        raise LegacyOfficeError("no readable text found")
    return "\n".join(runs).replace("\r", "\n")


def outlook_message_text(data: bytes) -> str:
    """Subject and plain body of an Outlook .msg file."""
    ole = CompoundFile(data)
    parts = []
    for property_id in ("0037", "1000"):  # subject, body
        for kind, encoding in (("001F", "utf-16-le"), ("001E", "cp1252")):
            name = f"__substg1.0_{property_id}{kind}"
            if name in ole.entries:
                parts.append(ole.stream(name).decode(encoding, "replace").rstrip("\x00"))
                break
    if not parts:
        raise LegacyOfficeError("Outlook message without a text body")
    return "\n\n".join(parts)


def read_legacy(
    data: bytes, catppt: str | None, xls2csv: str | None, seconds: float
) -> tuple[str, list[str], list[list[Table]]]:
    """(method, pages, tables) of any Office 97-2003 file: Word and Outlook read here,
    PowerPoint and Excel through catdoc's converters when the parent found them installed."""
    try:
        ole = CompoundFile(data)
        if "WordDocument" in ole.entries:
            return "doc", [word_text(data)], [[]]
        if any(name.startswith("__substg1.0_") for name in ole.entries):
            return "msg", [outlook_message_text(data)], [[]]
    except LegacyOfficeError as error:
        raise UnreadableDocument(f"legacy Office file: {error}") from None
    if "Workbook" in ole.entries or "Book" in ole.entries:
        if xls2csv is None:
            raise UnreadableDocument(
                f"legacy Excel .xls: {CATDOC_HINT} to read it, or save it as .xlsx"
            )
        from campaign.parsing.spreadsheets import read_xls

        return "xls", *read_xls(data, xls2csv, seconds)
    if "PowerPoint Document" in ole.entries:
        if catppt is None:
            raise UnreadableDocument(
                f"legacy PowerPoint .ppt: {CATDOC_HINT} to read it, or save it as .pptx"
            )
        from campaign.parsing.slides import read_ppt

        return "ppt", *read_ppt(data, catppt, seconds)
    raise UnreadableDocument("Office 97-2003 file of an unsupported kind")
