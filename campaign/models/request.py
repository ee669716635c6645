"""A request: one campaign sent to one authority, with its token, status and deadlines."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.law import LawCode
from campaign.domain.vocabulary import RequestStatus
from campaign.models.base import Base, Timestamped, utcnow

if TYPE_CHECKING:
    from campaign.models.answer import Answer, Mention
    from campaign.models.authority import Authority
    from campaign.models.campaign import Campaign
    from campaign.models.event import Event
    from campaign.models.message import Message
    from campaign.models.user import User


class Request(Timestamped, Base):
    __tablename__ = "request"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "authority_id"),
        # Dashboards count requests by status within a campaign; sweeps scan due dates.
        sa.Index("ix_request_campaign_status", "campaign_id", "status"),
        sa.Index("ix_request_status_due_on", "status", "due_on"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    authority_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("authority.id", ondelete="RESTRICT"), index=True
    )
    # Carried in the reply address (foi+<token>@domain) so replies find their request.
    token: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(32), default=RequestStatus.DRAFT.value)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    law: so.Mapped[str] = so.mapped_column(sa.String(8), default=LawCode.FOIA.value)
    letter_version: so.Mapped[int] = so.mapped_column(default=1)
    # The address the letter went to, kept even if the authority's address changes later.
    sent_to: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    # Set by the worker that is sending the letter, before the transport is called: a claim
    # with no recorded outcome is reconciled with the transport, never blindly resent.
    send_claimed_at: so.Mapped[datetime | None]
    send_attempts: so.Mapped[int] = so.mapped_column(default=0)
    sent_at: so.Mapped[datetime | None]
    delivered_at: so.Mapped[datetime | None]
    due_on: so.Mapped[date | None] = so.mapped_column(index=True)
    clock_stopped_at: so.Mapped[datetime | None]  # a clarification request stops the clock
    review_due_on: so.Mapped[date | None] = so.mapped_column(index=True)
    # Chasers sent so far (the ladder's rung) and when the last went; never the same rung twice.
    chase_stage: so.Mapped[int] = so.mapped_column(default=0)
    chased_at: so.Mapped[datetime | None]
    review_requested_at: so.Mapped[datetime | None]
    review_grounds: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # upheld | overturned | partially_overturned, once the authority answers the review.
    review_outcome: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    # The authority's own reference, e.g. "REQ04543" or "FOI/2018/123".
    reference_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    reference_source: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # A person set the status by hand: later automatic changes are suggested, not applied.
    status_manual: so.Mapped[bool] = so.mapped_column(default=False)
    last_contact_at: so.Mapped[datetime | None]
    failure_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    assigned_to_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )

    campaign: so.Mapped[Campaign] = so.relationship(back_populates="requests")
    authority: so.Mapped[Authority] = so.relationship()
    assigned_to: so.Mapped[User | None] = so.relationship()
    messages: so.Mapped[list[Message]] = so.relationship(
        back_populates="request",
        order_by="Message.created_at",
        passive_deletes=True,
        foreign_keys="Message.request_id",
    )
    answers: so.Mapped[list[Answer]] = so.relationship(
        back_populates="request", cascade="all, delete-orphan", passive_deletes=True
    )
    mentions: so.Mapped[list[Mention]] = so.relationship(
        back_populates="request", cascade="all, delete-orphan", passive_deletes=True
    )
    events: so.Mapped[list[Event]] = so.relationship(
        back_populates="request", order_by="Event.created_at", passive_deletes=True
    )

    @so.validates("status")
    def _check_status(self, _key: str, value: str) -> str:
        return RequestStatus(value).value

    @so.validates("law")
    def _check_law(self, _key: str, value: str) -> str:
        return LawCode(value).value

    def __repr__(self) -> str:
        return f"<Request {self.id} {self.status}>"
