"""Messages in a request's thread and the files they carry; the raw MIME is kept on disk."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.vocabulary import (
    MatchMethod,
    MatchState,
    MessageDirection,
    MessageKind,
    MessageSource,
    ParseState,
    ProcessingState,
)
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
    source: so.Mapped[str] = so.mapped_column(sa.String(8), default=MessageSource.SENT.value)
    # Inbound only: the Message-Id again, unique, so the same email arriving twice by any route
    # (or racing in on two web workers) is stored once. None for outbound messages.
    inbound_key: so.Mapped[str | None] = so.mapped_column(sa.String(255), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(24), default=MessageKind.OTHER.value)
    # RFC 5322 Message-Id without angle brackets, as Mailgun events report it.
    message_id: so.Mapped[str] = so.mapped_column(sa.String(255), index=True)
    in_reply_to: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    references: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    from_address: so.Mapped[str] = so.mapped_column(sa.String(254), default="", index=True)
    from_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    to_address: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    subject: so.Mapped[str] = so.mapped_column(sa.String(998), default="")
    body_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # SHA-256 of the raw MIME stored under the files directory; identical bytes arrive once.
    raw_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    sent_at: so.Mapped[datetime | None]  # outbound: handed to the transport; inbound: Date header
    received_at: so.Mapped[datetime | None]
    # Outbound follow-ups (chasers, review requests) are queued as messages: claimed before
    # the transport is called, like request letters, so a crash is reconciled, never resent.
    send_state: so.Mapped[str | None] = so.mapped_column(sa.String(12), index=True)
    send_claimed_at: so.Mapped[datetime | None]
    send_attempts: so.Mapped[int] = so.mapped_column(default=0)
    # Outbound: the transport's own id (Mailgun's "id") and the delivery outcome from events.
    transport_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), index=True)
    delivery_status: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    processing_state: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=ProcessingState.STORED.value, index=True
    )
    processing_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Inbound matching: how the message found its request, or the request a person should
    # confirm (a held sender, a token one character off).
    match_state: so.Mapped[str | None] = so.mapped_column(sa.String(12), index=True)
    match_method: so.Mapped[str | None] = so.mapped_column(sa.String(12))
    match_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    suggested_request_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("request.id", ondelete="SET NULL")
    )
    # What the parser read: reference ID, exemptions, outcome, review window, extension date.
    reference_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    analysis: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # What was malformed or refused on the way in (oversized parts, bad charsets), in words.
    intake_notes: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    request: so.Mapped[Request | None] = so.relationship(
        back_populates="messages", foreign_keys=[request_id]
    )
    suggested_request: so.Mapped[Request | None] = so.relationship(
        foreign_keys=[suggested_request_id]
    )
    attachments: so.Mapped[list[Attachment]] = so.relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Attachment.id",
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

    @so.validates("source")
    def _check_source(self, _key: str, value: str) -> str:
        return MessageSource(value).value

    @so.validates("match_state")
    def _check_match_state(self, _key: str, value: str | None) -> str | None:
        return None if value is None else MatchState(value).value

    @so.validates("match_method")
    def _check_match_method(self, _key: str, value: str | None) -> str | None:
        return None if value is None else MatchMethod(value).value

    @property
    def is_inbound(self) -> bool:
        return self.direction == MessageDirection.INBOUND.value


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
    # The archive it came out of ("replies.zip", "winmail.dat"), if any.
    container: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Extracted text, one string per page, so answers can cite their page.
    pages: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON)
    extract_method: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    parse_state: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=ParseState.PENDING.value, index=True
    )
    parse_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    page_count: so.Mapped[int | None]

    message: so.Mapped[Message] = so.relationship(back_populates="attachments")

    @so.validates("parse_state")
    def _check_state(self, _key: str, value: str) -> str:
        return ParseState(value).value
