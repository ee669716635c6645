"""Chasers and internal review requests: queued once, sent once in-thread, cancelled by a reply.

Queueing a follow-up freezes it: one outbound Message per request holds the exact subject, body,
recipient and threading headers, with `send_state` "queued". The gate that stops a request being
chased twice for the same rung is one conditional UPDATE of `Request.chase_stage` (a review
request: of `Request.review_requested_at`) in the same transaction as that Message, so a double
click or two ladder runs queue nothing the second time.

Sending follows the request letters' rules (see services/sending): the worker claims the
message before the transport call and records the outcome after; a claim with no outcome is
reconciled with the transport's `find_sent`, never blindly resent. Right before the call it
re-checks the request under a row lock (the same lock `apply_reply` takes): a chaser whose
request has had a reply since it was queued, or is no longer late, is cancelled instead. The
replies service also cancels queued chasers the moment a reply is applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from campaign.domain.calendar import london_date
from campaign.domain.complaints import (
    ComplaintDraft,
    ComplaintFacts,
    ComplaintGround,
    FollowUpFact,
    ReplyFact,
    complaint_ground,
    draft_complaint,
)
from campaign.domain.deadlines import lateness, review_answer_due
from campaign.domain.followups import (
    ESCALATION_PROPOSED,
    LATE,
    REVIEWABLE,
    SECOND_CHASER,
    WAITING,
    ChaseFacts,
    ChaserFacts,
    FollowUpContext,
    FollowUpKind,
    LadderPosition,
    LadderSettings,
    RequestFacts,
    ResponseFacts,
    ReviewFacts,
    Rung,
    chase_blocker,
    check_follow_up_templates,
    days_late,
    effective_templates,
    escalation_advice,
    exemptions_in_words,
    is_late,
    ladder_position,
    letter_date,
    reply_subject,
    rung_due,
)
from campaign.domain.letters import LetterAuthority, LetterError, law_for, render_letter
from campaign.domain.vocabulary import (
    MatchState,
    MessageDirection,
    MessageKind,
    MessageSource,
    ProcessingState,
    RequestStatus,
    ReviewOutcome,
    SendState,
)
from campaign.extensions import db
from campaign.mail.compose import OutgoingEmail, new_message_id, reply_address
from campaign.mail.transports import (
    AmbiguousSendError,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
)
from campaign.models import Authority, Campaign, Event, Message, Request
from campaign.models.base import utcnow
from campaign.services.sending import abandoned, stale_claim
from campaign.services.statuses import change_status, record_event

log = logging.getLogger(__name__)

S = RequestStatus
K = MessageKind
MAX_ATTEMPTS = 8
MAX_REFERENCES = 20  # RFC 5322 allows trimming the middle of a long References chain
MAX_LADDER_DAYS = 200
# A reply of one of these kinds means the authority is dealing with the request: no chaser.
ANSWERING_KINDS = frozenset(
    {K.RESPONSE, K.REFUSAL, K.REVIEW_OUTCOME, K.ACKNOWLEDGEMENT, K.EXTENSION, K.CLARIFICATION}
)
# Replies whose sender is the authority's own mailbox (not a bounce or an auto-reply robot).
_ADDRESS_KINDS = tuple(k.value for k in ANSWERING_KINDS)
_FOLLOW_UP_KINDS = (K.CHASER.value, K.REVIEW_REQUEST.value)
# Mailboxes nobody reads: an acknowledgement sent from one is no address to chase.
_ROBOT_SENDERS = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "mailer-daemon")
_REQUEST = Request.__table__
_MESSAGE = Message.__table__


def today_in_london() -> date:
    return london_date(utcnow())


def _mail_domain() -> str:
    return current_app.config["MAIL_DOMAIN"]


# --- The thread a follow-up joins ---------------------------------------------------------------


def original_letter(request_id: int) -> Message | None:
    """Our request letter (the latest, if it was ever resent): what follow-ups reply to."""
    return db.session.scalars(
        sa.select(Message)
        .where(
            Message.request_id == request_id,
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.kind == K.REQUEST.value,
        )
        .order_by(Message.id.desc())
        .limit(1)
    ).first()


def _references(request_id: int, root: str) -> tuple[str, ...]:
    """The chain: our letter first, then every message of the thread since, oldest first."""
    ids = db.session.scalars(
        sa.select(Message.message_id)
        .where(
            Message.request_id == request_id,
            sa.or_(
                Message.direction == MessageDirection.INBOUND.value,
                Message.send_state == SendState.SENT.value,
            ),
            Message.message_id != root,
        )
        .order_by(sa.func.coalesce(Message.sent_at, Message.received_at, Message.created_at))
    )
    chain = [root, *(i for i in ids if i)]
    if len(chain) > MAX_REFERENCES:
        chain = [root, *chain[-(MAX_REFERENCES - 1) :]]
    return tuple(dict.fromkeys(chain))


def _reply_senders(request_ids: Sequence[int]) -> dict[int, str]:
    """The address each request's authority last wrote from, by request id."""
    if not request_ids:
        return {}
    rows = db.session.execute(
        sa.select(Message.request_id, Message.from_address)
        .where(
            Message.request_id.in_(request_ids),
            Message.direction == MessageDirection.INBOUND.value,
            Message.match_state == MatchState.MATCHED.value,
            Message.kind.in_(_ADDRESS_KINDS),
            Message.source != MessageSource.UPLOAD.value,
            Message.from_address != "",
        )
        .order_by(sa.func.coalesce(Message.received_at, Message.created_at), Message.id)
    )
    return {
        request_id: address
        for request_id, address in rows
        if not any(robot in address.lower() for robot in _ROBOT_SENDERS)
    }


def follow_up_address(request: Request, replied_from: str | None = None) -> str | None:
    """Where a follow-up goes: the address the authority last replied from, else where our
    letter went, else the authority's current FOI address; None if there is none at all."""
    return replied_from or request.sent_to or request.authority.foi_email or None


# --- Rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One follow-up exactly as it would be sent."""

    request_id: int
    kind: str
    subject: str
    body: str
    to: str
    in_reply_to: str | None
    references: tuple[str, ...]


def _templates(campaign: Campaign, kind: FollowUpKind) -> tuple[str, str]:
    if kind is FollowUpKind.CHASER:
        own = campaign.chaser_subject_template, campaign.chaser_body_template
    else:
        own = campaign.review_subject_template, campaign.review_body_template
    return effective_templates(kind, *own)


def template_problems(campaign: Campaign, kind: FollowUpKind) -> list[str]:
    """What stops the campaign's chaser or review template from being used, in words."""
    return check_follow_up_templates(*_templates(campaign, kind)).errors


def _responses(request_id: int) -> list[Message]:
    """The authority's answers (responses and refusals), oldest first."""
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(
                Message.request_id == request_id,
                Message.direction == MessageDirection.INBOUND.value,
                Message.kind.in_((K.RESPONSE.value, K.REFUSAL.value)),
            )
            .order_by(sa.func.coalesce(Message.received_at, Message.created_at), Message.id)
        )
    )


def cited_exemptions(messages: Sequence[Message]) -> list[str]:
    """Every exemption the answers cite, first cited first."""
    codes = [str(c) for m in messages for c in (m.analysis or {}).get("exemptions", []) or []]
    return list(dict.fromkeys(codes))


def _message_day(message: Message) -> date:
    return london_date(message.received_at or message.sent_at or message.created_at)


def _context(
    request: Request,
    kind: FollowUpKind,
    today: date,
    *,
    chaser_number: int = 1,
    grounds: str = "",
) -> FollowUpContext:
    authority = request.authority
    letter = original_letter(request.id)
    working_late, calendar_late = days_late(request.law, request.due_on, today)
    response = ResponseFacts()
    if kind is FollowUpKind.REVIEW_REQUEST:
        answers = _responses(request.id)
        if answers:
            last = answers[-1]
            response = ResponseFacts(
                date=letter_date(_message_day(last)),
                kind=last.kind.replace("_", " "),
                reference_id=last.reference_id or request.reference_id or "",
                exemptions=exemptions_in_words(cited_exemptions(answers)),
            )
    sent_day = london_date(request.sent_at) if request.sent_at else None
    return FollowUpContext(
        authority=LetterAuthority(
            name=authority.name,
            short_name=authority.short_name,
            nation=authority.nation or "",
            type=authority.authority_type,
            gss_code=authority.gss_code or "",
            email=authority.foi_email or "",
        ),
        law=law_for(request.law),
        reply_to=reply_address(request.token, _mail_domain()),
        today=today,
        questions=[q.text for q in request.campaign.questions],
        campaign_title=request.campaign.title,
        request=RequestFacts(
            date=letter_date(sent_day),
            due_date=letter_date(request.due_on),
            subject=reply_subject(letter.subject if letter else request.campaign.title),
            reference_id=request.reference_id or "",
            sent_to=request.sent_to or "",
            working_days_late=working_late,
            days_late=calendar_late,
        ),
        response=response,
        chaser=ChaserFacts(number=chaser_number),
        review=ReviewFacts(
            grounds=grounds.strip(),
            due_date=letter_date(review_answer_due(request.law, today)),
        ),
    )


def render_follow_up(
    request: Request,
    kind: FollowUpKind,
    today: date,
    *,
    to: str,
    chaser_number: int = 1,
    grounds: str = "",
) -> Draft:
    """The follow-up this request's authority would get; LetterError if it cannot be written."""
    subject_template, body_template = _templates(request.campaign, kind)
    problems = check_follow_up_templates(subject_template, body_template).errors
    if problems:
        raise LetterError(problems[0])
    context = _context(request, kind, today, chaser_number=chaser_number, grounds=grounds)
    letter = render_letter(subject_template, body_template, context)
    root = original_letter(request.id)
    references = _references(request.id, root.message_id) if root else ()
    return Draft(
        request_id=request.id,
        kind=kind.value,
        subject=letter.subject,
        body=letter.body,
        to=to,
        in_reply_to=root.message_id if root else None,
        references=references,
    )


# --- Queueing -----------------------------------------------------------------------------------


@dataclass
class QueueResult:
    """What a queueing round did: messages queued, requests skipped and why, or the template
    errors that stopped it before anything was queued."""

    queued: list[int] = field(default_factory=list)  # Message ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (authority, reason)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, noun: str) -> str:
        if self.errors:
            return f"Nothing was queued: {self.errors[0]}"
        plural = noun if len(self.queued) == 1 else f"{noun}s"
        text = f"Queued {len(self.queued)} {plural}."
        if self.skipped:
            text += f" Skipped {len(self.skipped)} (see the reasons below)."
        return text


def _load_requests(campaign: Campaign, request_ids: Sequence[int]) -> list[Request]:
    return list(
        db.session.scalars(
            sa.select(Request)
            .join(Authority)
            .where(Request.campaign_id == campaign.id, Request.id.in_(request_ids))
            .options(so.contains_eager(Request.authority))
            .order_by(Authority.name, Request.id)
        )
    )


def _with_queued_chaser(request_ids: Sequence[int]) -> set[int]:
    if not request_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Message.request_id).where(
                Message.request_id.in_(request_ids),
                Message.kind == K.CHASER.value,
                Message.send_state == SendState.QUEUED.value,
            )
        )
    )


def _chase_facts(request: Request) -> ChaseFacts:
    return ChaseFacts(
        status=request.status,
        law=request.law,
        due_on=request.due_on,
        chase_stage=request.chase_stage,
        chased_on=london_date(request.chased_at) if request.chased_at else None,
    )


def _new_message(request: Request, draft: Draft, follow_up: dict[str, Any]) -> Message:
    domain = _mail_domain()
    return Message(
        request_id=request.id,
        direction=MessageDirection.OUTBOUND.value,
        source=MessageSource.SENT.value,
        kind=draft.kind,
        message_id=new_message_id(request.token, domain),
        in_reply_to=draft.in_reply_to,
        references=" ".join(draft.references),
        from_address=reply_address(request.token, domain),
        from_name=current_app.config["MAIL_FROM_NAME"],
        to_address=draft.to,
        subject=draft.subject,
        body_text=draft.body,
        send_state=SendState.QUEUED.value,
        delivery_status="queued",
        processing_state=ProcessingState.PROCESSED.value,
        # For an outbound follow-up: the rung it was queued for, and what to undo if it fails.
        analysis={"follow_up": follow_up},
    )


def queue_chasers(
    campaign: Campaign,
    selections: Sequence[tuple[int, int]],
    *,
    user_id: int | None = None,
    today: date | None = None,
    send: bool = True,
    origin: str = "by hand",
) -> QueueResult:
    """Queue one chaser for each selected (request id, chase stage the person saw).

    The stage travels with the selection so that a form posted twice (or a second tab) tries to
    take the same rung again and is refused, instead of queueing the next chaser.
    """
    today = today or today_in_london()
    problems = template_problems(campaign, FollowUpKind.CHASER)
    if problems:
        return QueueResult(errors=problems)
    seen = dict(selections)
    result = QueueResult()
    drafts: list[tuple[Request, Draft]] = []
    for row in _chase_rows(_load_requests(campaign, list(seen)), today):
        request, name = row.request, row.request.authority.name
        blocker = row.blocker
        if request.chase_stage != seen[request.id]:
            blocker = "already chased for this stage"
        if blocker:
            result.skipped.append((name, blocker))
            continue
        try:
            draft = render_follow_up(
                request,
                FollowUpKind.CHASER,
                today,
                to=row.to or "",
                chaser_number=request.chase_stage + 1,
            )
        except LetterError as error:
            return QueueResult(errors=[f"{name}: {error}"])
        drafts.append((request, draft))

    now = utcnow()
    for request, draft in drafts:
        stage = seen[request.id] + 1
        taken = db.session.execute(
            _REQUEST.update()
            .where(_REQUEST.c.id == request.id, _REQUEST.c.chase_stage == stage - 1)
            .values(chase_stage=stage, chased_at=now)
        ).rowcount
        if taken != 1:
            result.skipped.append((request.authority.name, "already chased for this stage"))
            continue
        # The row now says so; keep the loaded object in step so the flush writes the same.
        request.chase_stage, request.chased_at = stage, now
        message = _new_message(request, draft, {"stage": stage, "origin": origin})
        db.session.add(message)
        db.session.flush()
        record_event(
            "chaser_queued",
            request=request,
            user_id=user_id,
            message_id=message.id,
            stage=stage,
            to=draft.to,
            origin=origin,
        )
        result.queued.append(message.id)
    db.session.commit()
    if send:
        enqueue(result.queued)
    return result


def queue_review_requests(
    campaign: Campaign,
    selections: Sequence[tuple[int, str]],
    *,
    default_grounds: str = "",
    user_id: int | None = None,
    today: date | None = None,
    send: bool = True,
) -> QueueResult:
    """Queue an internal review request for each selected (request id, status the person saw).

    A request's own grounds win over the campaign-wide ones given here. Queueing moves the
    request to review_requested and starts the review clock.
    """
    today = today or today_in_london()
    problems = template_problems(campaign, FollowUpKind.REVIEW_REQUEST)
    if problems:
        return QueueResult(errors=problems)
    seen = dict(selections)
    requests = _load_requests(campaign, list(seen))
    senders = _reply_senders([r.id for r in requests])
    result = QueueResult()
    drafts: list[tuple[Request, Draft, str]] = []
    for request in requests:
        name = request.authority.name
        address = follow_up_address(request, senders.get(request.id))
        blocker = review_blocker(request, address)
        if blocker is None and request.status != seen[request.id]:
            blocker = f"its status changed to {request.status.replace('_', ' ')}"
        if blocker:
            result.skipped.append((name, blocker))
            continue
        grounds = request.review_grounds.strip() or default_grounds.strip()
        try:
            draft = render_follow_up(
                request, FollowUpKind.REVIEW_REQUEST, today, to=address or "", grounds=grounds
            )
        except LetterError as error:
            return QueueResult(errors=[f"{name}: {error}"])
        drafts.append((request, draft, grounds))

    now = utcnow()
    for request, draft, grounds in drafts:
        before = request.status
        due = review_answer_due(request.law, today)
        taken = db.session.execute(
            _REQUEST.update()
            .where(
                _REQUEST.c.id == request.id,
                _REQUEST.c.status == before,
                _REQUEST.c.review_requested_at.is_(None),
            )
            .values(review_requested_at=now, review_due_on=due, review_grounds=grounds)
        ).rowcount
        if taken != 1:
            result.skipped.append((request.authority.name, "a review was already requested"))
            continue
        request.review_requested_at, request.review_due_on = now, due
        request.review_grounds = grounds
        message = _new_message(request, draft, {"status_before": before})
        db.session.add(message)
        db.session.flush()
        change_status(
            request,
            S.REVIEW_REQUESTED,
            user_id=user_id,
            reason="internal review requested",
            message_id=message.id,
            review_due_on=due.isoformat(),
        )
        record_event(
            "review_request_queued",
            request=request,
            user_id=user_id,
            message_id=message.id,
            to=draft.to,
        )
        result.queued.append(message.id)
    db.session.commit()
    if send:
        enqueue(result.queued)
    return result


def review_blocker(request: Request, address: str | None) -> str | None:
    """Why an internal review cannot be asked for this request now, or None if it can."""
    if request.review_requested_at is not None or request.status in (
        S.REVIEW_REQUESTED,
        S.REVIEW_OVERDUE,
        S.REVIEW_ANSWERED,
        S.ESCALATED,
    ):
        return "a review was already requested"
    if request.status not in REVIEWABLE:
        return f"nothing to review yet (status {request.status.replace('_', ' ')})"
    if not address:
        return "no email address for this authority: add one on its page"
    return None


def enqueue(message_ids: Sequence[int]) -> None:
    """Hand queued follow-ups to the worker; if the queue is down, the periodic job finds them."""
    from campaign.tasks import enqueue_follow_ups

    if not message_ids:
        return
    try:
        enqueue_follow_ups(list(message_ids))
    except Exception:  # the messages are queued in the database; requeue_stuck finds them
        log.exception("could not queue follow-ups %s", list(message_ids)[:10])


# --- Sending ------------------------------------------------------------------------------------


class SendOutcome(StrEnum):
    SENT = "sent"
    RECONCILED = "reconciled"  # an earlier attempt had been accepted; recorded, not resent
    RETRY = "retry"  # not accepted; try again later
    WAIT = "wait"  # a reply to this request is being read: decide after it is
    UNKNOWN = "unknown"  # maybe accepted: reconcile before any resend
    FAILED = "failed"
    CANCELLED = "cancelled"  # a reply arrived, or the request moved on
    SKIPPED = "skipped"  # not queued any more, or another worker has it


@dataclass(frozen=True)
class SendReport:
    outcome: SendOutcome
    message_id: int
    detail: str = ""
    attempts: int = 0


def send_follow_up(message_pk: int, transport: Transport) -> SendReport:
    """Send one queued follow-up at most once; safe to call again for the same message."""
    message = db.session.get(Message, message_pk, populate_existing=True)
    if message is None or message.send_state != SendState.QUEUED.value:
        return SendReport(SendOutcome.SKIPPED, message_pk, "not queued")
    now = utcnow()
    if message.send_claimed_at is not None:
        if now - message.send_claimed_at < stale_claim():
            return SendReport(SendOutcome.SKIPPED, message_pk, "another worker has it")
        settled = _reconcile(message, transport)
        if settled is not None:
            return settled
    attempts = db.session.scalar(
        _MESSAGE.update()
        .where(
            _MESSAGE.c.id == message_pk,
            _MESSAGE.c.send_state == SendState.QUEUED.value,
            _MESSAGE.c.send_claimed_at.is_(None),
        )
        .values(send_claimed_at=now, send_attempts=_MESSAGE.c.send_attempts + 1)
        .returning(_MESSAGE.c.send_attempts)
    )
    db.session.commit()
    if attempts is None:
        return SendReport(SendOutcome.SKIPPED, message_pk, "claimed elsewhere")

    # The request row stays locked (on PostgreSQL) from this check until the outcome is
    # recorded: a reply cannot be applied in between, so it is either seen here or comes after.
    request = db.session.scalar(
        sa.select(Request)
        .where(Request.id == message.request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    message = db.session.get(Message, message_pk, populate_existing=True)
    assert request is not None and message is not None, "a queued follow-up has its request"
    if message.send_state != SendState.QUEUED.value:  # cancelled by a reply while we waited
        db.session.commit()
        return SendReport(SendOutcome.SKIPPED, message_pk, message.send_state or "", attempts)
    if message.kind == K.CHASER.value:
        waiting = _reply_being_read(request)
        if waiting:
            message.send_claimed_at = None
            db.session.commit()
            return SendReport(SendOutcome.WAIT, message_pk, waiting, attempts)
    reason = _no_longer_needed(message, request)
    if reason:
        _cancel(message, request, reason)
        db.session.commit()
        return SendReport(SendOutcome.CANCELLED, message_pk, reason, attempts)

    try:
        result = transport.send(_outgoing(message, request))
    except PermanentSendError as error:
        _fail(message, request, str(error))
        db.session.commit()
        return SendReport(SendOutcome.FAILED, message_pk, str(error), attempts)
    except TransientSendError as error:
        if attempts >= MAX_ATTEMPTS:
            reason = f"Gave up after {attempts} attempts: {error}"
            _fail(message, request, reason)
            db.session.commit()
            return SendReport(SendOutcome.FAILED, message_pk, reason, attempts)
        message.send_claimed_at = None
        record_event(
            f"{message.kind}_retry", request=request, message_id=message.id, error=str(error)
        )
        db.session.commit()
        return SendReport(SendOutcome.RETRY, message_pk, str(error), attempts)
    except AmbiguousSendError as error:
        message.delivery_status = "unknown"  # the claim stays: reconciled before any resend
        record_event(
            f"{message.kind}_unanswered", request=request, message_id=message.id, error=str(error)
        )
        db.session.commit()
        return SendReport(SendOutcome.UNKNOWN, message_pk, str(error), attempts)
    _record_sent(message, request, result)
    db.session.commit()
    return SendReport(SendOutcome.SENT, message_pk, result.transport_id, attempts)


def _outgoing(message: Message, request: Request) -> OutgoingEmail:
    return OutgoingEmail(
        message_id=message.message_id,
        from_address=message.from_address,
        from_name=message.from_name,
        to=message.to_address,
        subject=message.subject,
        body_text=message.body_text,
        reply_to=message.from_address,
        in_reply_to=message.in_reply_to,
        references=tuple(message.references.split()),
        variables={"request_id": str(request.id), "token": request.token},
    )


def _reply_being_read(request: Request) -> str | None:
    """A message for this request that is stored but not read yet: it may be the answer."""
    pending = db.session.scalar(
        sa.select(sa.func.count(Message.id)).where(
            Message.direction == MessageDirection.INBOUND.value,
            Message.processing_state == ProcessingState.STORED.value,
            sa.or_(
                Message.request_id == request.id,
                Message.to_address.contains(f"+{request.token}@"),
            ),
        )
    )
    return "a reply to this request is still being read" if pending else None


def _no_longer_needed(message: Message, request: Request) -> str | None:
    """Why a queued follow-up must not go now, or None to send it."""
    if message.kind == K.REVIEW_REQUEST.value:
        if request.status != S.REVIEW_REQUESTED.value:
            return f"the request is now {request.status.replace('_', ' ')}"
        return None
    queued_at = message.created_at
    answered = db.session.scalar(
        sa.select(Message.kind)
        .where(
            Message.request_id == request.id,
            Message.direction == MessageDirection.INBOUND.value,
            Message.kind.in_(_ADDRESS_KINDS),
            Message.created_at >= queued_at,
        )
        .limit(1)
    ) or next(iter(_answers_applied_since(request.id, queued_at)), None)
    if answered:
        return f"a reply ({answered.replace('_', ' ')}) arrived after the chaser was queued"
    if not is_late(request.status, request.due_on, today_in_london()):
        return f"the request is no longer overdue (it is {request.status.replace('_', ' ')})"
    return None


def _answers_applied_since(request_id: int, since: datetime) -> list[str]:
    """Kinds of the answers applied to the request since a moment: a message filed from the
    Inbox keeps the time it was stored, so its event says when it reached the request."""
    details = db.session.scalars(
        sa.select(Event.detail).where(
            Event.request_id == request_id,
            Event.kind == "message_received",
            Event.created_at >= since,
        )
    )
    kinds = [str((detail or {}).get("message_kind", "")) for detail in details]
    return [kind for kind in kinds if kind in _ADDRESS_KINDS]


def _record_sent(message: Message, request: Request, result: SendResult, **detail: Any) -> None:
    now = utcnow()
    message.send_state = SendState.SENT.value
    message.send_claimed_at = None
    message.transport_id = result.transport_id
    if message.delivery_status in (None, "queued", "unknown"):
        message.delivery_status = "accepted"
    message.sent_at = message.sent_at or now
    if message.kind == K.REVIEW_REQUEST.value and request.status == S.REVIEW_REQUESTED.value:
        # The review clock runs from the day the authority receives the request: today.
        request.review_requested_at = message.sent_at
        request.review_due_on = review_answer_due(request.law, message.sent_at)
    record_event(
        f"{message.kind}_sent",
        request=request,
        message_id=message.id,
        to=message.to_address,
        transport_id=result.transport_id,
        **detail,
    )


def _reconcile(message: Message, transport: Transport) -> SendReport | None:
    """Settle a stale claim: recorded as sent if the transport has it, else freed for a resend."""
    try:
        found = transport.find_sent(message.message_id)
    except (TransientSendError, AmbiguousSendError) as error:
        return SendReport(SendOutcome.UNKNOWN, message.id, f"cannot reconcile yet: {error}")
    if found is not None:
        request = db.session.get(Request, message.request_id)
        assert request is not None, "a follow-up has its request"
        _record_sent(message, request, found, reconciled=True)
        db.session.commit()
        return SendReport(SendOutcome.RECONCILED, message.id, found.transport_id)
    db.session.execute(
        _MESSAGE.update()
        .where(
            _MESSAGE.c.id == message.id,
            _MESSAGE.c.send_claimed_at == message.send_claimed_at,
        )
        .values(send_claimed_at=None)
    )
    db.session.commit()
    return None


def _undo_stage(message: Message, request: Request) -> None:
    """A chaser that never went does not count as a rung taken."""
    stage = (message.analysis or {}).get("follow_up", {}).get("stage")
    if message.kind == K.CHASER.value and isinstance(stage, int) and request.chase_stage == stage:
        request.chase_stage = stage - 1


def _cancel(message: Message, request: Request, reason: str) -> None:
    message.send_state = SendState.CANCELLED.value
    message.delivery_status = "cancelled"
    message.send_claimed_at = None
    _undo_stage(message, request)
    record_event(f"{message.kind}_cancelled", request=request, message_id=message.id, reason=reason)


def _fail(message: Message, request: Request, reason: str) -> None:
    message.send_state = SendState.FAILED.value
    message.delivery_status = "rejected"
    message.send_claimed_at = None
    _undo_stage(message, request)
    record_event(f"{message.kind}_failed", request=request, message_id=message.id, reason=reason)
    before = (message.analysis or {}).get("follow_up", {}).get("status_before")
    if message.kind == K.REVIEW_REQUEST.value and before and request.status == S.REVIEW_REQUESTED:
        request.review_requested_at = request.review_due_on = None
        change_status(request, before, reason=f"the review request was not sent: {reason}")


def cancel_queued_chasers(request: Request, reason: str, *, kind: str | None = None) -> int:
    """Cancel this request's chasers still waiting to go, because the authority replied.

    Called by the replies service when a reply is applied (in its transaction: the caller
    commits). Replies that are not an answer (auto-replies, bounces) change nothing. A chaser
    already claimed by a worker is left to it: the worker checks for replies under the same
    row lock just before sending.
    """
    if kind is not None and kind not in _ADDRESS_KINDS:
        return 0
    queued = db.session.scalars(
        sa.select(Message).where(
            Message.request_id == request.id,
            Message.kind == K.CHASER.value,
            Message.send_state == SendState.QUEUED.value,
            Message.send_claimed_at.is_(None),
        )
    ).all()
    for message in queued:
        _cancel(message, request, reason)
    return len(queued)


def stuck_follow_ups(now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Queued follow-ups no job is known to be handling: stale claims, or never claimed long
    after they were queued (a job lost with a killed worker)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Message.id)
            .where(
                Message.send_state == SendState.QUEUED.value,
                abandoned(Message.send_claimed_at, Message.created_at, now),
            )
            .order_by(Message.id)
            .limit(limit)
        )
    )


# --- Choosing whom to chase ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChaseRow:
    """One late request on the bulk chase page: where it stands, and why not, if it cannot go."""

    request: Request
    to: str | None
    blocker: str | None
    working_days_late: int
    days_late: int

    @property
    def selection(self) -> str:
        """The checkbox value: the request and the rung the person saw it on."""
        return f"{self.request.id}:{self.request.chase_stage}"

    @property
    def chaseable(self) -> bool:
        return self.blocker is None


CHASE_STATUS_FILTERS = {
    "late": "Overdue and very overdue",
    "overdue": "Overdue",
    "very_overdue": "Very overdue",
}
CHASE_STAGE_FILTERS = {"any": "Any", "0": "Not chased yet", "1": "Chased once"}


def _late_requests(campaign: Campaign, today: date) -> list[Request]:
    requests = db.session.scalars(
        sa.select(Request)
        .join(Authority)
        .where(Request.campaign_id == campaign.id, Request.status.in_([s.value for s in WAITING]))
        .options(so.contains_eager(Request.authority), so.joinedload(Request.campaign))
        .order_by(Authority.name, Request.id)
    )
    return [r for r in requests if is_late(r.status, r.due_on, today)]


def chase_candidates(
    campaign: Campaign,
    *,
    status: str = "late",
    stage: str = "any",
    search: str = "",
    today: date | None = None,
) -> list[ChaseRow]:
    """The campaign's late requests, the latest first, each chaseable or with the reason not."""
    today = today or today_in_london()
    requests = _late_requests(campaign, today)
    if status in (S.OVERDUE.value, S.VERY_OVERDUE.value):
        requests = [r for r in requests if _lateness_word(r, today) == status]
    if stage in ("0", "1"):
        requests = [r for r in requests if r.chase_stage == int(stage)]
    if search.strip():
        needle = search.strip().lower()
        requests = [
            r
            for r in requests
            if needle in r.authority.name.lower() or needle in (r.reference_id or "").lower()
        ]
    rows = _chase_rows(requests, today)
    rows.sort(key=lambda row: (-row.working_days_late, row.request.authority.name))
    return rows


def _chase_rows(requests: Sequence[Request], today: date) -> list[ChaseRow]:
    ids = [r.id for r in requests]
    senders = _reply_senders(ids)
    pending = _with_queued_chaser(ids)
    rows = []
    for request in requests:
        address = follow_up_address(request, senders.get(request.id))
        min_gap = request.campaign.ladder_second_after
        blocker = chase_blocker(_chase_facts(request), today, min_gap, address)
        if blocker is None and request.id in pending:
            blocker = "a chaser is already queued"
        working, calendar = days_late(request.law, request.due_on, today)
        rows.append(ChaseRow(request, address, blocker, working, calendar))
    return rows


def _lateness_word(request: Request, today: date) -> str:
    if request.status in LATE:
        return request.status
    return lateness(request.law, request.due_on, today).status if request.due_on else ""


def preview_chaser(row: ChaseRow, today: date | None = None) -> Draft | str:
    """The chaser one listed request would get, or the reason it cannot be written."""
    try:
        return render_follow_up(
            row.request,
            FollowUpKind.CHASER,
            today or today_in_london(),
            to=row.to or "(no address)",
            chaser_number=min(row.request.chase_stage + 1, SECOND_CHASER),
        )
    except LetterError as error:
        return str(error)


@dataclass(frozen=True)
class ReviewRow:
    """One answered request on the bulk review page, with what its answer cited."""

    request: Request
    answered_on: date | None
    exemptions: list[str]
    to: str | None
    blocker: str | None

    @property
    def selection(self) -> str:
        return f"{self.request.id}:{self.request.status}"

    @property
    def reviewable(self) -> bool:
        return self.blocker is None


REVIEW_STATUS_CHOICES = {
    S.REFUSED.value: "Refused",
    S.PARTIALLY_SUCCESSFUL.value: "Partially successful",
    S.NOT_HELD.value: "Not held",
    S.OVERDUE.value: "Overdue (no answer)",
    S.VERY_OVERDUE.value: "Very overdue (no answer)",
}
DEFAULT_REVIEW_STATUSES = (S.REFUSED.value, S.PARTIALLY_SUCCESSFUL.value)


def _cites(codes: list[str], wanted: str) -> bool:
    """'s43' matches s43 and s43(2); 's43(2)' only itself."""
    wanted = "".join(wanted.lower().split())
    return any(code.lower() == wanted or code.lower().startswith(wanted + "(") for code in codes)


def review_candidates(
    campaign: Campaign,
    *,
    statuses: Sequence[str] = DEFAULT_REVIEW_STATUSES,
    exemption: str = "",
    search: str = "",
) -> list[ReviewRow]:
    """Requests whose answer may be reviewed, filtered by status and by an exemption cited."""
    wanted = [s for s in statuses if s in REVIEW_STATUS_CHOICES] or list(DEFAULT_REVIEW_STATUSES)
    requests = list(
        db.session.scalars(
            sa.select(Request)
            .join(Authority)
            .where(Request.campaign_id == campaign.id, Request.status.in_(wanted))
            .options(so.contains_eager(Request.authority))
            .order_by(Authority.name, Request.id)
        )
    )
    if search.strip():
        needle = search.strip().lower()
        requests = [r for r in requests if needle in r.authority.name.lower()]
    return [
        row
        for row in _review_rows(requests)
        if not exemption.strip() or _cites(row.exemptions, exemption)
    ]


def _review_rows(requests: Sequence[Request]) -> list[ReviewRow]:
    ids = [r.id for r in requests]
    answers: dict[int, list[Message]] = {}
    for message in db.session.scalars(
        sa.select(Message)
        .where(
            Message.request_id.in_(ids),
            Message.direction == MessageDirection.INBOUND.value,
            Message.kind.in_((K.RESPONSE.value, K.REFUSAL.value)),
        )
        .order_by(sa.func.coalesce(Message.received_at, Message.created_at), Message.id)
    ):
        answers.setdefault(message.request_id, []).append(message)
    senders = _reply_senders(ids)
    rows = []
    for request in requests:
        replies = answers.get(request.id, [])
        codes = cited_exemptions(replies)
        address = follow_up_address(request, senders.get(request.id))
        answered_on = _message_day(replies[-1]) if replies else None
        rows.append(
            ReviewRow(request, answered_on, codes, address, review_blocker(request, address))
        )
    return rows


def preview_review(
    row: ReviewRow, default_grounds: str = "", today: date | None = None
) -> Draft | str:
    """The review request one listed request would get, or why it cannot be written."""
    grounds = row.request.review_grounds.strip() or default_grounds.strip()
    try:
        return render_follow_up(
            row.request,
            FollowUpKind.REVIEW_REQUEST,
            today or today_in_london(),
            to=row.to or "(no address)",
            grounds=grounds,
        )
    except LetterError as error:
        return str(error)


# --- The escalation ladder ----------------------------------------------------------------------


@dataclass(frozen=True)
class LadderStep:
    """One thing the ladder does (or, on a dry run, would do) for one request."""

    request_id: int
    authority: str
    rung: Rung
    to: str | None = None
    subject: str = ""
    note: str = ""


@dataclass
class LadderRun:
    campaign: str
    enabled: bool
    steps: list[LadderStep] = field(default_factory=list)
    queued: QueueResult = field(default_factory=QueueResult)
    proposed: int = 0

    @property
    def summary(self) -> str:
        if not self.enabled:
            return f"{self.campaign}: the escalation ladder is off."
        if self.queued.errors:
            return f"{self.campaign}: nothing queued: {self.queued.errors[0]}"
        chasers = sum(1 for s in self.steps if s.rung is not Rung.PROPOSE_ESCALATION)
        return (
            f"{self.campaign}: {chasers} chaser(s) due, {len(self.queued.queued)} queued; "
            f"{self.proposed} review or complaint proposal(s)."
        )


def ladder_settings(campaign: Campaign) -> LadderSettings:
    return LadderSettings(
        enabled=campaign.ladder_enabled,
        first_after=campaign.ladder_first_after,
        second_after=campaign.ladder_second_after,
    )


def run_ladder(
    campaign: Campaign,
    *,
    today: date | None = None,
    dry_run: bool = False,
    send: bool = True,
) -> LadderRun:
    """Take every rung that is due today for the campaign's late requests.

    Idempotent: a rung taken moves the request's chase_stage on, and the next rung waits for
    working days to pass, so a second run on the same day finds nothing to do.
    """
    today = today or today_in_london()
    settings = ladder_settings(campaign)
    run = LadderRun(campaign.slug, settings.enabled)
    if not settings.enabled:
        return run
    late = _late_requests(campaign, today)
    senders = _reply_senders([r.id for r in late])
    pending = _with_queued_chaser([r.id for r in late])
    chasers: list[tuple[int, int]] = []
    for request in late:
        rung = rung_due(_chase_facts(request), today, settings)
        if rung is None:
            continue
        if rung is Rung.PROPOSE_ESCALATION:
            run.steps.append(
                LadderStep(
                    request.id, request.authority.name, rung, note=escalation_advice(request.law)
                )
            )
            continue
        address = follow_up_address(request, senders.get(request.id))
        if not address or request.id in pending:
            note = "a chaser is already queued" if address else "no email address"
            run.steps.append(LadderStep(request.id, request.authority.name, rung, note=note))
            continue
        try:
            draft = render_follow_up(
                request, FollowUpKind.CHASER, today, to=address, chaser_number=rung.stage
            )
        except LetterError as error:
            run.queued = QueueResult(errors=[f"{request.authority.name}: {error}"])
            return run
        run.steps.append(
            LadderStep(request.id, request.authority.name, rung, address, draft.subject)
        )
        chasers.append((request.id, request.chase_stage))
    if dry_run:
        return run
    run.queued = queue_chasers(campaign, chasers, today=today, send=send, origin="ladder")
    for step in run.steps:
        if step.rung is Rung.PROPOSE_ESCALATION:
            run.proposed += _propose_escalation(step.request_id, step.note)
    db.session.commit()
    return run


def _propose_escalation(request_id: int, advice: str) -> int:
    """Flag the request as ready for a review or complaint, once: never acted on by itself."""
    taken = db.session.execute(
        _REQUEST.update()
        .where(_REQUEST.c.id == request_id, _REQUEST.c.chase_stage == SECOND_CHASER)
        .values(chase_stage=ESCALATION_PROPOSED)
    ).rowcount
    if taken != 1:
        return 0
    request = db.session.get(Request, request_id, populate_existing=True)
    record_event("escalation_proposed", request=request, advice=advice)
    return 1


def run_all_ladders(today: date | None = None) -> list[LadderRun]:
    """The daily job: every campaign whose ladder is on."""
    campaigns = db.session.scalars(
        sa.select(Campaign).where(Campaign.ladder_enabled.is_(True)).order_by(Campaign.id)
    ).all()
    return [run_ladder(campaign, today=today) for campaign in campaigns]


def save_ladder(
    campaign: Campaign, enabled: bool, first_after: int, second_after: int, user_id: int | None
) -> list[str]:
    """Turn the ladder on or off and set its spacing; the problems if the numbers are wrong."""
    problems = [
        f"{label} must be between 1 and {MAX_LADDER_DAYS} working days."
        for label, value in (("The first chaser", first_after), ("The second", second_after))
        if not 1 <= value <= MAX_LADDER_DAYS
    ]
    if problems:
        return problems
    campaign.ladder_enabled = enabled
    campaign.ladder_first_after = first_after
    campaign.ladder_second_after = second_after
    record_event(
        "ladder_changed",
        campaign_id=campaign.id,
        user_id=user_id,
        enabled=enabled,
        first_after=first_after,
        second_after=second_after,
    )
    db.session.commit()
    return []


def save_templates(
    campaign: Campaign, kind: FollowUpKind, subject: str, body: str, user_id: int | None
) -> list[str]:
    """Keep the campaign's own chaser or review text (empty: the built-in one); the errors that
    stop it being saved otherwise. Follow-ups already queued keep the text they were queued with."""
    subject, body = subject.strip(), body.strip()
    check_subject, check_body = effective_templates(kind, subject, body)
    problems = check_follow_up_templates(check_subject, check_body).errors
    if problems:
        return problems
    if kind is FollowUpKind.CHASER:
        campaign.chaser_subject_template, campaign.chaser_body_template = subject, body
    else:
        campaign.review_subject_template, campaign.review_body_template = subject, body
    record_event(f"{kind.value}_template_changed", campaign_id=campaign.id, user_id=user_id)
    db.session.commit()
    return []


# --- One request's follow-ups -------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFollowUps:
    """Everything the request's follow-ups page shows."""

    request: Request
    follow_ups: list[Message]
    chase: ChaseRow | None  # None when the request is not late
    chase_preview: Draft | str | None
    review: ReviewRow | None  # None when there is nothing to review
    review_preview: Draft | str | None
    complaint_ground: ComplaintGround | None
    complaint_reason: str
    position: LadderPosition | None


def request_follow_ups(request: Request, today: date | None = None) -> RequestFollowUps:
    today = today or today_in_london()
    follow_ups = list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.request_id == request.id, Message.kind.in_(_FOLLOW_UP_KINDS))
            .order_by(Message.id)
        )
    )
    late = is_late(request.status, request.due_on, today)
    chase = _chase_rows([request], today)[0] if late else None
    chase_preview = preview_chaser(chase, today) if chase and chase.chaseable else None
    review = _review_rows([request])[0] if request.status in REVIEWABLE else None
    review_preview = preview_review(review, today=today) if review and review.reviewable else None
    ground, reason = complaint_ground(complaint_facts(request, today))
    return RequestFollowUps(
        request=request,
        follow_ups=follow_ups,
        chase=chase,
        chase_preview=chase_preview,
        review=review,
        review_preview=review_preview,
        complaint_ground=ground,
        complaint_reason=reason,
        position=ladder_position(request.status, request.chase_stage),
    )


def save_review_grounds(request: Request, grounds: str, user_id: int | None) -> None:
    """The campaigner's own grounds for this request's review; they win over the campaign's."""
    request.review_grounds = grounds.strip()
    record_event("review_grounds_changed", request=request, user_id=user_id)
    db.session.commit()


def record_review_outcome(
    request: Request, outcome: str, user_id: int | None, note: str = ""
) -> str | None:
    """The authority's review decision: stored, and the request moves to review_answered.
    Returns the reason it was refused, or None."""
    try:
        value = ReviewOutcome(outcome)
    except ValueError:
        return "Choose upheld, overturned or partially overturned."
    allowed = (S.REVIEW_REQUESTED, S.REVIEW_OVERDUE, S.REVIEW_ANSWERED)
    if request.status not in allowed and request.review_requested_at is None:
        return "No internal review was requested for this request."
    request.review_outcome = value.value
    record_event(
        "review_outcome_recorded",
        request=request,
        user_id=user_id,
        outcome=value.value,
        note=note.strip()[:500],
    )
    change_status(
        request,
        S.REVIEW_ANSWERED,
        user_id=user_id,
        reason=f"internal review {value.value.replace('_', ' ')}",
    )
    db.session.commit()
    return None


# --- Complaint drafts ---------------------------------------------------------------------------


def complaint_facts(request: Request, today: date | None = None) -> ComplaintFacts:
    """The request's timeline as the complaint tells it."""
    messages = db.session.scalars(
        sa.select(Message)
        .where(Message.request_id == request.id)
        .order_by(sa.func.coalesce(Message.sent_at, Message.received_at, Message.created_at))
    ).all()
    replies = tuple(
        ReplyFact(
            day=_message_day(m),
            kind=m.kind,
            reference_id=m.reference_id or "",
            exemptions=tuple(str(c) for c in (m.analysis or {}).get("exemptions", []) or []),
        )
        for m in messages
        if m.is_inbound and m.kind in _ADDRESS_KINDS
    )
    follow_ups = tuple(
        FollowUpFact(day=london_date(m.sent_at), kind=m.kind, to=m.to_address)
        for m in messages
        if m.kind in _FOLLOW_UP_KINDS and m.send_state == SendState.SENT.value and m.sent_at
    )
    letter = original_letter(request.id)
    return ComplaintFacts(
        request_id=request.id,
        authority_name=request.authority.name,
        law=request.law,
        status=request.status,
        campaign_title=request.campaign.title,
        request_subject=letter.subject if letter else request.campaign.title,
        today=today or today_in_london(),
        sent_on=london_date(request.sent_at) if request.sent_at else None,
        sent_to=request.sent_to or "",
        due_on=request.due_on,
        reference_id=request.reference_id or "",
        chase_stage=request.chase_stage,
        replies=replies,
        follow_ups=follow_ups,
        review_requested_on=(
            london_date(request.review_requested_at) if request.review_requested_at else None
        ),
        review_due_on=request.review_due_on,
        review_outcome=request.review_outcome,
        review_grounds=request.review_grounds,
        questions=tuple(q.text for q in request.campaign.questions),
    )


def complaint_draft(
    request: Request, today: date | None = None
) -> tuple[ComplaintDraft | None, str]:
    """The complaint for this request, or (None, why it is not ready)."""
    facts = complaint_facts(request, today)
    ground, reason = complaint_ground(facts)
    if ground is None:
        return None, reason
    return draft_complaint(facts), reason


def record_complaint_download(request: Request, draft: ComplaintDraft, user_id: int | None) -> None:
    record_event(
        "complaint_draft_downloaded",
        request=request,
        user_id=user_id,
        regulator=draft.regulator,
        filename=draft.filename,
    )
    db.session.commit()


def mark_escalated(request: Request, regulator: str, user_id: int | None) -> bool:
    """The campaigner has submitted the complaint through the regulator's form."""
    changed = change_status(
        request, S.ESCALATED, user_id=user_id, reason=f"complaint made to the {regulator}"
    )
    db.session.commit()
    return changed


@dataclass(frozen=True)
class EscalationRow:
    """A request the ladder has taken as far as it goes: a review or a complaint is next."""

    request: Request
    why: str
    complaint_ready: bool


def escalation_list(campaign: Campaign, today: date | None = None) -> list[EscalationRow]:
    """Requests whose next step is a review request or a complaint to the regulator."""
    today = today or today_in_london()
    requests = db.session.scalars(
        sa.select(Request)
        .join(Authority)
        .where(
            Request.campaign_id == campaign.id,
            Request.status != S.ESCALATED.value,
            sa.or_(
                Request.status == S.REVIEW_OVERDUE.value,
                sa.and_(Request.status == S.REVIEW_REQUESTED.value, Request.review_due_on < today),
                Request.review_outcome.in_(
                    (ReviewOutcome.UPHELD.value, ReviewOutcome.PARTIALLY_OVERTURNED.value)
                ),
                sa.and_(
                    Request.chase_stage >= ESCALATION_PROPOSED,
                    Request.status.in_([s.value for s in WAITING]),
                ),
            ),
        )
        .options(so.contains_eager(Request.authority))
        .order_by(Authority.name, Request.id)
    )
    rows = []
    for request in requests:
        facts = ComplaintFacts(
            request_id=request.id,
            authority_name=request.authority.name,
            law=request.law,
            status=request.status,
            campaign_title=campaign.title,
            request_subject="",
            today=today,
            due_on=request.due_on,
            chase_stage=request.chase_stage,
            review_requested_on=(
                london_date(request.review_requested_at) if request.review_requested_at else None
            ),
            review_due_on=request.review_due_on,
            review_outcome=request.review_outcome,
        )
        ground, reason = complaint_ground(facts)
        if ground is None and request.chase_stage >= ESCALATION_PROPOSED:
            reason = escalation_advice(request.law)
        rows.append(EscalationRow(request, reason, ground is not None))
    return rows


# --- The campaign's summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class LadderSummary:
    """How many requests are on each rung, for the campaign page."""

    slug: str
    enabled: bool
    first_after: int
    second_after: int
    counts: list[tuple[LadderPosition, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def ladder_summary(campaign: Campaign) -> LadderSummary:
    rows = db.session.execute(
        sa.select(Request.status, Request.chase_stage, sa.func.count())
        .where(Request.campaign_id == campaign.id)
        .group_by(Request.status, Request.chase_stage)
    )
    counts = dict.fromkeys(LadderPosition, 0)
    for status, stage, n in rows:
        position = ladder_position(status, stage)
        if position is not None:
            counts[position] += n
    return LadderSummary(
        slug=campaign.slug,
        enabled=campaign.ladder_enabled,
        first_after=campaign.ladder_first_after,
        second_after=campaign.ladder_second_after,
        counts=list(counts.items()),
    )


def parse_selections(values: Sequence[str], second: Callable[[str], Any]) -> list[tuple[int, Any]]:
    """Checkbox values "<request id>:<what the person saw>" as pairs; anything else is dropped."""
    pairs = []
    for value in values:
        left, sep, right = value.partition(":")
        if sep and left.isdigit() and right:
            try:
                pairs.append((int(left), second(right)))
            except ValueError:
                continue
    return pairs
