"""Sending letters exactly once, whatever crashes or times out along the way.

A worker takes a batch of requests. It claims them and stores each outbound Message (the exact
text and our Message-Id) in one transaction *before* calling the transport, then records each
outcome after. A claim with no outcome means a crash or an unanswered call: it is reconciled by
asking the transport whether that Message-Id was accepted, and only resent if it was not.
Outcomes are written with plain UPDATEs in small groups, so a launch of thousands costs a few
database round trips per letter, not dozens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from campaign.domain.letters import LetterContext, LetterError, law_for
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
from campaign.models import Campaign, Event, Message, Request
from campaign.models.base import UTCDateTime, utcnow
from campaign.services.campaigns import letter_authority
from campaign.services.statuses import change_status

MAX_ATTEMPTS = 8
RECORD_EVERY = 25  # outcomes written per transaction while a batch is being sent
_OPEN_DELIVERY = ("sending", "retrying", "unknown")
_DEAD_LETTER = ("rejected", "failed")  # a resend writes a new letter rather than repeat these
_AT = sa.bindparam("at", type_=UTCDateTime())


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
    return f"foi+{token}@{current_app.config['MAIL_DOMAIN']}"


def render_for(request: Request, today: date | None = None) -> tuple[str, str]:
    """The subject and body this request's authority gets from the campaign's current letter."""
    campaign: Campaign = request.campaign
    context = LetterContext(
        authority=letter_authority(request.authority),
        law=law_for(request.law),
        reply_to=reply_address(request.token),
        today=today or utcnow().date(),
        questions=[q.text for q in campaign.questions],
        campaign_title=campaign.title,
    )
    letter = render(campaign.subject_template, campaign.body_template, context)
    return letter.subject, letter.body


def _outbound_letters(request_ids: Sequence[int]) -> dict[int, Message]:
    """The stored letter of each request (the latest, if an attempt was ever repeated)."""
    rows = db.session.scalars(
        sa.select(Message)
        .where(
            Message.request_id.in_(request_ids),
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.kind == MessageKind.REQUEST.value,
        )
        .order_by(Message.id)
    )
    return {m.request_id: m for m in rows}


def _load(request_ids: Sequence[int]) -> dict[int, Request]:
    rows = db.session.scalars(
        sa.select(Request)
        .where(Request.id.in_(request_ids))
        .options(
            so.joinedload(Request.authority),
            so.joinedload(Request.campaign).selectinload(Campaign.questions),
        )
    ).unique()
    return {r.id: r for r in rows}


def _claim(request_ids: Sequence[int], now: datetime) -> set[int]:
    """Atomically take the requests for this worker; those another worker holds are left."""
    if not request_ids:
        return set()
    stale_before = now - stale_claim()
    claimed = db.session.scalars(
        sa.update(Request)
        .where(
            Request.id.in_(request_ids),
            Request.status == RequestStatus.QUEUED.value,
            sa.or_(Request.send_claimed_at.is_(None), Request.send_claimed_at < stale_before),
        )
        .values(send_claimed_at=now, send_attempts=Request.send_attempts + 1)
        .returning(Request.id),
        execution_options={"synchronize_session": False},
    )
    return set(claimed)


@dataclass
class _Letter:
    """What is needed to send and record one letter, detached from the session."""

    request_id: int
    campaign_id: int
    message_pk: int
    attempts: int
    email: OutgoingEmail
    letter_version: int | None  # of a newly written letter; None when an earlier one is reused


def _prepare(requests: list[Request], now: datetime) -> tuple[list[_Letter], list[SendReport]]:
    """Claim, write each letter once, and commit: the text is durable before anything is sent.

    A letter is reused when an earlier attempt wrote it (so a resend keeps its Message-Id),
    and written afresh when it was refused or bounced and the request has been resent.
    """
    claimed = _claim([r.id for r in requests], now)
    existing = _outbound_letters(list(claimed))
    reports: list[SendReport] = []
    rows: list[dict[str, Any]] = []
    reused: dict[int, Message] = {}
    for request in requests:
        if request.id not in claimed:
            reports.append(SendReport(SendOutcome.SKIPPED, request.id, "claimed elsewhere"))
            continue
        message = existing.get(request.id)
        if message is not None and message.delivery_status not in _DEAD_LETTER:
            reused[request.id] = message
            continue
        try:
            rows.append(_new_letter_row(request))
        except LetterError as error:
            _fail_now(request, f"The letter could not be written: {error}")
            reports.append(SendReport(SendOutcome.FAILED, request.id, str(error)))

    new_pks: dict[int, int] = {}
    if rows:
        inserted = db.session.execute(
            sa.insert(Message).returning(Message.id, Message.request_id),
            [{k: v for k, v in row.items() if k != "_version"} for row in rows],
        )
        new_pks = {request_id: pk for pk, request_id in inserted}
    if reused:
        db.session.execute(
            sa.update(Message)
            .where(Message.id.in_([m.id for m in reused.values()]))
            .values(delivery_status="sending"),
            execution_options={"synchronize_session": False},
        )
    by_request = {row["request_id"]: row for row in rows}
    letters = []
    for request in requests:
        if request.id in new_pks:
            row = by_request[request.id]
            email = _email(
                request, row["message_id"], row["to_address"], row["subject"], row["body_text"]
            )
            pk, version = new_pks[request.id], row["_version"]
        elif request.id in reused:
            message = reused[request.id]
            email = _email(
                request, message.message_id, message.to_address, message.subject, message.body_text
            )
            pk, version = message.id, None
        else:
            continue
        letters.append(
            _Letter(request.id, request.campaign_id, pk, request.send_attempts + 1, email, version)
        )
    db.session.commit()
    return letters, reports


def _new_letter_row(request: Request) -> dict[str, Any]:
    subject, body = render_for(request)
    row = {
        "request_id": request.id,
        "direction": MessageDirection.OUTBOUND.value,
        "kind": MessageKind.REQUEST.value,
        "message_id": new_message_id(request.token, current_app.config["MAIL_DOMAIN"]),
        "from_address": reply_address(request.token),
        "to_address": request.sent_to or request.authority.foi_email or "",
        "subject": subject,
        "body_text": body,
        "delivery_status": "sending",
    }
    return {**row, "_version": request.campaign.letter_version}


def _email(request: Request, message_id: str, to: str, subject: str, body: str) -> OutgoingEmail:
    address = reply_address(request.token)
    return OutgoingEmail(
        message_id=message_id,
        from_address=address,
        from_name=current_app.config["MAIL_FROM_NAME"],
        to=to,
        subject=subject,
        body_text=body,
        reply_to=address,
        variables={"request_id": str(request.id), "token": request.token},
    )


def _fail_now(request: Request, reason: str) -> None:
    request.failure_reason = reason
    request.send_claimed_at = None
    change_status(request, RequestStatus.DELIVERY_FAILED, reason=reason)


class _Recorder:
    """Collects outcomes and writes them in groups with plain UPDATE and INSERT statements."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.retry: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.sent) + len(self.retry) + len(self.failed) + len(self.messages)

    def sent_ok(self, letter: _Letter, result: SendResult, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": result.transport_id, "status": "accepted", "at": now}
        )
        self.sent.append({"rid": letter.request_id, "at": now, "version": letter.letter_version})
        self.events.append(
            _event(
                letter,
                "status_changed",
                now,
                RequestStatus.QUEUED,
                RequestStatus.SENT,
                message_id=letter.email.message_id,
            )
        )

    def not_now(self, letter: _Letter, error: Exception, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": None, "status": "retrying", "at": None}
        )
        self.retry.append({"rid": letter.request_id})
        self.events.append(
            _event(letter, "send_retry", now, error=str(error), attempt=letter.attempts)
        )

    def refused(self, letter: _Letter, reason: str, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": None, "status": "rejected", "at": None}
        )
        self.failed.append({"rid": letter.request_id, "reason": reason, "at": now})
        self.events.append(
            _event(
                letter,
                "status_changed",
                now,
                RequestStatus.QUEUED,
                RequestStatus.DELIVERY_FAILED,
                reason=reason,
            )
        )

    def unanswered(self, letter: _Letter, error: Exception, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": None, "status": "unknown", "at": None}
        )
        self.events.append(_event(letter, "send_unanswered", now, error=str(error)))

    def write(self) -> None:
        if not len(self):
            return
        message, request = Message.__table__, Request.__table__
        if self.messages:
            db.session.execute(
                message.update()
                .where(message.c.id == sa.bindparam("pk"))
                .values(
                    # A delivery report that raced ahead of this record is kept.
                    delivery_status=sa.case(
                        (
                            sa.or_(
                                *(message.c.delivery_status == value for value in _OPEN_DELIVERY)
                            ),
                            sa.bindparam("status", type_=sa.String()),
                        ),
                        else_=message.c.delivery_status,
                    ),
                    transport_id=sa.func.coalesce(
                        sa.bindparam("tid", type_=sa.String()), message.c.transport_id
                    ),
                    sent_at=sa.func.coalesce(message.c.sent_at, _AT),
                ),
                self.messages,
            )
        if self.sent:
            db.session.execute(
                request.update()
                .where(
                    request.c.id == sa.bindparam("rid"),
                    request.c.status == RequestStatus.QUEUED.value,
                )
                .values(
                    status=RequestStatus.SENT.value,
                    status_changed_at=_AT,
                    sent_at=_AT,
                    last_contact_at=_AT,
                    send_claimed_at=None,
                    letter_version=sa.func.coalesce(
                        sa.bindparam("version", type_=sa.Integer()), request.c.letter_version
                    ),
                ),
                self.sent,
            )
        if self.retry:
            db.session.execute(
                request.update()
                .where(request.c.id == sa.bindparam("rid"))
                .values(send_claimed_at=None),
                self.retry,
            )
        if self.failed:
            db.session.execute(
                request.update()
                .where(
                    request.c.id == sa.bindparam("rid"),
                    request.c.status == RequestStatus.QUEUED.value,
                )
                .values(
                    status=RequestStatus.DELIVERY_FAILED.value,
                    status_changed_at=_AT,
                    failure_reason=sa.bindparam("reason", type_=sa.Text()),
                    send_claimed_at=None,
                ),
                self.failed,
            )
        if self.events:
            db.session.execute(sa.insert(Event), self.events)
        db.session.commit()
        self.__init__()


def _event(
    letter: _Letter,
    kind: str,
    now: datetime,
    from_status: RequestStatus | None = None,
    to_status: RequestStatus | None = None,
    **detail: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "request_id": letter.request_id,
        "campaign_id": letter.campaign_id,
        "user_id": None,
        "from_status": from_status.value if from_status else None,
        "to_status": to_status.value if to_status else None,
        "detail": detail,
        "created_at": now,
    }


def _record_sent(request: Request, message: Message, result: SendResult) -> None:
    """Record a send found by reconciliation (one at a time: the rare path)."""
    now = utcnow()
    message.transport_id = result.transport_id
    if message.delivery_status in _OPEN_DELIVERY:
        message.delivery_status = "accepted"
    message.sent_at = message.sent_at or now
    request.sent_at = message.sent_at
    request.last_contact_at = message.sent_at
    request.send_claimed_at = None
    change_status(request, RequestStatus.SENT, reconciled=True, message_id=message.message_id)
    db.session.commit()


def reconcile(request: Request, transport: Transport) -> SendReport | None:
    """Settle a claimed request whose outcome was never recorded; None if it must be resent."""
    message = _outbound_letters([request.id]).get(request.id)
    if message is None:
        return None
    try:
        found = transport.find_sent(message.message_id)
    except (TransientSendError, AmbiguousSendError) as error:
        return SendReport(SendOutcome.UNKNOWN, request.id, f"cannot reconcile yet: {error}")
    if found is None:
        return None
    _record_sent(request, message, found)
    return SendReport(SendOutcome.RECONCILED, request.id, found.transport_id)


def send_batch(request_ids: Sequence[int], transport: Transport) -> list[SendReport]:
    """Send the letters of these queued requests, each at most once; safe to repeat."""
    now = utcnow()
    loaded = _load(request_ids)
    reports: list[SendReport] = []
    ready: list[Request] = []
    for request_id in request_ids:
        request = loaded.get(request_id)
        if request is None or request.status != RequestStatus.QUEUED.value:
            reports.append(SendReport(SendOutcome.SKIPPED, request_id, "not queued"))
        elif request.send_claimed_at is None:
            ready.append(request)
        elif now - request.send_claimed_at < stale_claim():
            reports.append(SendReport(SendOutcome.SKIPPED, request_id, "another worker has it"))
        else:
            settled = reconcile(request, transport)
            if settled is None:
                ready.append(request)
            else:
                reports.append(settled)
    if not ready:
        return reports

    letters, prepared = _prepare(ready, now)
    reports.extend(prepared)
    recorder = _Recorder()
    for letter in letters:
        reports.append(_send_one(letter, transport, recorder))
        if len(recorder) >= RECORD_EVERY:
            recorder.write()
    recorder.write()
    return reports


def _send_one(letter: _Letter, transport: Transport, recorder: _Recorder) -> SendReport:
    now = utcnow()
    rid, attempts = letter.request_id, letter.attempts
    try:
        result = transport.send(letter.email)
    except PermanentSendError as error:
        recorder.refused(letter, str(error), now)
        return SendReport(SendOutcome.FAILED, rid, str(error), attempts)
    except TransientSendError as error:
        if attempts >= MAX_ATTEMPTS:
            reason = f"Gave up after {attempts} attempts: {error}"
            recorder.refused(letter, reason, now)
            return SendReport(SendOutcome.FAILED, rid, reason, attempts)
        recorder.not_now(letter, error, now)
        return SendReport(SendOutcome.RETRY, rid, str(error), attempts)
    except AmbiguousSendError as error:
        recorder.unanswered(letter, error, now)
        return SendReport(SendOutcome.UNKNOWN, rid, str(error), attempts)
    recorder.sent_ok(letter, result, now)
    return SendReport(SendOutcome.SENT, rid, result.transport_id, attempts)


def send_request(request_id: int, transport: Transport) -> SendReport:
    """Send one queued request's letter, at most once; safe to call again for the same id."""
    return send_batch([request_id], transport)[0]


def stuck_requests(now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Queued requests no job is known to be handling: stale claims, or never claimed long
    after they were queued (a job lost with a killed worker or a lost queue file)."""
    now = now or utcnow()
    stale_before = now - stale_claim()
    rows = db.session.scalars(
        sa.select(Request.id)
        .where(
            Request.status == RequestStatus.QUEUED.value,
            sa.or_(
                Request.send_claimed_at < stale_before,
                sa.and_(
                    Request.send_claimed_at.is_(None),
                    Request.status_changed_at < now - max(stale_claim(), timedelta(minutes=30)),
                ),
            ),
        )
        .order_by(Request.id)
        .limit(limit)
    )
    return list(rows)
