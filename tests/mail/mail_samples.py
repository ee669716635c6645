"""Small builders for inbound mail tests: fixture files, messages, zips and winmail.dat blobs.

Big and hostile samples are built here at test time rather than committed.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mail"
REPLY_ADDRESS = "foi+k7m2x9q4@replies.example.org"
PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def message(
    *,
    headers: str = "",
    body: str = "Thank you for your request.\n",
    content_type: str = "text/plain; charset=utf-8",
    encoding: str = "7bit",
    message_id: str | None = "<test-1@example-council.gov.uk>",
) -> bytes:
    """A one-part message; `headers` are extra lines, each ending in a newline."""
    lines = [
        "From: FOI Team <foi@example-council.gov.uk>",
        f"To: {REPLY_ADDRESS}",
        "Subject: RE: Freedom of Information request",
    ]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    text = "\n".join(lines) + "\n" + headers
    text += f"Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n\n"
    return text.encode("utf-8") + body.encode("utf-8")


def with_attachments(
    files: list[tuple[str, str, bytes]], *, text: str = "Please see attached.\n"
) -> bytes:
    """A multipart/mixed reply carrying the given (filename, content type, bytes) files."""
    chunks = [
        b"From: FOI Team <foi@example-council.gov.uk>\n",
        f"To: {REPLY_ADDRESS}\n".encode(),
        b"Subject: Response\nMessage-ID: <files-1@example-council.gov.uk>\n",
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="=_b"\n\n',
        b"--=_b\nContent-Type: text/plain; charset=utf-8\n\n",
        text.encode(),
        b"\n",
    ]
    for filename, content_type, data in files:
        chunks += [
            f'--=_b\nContent-Type: {content_type}; name="{filename}"\n'.encode(),
            f'Content-Disposition: attachment; filename="{filename}"\n'.encode(),
            b"Content-Transfer-Encoding: base64\n\n",
            base64.encodebytes(data),
        ]
    chunks.append(b"--=_b--\n")
    return b"".join(chunks)


def zip_bytes(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2018, 9, 4, 12, 0, 0)), data, compression)
    return buffer.getvalue()


def mark_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' flag on every member, in local headers and the directory alike."""
    patched = bytearray(data)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = patched.find(signature)
        while at >= 0:
            patched[at + flag_offset] |= 0x01
            at = patched.find(signature, at + 4)
    return bytes(patched)


# --- TNEF (winmail.dat), built the way Outlook writes it --------------------------------------

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"


def tnef_object(level: int, name: int, kind: int, payload: bytes) -> bytes:
    checksum = sum(payload) & 0xFFFF
    return (
        struct.pack("<BHHI", level, name, kind, len(payload))
        + payload
        + struct.pack("<H", checksum)
    )


def mapi_unicode(property_id: int, text: str) -> bytes:
    """A property table holding one PT_UNICODE property."""
    value = text.encode("utf-16-le") + b"\x00\x00"
    return (
        struct.pack("<I", 1)
        + struct.pack("<HH", 0x001F, property_id)
        + struct.pack("<II", 1, len(value))
        + value
        + b"\x00" * (-len(value) % 4)
    )


def winmail(
    attachments: list[tuple[str, bytes]],
    *,
    properties: list[bytes | None] | None = None,
    codepage: int = 1252,
) -> bytes:
    """A winmail.dat with these (long name, bytes) attachments; `properties` replaces each
    attachment's property table (None leaves it out)."""
    blob = TNEF_SIGNATURE + struct.pack("<H", 0x5A3C)
    blob += tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))
    blob += tnef_object(1, 0x9007, 0x0006, struct.pack("<II", codepage, 0))
    blob += tnef_object(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")
    for index, (name, data) in enumerate(attachments):
        stem, _, extension = name.rpartition(".")
        short = stem.upper().replace(" ", "")[:6] + "~1." + extension[:3].upper()
        blob += tnef_object(2, 0x9002, 0x0006, struct.pack("<HIIIII", 1, 0xFFFFFFFF, 0, 0, 0, 0))
        blob += tnef_object(2, 0x8010, 0x0001, short.encode(f"cp{codepage}") + b"\x00")
        blob += tnef_object(2, 0x800F, 0x0006, data)
        table = mapi_unicode(0x3707, name)
        if properties is not None:
            table = properties[index]
        if table is not None:
            blob += tnef_object(2, 0x9005, 0x0006, table)
    return blob
