"""Processing a stored inbound message: read it, find its request, and move the request on.

Runs in the worker, after `ingest.store_inbound` committed the raw bytes. Each step can be
repeated: attachments already read are not read again, and a message that failed keeps its
error and can be retried from the page. Every change to a request is written as an Event
naming the message that caused it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from campaign.domain.reply_status import status_after_reply
from campaign.domain.vocabulary import (
    MatchMethod,
    MatchState,
    MessageKind,
    ParseState,
    ProcessingState,
    RequestStatus,
)
from campaign.extensions import db
from campaign.models import Attachment, AuthorityAddress, Message, Request
from campaign.models.base import utcnow
from campaign.parsing.documents import ExtractedText, UnreadableDocument, extract_text, html_to_text
from campaign.parsing.reply import ReplyAnalysis, analyse_reply
from campaign.services.answers import read_filed_reply, store_reply_answers
from campaign.services.files import read_blob
from campaign.services.followups import cancel_queued_chasers
from campaign.services.ingest import read_inbound
from campaign.services.matching import MatchDecision, match_inbound
from campaign.services.search_index import index_message
from campaign.services.statuses import change_status, record_event

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
# Files whose text is worth reading; pictures wait for OCR, anything else is just kept.
DOCUMENT_TYPES = (
    "application/pdf", "application/msword", "text/", "application/vnd.openxmlformats",
    "application/vnd.ms-excel", "application/rtf", "message/rfc822",
    "application/vnd.ms-powerpoint", "application/vnd.oasis.opendocument",
    "application/vnd.ms-outlook",
)  # fmt: skip
DOCUMENT_SUFFIXES = (
    ".pdf", ".docx", ".doc", ".xlsx", ".xls", ".pptx", ".ppt", ".odt", ".rtf", ".msg", ".txt",
    ".htm", ".html", ".csv", ".eml",
)  # fmt: skip


@dataclass(frozen=True)
class Processed:
    message_id: int
    state: ProcessingState
    match_state: str | None = None
    kind: str | None = None
    error: str | None = None


def process_message(message_pk: int) -> Processed:
    """Read, classify, match and apply one stored message; failures are kept on the message."""
    message = db.session.get(Message, message_pk)
    if message is None:
        return Processed(message_pk, ProcessingState.FAILED, error="no such message")
    if message.processing_state == ProcessingState.PROCESSED.value:
        return Processed(message.id, ProcessingState.PROCESSED, message.match_state, message.kind)
    try:
        claimed = _process(message)
        if claimed:
            message.processing_state = ProcessingState.PROCESSED.value
            message.processing_error = None
            db.session.commit()
    except Exception as error:  # kept on the message for a person to see and retry
        db.session.rollback()
        log.exception("processing message %s failed", message_pk)
        error_text = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        # Not over a copy that another worker finished meanwhile.
        db.session.execute(
            sa.update(Message)
            .where(
                Message.id == message_pk,
                Message.processing_state != ProcessingState.PROCESSED.value,
            )
            .values(processing_state=ProcessingState.FAILED.value, processing_error=error_text)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return Processed(message_pk, ProcessingState.FAILED, error=error_text)
    if not claimed:
        db.session.rollback()
        message = db.session.get(Message, message_pk, populate_existing=True)
    return Processed(message.id, ProcessingState.PROCESSED, message.match_state, message.kind)


def _process(message: Message) -> bool:
    """Read, then claim, then write; False when another worker's copy of the job got there
    first (a job repeated after a restart, or queued again by `mail process-stored`)."""
    email = read_inbound(read_blob(message.raw_sha256))
    documents = [(a.filename, text) for a in message.attachments if (text := _read(a))]
    body = email.text or html_to_text(email.html)
    analysis = analyse_reply(
        subject=email.subject,
        body=body,
        documents=documents,
        auto_submitted=email.auto_submitted,
        delivery_report=email.delivery_report,
    )
    if not _claim(message.id):
        return False
    message.kind = analysis.kind
    message.reference_id = analysis.reference_id
    message.outcome = analysis.outcome
    message.analysis = _analysis_record(analysis, email.failed_recipients, email.delivery_report)
    if message.request_id is None:
        decision = match_inbound(email, analysis.reference_id)
        _file(message, decision)
    if message.request_id is not None:
        apply_reply(message.request, message, analysis)
        # Its campaign's questions are known now: answers per question, from the same pages.
        store_reply_answers(message, analysis)
    index_message(message)  # its body and pages, as read now; an Inbox message has none
    return True


def _claim(message_pk: int) -> bool:
    """Mark the message processed as this transaction's first write, where no other copy did.

    The slow reading above runs without locks. From here a second copy waits: on PostgreSQL
    for this row's lock, on SQLite for the one write lock, and then finds the message
    processed. A worker killed before its commit leaves the message stored, to be read again.
    """
    claimed = db.session.execute(
        sa.update(Message)
        .where(
            Message.id == message_pk,
            Message.processing_state != ProcessingState.PROCESSED.value,
        )
        .values(processing_state=ProcessingState.PROCESSED.value)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _analysis_record(
    analysis: ReplyAnalysis, failed_recipients: list[str], delivery_report: bool
) -> dict:
    record = analysis.to_json()
    record["reference_source"] = analysis.reference_source
    record["extended_until"] = (
        analysis.extended_until.isoformat() if analysis.extended_until else None
    )
    if delivery_report:
        record["delivery_report"] = True
        record["failed_recipients"] = failed_recipients
    return record


def _read(attachment: Attachment) -> ExtractedText | None:
    """The attachment's text, read once and kept with its pages."""
    if attachment.parse_state == ParseState.PARSED.value and attachment.pages is not None:
        return ExtractedText(pages=list(attachment.pages), method=attachment.extract_method or "")
    if attachment.parse_state != ParseState.PENDING.value:
        return None
    if not _is_document(attachment):
        attachment.parse_state = (
            ParseState.NEEDS_OCR.value
            if attachment.content_type.startswith("image/")
            else ParseState.UNPARSEABLE.value
        )
        attachment.parse_error = f"{attachment.content_type or 'unknown type'}: no text to read"
        return None
    try:
        text = extract_text(
            read_blob(attachment.sha256), attachment.filename, attachment.content_type
        )
    except UnreadableDocument as reason:
        attachment.parse_state = ParseState.UNPARSEABLE.value
        attachment.parse_error = str(reason)[:MAX_ERROR_LENGTH]
        return None
    attachment.pages = text.pages
    attachment.page_count = len(text.pages)
    attachment.extract_method = text.method[:16]
    attachment.parse_state = (ParseState.NEEDS_OCR if text.needs_ocr else ParseState.PARSED).value
    if text.note:  # e.g. scanned pages left unread because tesseract is not installed
        attachment.parse_error = text.note[:MAX_ERROR_LENGTH]
    return text


def _is_document(attachment: Attachment) -> bool:
    content_type = attachment.content_type.lower()
    return content_type.startswith(DOCUMENT_TYPES) or attachment.filename.lower().endswith(
        DOCUMENT_SUFFIXES
    )


def _file(message: Message, decision: MatchDecision) -> None:
    message.match_state = decision.state.value
    message.match_method = decision.method.value if decision.method else None
    message.match_note = decision.note or None
    message.suggested_request_id = decision.suggested_request_id
    if decision.state is MatchState.MATCHED:
        message.request_id = decision.request_id
        db.session.flush()


def apply_reply(
    request: Request,
    message: Message,
    analysis: ReplyAnalysis,
    *,
    user_id: int | None = None,
) -> None:
    """Record what the reply says on its request: contact, reference, status, dates."""
    request = db.session.scalar(
        sa.select(Request)
        .where(Request.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    request.last_contact_at = message.received_at or utcnow()
    record_event(
        "message_received",
        request=request,
        user_id=user_id,
        message_id=message.id,
        message_kind=analysis.kind,
        matched_by=message.match_method,
        subject=message.subject[:200],
        sender=message.from_address,
    )
    # The authority has answered in some form: a chaser still waiting to go must not.
    cancel_queued_chasers(request, f"{analysis.kind} received", kind=analysis.kind)
    if analysis.reference_id and not request.reference_id:
        request.reference_id = analysis.reference_id[:64]
        request.reference_source = _describe_source(message, analysis)
        record_event(
            "reference_recorded",
            request=request,
            message_id=message.id,
            reference_id=request.reference_id,
            found_in=request.reference_source,
        )
    if analysis.kind == MessageKind.BOUNCE.value and not _bounce_is_ours(
        request, message.analysis or {}
    ):
        return
    target = status_after_reply(request.status, analysis.kind, analysis.outcome)
    if target is None:
        return
    reason = f"{analysis.kind.replace('_', ' ')} received"
    if request.status_manual:
        record_event(
            "status_suggested",
            request=request,
            message_id=message.id,
            suggested=target.value,
            reason=f"{reason}; the status was set by hand, so it stays",
        )
        return
    _before_status_change(request, message, analysis, target)
    change_status(request, target, reason=reason, message_id=message.id, user_id=user_id)


def _before_status_change(
    request: Request, message: Message, analysis: ReplyAnalysis, target: RequestStatus
) -> None:
    if target is RequestStatus.AWAITING_CLARIFICATION:
        request.clock_stopped_at = message.received_at or utcnow()
    elif target is RequestStatus.EXTENDED and analysis.extended_until:
        request.due_on = _later(request.due_on, analysis.extended_until)
    elif target is RequestStatus.DELIVERY_FAILED:
        request.failure_reason = f"bounced: {message.subject}"[:1000]


def _later(current: date | None, new: date) -> date:
    return new if current is None or new > current else current


def _bounce_is_ours(request: Request, analysis: dict) -> bool:
    """A bounce fails the request only if it says the letter's address failed.

    A delivery report (DSN) that names no failed recipient is a delay warning; one that names
    others is about some other mail. A plain-text bounce without a report is taken at its word.
    """
    if not analysis.get("delivery_report"):
        return True
    failed = {r.lower() for r in analysis.get("failed_recipients", [])}
    if not failed:
        return False
    return not request.sent_to or request.sent_to.lower() in failed


def _describe_source(message: Message, analysis: ReplyAnalysis) -> str:
    where = analysis.reference_source or "the message"
    return f"{where} of message {message.id} ({message.received_at:%d %b %Y})"[:200]


def assign_message(message: Message, request: Request, user_id: int, learn_sender: bool) -> None:
    """A person files an Inbox message on a request; the sender is remembered if they say so."""
    message.request_id = request.id
    message.match_state = MatchState.MATCHED.value
    message.match_method = MatchMethod.MANUAL.value
    message.match_note = "assigned by hand"
    message.suggested_request_id = None
    if learn_sender and message.from_address:
        _learn_address(request.authority_id, message.from_address, user_id)
    db.session.flush()
    if message.processing_state == ProcessingState.PROCESSED.value:
        analysis = ReplyAnalysis(
            reference_id=message.reference_id,
            reference_source=(message.analysis or {}).get("reference_source"),
            kind=message.kind,
            outcome=message.outcome,
            exemptions=list((message.analysis or {}).get("exemptions", [])),
            review_window_days=(message.analysis or {}).get("review_window_days"),
            extended_until=_date_or_none((message.analysis or {}).get("extended_until")),
            mentions=[],
            answers=[],
        )
        apply_reply(request, message, analysis, user_id=user_id)
        read_filed_reply(message)
        index_message(message)
    db.session.commit()


def _learn_address(authority_id: int, address: str, user_id: int) -> None:
    address = address.lower()
    exists = db.session.scalar(
        sa.select(AuthorityAddress.id).where(
            AuthorityAddress.authority_id == authority_id, AuthorityAddress.address == address
        )
    )
    if exists is None:
        db.session.add(
            AuthorityAddress(authority_id=authority_id, address=address, learned_by_id=user_id)
        )


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def retry_message(message: Message) -> None:
    """Put a failed message back in the queue, reading its attachments afresh."""
    from campaign.services.ingest import queue_processing

    message.processing_state = ProcessingState.STORED.value
    message.processing_error = None
    for attachment in message.attachments:
        if attachment.parse_state == ParseState.UNPARSEABLE.value:
            attachment.parse_state = ParseState.PENDING.value
            attachment.parse_error = None
    db.session.commit()
    queue_processing(message.id)
