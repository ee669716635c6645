"""Mailgun webhooks: verify the signature, refuse replays, record the event, answer fast.

Mailgun retries any answer except 200 and 406, so forged, stale and replayed posts get 406
(retrying cannot make them valid) and events about messages we do not know get 200.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import csrf
from campaign.mail.mailgun_inbound import mime_from_mailgun_form
from campaign.mail.signatures import SignatureCheck, check_signature
from campaign.services.delivery import (
    DeliveryOutcome,
    claim_webhook_token_now,
    receive_delivery_webhook,
)
from campaign.services.ingest import (
    accept_inbound,
    drop_incoming,
    max_inbound_bytes,
    queue_storing,
)

log = logging.getLogger(__name__)
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


@bp.post("/mailgun/inbound")
@bp.post("/mailgun/inbound/mime")
def mailgun_inbound():
    """Replies from Mailgun's inbound route: parsed `forward()` form or raw `body-mime`.

    Verified, written durably to the files directory, its signature token claimed, and
    answered at once; the worker stores the rows, then reads and matches the message.
    """
    signing_key = current_app.config.get("MAILGUN_WEBHOOK_SIGNING_KEY", "")
    if not signing_key:
        raise Rejected(503, "webhook signing key not configured")
    limit = max_inbound_bytes() + 1024 * 1024  # the form adds a little around the message
    if (request.content_length or 0) > limit:
        raise Rejected(413, f"message larger than {limit // (1024 * 1024)} MB")
    request.max_content_length = limit
    form = request.form
    parts = {name: form.get(name, "") for name in ("timestamp", "token", "signature")}
    if not all(parts.values()):
        missing = [name for name, value in parts.items() if not value]
        raise Rejected(400, f"missing signature field: {', '.join(missing)}")
    if len(parts["token"]) > MAX_TOKEN_LENGTH:
        raise Rejected(400, "signature token too long")
    check = check_signature(signing_key, parts["timestamp"], parts["token"], parts["signature"])
    if check is not SignatureCheck.VALID:
        raise Rejected(406, f"signature {check.value}")
    if "body-mime" in form:
        raw = form["body-mime"].encode("utf-8", "surrogateescape")
    else:
        files = [
            (upload.filename or name, upload.mimetype or "application/octet-stream", upload.read())
            for name, upload in request.files.items(multi=True)
        ]
        raw = mime_from_mailgun_form(form.to_dict(), files)
    # On disk first, then the token: a failure in between leaves the token unclaimed, so
    # Mailgun's retry (same token) is accepted rather than refused as a replay.
    try:
        accepted = accept_inbound(raw, MessageSource.WEBHOOK)
    except OSError as error:  # files directory full or unwritable: Mailgun keeps it, retries
        log.error("cannot spool an inbound message: %s", error)
        raise Rejected(503, "cannot write the message to disk now; retry later") from None
    if accepted.error:
        raise Rejected(406, accepted.error)
    signed_at = datetime.fromtimestamp(int(parts["timestamp"]), UTC)
    try:
        claimed = claim_webhook_token_now(parts["token"], signed_at)
    except SQLAlchemyError:
        drop_incoming(accepted.sha256, MessageSource.WEBHOOK)
        raise Rejected(503, "cannot check the signature token now; retry later") from None
    if not claimed:
        drop_incoming(accepted.sha256, MessageSource.WEBHOOK)
        raise Rejected(406, "signature token already used (replay)")
    queue_storing(accepted.sha256, MessageSource.WEBHOOK)
    return jsonify(status="accepted", sha256=accepted.sha256), 200


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
