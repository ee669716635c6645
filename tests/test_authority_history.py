"""An authority's page: its details and every request it received, across campaigns."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from campaign.extensions import db
from campaign.models import Answer, Authority, Campaign, Message, Question, Request
from campaign.services.league import authority_history, summarise_history


@pytest.fixture
def coventry(app, make_authority) -> dict[str, int]:
    """Coventry asked twice (answered on time, then still waiting), and a body never asked."""
    coventry = make_authority(
        name="Coventry City Council",
        gss_code="E08000026",
        authority_type="Metropolitan district",
        foi_email="foi@coventry.gov.uk",
    )
    other = make_authority(name="Another Council")
    with app.app_context():
        first = Campaign(slug="analytics-2018", title="Data analytics 2018", status="live")
        first.questions = [
            Question(position=1, text="Do you use analytics?"),
            Question(position=2, text="Which suppliers?"),
            Question(position=3, text="What did it cost?"),
        ]
        second = Campaign(slug="contracts-2019", title="Contracts 2019", status="live")
        answered = Request(
            campaign=first,
            authority_id=coventry,
            token="history-1",
            status="partially_successful",
            sent_at=datetime(2018, 5, 1, 9, tzinfo=UTC),
            delivered_at=datetime(2018, 5, 1, 9, tzinfo=UTC),
            due_on=date(2018, 5, 30),
            reference_id="REQ04543",
            review_outcome="upheld",
        )
        waiting = Request(
            campaign=second,
            authority_id=coventry,
            token="history-2",
            status="awaiting_response",
            sent_at=datetime(2019, 3, 1, 9, tzinfo=UTC),
            due_on=date(2099, 1, 1),
        )
        elsewhere = Request(campaign=second, authority_id=other, token="history-3", status="sent")
        db.session.add_all([first, second, answered, waiting, elsewhere])
        db.session.flush()
        db.session.add(
            Message(
                request=answered,
                direction="inbound",
                kind="response",
                message_id="reply@coventry.gov.uk",
                inbound_key="reply@coventry.gov.uk",
                received_at=datetime(2018, 5, 25, 11, tzinfo=UTC),
            )
        )
        outcomes = ("disclosed", "not_held", "not_held")
        for question, outcome in zip(first.questions, outcomes, strict=True):
            db.session.add(Answer(request=answered, question=question, outcome=outcome))
        db.session.commit()
        return {
            "coventry": coventry,
            "other": other,
            "answered": answered.id,
            "waiting": waiting.id,
            "elsewhere": elsewhere.id,
        }


def test_history_lists_every_request_newest_first(app, coventry):
    with app.app_context():
        authority = db.session.get(Authority, coventry["coventry"])
        history = authority_history(authority, today=date(2019, 4, 1))
        summary = summarise_history(history)
    assert [h.campaign_slug for h in history] == ["contracts-2019", "analytics-2018"]
    waiting, answered = history
    assert (answered.sent_on, answered.due_on, answered.answered_on) == (
        date(2018, 5, 1),
        date(2018, 5, 30),
        date(2018, 5, 25),
    )
    assert answered.working_days == 17  # 7 May 2018 was a bank holiday
    assert answered.on_time is True
    assert answered.reference_id == "REQ04543"
    assert list(answered.outcomes) == [("not_held", 2), ("disclosed", 1)]
    assert (waiting.answered_on, waiting.working_days, waiting.on_time) == (None, None, None)
    assert (summary.requests, summary.answered, summary.on_time, summary.median_days) == (
        2,
        1,
        100,
        17,
    )


def test_authority_page_shows_details_and_history_with_links(client, auth, coventry):
    auth.login("viewer")
    response = client.get(f"/authorities/{coventry['coventry']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Coventry City Council</h1>" in html
    assert "E08000026" in html and "foi@coventry.gov.uk" in html
    assert 'href="/campaigns/analytics-2018"' in html
    assert 'href="/campaigns/contracts-2019"' in html
    assert f'href="/requests/{coventry["answered"]}"' in html
    assert f'href="/requests/{coventry["waiting"]}"' in html
    assert f'href="/requests/{coventry["elsewhere"]}"' not in html
    assert "REQ04543" in html
    assert "2 not held, 1 disclosed" in html
    assert "review: upheld" in html
    assert re.search(r"2 requests,\s*1 answered, 100% on time", html)
    assert "/edit" not in html.split("<h2>History</h2>")[0]  # a viewer gets no Edit button


def test_authority_page_of_a_body_never_asked(client, auth, coventry, make_authority):
    never = make_authority(name="Quiet Council")
    auth.login()
    html = client.get(f"/authorities/{never}").get_data(as_text=True)
    assert "No request has been sent to Quiet Council yet." in html
    html = client.get(f"/authorities/{coventry['other']}").get_data(as_text=True)
    assert f'href="/requests/{coventry["elsewhere"]}"' in html
    assert client.get("/authorities/999999").status_code == 404


def test_list_and_league_link_to_the_authority_page(client, auth, coventry):
    auth.login("viewer")
    listing = client.get("/authorities/").get_data(as_text=True)
    assert f'href="/authorities/{coventry["coventry"]}"' in listing
    assert f'href="/authorities/{coventry["coventry"]}/edit"' not in listing
    league = client.get("/authorities/league").get_data(as_text=True)
    assert f'href="/authorities/{coventry["coventry"]}"' in league


def test_editors_still_reach_the_edit_form_from_the_list(client, auth, coventry):
    auth.login("editor")
    listing = client.get("/authorities/").get_data(as_text=True)
    assert f'href="/authorities/{coventry["coventry"]}/edit"' in listing
    assert client.get(f"/authorities/{coventry['coventry']}/edit").status_code == 200


def test_authority_page_needs_sign_in(client, coventry):
    response = client.get(f"/authorities/{coventry['coventry']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
