"""What the IMAP poller last did with a mailbox, for the settings page and the retry clock."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.models.base import Base


class MailboxPoll(Base):
    """One row per polled mailbox (user@host:port/folder): counts, the last error, the backoff."""

    __tablename__ = "mailbox_poll"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    mailbox: so.Mapped[str] = so.mapped_column(sa.String(400), unique=True)
    last_attempt_at: so.Mapped[datetime | None]
    last_success_at: so.Mapped[datetime | None]
    # Why the last attempt failed, in words; None once a poll succeeds again.
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    consecutive_failures: so.Mapped[int] = so.mapped_column(default=0)
    # The periodic poll waits until then after failures (doubling, at most 30 minutes).
    next_attempt_at: so.Mapped[datetime | None]
    stored_total: so.Mapped[int] = so.mapped_column(default=0)
    duplicates_total: so.Mapped[int] = so.mapped_column(default=0)
    set_aside_total: so.Mapped[int] = so.mapped_column(default=0)
    # Unread messages left in the folder after the last poll (a batch at a time).
    waiting: so.Mapped[int] = so.mapped_column(default=0)
    # The latest messages set aside (too large, empty), newest first, for a person to see.
    notes: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
