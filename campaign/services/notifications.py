"""Telling the team what needs doing: notifications in the app, by email at once or each morning.

Notifications are collected from what the tool already records (the request timeline's Events,
mail waiting in the Inbox, documents that could not be read, reviews falling due) by a periodic
job, not by hooks in every place that changes something: nothing else has to remember to call
us, and collecting again finds the same things under the same keys, so no one is told twice.

Each user chooses per campaign: off, immediate (one email per collection run, with everything
new since the last) or a daily digest. The digest row for (user, day) is claimed before the
email is sent, so a digest job run twice in a morning, or on two workers, sends one email.
Every email carries a signed one-click unsubscribe link (RFC 8058) that needs no sign-in.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from campaign.domain.vocabulary import (
    MatchState,
    MessageDirection,
    ParseState,
    ProcessingState,
    RequestStatus,
)
from campaign.extensions import db
from campaign.mail.compose import OutgoingEmail
from campaign.mail.transports import SendError, transport_from_config
from campaign.models import (
    Attachment,
    Authority,
    Campaign,
    Digest,
    Event,
    Message,
    Notification,
    NotificationPreference,
    Request,
    User,
)
from campaign.models.base import utcnow
from campaign.models.notification import NotificationKind, NotifyMode

log = logging.getLogger(__name__)

# How far back each collection looks; collecting is idempotent, so overlap costs nothing.
LOOKBACK = timedelta(days=2)
REVIEW_DUE_WITHIN_DAYS = 5
DEFAULT_MODE = NotifyMode.DAILY
_UNSUBSCRIBE_SALT = "notifications-unsubscribe"
_STATUS_KINDS = {
    RequestStatus.OVERDUE.value: NotificationKind.OVERDUE,
    RequestStatus.VERY_OVERDUE.value: NotificationKind.VERY_OVERDUE,
    RequestStatus.REVIEW_OVERDUE.value: NotificationKind.REVIEW_OVERDUE,
}


@dataclass(frozen=True)
class Candidate:
    """Something worth telling the people who follow `campaign_id` (None: the Inbox)."""

    key: str
    kind: NotificationKind
    campaign_id: int | None
    request_id: int | None
    text: str
    link: str


# --- preferences ------------------------------------------------------------------------------


def modes_of(user_id: int) -> dict[int | None, NotifyMode]:
    rows = db.session.execute(
        sa.select(NotificationPreference.campaign_id, NotificationPreference.mode).where(
            NotificationPreference.user_id == user_id
        )
    )
    return {campaign_id: NotifyMode(mode) for campaign_id, mode in rows}


def mode_for(modes: dict[int | None, NotifyMode], campaign_id: int | None) -> NotifyMode:
    """A campaign's own choice, else the user's default, else a daily digest."""
    if campaign_id in modes:
        return modes[campaign_id]
    return modes.get(None, DEFAULT_MODE)


def set_mode(user_id: int, campaign_id: int | None, mode: NotifyMode | str) -> None:
    mode = NotifyMode(mode)
    row = db.session.scalar(
        sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.campaign_id.is_(None)
            if campaign_id is None
            else NotificationPreference.campaign_id == campaign_id,
        )
    )
    if row is None:
        row = NotificationPreference(user_id=user_id, campaign_id=campaign_id)
        db.session.add(row)
    row.mode = mode.value


def unsubscribe_everything(user_id: int) -> None:
    """Turn every campaign off, and the default, so nothing more is mailed."""
    set_mode(user_id, None, NotifyMode.OFF)
    db.session.execute(
        sa.update(NotificationPreference)
        .where(NotificationPreference.user_id == user_id)
        .values(mode=NotifyMode.OFF.value)
    )


def unsubscribe_token(user_id: int, campaign_id: int | None) -> str:
    return _serializer().dumps({"u": user_id, "c": campaign_id})


def read_unsubscribe_token(token: str) -> tuple[int, int | None] | None:
    """(user id, campaign id or None for everything), or None for a forged or mangled token."""
    if len(token) > 200:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    campaign_id = data.get("c")
    if campaign_id is not None and not isinstance(campaign_id, int):
        return None
    return data["u"], campaign_id


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


# --- collecting -------------------------------------------------------------------------------


def collect(now: datetime | None = None) -> int:
    """Turn what happened recently into notifications for everyone following it; returns new."""
    now = now or utcnow()
    candidates = [
        *_from_events(now - LOOKBACK),
        *_from_inbox(now - LOOKBACK),
        *_from_documents(now - LOOKBACK),
        *_reviews_due(now.date()),
    ]
    if not candidates:
        return 0
    users = db.session.execute(
        sa.select(User.id).where(User.active.is_(True)).order_by(User.id)
    ).scalars()
    rows = []
    for user_id in users:
        modes = modes_of(user_id)
        for candidate in candidates:
            if mode_for(modes, candidate.campaign_id) is NotifyMode.OFF:
                continue
            rows.append(
                {
                    "user_id": user_id,
                    "campaign_id": candidate.campaign_id,
                    "request_id": candidate.request_id,
                    "kind": candidate.kind.value,
                    "key": candidate.key[:80],
                    "text": candidate.text,
                    "link": candidate.link[:300],
                    "created_at": now,
                }
            )
    created = _insert_new(rows)
    db.session.commit()
    return created


def _insert_new(rows: list[dict]) -> int:
    """Insert, skipping (user, key) pairs already there: the database decides, race-free."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(Notification)
    created = 0
    for start in range(0, len(rows), 500):
        statement = (
            insert.values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(Notification.id)
        )
        created += len(db.session.execute(statement).all())
    return created


def _from_events(since: datetime) -> list[Candidate]:
    rows = db.session.execute(
        sa.select(Event, Request, Authority.name)
        .join(Request, Request.id == Event.request_id)
        .join(Authority, Authority.id == Request.authority_id)
        .where(
            Event.created_at >= since,
            sa.or_(
                Event.kind == "message_received",
                sa.and_(Event.kind == "status_changed", Event.to_status.in_(_STATUS_KINDS)),
            ),
        )
        .order_by(Event.id)
    ).all()
    found = []
    for event, request, authority in rows:
        link = f"/requests/{request.id}"
        if event.kind == "message_received":
            detail = event.detail or {}
            what = str(detail.get("message_kind") or "reply").replace("_", " ")
            subject = str(detail.get("subject") or "")[:120]
            text = f"{authority}: {what} received" + (f" ({subject})" if subject else "")
            kind = NotificationKind.NEW_REPLY
        else:
            kind = _STATUS_KINDS[event.to_status]
            due = f", due {request.due_on:%d %b %Y}" if request.due_on else ""
            text = f"{authority}: now {event.to_status.replace('_', ' ')}{due}"
        found.append(
            Candidate(f"event:{event.id}", kind, request.campaign_id, request.id, text, link)
        )
    return found


def _from_inbox(since: datetime) -> list[Candidate]:
    rows = db.session.execute(
        sa.select(Message.id, Message.from_address, Message.subject, Message.match_state).where(
            Message.direction == MessageDirection.INBOUND.value,
            Message.request_id.is_(None),
            Message.processing_state == ProcessingState.PROCESSED.value,
            Message.match_state.in_([MatchState.UNMATCHED.value, MatchState.HELD.value]),
            Message.created_at >= since,
        )
    ).all()
    return [
        Candidate(
            f"inbox:{pk}",
            NotificationKind.INBOX_WAITING,
            None,
            None,
            f"Mail waiting in the Inbox{' (held: sender unknown)' if state == 'held' else ''} "
            f"from {sender or 'an unknown sender'}: {subject[:120] or '(no subject)'}",
            f"/inbox/{pk}",
        )
        for pk, sender, subject, state in rows
    ]


def _from_documents(since: datetime) -> list[Candidate]:
    rows = db.session.execute(
        sa.select(
            Attachment.id, Attachment.filename, Attachment.parse_error, Request, Authority.name
        )
        .join(Message, Message.id == Attachment.message_id)
        .join(Request, Request.id == Message.request_id)
        .join(Authority, Authority.id == Request.authority_id)
        .where(
            Attachment.parse_state == ParseState.UNPARSEABLE.value,
            Attachment.created_at >= since,
        )
    ).all()
    return [
        Candidate(
            f"document:{pk}",
            NotificationKind.PARSE_FAILED,
            request.campaign_id,
            request.id,
            f"{authority}: {filename} could not be read"
            + (f" ({' '.join(error.split())[:150]})" if error else ""),
            f"/requests/{request.id}",
        )
        for pk, filename, error, request, authority in rows
    ]


def _reviews_due(today: date) -> list[Candidate]:
    rows = db.session.execute(
        sa.select(Request, Authority.name)
        .join(Authority, Authority.id == Request.authority_id)
        .where(
            Request.status == RequestStatus.REVIEW_REQUESTED.value,
            Request.review_due_on.is_not(None),
            Request.review_due_on >= today,
            Request.review_due_on <= today + timedelta(days=REVIEW_DUE_WITHIN_DAYS),
        )
    ).all()
    return [
        Candidate(
            f"review_due:{request.id}:{request.review_due_on.isoformat()}",
            NotificationKind.REVIEW_DUE,
            request.campaign_id,
            request.id,
            f"{authority}: internal review answer due {request.review_due_on:%d %b %Y}",
            f"/requests/{request.id}",
        )
        for request, authority in rows
    ]


# --- in the app -------------------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def notifications_of(user_id: int, *, limit: int = 100, offset: int = 0) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.read_at.is_not(None), Notification.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def mark_read(user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when `ids` is None)."""
    statement = sa.update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    count = db.session.execute(statement.values(read_at=utcnow())).rowcount or 0
    db.session.commit()
    return count


# --- email ------------------------------------------------------------------------------------


def send_immediate(now: datetime | None = None) -> int:
    """One email per user with everything new in their immediate-mode campaigns; returns sent."""
    now = now or utcnow()
    pending = db.session.scalars(
        sa.select(Notification)
        .where(Notification.emailed_at.is_(None), Notification.digest_day.is_(None))
        .order_by(Notification.user_id, Notification.id)
    ).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.user_id].append(notification)
    sent = 0
    for user_id, items in by_user.items():
        modes = modes_of(user_id)
        chosen = [n for n in items if mode_for(modes, n.campaign_id) is NotifyMode.IMMEDIATE]
        if not chosen or not _claim(chosen, now):
            continue
        user = db.session.get(User, user_id)
        subject = f"{len(chosen)} new on FOI Campaign" if len(chosen) > 1 else chosen[0].text
        if _send(user, subject[:200], chosen, intro="New since the last email:"):
            sent += 1
        else:
            _release(chosen)
    return sent


@dataclass
class DigestRun:
    sent: int = 0
    empty: int = 0
    already: int = 0
    failed: int = 0


def send_digests(day: date | None = None, now: datetime | None = None) -> DigestRun:
    """Each following user's digest for `day`, once: the (user, day) row is claimed first."""
    now = now or utcnow()
    day = day or now.date()
    run = DigestRun()
    for user in db.session.scalars(sa.select(User).where(User.active.is_(True))).all():
        modes = modes_of(user.id)
        if NotifyMode.DAILY not in modes.values() and mode_for(modes, None) is not NotifyMode.DAILY:
            continue
        digest = _claim_digest(user.id, day)
        if digest is None:
            run.already += 1
            continue
        items = db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.emailed_at.is_(None),
                Notification.digest_day.is_(None),
                Notification.created_at <= now,
            )
            .order_by(Notification.campaign_id, Notification.kind, Notification.id)
        ).all()
        items = [n for n in items if mode_for(modes, n.campaign_id) is NotifyMode.DAILY]
        digest.items = len(items)
        if not items:
            digest.state = "empty"
            db.session.commit()
            run.empty += 1
            continue
        for notification in items:
            notification.digest_day = day
            notification.emailed_at = now
        db.session.commit()
        subject = f"FOI Campaign: {len(items)} thing{'s' if len(items) != 1 else ''} to look at"
        if _send(user, subject, items, intro=f"Your digest for {day:%A %d %B %Y}:"):
            digest.state = "sent"
            run.sent += 1
        else:
            digest.state = "failed"
            _release(items)
            run.failed += 1
        db.session.commit()
    return run


def _claim_digest(user_id: int, day: date) -> Digest | None:
    """The user's digest row for the day, new or left failed; None if it is sent or sending."""
    existing = db.session.scalar(
        sa.select(Digest).where(Digest.user_id == user_id, Digest.day == day)
    )
    if existing is not None:
        if existing.state != "failed":
            return None
        existing.state = "sending"
        db.session.commit()
        return existing
    digest = Digest(user_id=user_id, day=day, state="sending")
    db.session.add(digest)
    try:
        db.session.commit()
    except IntegrityError:  # another worker claimed it a moment ago
        db.session.rollback()
        return None
    return digest


def _claim(items: Sequence[Notification], now: datetime) -> bool:
    """Mark the items emailed before sending; False if another worker got there first."""
    ids = [n.id for n in items]
    claimed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(emailed_at=now)
    ).rowcount
    if claimed != len(ids):
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _release(items: Sequence[Notification]) -> None:
    """A send that failed: the items go out with the next run instead."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_([n.id for n in items]))
        .values(emailed_at=None, digest_day=None)
    )
    db.session.commit()


def _send(user: User, subject: str, items: Sequence[Notification], *, intro: str) -> bool:
    config = current_app.config
    base = config["APP_BASE_URL"]
    campaigns = {
        c.id: c.title
        for c in db.session.scalars(
            sa.select(Campaign).where(Campaign.id.in_({n.campaign_id for n in items} - {None}))
        )
    }
    lines = [intro, ""]
    by_campaign: dict[int | None, list[Notification]] = defaultdict(list)
    for notification in items:
        by_campaign[notification.campaign_id].append(notification)
    for campaign_id, group in by_campaign.items():
        lines.append(campaigns.get(campaign_id, "Inbox") if campaign_id else "Inbox")
        for notification in group:
            link = f" {base}{notification.link}" if notification.link else ""
            lines.append(f"  - {notification.text}{link}")
        lines.append("")
    everything = f"{base}/notifications/unsubscribe/{unsubscribe_token(user.id, None)}"
    lines += [
        f"All notifications: {base}/notifications",
        f"Choose what you hear about: {base}/notifications/settings",
        f"Stop all notification emails (one click, no sign-in): {everything}",
    ]
    for campaign_id in by_campaign:
        if campaign_id is not None:
            one = f"{base}/notifications/unsubscribe/{unsubscribe_token(user.id, campaign_id)}"
            lines.append(f"Stop emails about {campaigns.get(campaign_id, 'this campaign')}: {one}")
    domain = config["MAIL_DOMAIN"]
    email = OutgoingEmail(
        message_id=f"notify-{secrets.token_hex(12)}@{domain}",
        from_address=f"notifications@{domain}",
        from_name=config.get("MAIL_FROM_NAME", "FOI Campaign"),
        to=user.email,
        subject=subject,
        body_text="\n".join(lines) + "\n",
        reply_to=f"notifications@{domain}",
        headers={
            "List-Unsubscribe": f"<{everything}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        transport_from_config(config).send(email)
    except SendError as error:
        log.warning("notification email to user %s not sent: %s", user.id, error)
        return False
    return True
