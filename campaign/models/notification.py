"""What the team is told: per-user choices per campaign, the notifications, the daily digests."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.models.base import Base, Timestamped

if TYPE_CHECKING:
    from campaign.models.user import User


class NotifyMode(StrEnum):
    """How a user hears about a campaign: not at all, an email as it happens, or each morning."""

    OFF = "off"
    IMMEDIATE = "immediate"
    DAILY = "daily"


class NotificationKind(StrEnum):
    NEW_REPLY = "new_reply"
    INBOX_WAITING = "inbox_waiting"
    OVERDUE = "overdue"
    VERY_OVERDUE = "very_overdue"
    REVIEW_OVERDUE = "review_overdue"
    REVIEW_DUE = "review_due"
    PARSE_FAILED = "parse_failed"


class NotificationPreference(Base):
    """A user's mode for one campaign; campaign_id None is their mode for the Inbox and for
    campaigns they have not chosen for (with no row at all: a daily digest)."""

    __tablename__ = "notification_preference"
    __table_args__ = (sa.UniqueConstraint("user_id", "campaign_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    campaign_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE")
    )
    mode: so.Mapped[str] = so.mapped_column(sa.String(12), default=NotifyMode.DAILY.value)

    @so.validates("mode")
    def _check_mode(self, _key: str, value: str) -> str:
        return NotifyMode(value).value


class Notification(Timestamped, Base):
    """One thing a user should know, shown in the app and mailed once (at once or in a digest).

    `key` names what it is about ("event:41", "inbox:7", "review_due:12:2026-11-24"), unique
    per user, so collecting twice never tells anyone twice.
    """

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key"),
        sa.Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    campaign_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE")
    )
    request_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("request.id", ondelete="CASCADE")
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    key: so.Mapped[str] = so.mapped_column(sa.String(80))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    link: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    read_at: so.Mapped[datetime | None]
    # Mailed on its own (immediate mode) or in the digest of that day; set before sending.
    emailed_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    digest_day: so.Mapped[date | None]

    @so.validates("kind")
    def _check_kind(self, _key: str, value: str) -> str:
        return NotificationKind(value).value


class Digest(Timestamped, Base):
    """One user's digest for one day: the row is claimed before sending, so never two."""

    __tablename__ = "digest"
    __table_args__ = (sa.UniqueConstraint("user_id", "day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    day: so.Mapped[date]
    # sending -> sent | empty (nothing to say) | failed (retried by the next run)
    state: so.Mapped[str] = so.mapped_column(sa.String(12), default="sending")
    items: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)


class RequestNote(Timestamped, Base):
    """A private note on a request, for the team only: never published, never exported."""

    __tablename__ = "request_note"
    __table_args__ = (sa.Index("ix_request_note_request_created", "request_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("request.id", ondelete="CASCADE"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)

    user: so.Mapped[User | None] = so.relationship()
