"""Replies a campaigner forwarded to the tool from their own mailbox, unwrapped to the original.

Authorities often answer the campaigner's personal address instead of the request's reply
address, or a campaigner gets the reply by another route. Forwarding it to the tool is the
natural fix, but the forward is written by the campaigner: its sender, date and subject are
theirs. What identifies the request (the authority's sender address, the reply address with its
token in "To:", the subject, the reference ID) lives inside the forwarded block. This module
recovers the original from the two ways mail programs forward:

- inline, as the body of the forward under a marker line and a block of header lines, in the
  shapes Gmail ("---------- Forwarded message ---------"), Outlook ("-----Original Message-----"
  or a rule of underscores, then From/Sent/To/Subject), Apple Mail ("Begin forwarded message:")
  and Thunderbird ("-------- Forwarded Message --------") write, possibly quoted with "> ";
- attached, as a `message/rfc822` part, which carries the original's own headers.

Pure: values in, values out. Whether a message is a forward the tool should unwrap (it came
from a member of the team) is the caller's decision. Malformed blocks are not an error: an
unrecognised forward is left as it is, and a recognised one with unreadable header lines keeps
what could be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser

from campaign.mail.inbound import DEFAULT_LIMITS, InboundEmail, InboundLimits, parse_mime
from campaign.parsing.documents import html_to_text

# A forward within a forward (a campaigner forwarding from a second mailbox) is unwrapped again,
# up to this depth; past it the rest stays as text.
MAX_FORWARD_DEPTH = 3
# The marker of a forward sits near the top: above it is only the forwarder's own note. Further
# down, a marker is the authority quoting an earlier letter, which is part of the original.
MAX_NOTE_LINES = 40
MAX_NOTE_CHARS = 4000
# Header lines of a forwarded block; long To/Cc lists wrap onto a few continuation lines.
MAX_HEADER_LINES = 30
MAX_HEADER_CHARS = 8000

_LONDON = ZoneInfo("Europe/London")
_TIMEZONES = {"BST": 3600, "GMT": 0, "UTC": 0, "UT": 0, "Z": 0}

_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Gmail writes "message", Thunderbird "Message": the case tells them apart.
    ("gmail", re.compile(r"^-{3,}\s*Forwarded message\s*-{3,}\s*$")),
    ("thunderbird", re.compile(r"^-{3,}\s*Forwarded Message\s*-{3,}\s*$")),
    ("outlook", re.compile(r"^-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)),
    ("apple", re.compile(r"^Begin forwarded message:\s*$", re.IGNORECASE)),
    ("outlook", re.compile(r"^_{10,}\s*$")),
)
_HEADER_LINE = re.compile(
    r"^\*?(?P<name>From|Sent|Date|To|Cc|Subject|Reply-To|Importance)\*?\s*:\s*\*?(?P<value>.*)$",
    re.IGNORECASE,
)
_QUOTE_PREFIX = re.compile(r"^>[ \t]?")
_MAILTO = re.compile(r"\[mailto:(?P<address>[^\]\s]+)\]", re.IGNORECASE)
_BARE_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_FORWARD_SUBJECT = re.compile(r"^\s*((fwd?|fw)\s*:\s*)+", re.IGNORECASE)
_ATTACHED_TYPES = ("message/rfc822", "message/global")


@dataclass(frozen=True)
class Forwarded:
    """The original reply recovered from a forward, and who forwarded it (provenance)."""

    original: InboundEmail
    forwarder_address: str
    forwarder_name: str
    forwarded_at: datetime | None
    # "inline:gmail", "inline:outlook", "inline:apple", "inline:thunderbird", "inline:headers"
    # or "attached"; forwards of forwards join theirs with ">".
    how: str
    # What the forwarder wrote above the forwarded block, if anything.
    note: str

    def describe(self) -> str:
        """One line for the message's intake notes: who forwarded it, when and how."""
        who = self.forwarder_address or "an unknown sender"
        when = f" on {self.forwarded_at:%d %b %Y %H:%M} UTC" if self.forwarded_at else ""
        shape = "as an attached email" if self.how == "attached" else "inline"
        return f"forwarded by {who}{when} ({shape}, {self.how}); the original sender is shown"


def unwrap_forwarded(
    email: InboundEmail, limits: InboundLimits = DEFAULT_LIMITS
) -> Forwarded | None:
    """The original inside a forward, or None when the message does not look forwarded."""
    found = _unwrap_once(email, limits)
    if found is None:
        return None
    original, how, note = found
    hows = [how]
    for _ in range(MAX_FORWARD_DEPTH - 1):
        deeper = _unwrap_once(original, limits, nested=True)
        if deeper is None:
            break
        original, how, _ = deeper
        hows.append(how)
    return Forwarded(
        original=original,
        forwarder_address=email.from_address,
        forwarder_name=email.from_name,
        forwarded_at=email.date,
        how=">".join(hows),
        note=note,
    )


def _unwrap_once(
    email: InboundEmail, limits: InboundLimits, *, nested: bool = False
) -> tuple[InboundEmail, str, str] | None:
    body = email.text or html_to_text(email.html)
    inline = _inline_block(body)
    attached = [f for f in email.attachments if f.content_type in _ATTACHED_TYPES]
    # An attached email wins when the body holds no forwarded block: "forward as attachment".
    if inline is None and attached and (not nested or _is_forward_subject(email.subject)):
        return _from_attached(email, attached[0], limits), "attached", body.strip()
    if inline is None:
        return None
    if nested and not _is_forward_subject(email.subject):
        # Inside an original, a block further in is the authority quoting an earlier letter.
        return None
    return _from_inline(email, inline), f"inline:{inline.shape}", inline.note


@dataclass(frozen=True)
class _Block:
    shape: str
    note: str
    headers: dict[str, str]
    body: str

    @property
    def subject(self) -> str:
        return self.headers.get("subject", "")


def _inline_block(body: str) -> _Block | None:
    lines = body.split("\n")
    limit = min(len(lines), MAX_NOTE_LINES + MAX_HEADER_LINES + 2)
    for index in range(limit):
        line = _unquoted(lines[index]).strip()
        shape = _marker_shape(line)
        starts_headers = shape is None and _HEADER_LINE.match(line) and _is_from(line)
        if shape is None and not starts_headers:
            if index >= MAX_NOTE_LINES or sum(len(x) for x in lines[:index]) > MAX_NOTE_CHARS:
                return None
            continue
        first_header = index + 1 if shape else index
        block = _read_block(lines, first_header, shape or "headers")
        if block is not None:
            note = "\n".join(lines[:index]).strip()
            return replace(block, note=note[:MAX_NOTE_CHARS])
        if shape is None:
            continue
    return None


def _marker_shape(line: str) -> str | None:
    for shape, pattern in _MARKERS:
        if pattern.match(line):
            return shape
    return None


def _is_from(line: str) -> bool:
    match = _HEADER_LINE.match(line)
    return bool(match) and match.group("name").lower() == "from"


def _read_block(lines: list[str], start: int, shape: str) -> _Block | None:
    """Header lines from `start` (blank lines before them skipped), then the body after them."""
    index = start
    while index < len(lines) and index < start + 3 and not _unquoted(lines[index]).strip():
        index += 1
    quoted = index < len(lines) and lines[index].lstrip().startswith(">")
    headers: dict[str, str] = {}
    last: str | None = None
    used = 0
    while index < len(lines) and len(headers) < 12:
        raw_line = lines[index]
        line = (_unquoted(raw_line) if quoted else raw_line).strip()
        used += len(line)
        if not line or index - start > MAX_HEADER_LINES or used > MAX_HEADER_CHARS:
            break
        match = _HEADER_LINE.match(line)
        if match:
            last = match.group("name").lower()
            value = match.group("value").strip().strip("*").strip()
            headers.setdefault(last, value)
        elif last in ("to", "cc") and headers.get(last, "").rstrip().endswith((";", ",")):
            headers[last] += " " + line  # a wrapped address list
        else:
            break
        index += 1
    if "from" not in headers or not ({"subject", "sent", "date", "to"} & headers.keys()):
        return None
    rest = lines[index:]
    if quoted:
        rest = [_unquoted(line) for line in rest]
    return _Block(shape=shape, note="", headers=headers, body="\n".join(rest).strip("\n"))


def _unquoted(line: str) -> str:
    return _QUOTE_PREFIX.sub("", line, count=1)


def _from_inline(outer: InboundEmail, block: _Block) -> InboundEmail:
    name, address = _sender(block.headers.get("from", ""))
    to = _addresses(block.headers.get("to", ""))
    cc = _addresses(block.headers.get("cc", ""))
    when = _date(block.headers.get("sent") or block.headers.get("date") or "")
    subject = block.subject or _FORWARD_SUBJECT.sub("", outer.subject)
    defects = list(outer.defects)
    if not address:
        defects.append("the forwarded block names its sender without an email address")
    if when is None:
        defects.append("the forwarded block's date could not be read; the forward's date is used")
    # Gmail and Outlook carry the original's attachments on the forward itself.
    return replace(
        outer,
        in_reply_to=None,
        references=[],
        subject=subject,
        from_address=address,
        from_name=name,
        reply_to=[],
        to=to,
        cc=cc,
        delivered_to=[],
        x_original_to=[],
        date=when or outer.date,
        text=block.body,
        html="",
        auto_submitted=False,
        delivery_report=False,
        failed_recipients=[],
        defects=defects,
    )


def _from_attached(outer: InboundEmail, attached, limits: InboundLimits) -> InboundEmail:
    inner = parse_mime(attached.data, limits)
    others = [f for f in outer.attachments if f is not attached]
    return replace(
        inner,
        # An attached email with no Message-Id of its own is known by the forward's.
        message_id=outer.message_id if inner.message_id_missing else inner.message_id,
        message_id_missing=outer.message_id_missing and inner.message_id_missing,
        date=inner.date or outer.date,
        attachments=inner.attachments + others,
        refused=inner.refused + outer.refused,
        defects=outer.defects + inner.defects,
    )


def _sender(value: str) -> tuple[str, str]:
    """(name, address) from "Name <a@b>", "Name [mailto:a@b]", "a@b" or just "Name"."""
    value = value.strip()
    mailto = _MAILTO.search(value)
    if mailto:
        return _clean_name(value[: mailto.start()]), mailto.group("address").lower()
    pairs = getaddresses([value])
    for name, address in pairs:
        if _BARE_ADDRESS.fullmatch(address or ""):
            return _clean_name(name), address.lower()
    bare = _BARE_ADDRESS.search(value)
    if bare:
        return _clean_name(value[: bare.start()].rstrip(" <(")), bare.group(0).lower()
    return _clean_name(value), ""


def _clean_name(name: str) -> str:
    return name.strip().strip("\"'<>()[] ").strip()[:200]


def _addresses(value: str) -> list[str]:
    found = [m.group("address").lower() for m in _MAILTO.finditer(value)]
    found += [a.lower() for a in _BARE_ADDRESS.findall(_MAILTO.sub(" ", value))]
    found = [address.strip("'\"") for address in found]
    return list(dict.fromkeys(found))


def _date(value: str) -> datetime | None:
    """The forwarded block's date, as mail programs print it: RFC 5322 or words, UK times."""
    value = value.strip()
    if not value:
        return None
    # dateutil reads RFC 5322 dates and the wordy ones alike; the stdlib's parsedate is lenient
    # in the wrong way ("Monday, September 3, 2018 4:45:12 PM" comes back as 4:45 AM).
    try:
        parsed = date_parser.parse(value, dayfirst=True, fuzzy=True, tzinfos=_TIMEZONES)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_LONDON)
    return parsed.astimezone(UTC)


def _is_forward_subject(subject: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject or ""))
