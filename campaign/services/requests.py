"""Requests after launch: listing a campaign's requests, one request's thread and timeline,
resending letters that did not arrive, and the outbox of letters "sent" to disk.

Resending never edits a letter in place: the request goes back to the queue with the
authority's current address, and the sending service writes a new letter (new Message-Id, new
To) because the previous one was rejected or failed. The old letter stays in the thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from campaign.domain.vocabulary import MessageDirection, MessageKind, RequestStatus, values
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.mail.transports import outbox_file_name
from campaign.models import Authority, Campaign, Event, Message, Request
from campaign.services.campaigns import parse_id
from campaign.services.launch import BATCH_SIZE, NO_EMAIL
from campaign.services.paging import PageNumbers
from campaign.services.statuses import change_status

PER_PAGE = 100
SORTS = ("authority", "status", "sent", "due")
# Statuses in the order the lifecycle goes through them, so "sort by status" reads as progress.
_STATUS_ORDER = {status: position for position, status in enumerate(values(RequestStatus))}
# Headers of a stored letter worth showing a person, in the order a mail client shows them.
SHOWN_HEADERS = ("From", "Reply-To", "To", "Subject", "Date", "Message-ID")


# --- Finding -----------------------------------------------------------------------------------


def get_request(raw_id: str) -> Request | None:
    """A request from an id as typed in a URL; None (a 404) for anything that is not one."""
    request_id = parse_id(raw_id)
    return db.session.get(Request, request_id) if request_id is not None else None


def status_label(status: str) -> str:
    """A status as people read it: "not sent" for drafts, spaces for underscores."""
    return "not sent" if status == RequestStatus.DRAFT.value else status.replace("_", " ")


@dataclass(frozen=True)
class RequestPage(PageNumbers):
    """One page of a campaign's requests, with what the list needs around it."""

    items: list[Request]
    total: int
    page: int
    per_page: int
    # The delivery status of each listed request's latest letter (None: no letter yet).
    delivery: dict[int, str | None]


@dataclass(frozen=True)
class CampaignRequests:
    """Everything the campaign's requests page shows."""

    counts: dict[str, int]  # requests per status, in lifecycle order
    failed: list[Request]  # delivery_failed: listed first, each with a fix and a resend
    no_address: list[Request]  # drafts skipped at launch for want of an FOI email
    page: RequestPage
    status: str  # the status filter in force, or ""
    sort: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def resendable(self) -> int:
        """Failed requests whose authority has an address now: what "Resend all" would send."""
        return sum(1 for r in self.failed if r.authority.foi_email)


def _status_filter(status: str) -> str:
    return status if status in _STATUS_ORDER else ""


def campaign_requests(
    campaign: Campaign,
    status: str = "",
    sort: str = "authority",
    page: int = 1,
    assigned: sa.ColumnElement[bool] | None = None,
) -> CampaignRequests:
    """The campaign's requests: counts, the two sections that need a person, and one page
    (of those `assigned` as the "assigned to" filter says, when given)."""
    status = _status_filter(status)
    sort = sort if sort in SORTS else "authority"
    counts = dict(
        db.session.execute(
            sa.select(Request.status, sa.func.count())
            .where(Request.campaign_id == campaign.id)
            .group_by(Request.status)
        ).all()
    )
    return CampaignRequests(
        counts={s: counts[s] for s in sorted(counts, key=lambda s: _STATUS_ORDER.get(s, 99))},
        failed=_needing_attention(campaign, Request.status == RequestStatus.DELIVERY_FAILED.value),
        no_address=_needing_attention(
            campaign,
            Request.status == RequestStatus.DRAFT.value,
            Request.failure_reason == NO_EMAIL,
        ),
        page=_request_page(campaign, status, sort, page, assigned),
        status=status,
        sort=sort,
    )


def _needing_attention(campaign: Campaign, *conditions: sa.ColumnElement[bool]) -> list[Request]:
    return list(
        db.session.scalars(
            sa.select(Request)
            .join(Authority)
            .where(Request.campaign_id == campaign.id, *conditions)
            .options(so.contains_eager(Request.authority))
            .order_by(Authority.name, Request.id)
        )
    )


def list_filters(
    campaign: Campaign, status: str, assigned: sa.ColumnElement[bool] | None
) -> list[sa.ColumnElement[bool]]:
    """The list's filters as conditions, so an action on "the filtered set" picks the same."""
    where = [Request.campaign_id == campaign.id]
    status = _status_filter(status)
    if status:
        where.append(Request.status == status)
    if assigned is not None:
        where.append(assigned)
    return where


def _request_page(
    campaign: Campaign,
    status: str,
    sort: str,
    page: int,
    assigned: sa.ColumnElement[bool] | None = None,
) -> RequestPage:
    where = list_filters(campaign, status, assigned)
    total = db.session.scalar(sa.select(sa.func.count(Request.id)).where(*where)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    by_name = (Authority.name, Request.id)
    order = {
        "authority": by_name,
        "status": (sa.case(_STATUS_ORDER, value=Request.status, else_=99), *by_name),
        "sent": (Request.sent_at.desc().nulls_last(), *by_name),
        "due": (Request.due_on.asc().nulls_last(), *by_name),
    }[sort]
    items = list(
        db.session.scalars(
            sa.select(Request)
            .join(Authority)
            .where(*where)
            .options(so.contains_eager(Request.authority), so.joinedload(Request.assigned_to))
            .order_by(*order)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return RequestPage(items, total, page, PER_PAGE, _delivery_of([r.id for r in items]))


def _delivery_of(request_ids: list[int]) -> dict[int, str | None]:
    """Each request's latest letter's delivery status (a resend's letter supersedes the first)."""
    if not request_ids:
        return {}
    rows = db.session.execute(
        sa.select(Message.request_id, Message.delivery_status)
        .where(
            Message.request_id.in_(request_ids),
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.kind == MessageKind.REQUEST.value,
        )
        .order_by(Message.id)
    )
    return {request_id: status for request_id, status in rows}


@dataclass(frozen=True)
class RequestThread:
    """One request's page: its reply address, the letters in and out, and the timeline."""

    request: Request
    reply_to: str
    messages: list[Message]
    events: list[Event]
    # Message pk -> True when its .eml file is in the outbox and can be downloaded.
    in_outbox: dict[int, bool] = field(default_factory=dict)


def request_thread(request: Request) -> RequestThread:
    """The thread oldest first (a conversation reads downwards), the timeline likewise."""
    messages = list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.request_id == request.id)
            # Inbound by when we received it: a Date header is whatever the sender wrote.
            .order_by(sa.func.coalesce(Message.received_at, Message.sent_at, Message.created_at))
            .order_by(Message.id)
        )
    )
    events = list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.request_id == request.id)
            .options(so.joinedload(Event.user))
            .order_by(Event.created_at, Event.id)
        )
    )
    return RequestThread(
        request=request,
        reply_to=reply_address(request.token, current_app.config["MAIL_DOMAIN"]),
        messages=messages,
        events=events,
        in_outbox={
            m.id: outbox_path(m) is not None
            for m in messages
            if m.direction == MessageDirection.OUTBOUND.value
        },
    )


# --- Resending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResendResult:
    """What a resend did, said in words a campaigner can act on."""

    ok: bool
    message: str
    address: str | None = None


def _refusal(request: Request) -> ResendResult | None:
    """Why this request cannot be resent now, or None if it can."""
    authority = request.authority
    if request.status != RequestStatus.DELIVERY_FAILED.value:
        return ResendResult(
            False,
            f"Only a letter that did not arrive can be resent; the request to {authority.name} "
            f"is “{status_label(request.status)}”. Nothing was changed.",
        )
    if not authority.foi_email:
        return ResendResult(
            False,
            f"{authority.name} has no FOI email address: add an address first. "
            "Nothing was changed.",
        )
    return None


def _requeue(request: Request, user_id: int | None) -> str:
    """Point the request at the authority's current address and put it back in the queue."""
    address = request.authority.foi_email or ""
    request.sent_to = address
    request.failure_reason = None
    request.send_claimed_at = None
    # A resend is a fresh try: it gets the full retry budget, not what the failure left.
    request.send_attempts = 0
    change_status(request, RequestStatus.QUEUED, user_id=user_id, reason=f"resent to {address}")
    return address


def resend_request(request: Request, user_id: int | None) -> ResendResult:
    """Send a letter that did not arrive again, to the authority's current FOI email address.

    The request row is locked while it is checked and changed (PostgreSQL), so two people
    pressing Resend at once queue it once; the send claim stops a second send anyway.
    """
    from campaign.tasks import enqueue_send

    db.session.refresh(request, with_for_update=True)
    refused = _refusal(request)
    if refused is not None:
        db.session.rollback()
        return refused
    previous = request.sent_to
    address = _requeue(request, user_id)
    db.session.commit()  # durable before any worker can look for it
    enqueue_send([request.id])
    same = " (the same address as before)" if previous == address else ""
    return ResendResult(True, f"Queued the letter again, to {address}{same}.", address)


@dataclass(frozen=True)
class BulkResendResult:
    resent: int
    same_address: int  # of those resent, how many go to the address that failed before
    without_address: list[str]  # authorities still without an FOI email: nothing sent

    @property
    def message(self) -> str:
        if not self.resent and not self.without_address:
            return "No letters had failed: nothing to resend."
        parts = []
        if self.resent:
            noun = "letter" if self.resent == 1 else "letters"
            same = (
                f" ({self.same_address} to the same address as before)" if self.same_address else ""
            )
            parts.append(f"Queued {self.resent} {noun} again{same}.")
        missing = self.without_address
        if missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            verb = "has" if len(missing) == 1 else "have"
            parts.append(
                f"{len(missing)} still {verb} no FOI email address (add one first): "
                f"{', '.join(missing[:5])}{more}."
            )
        return " ".join(parts)


def resend_failed(campaign: Campaign, user_id: int | None) -> BulkResendResult:
    """Resend every letter of the campaign that did not arrive and whose authority now has an
    FOI email address; the others stay failed and are named."""
    from campaign.tasks import enqueue_send

    failed = list(
        db.session.scalars(
            sa.select(Request)
            .where(
                Request.campaign_id == campaign.id,
                Request.status == RequestStatus.DELIVERY_FAILED.value,
            )
            .order_by(Request.id)
            .with_for_update()
        )
    )
    resent: list[int] = []
    same = 0
    missing: list[str] = []
    for request in failed:
        if not request.authority.foi_email:
            missing.append(request.authority.name)
            continue
        previous = request.sent_to
        same += previous == _requeue(request, user_id)
        resent.append(request.id)
    db.session.commit()
    for start in range(0, len(resent), BATCH_SIZE):
        enqueue_send(resent[start : start + BATCH_SIZE])
    return BulkResendResult(len(resent), same, sorted(missing))


# --- The outbox --------------------------------------------------------------------------------


def outbox_path(message: Message) -> Path | None:
    """The letter's .eml file in OUTBOX_DIR, or None when there is none.

    The name comes only from the stored Message-Id through the transport's own naming, and the
    result must sit directly in the outbox directory: nothing a visitor types reaches the disk.
    """
    if message.direction != MessageDirection.OUTBOUND.value or not message.message_id:
        return None
    outbox = Path(current_app.config["OUTBOX_DIR"]).resolve()
    path = (outbox / outbox_file_name(message.message_id)).resolve()
    if path.parent != outbox or not path.is_file():
        return None
    return path


@dataclass(frozen=True)
class OutboxPage(PageNumbers):
    items: list[Message]
    total: int
    page: int
    per_page: int
    campaign: Campaign | None  # the campaign filter in force


def outbox_campaigns() -> list[Campaign]:
    """Campaigns that have sent something, for the outbox's filter."""
    sent = (
        sa.select(Request.campaign_id)
        .join(Message, Message.request_id == Request.id)
        .where(Message.direction == MessageDirection.OUTBOUND.value)
    )
    return list(
        db.session.scalars(
            sa.select(Campaign).where(Campaign.id.in_(sent)).order_by(Campaign.title)
        )
    )


def outbox_letters(campaign_slug: str = "", page: int = 1) -> OutboxPage | None:
    """Outbound letters, newest first, 100 a page; None when the campaign asked for is unknown."""
    campaign = None
    where = [Message.direction == MessageDirection.OUTBOUND.value]
    if campaign_slug:
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == campaign_slug))
        if campaign is None:
            return None
        where.append(Request.campaign_id == campaign.id)
    total = (
        db.session.scalar(
            sa.select(sa.func.count(Message.id))
            .join(Request, Message.request_id == Request.id)
            .where(*where)
        )
        or 0
    )
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        sa.select(Message)
        .join(Message.request)
        .where(*where)
        .options(
            so.contains_eager(Message.request).joinedload(Request.campaign),
            so.contains_eager(Message.request).joinedload(Request.authority),
        )
        .order_by(sa.func.coalesce(Message.sent_at, Message.created_at).desc(), Message.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return OutboxPage(list(items), total, page, PER_PAGE, campaign)


def get_outbound_message(raw_id: str) -> Message | None:
    """An outbound letter by its pk as typed in a URL; None for anything else."""
    message_id = parse_id(raw_id)
    message = db.session.get(Message, message_id) if message_id is not None else None
    if message is None or message.direction != MessageDirection.OUTBOUND.value:
        return None
    return message


@dataclass(frozen=True)
class OutboxLetter:
    """A letter as the outbox holds it: its headers and text from the .eml file when there is
    one (exactly what was "sent"), else what the database stored."""

    message: Message
    headers: list[tuple[str, str]]
    body: str
    file_name: str | None
    size: int | None


def read_outbox_letter(message: Message) -> OutboxLetter:
    path = outbox_path(message)
    if path is None:
        headers = [
            ("From", message.from_address),
            ("To", message.to_address),
            ("Subject", message.subject),
            ("Message-ID", f"<{message.message_id}>"),
        ]
        return OutboxLetter(message, headers, message.body_text, None, None)
    data = path.read_bytes()
    parsed = message_from_bytes(data, policy=policy.default)
    headers = [(name, str(parsed[name])) for name in SHOWN_HEADERS if parsed[name] is not None]
    part = parsed.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else message.body_text
    return OutboxLetter(message, headers, body.replace("\r\n", "\n"), path.name, len(data))
