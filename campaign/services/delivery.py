"""Delivery events from Mailgun: did each letter reach the authority's mail server?

Rule for repeats and events arriving out of order: a message's delivery status only moves
forward, along (none) -> deferred -> delivered -> complained, or (none | deferred) -> failed.
"delivered" and "failed" are outcomes Mailgun reports once per recipient, so the first one to
arrive wins: a "delivered" after a permanent failure does not resurrect the request, and a
"failed" after "delivered" is ignored (a late bounce comes back as an inbound message instead).
An event that would not move the status forward changes nothing, so applying the same event
twice is harmless. Request statuses change only through `change_status`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from campaign.domain.vocabulary import MessageDirection, RequestStatus
from campaign.extensions import db
from campaign.models import Message, Request, WebhookNonce
from campaign.models.base import utcnow
from campaign.services.deadlines import expected_due_on
from campaign.services.statuses import change_status, record_event

NONCE_LIFETIME = timedelta(hours=1)
MAX_REASON_LENGTH = 1000

# Which delivery statuses may follow which (failed and complained are final). Any other value,
# such as "accepted" written by the send loop, counts as "nothing reported yet" (None).
ALLOWED_AFTER = {
    None: {"deferred", "delivered", "failed", "complained"},
    "deferred": {"delivered", "failed", "complained"},
    "delivered": {"complained"},
    "failed": set(),
    "complained": set(),
}


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    DEFERRED = "deferred"
    COMPLAINED = "complained"
    UNCHANGED = "unchanged"  # a repeat, or an event that came after a final outcome
    UNKNOWN_MESSAGE = "unknown_message"  # not one of our letters (or not stored yet)
    IGNORED = "ignored"  # an event we do not track: accepted, opened, clicked, ...
    REPLAYED = "replayed"  # the signed webhook was seen before


def receive_delivery_webhook(
    token: str, signed_at: datetime, event_data: Mapping[str, Any]
) -> DeliveryOutcome:
    """Apply one signed webhook exactly once: its token and its effect commit together."""
    if not claim_webhook_token(token, signed_at):
        return DeliveryOutcome.REPLAYED
    outcome = record_delivery_event(event_data)
    db.session.commit()
    return outcome


def claim_webhook_token(token: str, signed_at: datetime) -> bool:
    """Store the token; False if it was stored before (the unique constraint decides races).

    Call it first in a transaction: refusing a token rolls the whole session back.
    """
    db.session.add(WebhookNonce(token=token, signed_at=signed_at))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    _delete_old_tokens()
    return True


def claim_webhook_token_now(token: str, signed_at: datetime) -> bool:
    """Store the token in its own one-statement transaction; False if it was stored before.

    For the inbound webhook, which commits nothing else: one round trip, no session state.
    """
    table = WebhookNonce.__table__
    dialect = db.engine.dialect.name
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    statement = (
        insert.values(token=token, signed_at=signed_at)
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(statement).first() is not None


def _delete_old_tokens() -> None:
    # Tokens older than the signature window can never be replayed successfully: drop them.
    db.session.execute(
        sa.delete(WebhookNonce).where(WebhookNonce.signed_at < utcnow() - NONCE_LIFETIME)
    )


def prune_webhook_tokens(every: int = 1) -> None:
    """Drop expired tokens on about one call in `every`: busy endpoints skip the round trip."""
    if every <= 1 or secrets.randbelow(every) == 0:
        _delete_old_tokens()
        db.session.commit()


def record_delivery_event(event_data: Mapping[str, Any]) -> DeliveryOutcome:
    """Apply a Mailgun event to the letter it is about; the caller commits."""
    new_status = delivery_status_for(event_data)
    if new_status is None:
        return DeliveryOutcome.IGNORED
    message, request = find_outbound(event_data)
    if request is None:
        current_app.logger.info("delivery event for unknown message: %s", _message_id(event_data))
        return DeliveryOutcome.UNKNOWN_MESSAGE
    current = message.delivery_status if message is not None else _request_delivery(request)
    if new_status not in ALLOWED_AFTER.get(current, ALLOWED_AFTER[None]):
        return DeliveryOutcome.UNCHANGED
    if message is not None:
        message.delivery_status = new_status
    _apply(new_status, request, message, event_data)
    return DeliveryOutcome(new_status)


def delivery_status_for(event_data: Mapping[str, Any]) -> str | None:
    """The delivery status an event reports, or None for events that say nothing about it."""
    event = event_data.get("event")
    if event == "delivered":
        return "delivered"
    if event == "failed":
        return "failed" if event_data.get("severity") == "permanent" else "deferred"
    if event == "complained":
        return "complained"
    return None


def find_outbound(event_data: Mapping[str, Any]) -> tuple[Message | None, Request | None]:
    """Our letter by its Message-Id, else its request by the request_id and token we sent."""
    message_id = _message_id(event_data)
    if message_id:
        message = db.session.scalars(
            sa.select(Message)
            .where(
                Message.message_id == message_id,
                Message.direction == MessageDirection.OUTBOUND.value,
            )
            .limit(1)
        ).first()
        if message is not None and message.request is not None:
            return message, message.request
    return None, _request_from_variables(event_data.get("user-variables"))


def _request_from_variables(variables: Any) -> Request | None:
    if not isinstance(variables, Mapping):
        return None
    request_id, token = str(variables.get("request_id", "")), variables.get("token")
    if not request_id.isdigit() or not token:
        return None
    request = db.session.get(Request, int(request_id))
    return request if request is not None and request.token == str(token) else None


def _message_id(event_data: Mapping[str, Any]) -> str:
    message = event_data.get("message")
    headers = message.get("headers") if isinstance(message, Mapping) else None
    value = headers.get("message-id") if isinstance(headers, Mapping) else None
    return str(value).strip().strip("<>") if value else ""


def _request_delivery(request: Request) -> str | None:
    """Without a stored message, the request's own fields say how far delivery got."""
    if request.status == RequestStatus.DELIVERY_FAILED.value:
        return "failed"
    return "delivered" if request.delivered_at is not None else None


def _apply(
    status: str, request: Request, message: Message | None, event_data: Mapping[str, Any]
) -> None:
    """Write the consequences of a delivery status change: timeline, dates, request status."""
    reason = failure_reason(event_data) if status in ("failed", "deferred") else None
    record_event(
        f"message_{status}",
        request=request,
        message_id=message.message_id if message is not None else _message_id(event_data),
        recipient=str(event_data.get("recipient", "")),
        mailgun_event_id=str(event_data.get("id", "")),
        **({"reason": reason} if reason else {}),
    )
    # A request still "queued" here was accepted but its sender has not recorded that yet (an
    # unanswered call awaiting reconciliation): the event settles it.
    if status == "delivered":
        request.delivered_at = request.delivered_at or event_time(event_data)
        if request.status in (RequestStatus.QUEUED.value, RequestStatus.SENT.value):
            request.sent_at = request.sent_at or request.delivered_at
            request.send_claimed_at = None
            change_status(request, RequestStatus.AWAITING_RESPONSE, reason="delivered")
        if request.due_on is None:
            # The law counts from the day of receipt: the delivery time, once Mailgun has it.
            request.due_on = expected_due_on(request)
    elif status == "failed":
        request.failure_reason = reason
        if request.status in (
            RequestStatus.QUEUED.value,
            RequestStatus.SENT.value,
            RequestStatus.AWAITING_RESPONSE.value,
        ):
            request.send_claimed_at = None
            change_status(request, RequestStatus.DELIVERY_FAILED, reason=reason)


def failure_reason(event_data: Mapping[str, Any]) -> str:
    """What the receiving server said, in words a campaigner can act on."""
    status = event_data.get("delivery-status")
    status = status if isinstance(status, Mapping) else {}
    parts = [str(status.get("code") or "").strip()]
    for key in ("message", "description"):
        text = str(status.get(key) or "").strip()
        if text and text not in parts:
            parts.append(text)
    reason = " ".join(p for p in parts if p) or str(event_data.get("reason") or "delivery failed")
    return reason[:MAX_REASON_LENGTH]


def event_time(event_data: Mapping[str, Any]) -> datetime:
    """When Mailgun says the event happened (epoch seconds), or now if it does not say."""
    try:
        return datetime.fromtimestamp(float(event_data["timestamp"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return utcnow()
