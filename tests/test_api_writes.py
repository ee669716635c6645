"""Writing through the API: a status set by hand and an answer corrected, through the same
services as the request page and the answers review screen, recorded as the token's owner."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from test_api_support import bearer, hand_made_request, make_token

from campaign.domain.vocabulary import AnswerOutcome, RequestStatus, values
from campaign.extensions import db
from campaign.models import Answer, Event, Request, User


@pytest.fixture
def thread(app):
    return hand_made_request(app)


@pytest.fixture
def writer(app) -> dict[str, str]:
    return bearer(make_token(app, role="editor", scope="write", email="writer@example.org"))


def _writer_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == "writer@example.org"))


def _events(app, kind: str) -> list[Event]:
    with app.app_context():
        events = list(db.session.scalars(sa.select(Event).where(Event.kind == kind)))
        db.session.expunge_all()
        return events


def test_status_set_by_hand_is_recorded_as_the_tokens_owner(app, client, writer, thread):
    url = f"/api/v1/requests/{thread.request_id}/status"
    response = client.post(url, json={"status": "refused", "reason": "s43 on every part"},
                           headers=writer)  # fmt: skip
    assert response.status_code == 200
    body = response.get_json()
    assert body["changed"] is True
    assert body["request"]["status"] == "refused" and body["request"]["status_manual"] is True
    (event,) = _events(app, "status_changed")
    assert (event.from_status, event.to_status) == ("partially_successful", "refused")
    assert event.user_id == _writer_id(app) and event.detail["reason"] == "s43 on every part"

    again = client.post(url, json={"status": "refused"}, headers=writer).get_json()
    assert again["changed"] is False and len(_events(app, "status_confirmed")) == 1

    back = client.post(url, json={"status": "automatic"}, headers=writer).get_json()
    assert back["changed"] is True and back["request"]["status_manual"] is False
    assert len(_events(app, "status_automatic")) == 1


BAD_STATUS_BODIES = [
    ({"status": "lost"}, "status"),
    ({"status": None}, "status"),
    ({}, "status"),
    ({"status": "refused", "reason": "x" * 501}, "reason"),
    ({"status": "refused", "reason": 5}, "reason"),
    ({"status": "refused", "reason": "nul\x00"}, "reason"),
    ({"status": "refused", "reason": "\ud800"}, "reason"),
    ({"status": "refused", "colour": "red"}, "colour"),
]


def test_a_bad_status_body_is_422_and_changes_nothing(app, client, writer, thread):
    url = f"/api/v1/requests/{thread.request_id}/status"
    for body, field in BAD_STATUS_BODIES:
        response = client.post(url, json=body, headers=writer)
        assert response.status_code == 422, body
        answer = response.get_json()
        assert field in answer["problems"], body
        assert answer["allowed"] == ["automatic", *values(RequestStatus)]
    with app.app_context():
        assert db.session.get(Request, thread.request_id).status == "partially_successful"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_a_body_that_is_not_a_json_object_is_400(client, writer, thread):
    for raw in (b"", b"not json", b"[1, 2]", b'"refused"', b"\xff\xfe", b"[" * 100_000):
        response = client.post(
            f"/api/v1/requests/{thread.request_id}/status",
            data=raw,
            headers={**writer, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, raw[:10]
        assert "JSON object" in response.get_json()["error"]


def test_writing_to_a_missing_request_is_404(client, writer):
    response = client.post("/api/v1/requests/424242/status", json={"status": "refused"},
                           headers=writer)  # fmt: skip
    assert response.status_code == 404


def test_an_answer_correction_wins_and_is_recorded(app, client, writer, thread):
    url = f"/api/v1/requests/{thread.request_id}/answers/1"
    response = client.post(
        url,
        json={
            "outcome": "partially_disclosed",
            "exemptions": ["s40(2)", "section 43(2)"],
            "excerpt": "Some figures are withheld.",
            "attachment_id": thread.attachment_id,
            "page": 2,
            "urls": ["https://example.org/foi/REQ04543"],
        },
        headers=writer,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["changed"] is True and body["message"] == "Question 1 corrected."
    answer = body["answer"]
    assert answer["outcome"] == "partially_disclosed"
    assert answer["exemptions"] == ["s40(2)", "s43(2)"]
    assert (answer["page"], answer["attachment"]) == (2, "REQ04543 response.pdf")
    assert answer["review_state"] == "corrected"
    with app.app_context():
        stored = db.session.get(Answer, answer["id"])
        assert stored.corrected_by_id == _writer_id(app)
        assert stored.urls == ["https://example.org/foi/REQ04543"]
    (event,) = _events(app, "answer_corrected")
    assert event.user_id == _writer_id(app) and event.detail["question"] == 1

    listed = client.get(f"/api/v1/requests/{thread.request_id}/answers", headers=writer)
    assert listed.get_json()["items"][0]["outcome"] == "partially_disclosed"


def test_an_unknown_outcome_is_422_listing_the_allowed(app, client, writer, thread):
    url = f"/api/v1/requests/{thread.request_id}/answers/2"
    response = client.post(url, json={"outcome": "maybe"}, headers=writer)
    assert response.status_code == 422
    body = response.get_json()
    assert "outcome" in body["problems"] and body["allowed"] == values(AnswerOutcome)
    assert _events(app, "answer_corrected") == []


BAD_CORRECTIONS = [
    ({}, "outcome"),
    ({"outcome": "disclosed", "exemptions": ["section banana"]}, "exemptions"),
    ({"outcome": "disclosed", "exemptions": "s21"}, "exemptions"),
    ({"outcome": "disclosed", "page": 1}, "source"),
    ({"outcome": "disclosed", "page": "one"}, "page"),
    ({"outcome": "disclosed", "page": True}, "page"),
    ({"outcome": "disclosed", "attachment_id": 999999}, "source"),
    ({"outcome": "disclosed", "attachment_id": -1}, "attachment_id"),
    ({"outcome": "disclosed", "message_id": 2**40}, "message_id"),
    ({"outcome": "disclosed", "urls": ["javascript:alert(1)"]}, "urls"),
    ({"outcome": "disclosed", "excerpt": "x" * 6000}, "excerpt"),
    ({"outcome": "disclosed", "excerpt": "a\x00b"}, "excerpt"),
    ({"outcome": "disclosed", "confidence": 1}, "confidence"),
]


def test_a_bad_correction_is_422_and_changes_nothing(app, client, writer, thread):
    url = f"/api/v1/requests/{thread.request_id}/answers/1"
    for body, field in BAD_CORRECTIONS:
        response = client.post(url, json=body, headers=writer)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["problems"], body
    assert _events(app, "answer_corrected") == []


def test_a_page_beyond_the_document_is_422(client, writer, thread):
    url = f"/api/v1/requests/{thread.request_id}/answers/1"
    body = {"outcome": "disclosed", "attachment_id": thread.attachment_id, "page": 3}
    response = client.post(url, json=body, headers=writer)
    assert response.status_code == 422 and "2 pages" in response.get_json()["problems"]["page"]


def test_a_question_the_request_was_not_asked_is_404(client, writer, thread):
    for position in ("3", "0", "abc", "99999999999"):
        url = f"/api/v1/requests/{thread.request_id}/answers/{position}"
        response = client.post(url, json={"outcome": "disclosed"}, headers=writer)
        assert response.status_code == 404 and response.get_json()["error"], position
