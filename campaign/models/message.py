"""Messages in a request's thread and the files they carry; the raw MIME is kept on disk."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.vocabulary import MessageDirection, MessageKind, ParseState, ProcessingState
from campaign.models.base import Base, Timestamped

if TYPE_CHECKING:
    from campaign.models.request import Request


class Message(Timestamped, Base):
    __tablename__ = "message"
    __table_args__ = (
        # The same email delivered twice to one request is stored once.
        sa.UniqueConstraint("request_id", "message_id"),
        sa.Index("ix_message_request_created", "request_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # None while an inbound message waits in the Inbox for a person to assign it.
    request_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("request.id", ondelete="CASCADE")
    )
    direction: so.Mapped[str] = so.mapped_column(sa.String(8))
    kind: so.Mapped[str] = so.mapped_column(sa.String(24), default=MessageKind.OTHER.value)
    # RFC 5322 Message-Id without angle brackets, as Mailgun events report it.
    message_id: so.Mapped[str] = so.mapped_column(sa.String(255), index=True)
    in_reply_to: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    references: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    from_address: so.Mapped[str] = so.mapped_column(sa.String(254), default="", index=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    subject: so.Mapped[str] = so.mapped_column(sa.String(998), default="")
    body_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # SHA-256 of the raw MIME stored under the files directory; identical bytes arrive once.
    raw_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    sent_at: so.Mapped[datetime | None]  # outbound: handed to the transport; inbound: Date header
    received_at: so.Mapped[datetime | None]
    # Outbound: the transport's own id (Mailgun's "id") and the delivery outcome from events.
    transport_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), index=True)
    delivery_status: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    processing_state: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=ProcessingState.STORED.value, index=True
    )
    processing_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    request: so.Mapped[Request | None] = so.relationship(back_populates="messages")
    attachments: so.Mapped[list[Attachment]] = so.relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )

    @so.validates("direction")
    def _check_direction(self, _key: str, value: str) -> str:
        return MessageDirection(value).value

    @so.validates("kind")
    def _check_kind(self, _key: str, value: str) -> str:
        return MessageKind(value).value

    @so.validates("processing_state")
    def _check_state(self, _key: str, value: str) -> str:
        return ProcessingState(value).value


class Attachment(Timestamped, Base):
    """A file of a message. The bytes live once on disk, named by their SHA-256."""

    __tablename__ = "attachment"
    __table_args__ = (sa.UniqueConstraint("message_id", "sha256"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    message_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("message.id", ondelete="CASCADE"))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    size: so.Mapped[int]
    parse_state: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=ParseState.PENDING.value, index=True
    )
    parse_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    page_count: so.Mapped[int | None]

    message: so.Mapped[Message] = so.relationship(back_populates="attachments")

    @so.validates("parse_state")
    def _check_state(self, _key: str, value: str) -> str:
        return ParseState(value).value
