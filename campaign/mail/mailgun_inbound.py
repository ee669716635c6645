"""Mailgun's parsed inbound form turned back into one raw RFC 5322 message.

A Mailgun route either posts the raw message (`body-mime`, when the route URL ends in "mime")
or its own parsed form: the original headers as JSON, the bodies as UTF-8 text and each
attachment as an uploaded file. Everything inbound is stored as raw bytes and read by
`parse_mime`, so the form is rebuilt into a message here. This runs inside the webhook request,
before Mailgun gets its 200, so it does no parsing beyond the JSON header list and writes the
bytes directly (about a millisecond for a reply with a 200 KB PDF).

The rebuilt message carries the original headers in their order, minus the MIME ones that
described the original structure, plus `X-Mailgun-Recipient` with the address the route
received it for; any X-Mailgun-Recipient the sender wrote is dropped, so the one present is
ours. Every part is base64: bodies and files come back byte for byte, and no content can ever
contain a boundary line (base64 has no "_"), so fixed boundaries are safe and the same form
always gives the same bytes (a message without a Message-Id is then identified by its
SHA-256 consistently on re-delivery).
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

RECIPIENT_HEADER = "X-Mailgun-Recipient"
_MIXED = "=_foi-mixed"
_ALTERNATIVE = "=_foi-alternative"
# Headers that described the original message's own structure; ours replaces it.
_SKIPPED = {"mime-version", "x-mailgun-recipient"}
_FALLBACK_HEADERS = (
    ("From", ("from", "sender")),
    ("Reply-To", ("reply-to",)),
    ("To", ("to",)),
    ("Cc", ("cc",)),
    ("Subject", ("subject",)),
    ("Date", ("date",)),
    ("Message-Id", ("message-id",)),
    ("In-Reply-To", ("in-reply-to",)),
    ("References", ("references",)),
)
_HEADER_NAME = re.compile(r"[!-9;-~]{1,200}")
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,100}/[a-z0-9!#$&^_.+-]{1,150}")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_LINE = 998


def mime_from_mailgun_form(
    fields: Mapping[str, str], files: Sequence[tuple[str, str, bytes]]
) -> bytes:
    """The raw message behind one Mailgun inbound post; files are (filename, type, bytes)."""
    body_mime = fields.get("body-mime")
    if body_mime is not None:
        return _encode(str(body_mime))
    form = _lowercase(fields)
    lines: list[str] = []
    recipient = form.get("recipient", "")
    if recipient:
        lines.append(_header_line(RECIPIENT_HEADER, recipient))
    for name, value in _original_headers(form):
        lines.append(_header_line(name, value))
    lines += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{_MIXED}"',
        "",
        f"--{_MIXED}",
    ]
    lines += _bodies(form.get("body-plain", ""), form.get("body-html", ""))
    for filename, content_type, data in files:
        lines += [f"--{_MIXED}", *_attachment(filename, content_type, data)]
    lines += [f"--{_MIXED}--", ""]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that did not come from bytes
        return text.encode("utf-8", "surrogatepass")


def _lowercase(fields: Mapping[str, str]) -> dict[str, str]:
    """Form fields by lower-case name: Mailgun sends both "from" and "From"."""
    form: dict[str, str] = {}
    for key, value in fields.items():
        text = value if isinstance(value, str) else str(value)
        name = str(key).lower()
        if name not in form or (text and not form[name]):
            form[name] = text
    return form


def _original_headers(form: Mapping[str, str]) -> list[tuple[str, str]]:
    """The original headers in order, or the top-level fields when the list is unusable."""
    try:
        pairs = json.loads(form.get("message-headers", ""))
    except (ValueError, RecursionError):
        pairs = None
    headers = []
    if isinstance(pairs, list):
        for pair in pairs:
            if not (isinstance(pair, list | tuple) and len(pair) == 2):
                continue
            name, value = pair
            if not (isinstance(name, str) and isinstance(value, str)):
                continue
            lowered = name.strip().lower()
            if lowered in _SKIPPED or lowered.startswith("content-"):
                continue
            if _HEADER_NAME.fullmatch(name.strip()):
                headers.append((name.strip(), value))
        if headers:
            return headers
    for name, keys in _FALLBACK_HEADERS:
        value = next((form[key] for key in keys if form.get(key)), "")
        if value:
            headers.append((name, value))
    return headers


def _header_line(name: str, value: str) -> str:
    """One header line: line breaks and control characters gone, long values folded."""
    value = _CONTROL.sub("", _LINE_BREAKS.sub(" ", value)).strip()
    line = f"{name}: {value}"
    if len(line) <= _MAX_LINE:
        return line
    folded: list[str] = []
    current = ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > 76:
            folded.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    folded.append(current)
    return "\r\n ".join(folded)


def _bodies(plain: str, html: str) -> list[str]:
    parts = []
    if plain or not html:
        parts.append(_text_part("plain", plain))
    if html:
        parts.append(_text_part("html", html))
    if len(parts) == 1:
        return parts[0]
    lines = [f'Content-Type: multipart/alternative; boundary="{_ALTERNATIVE}"', ""]
    for part in parts:
        lines += [f"--{_ALTERNATIVE}", *part]
    lines.append(f"--{_ALTERNATIVE}--")
    return lines


def _text_part(subtype: str, text: str) -> list[str]:
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        _base64(_encode(text)),
    ]


def _attachment(filename: str, content_type: str, data: bytes) -> list[str]:
    content_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not _CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    name = _CONTROL.sub("", _LINE_BREAKS.sub(" ", filename or "")).strip()
    disposition = "Content-Disposition: attachment"
    type_line = f"Content-Type: {content_type}"
    if name:
        disposition += ";" + _parameter("filename", name)
        type_line += ";" + _parameter("name", name)
    return [type_line, disposition, "Content-Transfer-Encoding: base64", "", _base64(data)]


def _parameter(key: str, value: str) -> str:
    """A quoted parameter for ASCII names; RFC 2231 UTF-8 continuations for any other."""
    if value.isascii() and len(value) <= 200:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'\r\n {key}="{escaped}"'
    encoded = quote(value, safe="!#$&+-.^_`|~")
    chunks = []
    while encoded:
        cut = min(60, len(encoded))
        while cut < len(encoded) and "%" in encoded[max(cut - 2, 0) : cut]:
            cut -= 1  # never split a %XX escape
        chunks.append(encoded[:cut])
        encoded = encoded[cut:]
    if len(chunks) == 1:
        return f"\r\n {key}*=utf-8''{chunks[0]}"
    charset = ["utf-8''"] + [""] * (len(chunks) - 1)
    return ";".join(
        f"\r\n {key}*{index}*={prefix}{chunk}"
        for index, (prefix, chunk) in enumerate(zip(charset, chunks, strict=True))
    )


def _base64(data: bytes) -> str:
    encoded = binascii.b2a_base64(data, newline=False).decode("ascii")
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
