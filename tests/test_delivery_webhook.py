"""Mailgun delivery events posted to /webhooks/mailgun/events, signed like Mailgun signs them."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from campaign.domain.tokens import new_token
from campaign.extensions import db
from campaign.mail.compose import new_message_id
from campaign.mail.signatures import sign
from campaign.models import Campaign, Event, Message, Request, WebhookNonce
from campaign.services.delivery import claim_webhook_token

KEY = "key-webhook-signing-test"
URL = "/webhooks/mailgun/events"
DELIVERED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(MAILGUN_WEBHOOK_SIGNING_KEY=KEY)


@dataclass
class Letter:
    request_id: int
    token: str
    message_id: str


@pytest.fixture
def sent_letter(app: Flask, make_authority):
    """A request whose letter went out; returns a factory taking the request's status."""

    def create(status: str = "sent", delivery_status: str | None = None) -> Letter:
        authority_id = make_authority()
        with app.app_context():
            campaign = Campaign(slug=f"c-{uuid.uuid4().hex[:8]}", title="Data analytics")
            token = new_token()
            request = Request(
                campaign=campaign, authority_id=authority_id, token=token, status=status
            )
            message = Message(
                request=request,
                direction="outbound",
                kind="request",
                message_id=new_message_id(token, "foi.example.org"),
                delivery_status=delivery_status,
            )
            db.session.add_all([campaign, request, message])
            db.session.commit()
            return Letter(request.id, token, message.message_id)

    return create


def event_data(letter: Letter | None, event: str = "delivered", **fields: Any) -> dict:
    """An event as Mailgun posts it (message-id without angle brackets)."""
    data = {
        "id": secrets.token_hex(8),
        "event": event,
        "timestamp": DELIVERED_AT.timestamp(),
        "recipient": "foi@coventry.gov.uk",
        "message": {"headers": {"message-id": letter.message_id if letter else "x@y.org"}},
        "user-variables": (
            {"request_id": str(letter.request_id), "token": letter.token} if letter else {}
        ),
    }
    data.update(fields)
    return data


def signed(data: dict, *, key: str = KEY, age: int = 0, token: str | None = None) -> dict:
    timestamp = str(int(time.time()) - age)
    token = token or secrets.token_hex(25)
    signature = {"timestamp": timestamp, "token": token, "signature": sign(key, timestamp, token)}
    return {"signature": signature, "event-data": data}


def post(client, payload: Any):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(URL, data=body, content_type="application/json")


def state(app: Flask, letter: Letter) -> dict[str, Any]:
    """What the database says about the letter, its request and their timeline."""
    with app.app_context():
        request = db.session.get(Request, letter.request_id)
        message = db.session.scalars(
            sa.select(Message).where(Message.message_id == letter.message_id)
        ).one()
        events = db.session.scalars(
            sa.select(Event).where(Event.request_id == letter.request_id).order_by(Event.id)
        ).all()
        return {
            "status": request.status,
            "delivered_at": request.delivered_at,
            "failure_reason": request.failure_reason,
            "delivery_status": message.delivery_status,
            "events": [(e.kind, e.from_status, e.to_status) for e in events],
        }


def nonce_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(WebhookNonce))


FAILED_PERMANENT = {
    "severity": "permanent",
    "reason": "bounce",
    "delivery-status": {
        "code": 550,
        "message": "5.1.1 The email account that you tried to reach does not exist",
        "description": "",
    },
}
FAILED_TEMPORARY = {
    "severity": "temporary",
    "reason": "generic",
    "delivery-status": {"code": 452, "message": "4.2.2 Mailbox full", "description": ""},
}


# --- what each event does --------------------------------------------------------------------


def test_delivered_letter_moves_the_request_to_awaiting_response(app, client, sent_letter):
    letter = sent_letter()

    response = post(client, signed(event_data(letter, "delivered")))

    assert response.status_code == 200
    assert response.get_json() == {"status": "accepted", "outcome": "delivered"}
    after = state(app, letter)
    assert after["status"] == "awaiting_response"
    assert after["delivery_status"] == "delivered"
    assert after["delivered_at"] == DELIVERED_AT
    assert after["events"] == [
        ("message_delivered", None, None),
        ("status_changed", "sent", "awaiting_response"),
    ]


def test_permanent_failure_marks_delivery_failed_with_the_servers_reason(app, client, sent_letter):
    letter = sent_letter()

    response = post(client, signed(event_data(letter, "failed", **FAILED_PERMANENT)))

    assert response.get_json()["outcome"] == "failed"
    after = state(app, letter)
    assert after["status"] == "delivery_failed"
    assert after["delivery_status"] == "failed"
    assert after["failure_reason"] == (
        "550 5.1.1 The email account that you tried to reach does not exist"
    )
    assert ("status_changed", "sent", "delivery_failed") in after["events"]


def test_temporary_failure_is_deferred_without_a_status_change(app, client, sent_letter):
    letter = sent_letter()

    response = post(client, signed(event_data(letter, "failed", **FAILED_TEMPORARY)))

    assert response.get_json()["outcome"] == "deferred"
    after = state(app, letter)
    assert (after["status"], after["delivery_status"]) == ("sent", "deferred")
    assert after["events"] == [("message_deferred", None, None)]


def test_complaint_is_recorded_on_the_message(app, client, sent_letter):
    letter = sent_letter(status="awaiting_response", delivery_status="delivered")

    response = post(client, signed(event_data(letter, "complained")))

    assert response.get_json()["outcome"] == "complained"
    after = state(app, letter)
    assert (after["status"], after["delivery_status"]) == ("awaiting_response", "complained")
    assert after["events"] == [("message_complained", None, None)]


def test_delivery_after_a_deferral_counts(app, client, sent_letter):
    letter = sent_letter()
    post(client, signed(event_data(letter, "failed", **FAILED_TEMPORARY)))

    post(client, signed(event_data(letter, "delivered")))

    assert state(app, letter)["status"] == "awaiting_response"


def test_send_loops_accepted_status_does_not_block_delivery(app, client, sent_letter):
    letter = sent_letter(delivery_status="accepted")
    assert post(client, signed(event_data(letter))).get_json()["outcome"] == "delivered"


@pytest.mark.parametrize("event", ["accepted", "opened", "clicked", "unsubscribed", "stored"])
def test_events_we_do_not_track_are_acknowledged_and_ignored(app, client, sent_letter, event):
    letter = sent_letter()

    response = post(client, signed(event_data(letter, event)))

    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert state(app, letter)["events"] == []


# --- repeats and order -----------------------------------------------------------------------


def test_the_same_event_twice_changes_nothing_the_second_time(app, client, sent_letter):
    letter = sent_letter()
    data = event_data(letter, "delivered")
    post(client, signed(data))
    before = state(app, letter)

    response = post(client, signed(data))  # Mailgun retry: same event, new signature

    assert response.status_code == 200 and response.get_json()["outcome"] == "unchanged"
    assert state(app, letter) == before


def test_repeated_deferrals_write_one_timeline_entry(app, client, sent_letter):
    letter = sent_letter()
    for _ in range(3):
        post(client, signed(event_data(letter, "failed", **FAILED_TEMPORARY)))
    assert state(app, letter)["events"] == [("message_deferred", None, None)]


def test_delivered_after_a_permanent_failure_does_not_resurrect(app, client, sent_letter):
    letter = sent_letter()
    post(client, signed(event_data(letter, "failed", **FAILED_PERMANENT)))

    response = post(client, signed(event_data(letter, "delivered")))

    assert response.get_json()["outcome"] == "unchanged"
    after = state(app, letter)
    assert (after["status"], after["delivery_status"]) == ("delivery_failed", "failed")
    assert after["delivered_at"] is None


def test_a_late_deferral_after_delivery_is_ignored(app, client, sent_letter):
    letter = sent_letter()
    post(client, signed(event_data(letter, "delivered")))

    response = post(client, signed(event_data(letter, "failed", **FAILED_TEMPORARY)))

    assert response.get_json()["outcome"] == "unchanged"
    assert state(app, letter)["delivery_status"] == "delivered"


def test_delivery_does_not_move_a_request_that_has_moved_on(app, client, sent_letter):
    letter = sent_letter(status="successful")
    post(client, signed(event_data(letter, "delivered")))
    after = state(app, letter)
    assert (after["status"], after["delivered_at"]) == ("successful", DELIVERED_AT)


# --- finding the letter ----------------------------------------------------------------------


def test_angle_brackets_around_the_message_id_are_tolerated(app, client, sent_letter):
    letter = sent_letter()
    data = event_data(letter)
    data["message"]["headers"]["message-id"] = f"<{letter.message_id}>"
    assert post(client, signed(data)).get_json()["outcome"] == "delivered"


def test_request_is_found_by_its_variables_when_the_message_id_is_unknown(app, client, sent_letter):
    letter = sent_letter()
    data = event_data(letter, "failed", **FAILED_PERMANENT)
    data["message"]["headers"]["message-id"] = "rewritten-by-a-relay@example.net"

    assert post(client, signed(data)).get_json()["outcome"] == "failed"
    after = state(app, letter)
    assert after["status"] == "delivery_failed"
    assert after["delivery_status"] is None  # the stored message was not the one named


def test_variables_with_the_wrong_token_find_nothing(app, client, sent_letter):
    letter = sent_letter()
    data = event_data(letter, **{"user-variables": {"request_id": str(letter.request_id)}})
    data["user-variables"]["token"] = "wrong"
    data["message"]["headers"]["message-id"] = "someone-else@example.net"
    assert post(client, signed(data)).get_json()["outcome"] == "unknown_message"
    assert state(app, letter)["status"] == "sent"


def test_event_about_a_message_we_do_not_know_is_acknowledged(app, client):
    response = post(client, signed(event_data(None, "delivered")))

    assert response.status_code == 200  # Mailgun would retry anything else for hours
    assert response.get_json()["outcome"] == "unknown_message"
    assert nonce_count(app) == 1


# --- refusals ----------------------------------------------------------------------------------


def test_forged_signature_is_refused_and_records_nothing(app, client, sent_letter):
    letter = sent_letter()

    response = post(client, signed(event_data(letter), key="key-of-a-forger"))

    assert response.status_code == 406  # Mailgun does not retry a 406
    assert response.get_json() == {"error": "signature invalid"}
    assert state(app, letter)["status"] == "sent"
    assert nonce_count(app) == 0


def test_signature_twenty_minutes_old_is_refused(app, client, sent_letter):
    letter = sent_letter()

    response = post(client, signed(event_data(letter), age=20 * 60))

    assert response.status_code == 406
    assert response.get_json() == {"error": "signature stale"}
    assert state(app, letter)["status"] == "sent"


def test_signature_from_the_future_is_refused(app, client, sent_letter):
    response = post(client, signed(event_data(sent_letter()), age=-20 * 60))
    assert response.status_code == 406 and response.get_json() == {"error": "signature future"}


def test_replayed_post_is_refused(app, client, sent_letter):
    letter = sent_letter()
    payload = signed(event_data(letter, "failed", **FAILED_TEMPORARY))

    first, replay = post(client, payload), post(client, payload)

    assert first.status_code == 200
    assert replay.status_code == 406
    assert "replay" in replay.get_json()["error"]
    assert nonce_count(app) == 1
    assert state(app, letter)["events"] == [("message_deferred", None, None)]


def test_two_simultaneous_replays_cannot_both_pass(app, sent_letter):
    letter = sent_letter()
    payload = json.dumps(signed(event_data(letter, "failed", **FAILED_TEMPORARY)))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def deliver() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(post(client, payload).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 406]
    assert state(app, letter)["events"] == [("message_deferred", None, None)]


def test_a_token_can_be_claimed_once(app):
    signed_at = datetime.now(UTC)
    with app.app_context():
        assert claim_webhook_token("t" * 50, signed_at) is True
        db.session.commit()
        assert claim_webhook_token("t" * 50, signed_at) is False
        assert claim_webhook_token("u" * 50, signed_at) is True
        db.session.commit()
    assert nonce_count(app) == 2


def test_tokens_older_than_an_hour_are_pruned(app, client, sent_letter):
    with app.app_context():
        old = datetime.now(UTC) - timedelta(hours=2)
        db.session.add(WebhookNonce(token="old-token", signed_at=old))
        db.session.commit()

    post(client, signed(event_data(sent_letter())))

    with app.app_context():
        assert db.session.scalar(sa.select(WebhookNonce).filter_by(token="old-token")) is None
    assert nonce_count(app) == 1


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"event-data": {"event": "delivered"}}, "missing signature"),
        ({"signature": {"timestamp": "1", "token": "t"}, "event-data": {}}, "signature.signature"),
        ({"signature": {"timestamp": "1", "signature": "s"}}, "missing signature.token"),
        ({"signature": {"token": "t", "signature": "s"}}, "missing signature.timestamp"),
        ({"signature": {"timestamp": "1", "token": "t", "signature": "s"}}, "event-data.event"),
        (
            {"signature": {"timestamp": "1", "token": "t" * 129, "signature": "s"}},
            "token too long",
        ),
        ([1, 2, 3], "not a JSON object"),
        ("{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_malformed_posts_are_400(app, client, payload, error):
    response = post(client, payload)
    assert response.status_code == 400
    assert error in response.get_json()["error"]
    assert nonce_count(app) == 0


def test_oversize_body_is_413(app, client, sent_letter):
    data = event_data(sent_letter(), padding="x" * (1024 * 1024))
    response = post(client, signed(data))
    assert response.status_code == 413
    assert nonce_count(app) == 0


def test_without_a_signing_key_the_endpoint_is_unavailable(make_app):
    app = make_app(MAILGUN_WEBHOOK_SIGNING_KEY="")
    client = app.test_client()

    response = post(client, signed(event_data(None), key=""))

    assert response.status_code == 503
    assert response.get_json() == {"error": "webhook signing key not configured"}
    assert nonce_count(app) == 0


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405
