"""Inbound email as one plain value: any bytes in, a clean `InboundEmail` out.

Replies arrive by the Mailgun webhook, from imported mailboxes and by hand, and all of them are
stored as raw RFC 5322 bytes before this module reads them. Those bytes come from anywhere:
council mail gateways, Outlook's winmail.dat habit, broken forwarders, and people who would like
to crash us. So `parse_mime` never raises, never loops for long on any input, and holds at most
a small multiple of the input in memory. What was malformed is reported in words in `defects`
and what was not kept in `refused`, so a person can see why a reply looks odd.

Reading is done with the stdlib `email` package under the compat32 policy (its feedparser
tolerates everything and the newer header registry raises on hostile headers), with our own
decoding of headers, charsets and transfer encodings on top, because that is where real mail is
most often wrong. Limits the feedparser itself does not have are applied to the bytes first:
header size, the length of Content-Type/Content-Disposition fields (parameter parsing is
quadratic), the number of nested sections (the feedparser recurses once per level), and the
number of lines and parts (it keeps each line as its own string). A 60 MB message is read in
about a second with a few times its size in memory, plus what its archives unpack to (capped
by `max_archive_total_bytes`).

Header values are sender-controlled, including Delivered-To and X-Mailgun-Recipient; matching
must treat every one of them as a claim, not a fact.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import errors as email_errors
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from io import BytesIO
from typing import TypeVar

# Past these the feedparser's cost grows with nesting (it resumes one generator per level for
# every line), and Python's recursion limit is near at a few hundred levels.
MAX_MIME_CONTAINERS = 64
MAX_PART_DEPTH = 20
# Larger than anything a mail route delivers (Mailgun: 25 MB) or the importer reads (60 MB):
# past it only the headers are read, so memory stays a small multiple of this.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
# Real Content-Type and Content-Disposition fields are a few hundred bytes; parsing their
# parameters costs time quadratic in their length.
MAX_PARAMETER_FIELD_BYTES = 8 * 1024
MAX_ADDRESS_HEADER_CHARS = 64 * 1024
MAX_ADDRESSES = 1000
MAX_REFERENCES = 100
MAX_DEFECTS = 50
# Each refused part is listed up to here; past it one line counts the rest.
MAX_REFUSED_LISTED = 200
# Lines starting "--" (boundaries) past which the rest of a message is not read: a message
# built of 37-byte parts would otherwise keep the stdlib parser busy for a minute.
MAX_BOUNDARY_LINES = 10_000
# The stdlib parser holds every line of a part as its own string (about 50 bytes each), so a
# message of empty lines costs fifty times its size; past this many lines the rest is not read.
# A 60 MB message of base64 has under a million.
MAX_LINES = 2_000_000
# The widths of the message table's columns, so every value can be stored as it is.
MAX_ID_CHARS = 255
MAX_ADDRESS_CHARS = 254
MAX_NAME_CHARS = 200
MAX_SUBJECT_CHARS = 998
MAX_FILENAME_CHARS = 255
MAX_CONTENT_TYPE_CHARS = 255
# The marker for sections past MAX_MIME_CONTAINERS: the feedparser then treats them as leaves.
_UNPARSED_PREFIX = b"x-foi-unparsed-"


@dataclass(frozen=True)
class InboundFile:
    """One file that came with a reply, ready to store by its SHA-256."""

    filename: str  # safe display name: no path parts, no control chars, <= 255 chars, not empty
    content_type: str  # lower-case, e.g. "application/pdf"
    data: bytes
    container: str | None = None  # "replies.zip" or "winmail.dat" when extracted from one


@dataclass(frozen=True)
class RefusedPart:
    """A part that was not kept, and why, in one sentence a campaigner can read."""

    filename: str
    reason: str


@dataclass(frozen=True)
class InboundLimits:
    """How much one message may make us hold: files kept, archive expansion, header size."""

    max_attachments: int = 100
    max_attachment_bytes: int = 40 * 1024 * 1024
    max_archive_members: int = 200
    max_archive_total_bytes: int = 200 * 1024 * 1024
    max_archive_ratio: int = 200  # uncompressed/compressed per member (zip bomb guard)
    max_archive_depth: int = 2
    max_header_bytes: int = 256 * 1024


DEFAULT_LIMITS = InboundLimits()
_T = TypeVar("_T")


@dataclass(frozen=True)
class InboundEmail:
    """What a reply says and carries, as plain values; ids are stored without angle brackets.

    `delivered_to` holds Delivered-To, Envelope-To and X-Mailgun-Recipient (the address
    Mailgun's route received the message for), so a reply whose only trace of its request's
    address is the envelope still finds its request. `text` and `html` use "\\n" line endings;
    `html` is exactly what was sent and must go through `sanitise_html` before display.
    A delay warning is a delivery report with no failed recipients.
    """

    message_id: str
    message_id_missing: bool
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    reply_to: list[str]
    to: list[str]
    cc: list[str]
    delivered_to: list[str]
    x_original_to: list[str]
    date: datetime | None
    text: str
    html: str
    attachments: list[InboundFile]
    refused: list[RefusedPart]
    auto_submitted: bool
    delivery_report: bool
    failed_recipients: list[str]
    defects: list[str]

    @property
    def recipients(self) -> list[str]:
        """Every address the message was sent or delivered to, each once, in header order."""
        seen = dict.fromkeys(self.to + self.cc + self.delivered_to + self.x_original_to)
        return list(seen)


def parse_mime(raw: bytes, limits: InboundLimits = DEFAULT_LIMITS) -> InboundEmail:
    """Read one raw email into an InboundEmail; never raises, whatever the bytes are."""
    if not isinstance(raw, bytes):
        raw = _as_bytes(raw)
    try:
        return _Reader(raw, limits).read()
    except Exception as error:  # a bug here must not lose the reply: keep it, say why
        return _unreadable(raw, f"the message could not be read ({type(error).__name__})")


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a message without one: the same bytes always get the same id."""
    digest = hashlib.sha256(raw).hexdigest()
    return f"sha256-{digest[:32]}@missing-message-id.invalid"


def safe_filename(name: str | None, fallback: str) -> str:
    """A name fit to show and to offer as a download: no folders, no control characters.

    Bidirectional overrides are removed too, so "invoice\\u202egpj.exe" cannot pose as a picture.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = " ".join(text.split()).strip(". ")
    if not text:
        return fallback
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            text = stem[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:MAX_FILENAME_CHARS].rstrip()
    return text


def guess_content_type(filename: str) -> str:
    """The content type a file name suggests; octet-stream when it suggests none."""
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    return (guessed or "application/octet-stream").lower()


def human_size(size: int) -> str:
    """A byte limit as people say it: "40 MB", "200 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.4g} MB"
    return f"{size / 1024:.4g} KB"


def size_reason(limits: InboundLimits) -> str:
    """Why a file too large to keep was refused."""
    return f"larger than the {human_size(limits.max_attachment_bytes)} limit for one attachment"


def count_reason(limits: InboundLimits) -> str:
    """Why a file past the per-message count was refused."""
    return f"over the limit of {limits.max_attachments} attachments for one message"


# --- reading ------------------------------------------------------------------------------------


class _Reader:
    """One pass over one message; collects values, files and defects as it goes."""

    def __init__(self, raw: bytes, limits: InboundLimits) -> None:
        self.raw = raw
        self.limits = limits
        self.defects: list[str] = []
        self.text_parts: list[str] = []
        self.html_parts: list[str] = []
        self.files = _Files(limits, self.defects)
        self.delivery_status = False
        self.failed: list[str] = []
        self.unparsed_sections = 0

    def read(self) -> InboundEmail:
        message = self._parse()
        headers = _Headers(message, self.defects)
        self._walk(message, depth=0)
        if self.unparsed_sections:
            self._defect(
                f"{self.unparsed_sections} sections past the first {MAX_MIME_CONTAINERS} nested "
                "sections were not unpacked"
            )
        return self._email(headers)

    def _defect(self, note: str) -> None:
        _add_defect(self.defects, note)

    # bytes -> Message

    def _parse(self) -> Message:
        data = self.raw
        if len(data) > MAX_MESSAGE_BYTES:
            self._defect(
                f"the message is larger than {human_size(MAX_MESSAGE_BYTES)}; only its headers "
                "were read"
            )
            return _without_body(_headers_only(data[: self.limits.max_header_bytes]))
        data = _limit_header_block(data, self.limits.max_header_bytes, self.defects)
        data = _limit_line_count(data, self.defects)
        data = _limit_part_count(data, self.defects)
        # The next two look for fields at the start of a line; the "\n" makes the first one so.
        data = _limit_sections(_limit_parameter_fields(b"\n" + data, self.defects))[1:]
        try:
            message = message_from_bytes(data, policy=policy.compat32)
        except Exception:  # RecursionError on nesting the section limit did not see
            self._defect("the message's structure could not be read; its body is kept as text")
            message = _without_body(_headers_only(data))
            parts = re.split(rb"\r?\n\r?\n", data, maxsplit=1)
            body = parts[1] if len(parts) == 2 else b""
            message.set_payload(body.decode("ascii", "surrogateescape"))
        return message

    # Message -> bodies and files

    def _walk(self, part: Message, depth: int) -> None:
        try:
            self._walk_part(part, depth)
        except Exception as error:  # one unreadable part must not cost the rest of the message
            self._defect(f"a part could not be read ({type(error).__name__}) and was skipped")

    def _walk_part(self, part: Message, depth: int) -> None:
        if depth > MAX_PART_DEPTH:
            self._defect(f"sections nested deeper than {MAX_PART_DEPTH} levels were skipped")
            return
        _note_mime_defects(part, self.defects)
        content_type = _content_type(part)
        maintype, _, subtype = content_type.partition("/")
        payload = part.get_payload() if part.is_multipart() else None

        if maintype.startswith(_UNPARSED_PREFIX.decode()):
            inner = maintype[len(_UNPARSED_PREFIX) :]
            if inner == "message":
                self._add_embedded_message(part, _embedded_bytes(part))
            else:
                self.unparsed_sections += 1
            return
        if isinstance(payload, list):
            if content_type in ("message/delivery-status", "message/global-delivery-status"):
                self._delivery_status(part, payload)
            elif maintype == "message":
                self._add_embedded_message(part, _embedded_bytes(part))
            elif subtype == "alternative":
                self._alternative(payload, depth)
            else:
                if content_type == "multipart/report":
                    report_type = _params(part, "content-type").get_param("report-type")
                    if isinstance(report_type, str) and "delivery-status" in report_type.lower():
                        self.delivery_status = True
                for child in payload:
                    self._walk(child, depth + 1)
            return
        if content_type in ("message/delivery-status", "message/global-delivery-status"):
            data, _ = self._decoded(part, "delivery-status.txt")
            self._delivery_status_text(_decode_text(data or b"", "utf-8")[0])
            self.files.add_part(part, "text/plain", data, "delivery-status.txt")
            return
        if maintype == "multipart":
            # A multipart without a usable boundary: the feedparser left its body as text.
            self._body_or_file(part, "text/plain")
            return
        if maintype == "message":
            self._add_embedded_message(part, _embedded_bytes(part))
            return
        self._body_or_file(part, content_type)

    def _alternative(self, children: list[Message], depth: int) -> None:
        """Alternatives are renderings of one body: keep the first plain text and the last HTML."""
        plain = html = None
        others = []
        for child in children:
            content_type = _content_type(child)
            if content_type == "text/plain" and _is_body(child) and plain is None:
                plain = child
            elif content_type == "text/html" and _is_body(child):
                html = child
            elif content_type in ("text/plain", "text/html") and _is_body(child):
                continue  # a second rendering of the same body
            else:
                others.append(child)
        for chosen in (plain, html):
            if chosen is not None:
                _note_mime_defects(chosen, self.defects)
                self._add_body(chosen, _content_type(chosen))
        for child in others:
            self._walk(child, depth + 1)

    def _body_or_file(self, part: Message, content_type: str) -> None:
        if content_type in ("text/plain", "text/html") and _is_body(part):
            self._add_body(part, content_type)
        else:
            self.files.add_part(part, content_type, None, None)

    def _add_body(self, part: Message, content_type: str) -> None:
        kind = "HTML body" if content_type == "text/html" else "text body"
        data, _ = self._decoded(part, kind)
        if data is None:
            return
        charset = _params(part, "content-type").get_content_charset()
        text, note = _decode_text(data, charset)
        if note:
            self._defect(f"the {kind} {note}")
        text = _clean_body(text, kind, self.defects)
        if not text.strip():
            return
        (self.html_parts if content_type == "text/html" else self.text_parts).append(text)

    def _decoded(self, part: Message, label: str) -> tuple[bytes | None, str | None]:
        data, note = _transfer_decoded(part)
        if note:
            self._defect(f"{label}: {note}")
        return data, note

    def _add_embedded_message(self, part: Message, data: bytes | None) -> None:
        if data is None:
            self._defect("an attached email could not be written out and was skipped")
            return
        fallback = _embedded_message_name(data)
        self.files.add_part(part, "message/rfc822", data, fallback)

    def _delivery_status(self, part: Message, blocks: list[Message]) -> None:
        self.delivery_status = True
        for block in blocks:
            fields = {name.lower(): value for name, value in reversed(list(block.raw_items()))}
            self._failed_recipient(fields)
        data = _generated_bytes(blocks, separator=b"\n")
        self.files.add_part(part, "text/plain", data, "delivery-status.txt")

    def _delivery_status_text(self, text: str) -> None:
        self.delivery_status = True
        for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
            fields: dict[str, str] = {}
            for line in block.split("\n"):
                name, colon, value = line.partition(":")
                if colon and name.strip() and name == name.strip():
                    fields.setdefault(name.lower(), value.strip())
            self._failed_recipient(fields)

    def _failed_recipient(self, fields: dict[str, str]) -> None:
        action = str(fields.get("action", "failed")).strip().lower()
        if not action.startswith("failed"):
            return
        for name in ("final-recipient", "original-recipient"):
            value = _header_text(str(fields.get(name, "")))
            address = value.rpartition(";")[2].strip().strip("<>").strip().lower()
            if _plausible_address(address) and "@" in address and address not in self.failed:
                self.failed.append(address)

    # values

    def _email(self, headers: _Headers) -> InboundEmail:
        safe = self._safe
        message_id = safe(headers.message_id, None, "Message-Id header")
        from_name, from_address = safe(headers.sender, ("", ""), "From header")
        subject = safe(headers.subject, "", "Subject header")
        auto_submitted = safe(lambda: headers.auto_submitted(subject), False, "auto-reply headers")
        delivery_report = self.delivery_status or headers.looks_like_bounce(from_address, subject)
        failed = list(self.failed)
        if delivery_report:
            for address in safe(
                lambda: headers.addresses("x-failed-recipients"), [], "X-Failed-Recipients header"
            ):
                if address not in failed:
                    failed.append(address)

        def addresses(*names: str) -> list[str]:
            label = f"{_header_label(names[0])} header"
            return safe(lambda: headers.addresses(*names), [], label)

        return InboundEmail(
            message_id=message_id or synthetic_message_id(self.raw),
            message_id_missing=message_id is None,
            in_reply_to=safe(headers.in_reply_to, None, "In-Reply-To header"),
            references=safe(headers.references, [], "References header"),
            subject=subject,
            from_address=from_address,
            from_name=from_name,
            reply_to=addresses("reply-to"),
            to=addresses("to"),
            cc=addresses("cc"),
            delivered_to=addresses("delivered-to", "envelope-to", "x-mailgun-recipient"),
            x_original_to=addresses("x-original-to"),
            date=safe(headers.date, None, "Date header"),
            text="\n".join(self.text_parts),
            html="\n".join(self.html_parts),
            attachments=self.files.kept,
            refused=self.files.all_refused(),
            auto_submitted=auto_submitted,
            delivery_report=delivery_report,
            failed_recipients=failed,
            defects=self.defects[:MAX_DEFECTS],
        )

    def _safe(self, read: Callable[[], _T], default: _T, label: str) -> _T:
        """One header that trips us up becomes a defect; the rest of the message is read."""
        try:
            return read()
        except Exception as error:
            self._defect(f"the {label} could not be read ({type(error).__name__})")
            return default


class _Files:
    """The files of one message, kept in order until the limits say stop."""

    def __init__(self, limits: InboundLimits, defects: list[str]) -> None:
        from campaign.mail import archives  # imported here: archives builds our value types

        self.archives = archives
        self.limits = limits
        self.defects = defects
        self.kept: list[InboundFile] = []
        self.refused: list[RefusedPart] = []
        self.unlisted: dict[str, int] = {}
        self.seen: dict[bytes, str] = {}
        self.budget = archives.ExpansionBudget(limits.max_archive_total_bytes)
        self.count = 0

    def add_part(
        self, part: Message, content_type: str, data: bytes | None, fallback: str | None
    ) -> None:
        self.count += 1
        content_type = _clean_content_type(content_type)
        name = _filename(part)
        default = fallback or f"attachment-{self.count}{_extension(content_type)}"
        filename = safe_filename(name, default)
        if content_type in _VAGUE_TYPES:
            content_type = guess_content_type(filename)
        if len(self.kept) >= self.limits.max_attachments:
            self.refuse(filename, count_reason(self.limits))
            return
        if data is None:
            if _encoded_size_estimate(part) > self.limits.max_attachment_bytes * 1.05 + 4096:
                self.refuse(filename, size_reason(self.limits))
                return
            data, note = _transfer_decoded(part)
            if note:
                _add_defect(self.defects, f"{filename}: {note}")
            if data is None:
                self.refuse(filename, "its content could not be decoded")
                return
        if not data and not name:
            return  # an empty part with no name is not a file anyone sent
        if len(data) > self.limits.max_attachment_bytes:
            self.refuse(filename, size_reason(self.limits))
            return
        self.add(InboundFile(filename, content_type, data))

    def add(self, file: InboundFile) -> None:
        if not self.keep(file) or not self.archives.is_archive(file):
            return
        room = self.limits.max_attachments - len(self.kept)
        expansion = self.archives.expand_archive(file, self.limits, room=room, budget=self.budget)
        for member in expansion.files:
            self.keep(member)
        for part in expansion.refused:
            self.refuse(part.filename, part.reason)
        for note in expansion.defects:
            _add_defect(self.defects, note)

    def keep(self, file: InboundFile) -> bool:
        """Keep the file unless the same bytes were kept already: files are stored by their
        SHA-256, once per message (the same logo twice, or a PDF both attached and zipped)."""
        digest = hashlib.sha256(file.data).digest()
        label = f"{file.filename} (in {file.container})" if file.container else file.filename
        first = self.seen.get(digest)
        if first is not None:
            _add_defect(self.defects, f"{label} is the same file as {first}; it is kept once")
            return False
        self.seen[digest] = label
        self.kept.append(file)
        return True

    def refuse(self, filename: str, reason: str) -> None:
        if len(self.refused) < MAX_REFUSED_LISTED:
            self.refused.append(RefusedPart(filename, reason))
        else:
            self.unlisted[reason] = self.unlisted.get(reason, 0) + 1

    def all_refused(self) -> list[RefusedPart]:
        summary = [
            RefusedPart(f"{count} more parts", reason) for reason, count in self.unlisted.items()
        ]
        return self.refused + summary


# --- headers ------------------------------------------------------------------------------------


class _Headers:
    """The top-level header fields, decoded once; a bad field becomes a defect, not an error."""

    def __init__(self, message: Message, defects: list[str]) -> None:
        self.defects = defects
        self.fields: dict[str, list[str]] = {}
        try:
            items = message.raw_items()
            for name, value in items:
                key = str(name).strip().lower()
                self.fields.setdefault(key, []).append(value if isinstance(value, str) else "")
        except Exception:
            _add_defect(defects, "the header section could not be read")
        self.eight_bit_noted: set[str] = set()

    def raw(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def first(self, name: str, label: str) -> str | None:
        values = self.raw(name)
        if not values:
            return None
        if len(values) > 1:
            _add_defect(self.defects, f"{len(values)} {label} headers; the first was used")
        return self.text(name, values[0])

    def text(self, name: str, value: str, *, words: bool = True) -> str:
        """A header value as Unicode: unfolded, 8-bit bytes decoded, RFC 2047 words decoded."""
        value = _unfold(value)
        if _has_surrogates(value):
            # Raw UTF-8 in headers is allowed (RFC 6532); anything else is a guess worth noting.
            value, charset = _decode_8bit(value)
            if charset != "UTF-8" and name not in self.eight_bit_noted:
                self.eight_bit_noted.add(name)
                _add_defect(
                    self.defects,
                    f"the {_header_label(name)} header has raw 8-bit bytes that are not UTF-8; "
                    f"read as {charset}",
                )
        return _decode_words(value) if words else value

    def message_id(self) -> str | None:
        value = self.first("message-id", "Message-Id")
        if value is None:
            return None
        found = _message_ids(value, self.defects, "Message-Id")
        if not found:
            _add_defect(self.defects, "the Message-Id header holds no usable id")
            return None
        return found[0]

    def in_reply_to(self) -> str | None:
        value = self.first("in-reply-to", "In-Reply-To")
        if value is None:
            return None
        found = _message_ids(value, self.defects, "In-Reply-To")
        return found[0] if found else None

    def references(self) -> list[str]:
        found: list[str] = []
        for value in self.raw("references"):
            found += _message_ids(self.text("references", value), self.defects, "References")
        found = list(dict.fromkeys(found))
        if len(found) > MAX_REFERENCES:
            # The first is the thread's root (our letter); the last are the nearest replies.
            _add_defect(
                self.defects, f"References lists {len(found)} ids; the first and last were kept"
            )
            found = found[:1] + found[-(MAX_REFERENCES - 1) :]
        return found

    def subject(self) -> str:
        value = self.first("subject", "Subject") or ""
        return _one_line(value, MAX_SUBJECT_CHARS)

    def sender(self) -> tuple[str, str]:
        values = self.raw("from")
        if len(values) > 1:
            _add_defect(self.defects, f"{len(values)} From headers; the first was used")
        pairs = self._pairs("from", values[:1])
        if not pairs:
            if values:
                _add_defect(self.defects, "the From header holds no address")
            return "", ""
        if len(pairs) > 1:
            _add_defect(self.defects, "the From header names several senders; the first was used")
        name, address = pairs[0]
        return name, address

    def addresses(self, *names: str) -> list[str]:
        found: list[str] = []
        for name in names:
            for _display, address in self._pairs(name, self.raw(name)):
                if "@" in address and address not in found:
                    found.append(address)
        return found[:MAX_ADDRESSES]

    def _pairs(self, name: str, values: list[str]) -> list[tuple[str, str]]:
        texts = [self.text(name, value, words=False) for value in values]
        joined = ", ".join(texts)
        if len(joined) > MAX_ADDRESS_HEADER_CHARS:
            _add_defect(
                self.defects, f"the {_header_label(name)} header is too long; the rest was ignored"
            )
            joined = joined[:MAX_ADDRESS_HEADER_CHARS].rpartition(",")[0]
        try:
            pairs = getaddresses([joined])
        except Exception:  # RecursionError on hostile nesting of comments and groups
            pairs = [("", match) for match in _BARE_ADDRESS.findall(joined)]
        result = []
        for display, address in pairs[: MAX_ADDRESSES * 2]:
            address = address.strip().lower()
            if not _plausible_address(address):
                continue
            display_name = _one_line(_decode_words(display), MAX_NAME_CHARS)
            result.append((display_name, address))
        return result

    def date(self) -> datetime | None:
        value = self.first("date", "Date")
        if value is None:
            return None
        try:
            parsed = parsedate_to_datetime(value.strip()[:200])
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        except Exception:
            _add_defect(self.defects, "the Date header could not be read")
            return None

    def auto_submitted(self, subject: str) -> bool:
        for value in self.raw("auto-submitted"):
            if _unfold(value).strip().split(";")[0].strip().lower() != "no":
                return True
        if any(self.raw(name) for name in _AUTO_REPLY_HEADERS):
            return True
        if any(name.startswith("x-ms-exchange-inbox-rules") for name in self.fields):
            return True
        for value in self.raw("precedence"):
            if _unfold(value).strip().lower() in ("auto_reply", "bulk", "junk"):
                return True
        return bool(_AUTO_REPLY_SUBJECT.match(subject))

    def looks_like_bounce(self, from_address: str, subject: str) -> bool:
        local_part = from_address.partition("@")[0]
        return local_part in ("mailer-daemon", "postmaster") and bool(
            _BOUNCE_SUBJECT.search(subject)
        )


_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")
_AUTO_REPLY_SUBJECT = re.compile(
    r"\s*(automatic reply|auto[- ]?reply|auto[- ]?response|out of (the )?office)\b", re.IGNORECASE
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery failure|failure notice|returned mail"
    r"|mail delivery failed|delivery has failed|could not be delivered|non[- ]?delivery",
    re.IGNORECASE,
)
_BARE_ADDRESS = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
_MESSAGE_ID_IN_BRACKETS = re.compile(r"<([^<>\s]*)>")


def _message_ids(value: str, defects: list[str], label: str) -> list[str]:
    """Ids in a Message-Id, In-Reply-To or References value, without their angle brackets."""
    found = _MESSAGE_ID_IN_BRACKETS.findall(value)
    if not found:
        found = [token for token in value.split() if "@" in token]
    ids = []
    for candidate in found:
        candidate = candidate.strip().strip("<>")
        if not candidate or any(unicodedata.category(ch)[0] == "C" for ch in candidate):
            continue
        if len(candidate) > MAX_ID_CHARS:
            _add_defect(defects, f"an id in {label} is longer than {MAX_ID_CHARS} characters")
            candidate = candidate[:MAX_ID_CHARS]
        ids.append(candidate)
    return ids


def _plausible_address(address: str) -> bool:
    return (
        0 < len(address) <= MAX_ADDRESS_CHARS
        and not any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in address)
        and not address.startswith("=?")
    )


def _header_label(name: str) -> str:
    special = {"message-id": "Message-Id", "mime-version": "MIME-Version"}
    return special.get(name, "-".join(word.capitalize() for word in name.split("-")))


def _one_line(value: str, limit: int) -> str:
    text = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in value)
    return " ".join(text.split())[:limit]


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", " ").replace("\n", " ")


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _header_text(value: str) -> str:
    """A header value unfolded, raw 8-bit bytes decoded, without noting a defect."""
    value = _unfold(value)
    return _decode_8bit(value)[0] if _has_surrogates(value) else value


def _decode_8bit(value: str) -> tuple[str, str]:
    """A header that arrived as raw bytes: UTF-8 if it is valid UTF-8, else Windows-1252."""
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "Windows-1252"


_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,64})(?:\*[^?\s]{0,32})?\?([bBqQ])\?([^?\s]{0,8192})\?=")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, in any charset; broken ones decoded as far as they go.

    Adjacent words in one charset are joined before decoding, because some mailers split a
    multi-byte character across two words.
    """
    if "=?" not in value:
        return value
    pieces: list[tuple[str | None, str | bytes]] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, between))
        charset, encoding, encoded = match.groups()
        payload = encoded.encode("ascii", "replace")
        data = _unbase64(payload)[0] if encoding in "bB" else binascii.a2b_qp(payload, header=True)
        if pieces and pieces[-1][0] == charset.lower():
            previous = pieces[-1][1]
            assert isinstance(previous, bytes)
            pieces[-1] = (charset.lower(), previous + data)
        else:
            pieces.append((charset.lower(), data))
        position = match.end()
    pieces.append((None, value[position:]))
    out = []
    for charset, piece in pieces:
        if isinstance(piece, bytes):
            out.append(_decode_text(piece, charset)[0])
        else:
            out.append(piece)
    return "".join(out)


# --- parts ----------------------------------------------------------------------------------------


_VAGUE_TYPES = {"application/octet-stream", "application/x-unknown", "application/unknown"}
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")


def _content_type(part: Message) -> str:
    try:
        value = part.get_content_type()
    except Exception:
        return "application/octet-stream"
    return value.lower() if isinstance(value, str) else "application/octet-stream"


def _clean_content_type(value: str) -> str:
    value = value.strip().lower()
    if not _CONTENT_TYPE.fullmatch(value) or len(value) > MAX_CONTENT_TYPE_CHARS:
        return "application/octet-stream"
    return value


def _extension(content_type: str) -> str:
    known = {"message/rfc822": ".eml", "text/plain": ".txt", "application/ms-tnef": ".dat"}
    if content_type in known:
        return known[content_type]
    return mimetypes.guess_extension(content_type, strict=False) or ".bin"


def _first_raw(part: Message, name: str) -> str | None:
    for key, value in part.raw_items():
        if str(key).lower() == name:
            return value if isinstance(value, str) else None
    return None


def _params(part: Message, name: str) -> Message:
    """A one-header message holding the part's field as Unicode, for the stdlib's parameter
    parsing; raw 8-bit names (common in filenames) are decoded first so they survive."""
    holder = Message()
    value = _first_raw(part, name)
    if value is not None:
        value = _unfold(value)
        if _has_surrogates(value):
            value = _decode_8bit(value)[0]
        holder[name] = value
    return holder


def _filename(part: Message) -> str | None:
    """The name the sender gave the part, from Content-Disposition or Content-Type."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        try:
            value = _params(part, header).get_param(param, header=header)
        except Exception:
            continue
        if isinstance(value, tuple):  # RFC 2231 with an unknown charset
            charset, _language, text = value
            value = _decode_text(text.encode("latin-1", "replace"), charset)[0]
        if isinstance(value, str) and value.strip():
            return _decode_words(value.strip())
    return None


def _disposition(part: Message) -> str:
    value = _first_raw(part, "content-disposition") or ""
    return value.split(";", 1)[0].strip().lower()


def _is_body(part: Message) -> bool:
    return _disposition(part) != "attachment" and not _filename(part)


def _transfer_decoded(part: Message) -> tuple[bytes | None, str | None]:
    """The part's bytes with its transfer encoding undone, and a note if that needed repair."""
    if part.is_multipart():
        return _generated_bytes(part.get_payload()), None
    raw = _raw_payload(part)
    if raw is None:
        return None, "the content is missing"
    encoding = (_first_raw(part, "content-transfer-encoding") or "").strip().lower()
    if encoding == "base64":
        data, repaired = _unbase64(raw)
        if repaired or raw.translate(None, _BASE64_ALPHABET):
            return data, "damaged base64 was decoded as far as it could be"
        return data, None
    if encoding == "quoted-printable":
        return binascii.a2b_qp(raw), None
    if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
        try:
            decoded = part.get_payload(decode=True)
        except Exception:
            decoded = None
        if isinstance(decoded, bytes):
            return decoded, None
        return raw, "its uuencoded content could not be decoded; kept as sent"
    if encoding and encoding not in ("7bit", "8bit", "binary"):
        return raw, f"unknown transfer encoding {encoding[:40]!r}; kept as sent"
    return raw, None


def _raw_payload(part: Message) -> bytes | None:
    """A leaf part's body as sent, before transfer decoding.

    Read from the attribute the stdlib's own generator reads: get_payload() decodes raw 8-bit
    bodies with the declared charset, which loses bytes and, with a hostile label such as
    "punycode", takes time quadratic in the body's length.
    """
    payload = getattr(part, "_payload", None)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return payload if isinstance(payload, bytes) else None


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n\t "


def _unbase64(data: bytes) -> tuple[bytes, bool]:
    """Base64 decoded leniently: stray characters skipped, missing padding supplied."""
    try:
        return binascii.a2b_base64(data), False
    except (binascii.Error, ValueError):
        pass
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    cleaned = cleaned[: len(cleaned) - 1] if len(cleaned) % 4 == 1 else cleaned
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned), True
    except (binascii.Error, ValueError):
        return b"", True


def _encoded_size_estimate(part: Message) -> int:
    """About how many bytes the part holds once decoded, without decoding it."""
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str):
        return 0
    encoding = (_first_raw(part, "content-transfer-encoding") or "").strip().lower()
    return len(payload) * 3 // 4 if encoding == "base64" else len(payload)


def _generated_bytes(messages: list[Message], separator: bytes = b"") -> bytes | None:
    """Embedded messages written back out as bytes (8-bit content comes back unchanged)."""
    try:
        chunks = []
        for message in messages:
            buffer = BytesIO()
            BytesGenerator(buffer, mangle_from_=False, policy=policy.compat32).flatten(message)
            chunks.append(buffer.getvalue())
    except Exception:
        return None
    return separator.join(chunks)


def _embedded_bytes(part: Message) -> bytes | None:
    """An attached email as the bytes it was sent as, its section renaming undone."""
    data = _generated_bytes(part.get_payload()) if part.is_multipart() else _raw_payload(part)
    if data is None:
        return None
    encoding = (_first_raw(part, "content-transfer-encoding") or "").strip().lower()
    if encoding == "base64":  # not allowed for message/rfc822, but sent anyway
        data = _unbase64(data)[0]
    elif encoding == "quoted-printable":
        data = binascii.a2b_qp(data)
    return _SECTION_RENAMED.sub(rb"\1", data) if _UNPARSED_PREFIX in data else data


def _embedded_message_name(data: bytes) -> str:
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(data[:65536])
        subject = _decode_words(_decode_8bit(_unfold(str(headers.get("subject") or "")))[0])
    except Exception:
        subject = ""
    subject = re.sub(r"[^\w\s.,()&+-]", "", _one_line(subject, 120)).strip(" .")
    return f"{subject}.eml" if subject else "forwarded-message.eml"


def _clean_body(text: str, kind: str, defects: list[str]) -> str:
    if "\x00" in text:
        _add_defect(defects, f"NUL characters were removed from the {kind}")
        text = text.replace("\x00", "")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- charsets -----------------------------------------------------------------------------------


# Labels mail software uses that Python does not know, or knows as a narrower charset.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "iso-8859-8-i": "iso8859_8",
    "x-gbk": "gbk",
    "gb2312": "gbk",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "utf8mb4": "utf-8",
}
# Text codecs that are slow on hostile input (punycode and idna are quadratic) or that turn
# bytes into something other than the text they spell.
_REFUSED_CODECS = {
    "punycode",
    "idna",
    "unicode-escape",
    "raw-unicode-escape",
    "undefined",
    "charmap",
}
_WESTERN_CODECS = {"ascii", "iso8859-1", "iso8859-15", "cp1252"}
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = str(charset).strip().strip("\"'").lower()[:64]
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        return None
    return info.name


def _decode_text(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Bytes as text with the declared charset, and the usual wrong labels put right.

    Returns the text and, when the label was wrong or unknown, a note saying how it was read.
    Latin-1 and US-ASCII labels are read as Windows-1252 (their superset, and what was meant).
    """
    codec = _codec(charset)
    label = str(charset or "")[:40]
    if codec is None or codec in _WESTERN_CODECS:
        if data.isascii():
            return data.decode("ascii"), None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", "replace")
            if codec is None and label and label.lower() not in _UNKNOWN_LABELS:
                return text, f"has an unknown charset {label!r}; read as Windows-1252"
            if codec == "ascii":
                return text, f"is labelled {label} but has 8-bit bytes; read as Windows-1252"
            return text, None
        if codec is None and label and label.lower() not in _UNKNOWN_LABELS:
            return text, f"has an unknown charset {label!r}; read as UTF-8"
        if codec is not None:
            return text, f"is labelled {label} but is UTF-8; read as UTF-8"
        return text, None
    try:
        return data.decode(codec), None
    except Exception:
        pass
    if codec == "utf-8":
        if _UTF8_SEQUENCE.search(data):
            return data.decode(
                "utf-8", "replace"
            ), "has bytes that are not UTF-8; they were replaced"
        return data.decode("cp1252", "replace"), "is labelled UTF-8 but is Windows-1252"
    try:
        return data.decode("utf-8"), f"is labelled {label} but is UTF-8; read as UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(codec, "replace"), f"has bytes that are not {label}; they were replaced"
    except Exception:
        return data.decode("cp1252", "replace"), f"could not be read as {label}"


_UNKNOWN_LABELS = {"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "8bit"}


# --- limits applied to the bytes before parsing -------------------------------------------------


_HEADER_START = rb"(?:[!-9;-~]+[ \t]*:|[ \t]|From )"
_HEADER_LINE = re.compile(_HEADER_START)
_HEADER_RUN = re.compile(rb"(?:" + _HEADER_START + rb"[^\n]*\n)*")


def _any_case(word: bytes) -> bytes:
    """A pattern for the word in any case: unlike re.IGNORECASE, a pattern that starts with a
    plain "\\n" lets the regex engine skip ahead, which matters on a 60 MB message."""
    return b"".join(b"[%c%c]" % (c, c ^ 32) if chr(c).isalpha() else bytes([c]) for c in word)


# Both match at the start of a line, including the first once a "\n" is put before it.
_PARAMETER_FIELD = re.compile(
    rb"\n" + _any_case(b"content-") + rb"(?:" + _any_case(b"type") + rb"|"
    + _any_case(b"disposition") + rb")[ \t]*:"
)  # fmt: skip
_FIELD_REST = re.compile(rb"[^\n]*(?:\n[ \t][^\n]*)*")
_SECTION = re.compile(
    rb"\n(" + _any_case(b"content-type") + rb"[ \t]*:[ \t\r\n]*)("
    + _any_case(b"multipart") + rb"|" + _any_case(b"message") + rb")/"
)  # fmt: skip
_SECTION_RENAMED = re.compile(rb"(?im)^(content-type[ \t]*:[ \t\r\n]*)" + _UNPARSED_PREFIX)


def _limit_header_block(data: bytes, limit: int, defects: list[str]) -> bytes:
    """Headers past the limit are dropped, so one giant header section cannot stall us."""
    if len(data) <= limit:
        return data
    position = 0
    while position < limit:
        if not _HEADER_LINE.match(data, position):
            return data  # the header section ended within the limit
        end = data.find(b"\n", position, limit)
        if end < 0:
            break  # this header line runs past the limit
        position = end + 1
    run = _HEADER_RUN.match(data, position)
    resume = run.end() if run else position
    if _HEADER_LINE.match(data, resume):
        resume = len(data)  # a last header line with no line break: nothing follows it
    _add_defect(defects, f"the headers are larger than {limit // 1024} KB; the rest were dropped")
    return data[:position] + data[resume:]


def _limit_line_count(data: bytes, defects: list[str]) -> bytes:
    """The message cut after MAX_LINES lines, found a megabyte at a time at C speed."""
    if data.count(b"\n") <= MAX_LINES:
        return data
    needed = MAX_LINES
    chunk_size = 1024 * 1024
    for start in range(0, len(data), chunk_size):
        chunk = data[start : start + chunk_size]
        lines = chunk.count(b"\n")
        if lines >= needed:
            rest = chunk.split(b"\n", needed)[-1]
            _add_defect(
                defects, f"the message has more than {MAX_LINES:,} lines; the rest was not read"
            )
            return data[: start + len(chunk) - len(rest)]
        needed -= lines
    return data


def _limit_part_count(data: bytes, defects: list[str]) -> bytes:
    """The message cut before its 10,001st boundary-like line: the parts before are read."""
    if data.count(b"\n--") <= MAX_BOUNDARY_LINES:
        return data
    position = 0
    for _ in range(MAX_BOUNDARY_LINES + 1):
        position = data.find(b"\n--", position) + 1
    _add_defect(
        defects, f"the message has more than {MAX_BOUNDARY_LINES:,} parts; the rest was not read"
    )
    return data[:position]


def _limit_parameter_fields(data: bytes, defects: list[str]) -> bytes:
    """Content-Type and Content-Disposition fields cut to a length parameter parsing can take."""
    pieces = []
    position = 0
    for match in _PARAMETER_FIELD.finditer(data):
        start = match.start() + 1  # after the line break
        if start < position:
            continue
        rest = _FIELD_REST.match(data, match.end())
        end = rest.end() if rest else match.end()
        if end - start <= MAX_PARAMETER_FIELD_BYTES:
            continue
        # Keep whole lines up to the limit; the line break that ended the field follows.
        cut = data.rfind(b"\n", start, start + MAX_PARAMETER_FIELD_BYTES)
        cut = cut if cut > start else start + MAX_PARAMETER_FIELD_BYTES
        pieces.append(data[position:cut].rstrip(b"\r"))
        position = end
        _add_defect(
            defects,
            f"a Content-Type or Content-Disposition field is longer than "
            f"{MAX_PARAMETER_FIELD_BYTES // 1024} KB; the rest of it was ignored",
        )
    if not pieces:
        return data
    pieces.append(data[position:])
    return b"".join(pieces)


def _limit_sections(data: bytes) -> bytes:
    """Sections past MAX_MIME_CONTAINERS are renamed so the feedparser leaves them as leaves."""
    if len(_SECTION.findall(data)) <= MAX_MIME_CONTAINERS:
        return data
    seen = 0

    def rename(match: re.Match[bytes]) -> bytes:
        nonlocal seen
        seen += 1
        if seen <= MAX_MIME_CONTAINERS:
            return match.group(0)
        return b"\n" + match.group(1) + _UNPARSED_PREFIX + match.group(2) + b"/"

    return _SECTION.sub(rename, data)


def _without_body(message: Message) -> Message:
    """The message's headers with no body and no MIME structure left to walk."""
    message.set_payload("")
    for name in ("content-type", "content-transfer-encoding", "content-disposition"):
        del message[name]
    return message


def _headers_only(data: bytes) -> Message:
    try:
        return BytesHeaderParser(policy=policy.compat32).parsebytes(data)
    except Exception:
        return Message()


# --- defects --------------------------------------------------------------------------------------


_MIME_DEFECTS: dict[type, str] = {
    email_errors.NoBoundaryInMultipartDefect: "a multipart section declares no boundary; "
    "it was read as plain text",
    email_errors.StartBoundaryNotFoundDefect: "a multipart section's boundary never appears; "
    "it was read as plain text",
    email_errors.CloseBoundaryNotFoundDefect: "a multipart section has no closing boundary "
    "(the message may be cut short); its parts were read to the end",
    email_errors.FirstHeaderLineIsContinuationDefect: "the first header line is indented",
    email_errors.MisplacedEnvelopeHeaderDefect: "a 'From ' envelope line inside the headers "
    "was ignored",
    email_errors.MissingHeaderBodySeparatorDefect: "a header section does not end with a blank "
    "line; the body starts at the first line that is not a header",
    email_errors.MultipartInvariantViolationDefect: "a multipart section holds no parts",
    email_errors.InvalidMultipartContentTransferEncodingDefect: "a multipart section declares a "
    "transfer encoding, which was ignored",
}


def _note_mime_defects(part: Message, defects: list[str]) -> None:
    for defect in getattr(part, "defects", ()):
        note = _MIME_DEFECTS.get(type(defect))
        if note is None:
            note = f"malformed MIME: {type(defect).__name__}"
        _add_defect(defects, note)


def _add_defect(defects: list[str], note: str) -> None:
    if note not in defects and len(defects) < MAX_DEFECTS:
        defects.append(note)


# --- last resort ----------------------------------------------------------------------------------


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    try:
        return bytes(raw)  # type: ignore[call-overload]
    except Exception:
        return b""


def _unreadable(raw: bytes, note: str) -> InboundEmail:
    return InboundEmail(
        message_id=synthetic_message_id(raw),
        message_id_missing=True,
        in_reply_to=None,
        references=[],
        subject="",
        from_address="",
        from_name="",
        reply_to=[],
        to=[],
        cc=[],
        delivered_to=[],
        x_original_to=[],
        date=None,
        text="",
        html="",
        attachments=[],
        refused=[],
        auto_submitted=False,
        delivery_report=False,
        failed_recipients=[],
        defects=[note],
    )
