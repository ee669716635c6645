"""Store first, process later: every inbound email is kept durably before anything reads it.

The three ways in (Mailgun's inbound route, `campaign mail import`, uploads) all end in
`store_inbound`, which writes the raw message and each attachment to the files directory,
commits one Message row with its Attachment rows, and queues processing. Parsing the
documents, matching and status changes happen later in the worker, so a reply is never lost to
a parser bug.

The webhook goes one step faster (`accept_inbound`): it writes the raw message durably into
the files directory's `incoming/` spool and queues `store_inbound` for the worker, which
removes the spooled copy once the rows are committed. It answers in a few milliseconds; if the
queued job is lost, the spooled file is still there and the periodic sweep queues it again.

The same email arriving twice, by any route, is stored once: the Message-Id is the inbound
key (a missing one is derived from the raw bytes), held unique by the database.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from campaign.domain.vocabulary import (
    MatchMethod,
    MatchState,
    MessageDirection,
    MessageSource,
    ProcessingState,
)
from campaign.extensions import db
from campaign.mail.forwarded import unwrap_forwarded
from campaign.mail.inbound import InboundEmail, InboundLimits, parse_mime
from campaign.models import Attachment, Message, Request, User
from campaign.models.base import utcnow
from campaign.services.files import files_dir, store_blob, write_durably
from campaign.services.statuses import record_event

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024


@dataclass(frozen=True)
class Stored:
    """What became of one inbound email: stored now, already stored, or refused with a reason."""

    message_id: int | None
    duplicate: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def inbound_limits() -> InboundLimits:
    """Caps for one message, from INBOUND_MAX_MB: one attachment may take up to 40 MB of it."""
    max_bytes = current_app.config.get("INBOUND_MAX_MB", 50) * 1024 * 1024
    return InboundLimits(max_attachment_bytes=min(max_bytes, MAX_ATTACHMENT_BYTES))


def max_inbound_bytes() -> int:
    return current_app.config.get("INBOUND_MAX_MB", 50) * 1024 * 1024


def read_inbound(raw: bytes) -> InboundEmail:
    """The email as the tool files it: a team member's forward stands for the reply it carries.

    Only mail from a member of the team (a user's address) is unwrapped: anyone can write a
    "Forwarded message" block, and an authority's own reply often quotes earlier letters. The
    forwarder, when and how, and what they wrote above the block are kept as intake notes.
    """
    limits = inbound_limits()
    email = parse_mime(raw, limits)
    if not email.from_address or not _is_team_member(email.from_address):
        return email
    forwarded = unwrap_forwarded(email, limits)
    if forwarded is None:
        return email
    notes = [forwarded.describe()]
    if forwarded.note:
        notes.append(f"the forwarder wrote: {' '.join(forwarded.note.split())[:500]}")
    return replace(forwarded.original, defects=notes + forwarded.original.defects)


def _is_team_member(address: str) -> bool:
    return bool(
        db.session.scalar(
            sa.select(User.id).where(sa.func.lower(User.email) == address.lower()).limit(1)
        )
    )


def store_inbound(
    raw: bytes,
    source: MessageSource,
    *,
    request: Request | None = None,
    user_id: int | None = None,
    queue: bool = True,
) -> Stored:
    """Keep one raw email and its attachments, commit, then queue its processing.

    `request` files the message on that request directly (a person uploaded it there).
    Whatever the caller added to the session before (the webhook's signature token) commits
    in the same transaction, so a failed store claims nothing and Mailgun's retry is accepted.
    """
    limit = max_inbound_bytes()
    if len(raw) > limit:
        return Stored(None, error=f"message is larger than the {limit // (1024 * 1024)} MB limit")
    if not raw.strip():
        return Stored(None, error="message is empty")
    email = read_inbound(raw)
    # No look-up first: the unique inbound key decides, in the one flush below. A duplicate's
    # files are already on disk under the same names, so storing them again writes nothing.
    raw_sha256 = store_blob(raw)
    message = _message_row(email, raw_sha256, source)
    for file in email.attachments:
        message.attachments.append(
            Attachment(
                sha256=store_blob(file.data),
                filename=file.filename[:255] or "attachment",
                content_type=file.content_type[:255],
                size=len(file.data),
                container=file.container[:255] if file.container else None,
            )
        )
    if request is not None:
        message.request_id = request.id
        message.match_state = MatchState.MATCHED.value
        message.match_method = MatchMethod.MANUAL.value
        message.match_note = "filed here by the person who uploaded it"
    db.session.add(message)
    try:
        db.session.flush()
        if request is not None:
            record_event(
                "message_uploaded",
                request=request,
                user_id=user_id,
                message_id=message.id,
                subject=message.subject[:200],
            )
        db.session.commit()
    except IntegrityError:
        # Stored before (or by another worker a moment ago); otherwise the caller's own rows
        # in this transaction broke a constraint, and that is the caller's to answer.
        db.session.rollback()
        existing = _existing(email.message_id)
        if existing is None:
            raise
        return Stored(existing, duplicate=True)
    if queue:
        queue_processing(message.id)
    return Stored(message.id)


@dataclass(frozen=True)
class Accepted:
    """A webhook's message written to disk and marked for storing, or refused with a reason."""

    sha256: str | None
    error: str | None = None


def accept_inbound(raw: bytes, source: MessageSource) -> Accepted:
    """Spool the raw message durably, waiting to be stored (see the module doc)."""
    limit = max_inbound_bytes()
    if len(raw) > limit:
        return Accepted(None, f"message is larger than the {limit // (1024 * 1024)} MB limit")
    if not raw.strip():
        return Accepted(None, "message is empty")
    sha256 = hashlib.sha256(raw).hexdigest()
    write_durably(_incoming_path(sha256, source), raw)
    return Accepted(sha256)


def drop_incoming(sha256: str, source: MessageSource) -> None:
    """Drop a spooled message: it was stored, or it must never be (a replayed webhook)."""
    _incoming_path(sha256, source).unlink(missing_ok=True)


def queue_storing(sha256: str, source: MessageSource) -> None:
    """Hand an accepted message to the worker; if the queue is down, the sweep finds it."""
    from campaign.tasks import store_message_task

    try:
        store_message_task(sha256, source.value)
    except Exception:  # the spooled file stays; the sweep queues it again
        log.exception("could not queue accepted message %s", sha256)


def store_accepted(sha256: str, source: MessageSource) -> Stored:
    """The worker's half of the webhook: rows for a spooled message, then the spool copy goes.

    Safe to repeat: a message stored before is recognised by its Message-Id, or, once its
    spooled copy is gone, by its bytes.
    """
    spooled = _incoming_path(sha256, source)
    try:
        raw = spooled.read_bytes()
    except FileNotFoundError:
        existing = db.session.scalar(sa.select(Message.id).where(Message.raw_sha256 == sha256))
        if existing is not None:
            return Stored(existing, duplicate=True)
        return Stored(None, error="the accepted message is no longer in the spool")
    stored = store_inbound(raw, source, queue=False)
    drop_incoming(sha256, source)
    return stored


def accepted_before(cutoff: datetime) -> list[tuple[str, MessageSource]]:
    """Spooled messages still not stored since before the cutoff (their job was lost)."""
    directory = _incoming_dir()
    if not directory.is_dir():
        return []
    waiting = []
    for spooled in sorted(directory.iterdir()):
        sha256, _, source = spooled.name.partition(".")
        if len(sha256) != 64 or source not in {s.value for s in MessageSource}:
            continue  # a write in progress (.partial-...) or something not ours
        try:
            changed = datetime.fromtimestamp(spooled.stat().st_mtime, UTC)
        except FileNotFoundError:
            continue
        if changed < cutoff:
            waiting.append((sha256, MessageSource(source)))
    return waiting[:500]


def _incoming_dir() -> Path:
    return files_dir() / "incoming"


def _incoming_path(sha256: str, source: MessageSource) -> Path:
    return _incoming_dir() / f"{sha256}.{MessageSource(source).value}"


def queue_processing(message_pk: int) -> None:
    """Hand the message to the worker; if the queue is down, the periodic sweep finds it."""
    from campaign.tasks import process_message_task

    try:
        process_message_task(message_pk)
    except Exception:  # the message is stored; the sweep will queue it again
        log.exception("could not queue message %s for processing", message_pk)


def _existing(inbound_key: str) -> int | None:
    return db.session.scalar(sa.select(Message.id).where(Message.inbound_key == inbound_key))


def _message_row(email: InboundEmail, raw_sha256: str, source: MessageSource) -> Message:
    notes = list(email.defects)
    notes += [f"{part.filename}: not kept, {part.reason}" for part in email.refused]
    if email.message_id_missing:
        notes.insert(0, "no Message-Id header: identified by the SHA-256 of its bytes")
    return Message(
        direction=MessageDirection.INBOUND.value,
        source=source.value,
        inbound_key=email.message_id,
        message_id=email.message_id[:255],
        in_reply_to=(email.in_reply_to or None) and email.in_reply_to[:255],
        references=" ".join(email.references),
        from_address=email.from_address[:254],
        from_name=email.from_name[:200],
        to_address=", ".join(email.recipients),
        subject=email.subject[:998],
        body_text=email.text,
        body_html=email.html,
        raw_sha256=raw_sha256,
        sent_at=email.date,
        received_at=utcnow(),
        processing_state=ProcessingState.STORED.value,
        match_state=MatchState.PENDING.value,
        intake_notes=notes,
    )


def document_as_email(
    request: Request, filename: str, content_type: str, data: bytes, uploaded_by: str
) -> bytes:
    """Wrap a loose document (a PDF posted by hand) in an email, so it takes the same path.

    Its Message-Id is derived from the request and the document's bytes: uploading the same
    file to the same request twice stores it once.
    """
    digest = hashlib.sha256(data).hexdigest()
    email = EmailMessage()
    email["Subject"] = f"Document added by hand: {filename}"
    email["From"] = "uploaded-by-hand@foi-campaign.invalid"
    email["To"] = request.sent_to or ""
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = f"<upload-{request.token}-{digest[:32]}@foi-campaign.invalid>"
    email["X-Uploaded-By"] = uploaded_by
    email.set_content(f"{uploaded_by} added {filename} to this request by hand.\n")
    maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
    email.add_attachment(
        data,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        filename=filename,
    )
    return email.as_bytes()


def stored_before(cutoff: datetime) -> list[int]:
    """Messages still waiting for processing since before the cutoff (their job was lost)."""
    return list(
        db.session.scalars(
            sa.select(Message.id)
            .where(
                Message.processing_state == ProcessingState.STORED.value,
                Message.direction == MessageDirection.INBOUND.value,
                Message.created_at < cutoff,
            )
            .order_by(Message.id)
            .limit(500)
        )
    )
