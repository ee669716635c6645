"""Reading through the API: what each endpoint shows, keyset pages that neither skip nor repeat,
filters that are checked and bound (never written into SQL), and limits that are enforced."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa
from test_api_support import REPLIED, bearer, hand_made_request, make_token, seed

from campaign.domain.vocabulary import RequestStatus, values
from campaign.extensions import db
from campaign.models import Mention, Request


@pytest.fixture
def reader(app) -> dict[str, str]:
    return bearer(make_token(app, role="viewer"))


@pytest.fixture
def thread(app):
    return hand_made_request(app)


def _get(client, url: str, headers: dict[str, str]):
    response = client.get(url, headers=headers)
    assert response.is_json, f"{url} -> {response.status_code} {response.content_type}"
    return response


def _all_pages(client, url: str, headers: dict[str, str]) -> list[dict]:
    items: list[dict] = []
    pages = 0
    while url:
        body = _get(client, url, headers).get_json()
        items += body["items"]
        url = body["next"]
        pages += 1
        assert pages < 1000
    return items


def test_campaigns_list_and_one_with_questions_and_status_counts(app, client, reader, thread):
    seed(app)
    listed = _get(client, "/api/v1/campaigns", reader).get_json()
    assert [c["slug"] for c in listed["items"]] == ["analytics", "seeded-0"]
    assert listed["next"] is None and listed["limit"] == 50

    campaign = _get(client, "/api/v1/campaigns/analytics", reader).get_json()
    assert campaign["title"] == "Data analytics" and campaign["status"] == "live"
    assert [q["position"] for q in campaign["questions"]] == [1, 2]
    assert campaign["questions"][1]["text"] == "Which suppliers?"
    assert campaign["status_counts"] == {"partially_successful": 1}

    seeded = _get(client, "/api/v1/campaigns/seeded-0", reader).get_json()
    assert seeded["request_count"] == 12 == sum(seeded["status_counts"].values())


def test_one_request_shows_its_authority_dates_and_reference(client, reader, thread):
    body = _get(client, f"/api/v1/requests/{thread.request_id}", reader).get_json()
    assert body["campaign"] == "analytics"
    assert body["authority"] == {
        "id": thread.authority_id,
        "name": "Coventry City Council",
        "gss_code": "E08000026",
        "nation": "England",
    }
    assert body["status"] == "partially_successful" and body["law"] == "foia"
    assert body["sent_at"] == "2025-03-03T09:30:00+00:00"
    assert body["due_on"] == "2025-03-31" and body["review_due_on"] is None
    assert body["reference_id"] == "REQ04543" and body["chase_stage"] == 1
    assert body["last_contact_at"] == REPLIED.isoformat()


def test_messages_are_metadata_only(client, reader, thread):
    response = _get(client, f"/api/v1/requests/{thread.request_id}/messages", reader)
    text = response.get_data(as_text=True)
    assert "SECRET" not in text, "bodies and raw mail never leave through the API"
    letter, reply = response.get_json()["items"]
    assert (letter["direction"], letter["kind"], letter["attachments"]) == (
        "outbound",
        "request",
        [],
    )
    assert reply["id"] == thread.reply_id and reply["kind"] == "response"
    assert reply["from"] == "foi@coventry.example" and reply["date"] == REPLIED.isoformat()
    assert reply["attachments"] == [
        {
            "filename": "REQ04543 response.pdf",
            "content_type": "application/pdf",
            "size": 48_213,
            "page_count": 2,
            "parse_state": "parsed",
        }
    ]


def test_answers_of_a_request_by_question(client, reader, thread):
    items = _get(client, f"/api/v1/requests/{thread.request_id}/answers", reader).get_json()[
        "items"
    ]
    first, second = items
    assert first["question"] == {"position": 1, "text": "Do you use predictive analytics?"}
    assert (first["outcome"], first["page"], first["attachment"]) == (
        "not_held",
        1,
        "REQ04543 response.pdf",
    )
    assert first["confidence"] == 0.9 and first["review_state"] == "parsed"
    assert second["exemptions"] == ["s21"] and second["attachment"] is None


def test_mentions_leave_out_the_rejected(client, reader, thread):
    items = _get(client, f"/api/v1/requests/{thread.request_id}/mentions", reader).get_json()
    names = {m["name"]: m for m in items["items"]}
    assert set(names) == {"FFT Aspire", "Capita One"}
    assert names["FFT Aspire"]["category"] == "system" and names["FFT Aspire"]["page"] == 2


def test_campaign_answers_and_mentions_page_through_everything(app, client, reader):
    (slug,) = seed(app, authorities=30)
    with app.app_context():
        kept = db.session.scalar(
            sa.select(sa.func.count()).select_from(Mention).where(Mention.rejected_at.is_(None))
        )
    answers = _all_pages(client, f"/api/v1/campaigns/{slug}/answers?limit=7", reader)
    assert len({a["id"] for a in answers}) == len(answers) > 7
    mentions = _all_pages(client, f"/api/v1/campaigns/{slug}/mentions?limit=3", reader)
    assert len(mentions) == kept and len({m["id"] for m in mentions}) == kept
    only = _all_pages(
        client, f"/api/v1/campaigns/{slug}/answers?question=2&outcome=refused", reader
    )
    assert only and all(a["question"]["position"] == 2 and a["outcome"] == "refused" for a in only)


def test_pages_are_stable_with_no_gaps_or_repeats(app, client, reader):
    seed(app, campaigns=2, authorities=25)
    with app.app_context():
        expected = list(db.session.scalars(sa.select(Request.id).order_by(Request.id)))
    for limit in (1, 7, 50, 100):
        ids = [r["id"] for r in _all_pages(client, f"/api/v1/requests?limit={limit}", reader)]
        assert ids == expected
    first = _get(client, "/api/v1/requests?limit=10", reader).get_json()
    assert first["next"].endswith(f"/api/v1/requests?limit=10&after={expected[9]}")
    again = _get(client, "/api/v1/requests?limit=10", reader).get_json()
    assert again == first


def test_next_keeps_the_filters(app, client, reader):
    seed(app, campaigns=2, authorities=25)
    url = "/api/v1/campaigns/seeded-1/requests?limit=4&status=successful,refused"
    items = _all_pages(client, url, reader)
    with app.app_context():
        expected = db.session.scalars(
            sa.select(Request.id)
            .join(Request.campaign)
            .where(
                sa.text("campaign.slug = 'seeded-1'"),
                Request.status.in_(["successful", "refused"]),
            )
            .order_by(Request.id)
        ).all()
    assert [r["id"] for r in items] == list(expected) and len(expected) > 4


def test_after_beyond_the_end_is_an_empty_last_page(client, reader, thread):
    for after in (thread.request_id, 10**9, 2**63 - 1):
        body = _get(client, f"/api/v1/requests?after={after}", reader).get_json()
        assert body == {"items": [], "limit": 50, "next": None}


BAD_PARAMETERS = [
    ("limit=101", "limit must be a whole number from 1 to 100"),
    ("limit=1000000", "limit must be a whole number from 1 to 100"),
    ("limit=0", "limit must be"),
    ("limit=-5", "limit must be"),
    ("limit=ten", "limit must be"),
    ("after=-1", "after must be"),
    ("after=1e3", "after must be"),
    ("after=99999999999999999999999", "after must be"),
    ("overdue=yes", "overdue must be true or false"),
    ("updated_since=yesterday", "updated_since must be an ISO 8601 date-time"),
    ("updated_since=0001-01-01T00:00:00%2B05:00", "updated_since must be"),
    ("authority=abc", "authority must be an id"),
    ("authority=2147483648", "authority must be an id"),
    ("stauts=refused", "Unknown query parameter 'stauts'"),
]


def test_bad_parameters_are_400_saying_what_is_wrong(client, reader):
    for query, problem in BAD_PARAMETERS:
        response = _get(client, f"/api/v1/requests?{query}", reader)
        assert response.status_code == 400, query
        assert problem in response.get_json()["error"], query


def test_an_unknown_status_lists_the_allowed_ones(client, reader):
    response = _get(client, "/api/v1/requests?status=awaiting_response,lost", reader)
    assert response.status_code == 400
    assert response.get_json()["allowed"] == values(RequestStatus)
    assert "'lost'" in response.get_json()["error"]


INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE request; --",
    '" OR ""="',
    "analytics' UNION SELECT token FROM request --",
    "Ynys Môn 🏴󠁧󠁢󠁷󠁬󠁳󠁿 وزارة",
    "%00",
    "nul\x00byte",
    "x" * 10_000,
]


def test_injection_in_filters_is_only_ever_a_value(app, client, reader, thread):
    seed(app)
    for value in INJECTIONS:
        _only_a_value(client, reader, value)
    with app.app_context():  # nothing was dropped or changed
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Request)) == 13
    assert len(_all_pages(client, "/api/v1/requests", reader)) == 13


def _only_a_value(client, reader: dict[str, str], value: str) -> None:
    q = quote(value, safe="")
    # A NUL is refused outright (PostgreSQL cannot even compare with it); the rest look for
    # a campaign of that name and find none.
    expected = 400 if "\x00" in value else 404
    assert _get(client, f"/api/v1/requests?campaign={q}", reader).status_code == expected
    assert _get(client, f"/api/v1/campaigns/{q}", reader).status_code == 404
    assert _get(client, f"/api/v1/campaigns/{q}/requests", reader).status_code == 404
    for name in ("status", "authority", "overdue", "updated_since", "limit", "after"):
        response = _get(client, f"/api/v1/requests?{name}={q}", reader)
        assert response.status_code == 400, name
    assert _get(client, f"/api/v1/requests/{q}", reader).status_code == 404


def test_filters_narrow_the_list(app, client, reader, thread):
    seed(app, authorities=30)
    everything = _all_pages(client, "/api/v1/requests?limit=100", reader)
    overdue = _all_pages(client, "/api/v1/requests?overdue=true", reader)
    not_overdue = _all_pages(client, "/api/v1/requests?overdue=false", reader)
    assert overdue and all(
        r["status"] in ("overdue", "very_overdue", "review_overdue") for r in overdue
    )
    assert len(overdue) + len(not_overdue) == len(everything)
    one = _all_pages(client, f"/api/v1/requests?authority={thread.authority_id}", reader)
    assert [r["id"] for r in one] == [thread.request_id]
    assert _all_pages(client, "/api/v1/requests?authority=999999", reader) == []
    coventry = _all_pages(client, "/api/v1/requests?campaign=analytics", reader)
    assert [r["id"] for r in coventry] == [thread.request_id]


def test_updated_since_finds_recent_changes(app, client, reader, thread):
    with app.app_context():
        request = db.session.get(Request, thread.request_id)
        request.status_changed_at = REPLIED
        db.session.commit()
    since = lambda moment: _all_pages(  # noqa: E731
        client, f"/api/v1/requests?updated_since={moment}", reader
    )
    assert [r["id"] for r in since("2025-03-20T14:00:00Z")] == [thread.request_id]
    assert [r["id"] for r in since("2025-03-20T09:00:00-05:00")] == [thread.request_id]
    assert since("2025-03-20T14:00:01%2B00:00") == []
    assert [r["id"] for r in since("2025-01-01")] == [thread.request_id]


def test_unknown_things_are_404_in_json(client, reader, thread):
    for url in (
        "/api/v1/campaigns/nope",
        "/api/v1/campaigns/nope/answers",
        "/api/v1/campaigns/nope/mentions",
        "/api/v1/requests/999999",
        "/api/v1/requests/0",
        "/api/v1/requests/-3/messages",
        "/api/v1/requests/99999999999999999999/answers",
        "/api/v1/requests/abc/mentions",
    ):
        response = _get(client, url, reader)
        assert response.status_code == 404, url
        assert response.get_json()["error"]


def test_pages_written_straight_to_json_say_what_the_dictionaries_say(app, thread):
    """The fast writer of request pages and the plain dictionaries agree on every row,
    including nulls and names that need escaping."""
    import json

    from campaign.models import Authority
    from campaign.services.api_queries import (
        RequestFilter,
        page_bounds,
        request_as_dict,
        requests_select,
    )
    from campaign.web.api.request_json import request_page_json

    seed(app)
    with app.app_context():
        authority = db.session.get(Authority, thread.authority_id)
        authority.name = 'Comhairle "nan" Eilean\\Siar\n</script> Môn 🏴 \u2028'
        db.session.commit()
        rows = db.session.execute(requests_select(RequestFilter()), page_bounds(0, 100)).all()
        assert len(rows) == 13
        page = json.loads(request_page_json(rows, 100, 'http://x/?a="b"'))
        assert page["items"] == [request_as_dict(row) for row in rows]
        assert page["limit"] == 100 and page["next"] == 'http://x/?a="b"'
        assert page["items"][0]["authority"]["name"] == authority.name
        assert any(item["authority"]["gss_code"] is None for item in page["items"])
