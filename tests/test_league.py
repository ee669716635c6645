"""The authority league table: numbers on hand-built requests, sorting, filters and the page."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from campaign.extensions import db
from campaign.models import Campaign, Message, Request
from campaign.services.league import LeagueQuery, league_table

# June 2018 has no bank holiday anywhere in the UK: working days are simply weekdays.
SENT = datetime(2018, 6, 4, 9, 0, tzinfo=UTC)  # a Monday
DUE = date(2018, 7, 2)  # the 20th working day after 4 June
TODAY = date(2018, 7, 20)
_numbers = itertools.count(1)


def at(day: int, month: int = 6) -> datetime:
    return datetime(2018, month, day, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Bodies:
    england: int
    scotland: int
    county: int
    unasked: int
    campaigns: tuple[str, ...]


def add_request(
    campaign: Campaign,
    authority_id: int,
    status: str,
    *,
    reply: datetime | None = None,
    kind: str = "response",
    due_on: date | None = DUE,
    **fields,
) -> Request:
    n = next(_numbers)
    request = Request(
        campaign=campaign,
        authority_id=authority_id,
        token=f"league-{n}",
        status=status,
        law=fields.pop("law", "foia"),
        sent_at=SENT if status != "draft" else None,
        delivered_at=SENT if status != "draft" else None,
        due_on=due_on if status != "draft" else None,
        **fields,
    )
    db.session.add(request)
    if reply is not None:
        # An acknowledgement first: it is contact, never the reply the clock waits for.
        db.session.add(
            Message(
                request=request,
                direction="inbound",
                kind="acknowledgement",
                message_id=f"ack-{n}@authority.test",
                inbound_key=f"ack-{n}@authority.test",
                received_at=at(5),
            )
        )
        db.session.add(
            Message(
                request=request,
                direction="inbound",
                kind=kind,
                message_id=f"reply-{n}@authority.test",
                inbound_key=f"reply-{n}@authority.test",
                received_at=reply,
            )
        )
    return request


@pytest.fixture
def bodies(app, make_authority) -> Bodies:
    england = make_authority(name="Ashford Borough Council", authority_type="District")
    scotland = make_authority(
        name="Fife Council", nation="Scotland", authority_type="Scottish unitary", law="foisa"
    )
    county = make_authority(name="Kent County Council", authority_type="County")
    unasked = make_authority(name="Never Asked Council")
    with app.app_context():
        campaigns = [
            Campaign(slug=f"league-{n}", title=f"League campaign {n}", status="live")
            for n in (1, 2, 3)
        ]
        db.session.add_all(campaigns)
        one, two, three = campaigns
        # Ashford: on time in 4 days; refused late in 26 and lost the review; overdue now.
        add_request(one, england, "successful", reply=at(8))
        add_request(
            two,
            england,
            "review_answered",
            reply=at(10, 7),
            kind="refusal",
            review_requested_at=at(12, 7),
            review_outcome="overturned",
        )
        add_request(three, england, "overdue")
        # Fife: on time in 9 and 15 days; one review lost in part, one upheld; a draft.
        add_request(
            one,
            scotland,
            "review_answered",
            reply=at(15),
            law="foisa",
            review_requested_at=at(18),
            review_outcome="partially_overturned",
        )
        add_request(
            two,
            scotland,
            "review_answered",
            reply=at(25),
            law="foisa",
            review_requested_at=at(26),
            review_outcome="upheld",
        )
        add_request(three, scotland, "draft", law="foisa")
        # Kent: waiting, with its due date still to come.
        add_request(one, county, "awaiting_response", due_on=date(2018, 8, 1))
        db.session.commit()
        return Bodies(england, scotland, county, unasked, tuple(c.slug for c in campaigns))


def test_league_numbers_on_known_requests(app, bodies):
    with app.app_context():
        rows = {r.name: r for r in league_table(LeagueQuery(sort="name"), today=TODAY)}
    assert set(rows) == {"Ashford Borough Council", "Fife Council", "Kent County Council"}
    ashford, fife, kent = (
        rows["Ashford Borough Council"],
        rows["Fife Council"],
        rows["Kent County Council"],
    )
    assert (ashford.requests, ashford.answered, ashford.refusals) == (3, 2, 1)
    assert ashford.on_time == pytest.approx(100 / 3)  # one of three judged requests
    assert sorted(ashford.response_days) == [4, 26]
    assert ashford.median_days == 15
    assert (ashford.reviews_requested, ashford.reviews_lost, ashford.overdue) == (1, 1, 1)

    assert (fife.requests, fife.answered, fife.refusals) == (2, 2, 0)  # the draft is not one
    assert fife.on_time == 100
    assert fife.median_days == 12  # 9 and 15 working days
    assert (fife.reviews_requested, fife.reviews_lost, fife.overdue) == (2, 1, 0)

    assert (kent.requests, kent.answered, kent.on_time, kent.median_days) == (1, 0, None, None)


def test_an_unanswered_request_counts_against_time_only_once_its_due_date_passes(app, bodies):
    with app.app_context():
        before = {r.name: r for r in league_table(today=date(2018, 7, 1))}
        after = {r.name: r for r in league_table(today=date(2018, 8, 2))}
    assert before["Ashford Borough Council"].on_time == 50  # the overdue one is not late yet
    assert before["Kent County Council"].on_time is None
    assert after["Kent County Council"].on_time == 0


@pytest.mark.parametrize(
    ("sort", "descending", "order"),
    [
        ("name", False, ["Ashford Borough Council", "Fife Council", "Kent County Council"]),
        ("name", True, ["Kent County Council", "Fife Council", "Ashford Borough Council"]),
        ("median_days", False, ["Fife Council", "Ashford Borough Council", "Kent County Council"]),
        ("median_days", True, ["Ashford Borough Council", "Fife Council", "Kent County Council"]),
        ("on_time", True, ["Fife Council", "Ashford Borough Council", "Kent County Council"]),
        ("on_time", False, ["Ashford Borough Council", "Fife Council", "Kent County Council"]),
        ("requests", True, ["Ashford Borough Council", "Fife Council", "Kent County Council"]),
        (
            "reviews_requested",
            True,
            ["Fife Council", "Ashford Borough Council", "Kent County Council"],
        ),
    ],
)
def test_sorting_puts_unknown_values_last(app, bodies, sort, descending, order):
    with app.app_context():
        rows = league_table(LeagueQuery(sort=sort, descending=descending), today=TODAY)
    assert [r.name for r in rows] == order


def test_filters_by_nation_and_type(app, bodies):
    with app.app_context():
        scottish = league_table(LeagueQuery(nation="Scotland"), today=TODAY)
        counties = league_table(LeagueQuery(authority_type="County"), today=TODAY)
        nothing = league_table(LeagueQuery(nation="Wales"), today=TODAY)
    assert [r.name for r in scottish] == ["Fife Council"]
    assert [r.name for r in counties] == ["Kent County Council"]
    assert nothing == []


def cells(html: str, name: str) -> list[str]:
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{name}</a></th>(.*?)</tr>", html, re.S)
    assert row, f"no row for {name}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1])]


def test_league_page_shows_the_numbers_and_links_each_authority(client, auth, bodies):
    auth.login("viewer")
    response = client.get("/authorities/league?sort=name&order=asc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert cells(html, "Ashford Borough Council") == [
        "England",
        "District",
        "3",
        "2",
        "33%",
        "15",
        "1",
        "1",
        "1",
        "1",
    ]
    assert cells(html, "Fife Council")[2:] == ["2", "2", "100%", "12", "0", "2", "1", "0"]
    assert f'href="/authorities/{bodies.england}"' in html
    assert "Never Asked Council" not in html
    order = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)
    assert order == ["Ashford Borough Council", "Fife Council", "Kent County Council"]


def test_league_page_sorts_and_filters_from_the_query_string(client, auth, bodies):
    auth.login()
    html = client.get("/authorities/league?sort=median_days&order=asc").get_data(as_text=True)
    order = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)
    assert order == ["Fife Council", "Ashford Borough Council", "Kent County Council"]
    html = client.get("/authorities/league?nation=Scotland").get_data(as_text=True)
    assert re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html) == ["Fife Council"]
    html = client.get("/authorities/league?type=Nothing+like+it").get_data(as_text=True)
    assert "No authority with requests matches these filters" in html


@pytest.mark.parametrize(
    "query",
    [
        "sort=token",
        "sort=name;DROP TABLE request",
        "sort=name&order=sideways",
        "nation=" + "x" * 100,
    ],
)
def test_league_page_refuses_an_unknown_sort_or_order_with_a_400(client, auth, bodies, query):
    auth.login()
    response = client.get(f"/authorities/league?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "use one of name, requests" in text or "order must be" in text or "too long" in text


def test_league_page_needs_sign_in(client, bodies):
    response = client.get("/authorities/league")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_league_page_with_no_requests_says_so(client, auth):
    auth.login()
    html = client.get("/authorities/league").get_data(as_text=True)
    assert "No requests have gone out yet" in html


def test_a_withdrawn_request_never_counts_as_late(app, bodies, make_authority):
    quiet = make_authority(name="Withdrawn From Council")
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug=bodies.campaigns[0]).one()
        add_request(campaign, quiet, "withdrawn")
        db.session.commit()
        (row,) = league_table(
            LeagueQuery(nation="England", sort="name", descending=False), today=TODAY
        )[-1:]
    assert (row.name, row.requests, row.answered, row.on_time) == (
        "Withdrawn From Council",
        1,
        0,
        None,
    )
