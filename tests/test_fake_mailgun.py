"""The fake Mailgun answers like Mailgun: checked with plain HTTP and with the official SDK."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
from fakes import FakeMailgun
from mailgun.client import Client
from mailgun.config import RetryPolicy

FORM = {
    "from": "FOI Campaign <foi+abc@foi.example.org>",
    "to": "foi@coventry.gov.uk",
    "subject": "Freedom of Information request",
    "text": "Dear council, ...",
}


@pytest.fixture
def mailgun() -> Iterator[FakeMailgun]:
    with FakeMailgun() as server:
        yield server


@pytest.fixture
def sdk(mailgun: FakeMailgun) -> Iterator[Client]:
    with Client(
        auth=("api", mailgun.api_key), api_url=mailgun.url, retry_policy=RetryPolicy(max_retries=0)
    ) as client:
        yield client


def post(mailgun: FakeMailgun, data: dict, key: str | None = None, domain: str | None = None):
    url = f"{mailgun.url}/v3/{domain or mailgun.domain}/messages"
    return requests.post(url, data=data, auth=("api", key or mailgun.api_key), timeout=5)


def test_wrong_key_is_401_forbidden(mailgun):
    response = post(mailgun, FORM, key="key-wrong")
    assert response.status_code == 401 and response.text == "Forbidden"
    assert (
        requests.post(f"{mailgun.url}/v3/{mailgun.domain}/messages", timeout=5).status_code == 401
    )
    assert mailgun.messages == [] and mailgun.post_count == 2


def test_unknown_domain_is_404(mailgun):
    response = post(mailgun, FORM, domain="mg.other.org")
    assert response.status_code == 404
    assert response.json() == {"message": "Domain not found: mg.other.org"}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("from", "from parameter is missing"),
        ("to", "to parameter is missing"),
        ("subject", "subject parameter is missing"),
        ("text", "Need at least one of 'text', 'html' or 'template' parameters specified"),
    ],
)
def test_missing_required_field_is_400_with_mailguns_message(mailgun, missing, message):
    data = {k: v for k, v in FORM.items() if k != missing}
    response = post(mailgun, data)
    assert response.status_code == 400
    assert response.json() == {"message": message}
    assert mailgun.messages == []


def test_mime_send_needs_the_message_part(mailgun, sdk):
    response = sdk.mimemessage.create(domain=mailgun.domain, data={"to": "a@b.org"})
    assert response.status_code == 400
    assert response.json()["message"] == "message parameter is missing"


def test_sdk_form_send_is_recorded_with_headers_and_variables(mailgun, sdk):
    data = {**FORM, "h:Message-Id": "<ours.1@foi.example.org>", "h:Reply-To": "x@y.org"}
    data["v:request_id"] = "12"

    response = sdk.messages.create(domain=mailgun.domain, data=data)

    assert response.status_code == 200
    assert response.json() == {"id": "<ours.1@foi.example.org>", "message": "Queued. Thank you."}
    [received] = mailgun.messages
    assert received.endpoint == "messages"
    assert received.headers["message-id"] == "<ours.1@foi.example.org>"
    assert received.headers["reply-to"] == "x@y.org"
    assert received.variables == {"request_id": "12"}
    assert received.form_value("subject") == FORM["subject"]


def test_without_a_message_id_mailgun_makes_one(mailgun, sdk):
    first = sdk.messages.create(domain=mailgun.domain, data=FORM).json()["id"]
    second = sdk.messages.create(domain=mailgun.domain, data=FORM).json()["id"]
    assert first != second and first.endswith(f"@{mailgun.domain}>")


def test_events_api_finds_accepted_messages_by_message_id(mailgun, sdk):
    sdk.messages.create(domain=mailgun.domain, data={**FORM, "h:Message-Id": "<a@x.org>"})
    sdk.messages.create(domain=mailgun.domain, data={**FORM, "h:Message-Id": "<b@x.org>"})

    answer = sdk.events.get(
        domain=mailgun.domain, filters={"message-id": "a@x.org", "event": "accepted"}
    ).json()

    [item] = answer["items"]
    assert item["event"] == "accepted"
    assert item["message"]["headers"]["message-id"] == "a@x.org"
    assert item["recipient"] == "foi@coventry.gov.uk"
    assert set(answer["paging"]) == {"first", "last", "next", "previous"}
    failed = {"message-id": "a@x.org", "event": "failed"}
    assert sdk.events.get(domain=mailgun.domain, filters=failed).json()["items"] == []


def test_fail_rate_fails_a_seeded_share_without_recording(mailgun):
    mailgun.fail_rate = 0.10
    statuses = [post(mailgun, FORM).status_code for _ in range(300)]

    failures = [s for s in statuses if s != 200]
    assert 10 <= len(failures) <= 55
    assert set(failures) <= {429, 500}
    assert len(mailgun.messages) == statuses.count(200)
    assert mailgun.post_count == 300

    with FakeMailgun(fail_rate=0.10) as again:  # same seed, same sequence
        assert [post(again, FORM).status_code for _ in range(300)] == statuses


def test_accept_then_hang_records_before_the_client_gives_up(mailgun):
    mailgun.mode, mailgun.hang_seconds = "accept_then_hang", 5
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{mailgun.url}/v3/{mailgun.domain}/messages",
            data=FORM,
            auth=("api", mailgun.api_key),
            timeout=(1, 0.5),
        )
    assert len(mailgun.messages) == 1
    assert len(mailgun.events(event="accepted")) == 1


def test_stopping_does_not_wait_for_hanging_requests():
    server = FakeMailgun(mode="hang", hang_seconds=30).start()
    thread = threading.Thread(target=lambda: post(server, FORM), daemon=True)
    thread.start()
    while server.post_count == 0:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2


def test_reset_forgets_everything(mailgun):
    mailgun.mode = "500"
    post(mailgun, FORM)
    mailgun.reset()
    assert (mailgun.mode, mailgun.post_count, mailgun.messages) == ("ok", 0, [])


def test_concurrent_sends_are_all_recorded(mailgun):
    def send_many() -> None:
        with requests.Session() as session:
            for _ in range(50):
                session.post(
                    f"{mailgun.url}/v3/{mailgun.domain}/messages",
                    data=FORM,
                    auth=("api", mailgun.api_key),
                    timeout=5,
                )

    threads = [threading.Thread(target=send_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert mailgun.post_count == 400
    assert len({m.message_id for m in mailgun.messages}) == 400


def test_is_fast_enough_for_the_send_benchmark(mailgun, sdk):
    count = 300
    started = time.perf_counter()
    for _ in range(count):
        sdk.messages.create(domain=mailgun.domain, data=FORM)
    elapsed = time.perf_counter() - started
    # Hundreds per second even on a busy CI machine; a Nagle stall would make this 40 ms each.
    assert count / elapsed > 150
