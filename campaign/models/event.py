"""The audit log: every status change and action, with who did it and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.models.base import Base, Timestamped

if TYPE_CHECKING:
    from campaign.models.request import Request
    from campaign.models.user import User


class Event(Timestamped, Base):
    __tablename__ = "event"
    __table_args__ = (
        sa.Index("ix_event_request_created", "request_id", "created_at"),
        sa.Index("ix_event_campaign_created", "campaign_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE")
    )
    request_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("request.id", ondelete="CASCADE")
    )
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # What happened, e.g. "status_changed", "message_sent", "authorities_imported".
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    to_status: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    detail: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    request: so.Mapped[Request | None] = so.relationship(back_populates="events")
    user: so.Mapped[User | None] = so.relationship()


class WebhookNonce(Base):
    """Tokens of signed webhooks already accepted, so a replayed post is refused."""

    __tablename__ = "webhook_nonce"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(128), unique=True)
    signed_at: so.Mapped[datetime] = so.mapped_column(index=True)
