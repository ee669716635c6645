"""Sending one request's letter exactly once, whatever crashes or times out along the way.

The worker claims the request and records the outbound Message (with the exact text and our
Message-Id) in one transaction *before* calling the transport, and records the outcome after.
A claim with no outcome means a crash or an unanswered call: it is reconciled by asking the
transport whether that Message-Id was accepted, and only resent if it was not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app

from campaign.domain.letters import LetterAuthority, LetterContext, LetterError, law_for
from campaign.domain.letters import render_letter as render
from campaign.domain.vocabulary import MessageDirection, MessageKind, RequestStatus
from campaign.extensions import db
from campaign.mail.compose import OutgoingEmail, new_message_id
from campaign.mail.transports import (
    AmbiguousSendError,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
)
from campaign.models import Campaign, Message, Request
from campaign.models.base import utcnow
from campaign.services.statuses import change_status, record_event

MAX_ATTEMPTS = 8


def stale_claim() -> timedelta:
    """A claim older than this with no recorded outcome was abandoned by a dead worker, or its
    transport call went unanswered long enough for the provider's log to say what happened."""
    return timedelta(seconds=current_app.config["SEND_STALE_CLAIM_SECONDS"])


class SendOutcome(StrEnum):
    SENT = "sent"  # accepted by the transport now
    RECONCILED = "reconciled"  # an earlier attempt had been accepted; recorded, not resent
    RETRY = "retry"  # not accepted; try again later
    UNKNOWN = "unknown"  # maybe accepted: reconcile later before any resend
    FAILED = "failed"  # permanently refused; request is delivery_failed
    SKIPPED = "skipped"  # nothing to do: already sent, withdrawn, or another worker has it


@dataclass(frozen=True)
class SendReport:
    outcome: SendOutcome
    request_id: int
    detail: str = ""
    attempts: int = 0


def reply_address(token: str) -> str:
    config = current_app.config
    return f"foi+{token}@{config['MAIL_DOMAIN']}"


def render_for(request: Request, today: date | None = None) -> tuple[str, str]:
    """The subject and body this request's authority gets from the campaign's current letter."""
    campaign: Campaign = request.campaign
    authority = request.authority
    context = LetterContext(
        authority=LetterAuthority(
            name=authority.name,
            short_name=authority.short_name,
            nation=authority.nation or "",
            type=authority.authority_type,
            gss_code=authority.gss_code or "",
            email=authority.foi_email or "",
        ),
        law=law_for(request.law),
        reply_to=reply_address(request.token),
        today=today or utcnow().date(),
        questions=[q.text for q in campaign.questions],
        campaign_title=campaign.title,
    )
    letter = render(campaign.subject_template, campaign.body_template, context)
    return letter.subject, letter.body


def _outbound_letter(request: Request) -> Message | None:
    return db.session.scalar(
        sa.select(Message)
        .where(
            Message.request_id == request.id,
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.kind == MessageKind.REQUEST.value,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


def _claim(request_id: int, now: datetime) -> bool:
    """Atomically take the request for this worker; False if another has it or it is done."""
    stale_before = now - stale_claim()
    result = db.session.execute(
        sa.update(Request)
        .where(
            Request.id == request_id,
            Request.status == RequestStatus.QUEUED.value,
            sa.or_(Request.send_claimed_at.is_(None), Request.send_claimed_at < stale_before),
        )
        .values(send_claimed_at=now, send_attempts=Request.send_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _email_for(request: Request, message: Message) -> OutgoingEmail:
    return OutgoingEmail(
        message_id=message.message_id,
        from_address=message.from_address,
        from_name=current_app.config["MAIL_FROM_NAME"],
        to=message.to_address,
        subject=message.subject,
        body_text=message.body_text,
        reply_to=message.from_address,
        variables={"request_id": str(request.id), "token": request.token},
    )


def _record_sent(request: Request, message: Message, result: SendResult, reconciled: bool) -> None:
    now = utcnow()
    message.transport_id = result.transport_id
    message.delivery_status = "accepted"
    message.sent_at = message.sent_at or now
    request.sent_at = message.sent_at
    request.last_contact_at = message.sent_at
    request.send_claimed_at = None
    change_status(request, RequestStatus.SENT, reconciled=reconciled, message_id=message.message_id)
    db.session.commit()


def _record_failure(request: Request, message: Message | None, reason: str) -> None:
    if message is not None:
        message.delivery_status = "rejected"
    request.failure_reason = reason
    request.send_claimed_at = None
    change_status(request, RequestStatus.DELIVERY_FAILED, reason=reason)
    db.session.commit()


def _release_for_retry(request: Request, message: Message, error: Exception) -> SendReport:
    message.delivery_status = "retrying"
    request.send_claimed_at = None
    record_event("send_retry", request=request, error=str(error), attempt=request.send_attempts)
    db.session.commit()
    if request.send_attempts >= MAX_ATTEMPTS:
        _record_failure(
            request, message, f"Gave up after {request.send_attempts} attempts: {error}"
        )
        return SendReport(SendOutcome.FAILED, request.id, str(error), request.send_attempts)
    return SendReport(SendOutcome.RETRY, request.id, str(error), request.send_attempts)


def reconcile(request: Request, transport: Transport) -> SendReport | None:
    """Settle a claimed request whose outcome was never recorded; None if it must be resent."""
    message = _outbound_letter(request)
    if message is None:
        return None
    try:
        found = transport.find_sent(message.message_id)
    except (TransientSendError, AmbiguousSendError) as error:
        return SendReport(SendOutcome.UNKNOWN, request.id, f"cannot reconcile yet: {error}")
    if found is None:
        return None
    _record_sent(request, message, found, reconciled=True)
    return SendReport(SendOutcome.RECONCILED, request.id, found.transport_id)


def send_request(request_id: int, transport: Transport) -> SendReport:
    """Send one queued request's letter, at most once; safe to call again for the same id."""
    now = utcnow()
    request = db.session.get(Request, request_id)
    if request is None or request.status != RequestStatus.QUEUED.value:
        return SendReport(SendOutcome.SKIPPED, request_id, "not queued")
    if request.send_claimed_at is not None:
        if now - request.send_claimed_at < stale_claim():
            return SendReport(SendOutcome.SKIPPED, request_id, "another worker is sending it")
        settled = reconcile(request, transport)
        if settled is not None:
            return settled

    if not _claim(request_id, now):
        db.session.rollback()
        return SendReport(SendOutcome.SKIPPED, request_id, "claimed elsewhere")
    db.session.refresh(request)

    message = _outbound_letter(request)
    if message is None:
        try:
            subject, body = render_for(request)
        except LetterError as error:
            _record_failure(request, None, f"The letter could not be written: {error}")
            return SendReport(SendOutcome.FAILED, request_id, str(error))
        address = reply_address(request.token)
        message = Message(
            request_id=request.id,
            direction=MessageDirection.OUTBOUND.value,
            kind=MessageKind.REQUEST.value,
            message_id=new_message_id(request.token, current_app.config["MAIL_DOMAIN"]),
            from_address=address,
            to_address=request.sent_to or request.authority.foi_email or "",
            subject=subject,
            body_text=body,
            delivery_status="sending",
        )
        request.letter_version = request.campaign.letter_version
        db.session.add(message)
    else:
        message.delivery_status = "sending"
    db.session.commit()  # the claim and the exact text are durable before the transport is called

    try:
        result = transport.send(_email_for(request, message))
    except PermanentSendError as error:
        _record_failure(request, message, str(error))
        return SendReport(SendOutcome.FAILED, request_id, str(error), request.send_attempts)
    except TransientSendError as error:
        return _release_for_retry(request, message, error)
    except AmbiguousSendError as error:
        message.delivery_status = "unknown"
        record_event("send_unanswered", request=request, error=str(error))
        db.session.commit()
        return SendReport(SendOutcome.UNKNOWN, request_id, str(error), request.send_attempts)
    _record_sent(request, message, result, reconciled=False)
    return SendReport(SendOutcome.SENT, request_id, result.transport_id, request.send_attempts)


def stuck_requests(now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Queued requests that no task is known to be handling: stale claims, or never claimed
    long after launch (a task lost with a killed worker)."""
    now = now or utcnow()
    rows = db.session.scalars(
        sa.select(Request.id)
        .where(
            Request.status == RequestStatus.QUEUED.value,
            sa.or_(
                Request.send_claimed_at < now - stale_claim(),
                sa.and_(
                    Request.send_claimed_at.is_(None),
                    Request.status_changed_at < now - stale_claim(),
                ),
            ),
        )
        .order_by(Request.id)
        .limit(limit)
    )
    return list(rows)
