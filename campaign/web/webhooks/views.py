"""Mailgun webhooks: verify the signature, refuse replays, record the event, answer fast.

Mailgun retries any answer except 200 and 406, so forged, stale and replayed posts get 406
(retrying cannot make them valid) and events about messages we do not know get 200.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from campaign.extensions import csrf
from campaign.mail.signatures import SignatureCheck, check_signature
from campaign.services.delivery import DeliveryOutcome, receive_delivery_webhook

bp = Blueprint("webhooks", __name__)
csrf.exempt(bp)

MAX_BODY_BYTES = 1024 * 1024  # Mailgun event payloads are a few kilobytes
MAX_TOKEN_LENGTH = 128  # the WebhookNonce column; Mailgun's tokens are 50 characters


class Rejected(Exception):
    """A webhook post we refuse, with the status and reason to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@bp.errorhandler(Rejected)
def answer_rejected(error: Rejected):
    return jsonify(error=error.reason), error.status


@bp.post("/mailgun/events")
def mailgun_events():
    """Delivery events (delivered, failed, complained, ...) for the letters we sent."""
    signing_key = current_app.config.get("MAILGUN_WEBHOOK_SIGNING_KEY", "")
    if not signing_key:
        raise Rejected(503, "webhook signing key not configured")
    payload = read_json_body()
    signature, event_data = split_payload(payload)
    check = check_signature(
        signing_key, signature["timestamp"], signature["token"], signature["signature"]
    )
    if check is not SignatureCheck.VALID:
        raise Rejected(406, f"signature {check.value}")
    signed_at = datetime.fromtimestamp(int(signature["timestamp"]), UTC)
    outcome = receive_delivery_webhook(signature["token"], signed_at, event_data)
    if outcome is DeliveryOutcome.REPLAYED:
        raise Rejected(406, "signature token already used (replay)")
    return jsonify(status="accepted", outcome=outcome.value), 200


def read_json_body() -> dict[str, Any]:
    """The body as a JSON object, read no further than the size cap."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Rejected(413, f"body larger than {MAX_BODY_BYTES} bytes")
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise Rejected(413, f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise Rejected(400, "body is not a JSON object")
    return payload


def split_payload(payload: Mapping[str, Any]) -> tuple[dict[str, str], Mapping[str, Any]]:
    """The signature parts as strings and the event data, or a 400 naming what is missing."""
    signature = payload.get("signature")
    event_data = payload.get("event-data")
    if not isinstance(signature, Mapping):
        raise Rejected(400, "missing signature")
    parts = {}
    for name in ("timestamp", "token", "signature"):
        value = signature.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            raise Rejected(400, f"missing signature.{name}")
        parts[name] = str(value)
    if len(parts["token"]) > MAX_TOKEN_LENGTH:
        raise Rejected(400, "signature.token too long")
    if not isinstance(event_data, Mapping) or not isinstance(event_data.get("event"), str):
        raise Rejected(400, "missing event-data.event")
    return parts, event_data
