"""The campaign dashboard and its drill-down pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from html import unescape

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
from seeding import seed_campaign

from campaign.charts import CHART_KEYS
from campaign.extensions import db
from campaign.models import Answer, Mention, Question, Request
from campaign.services.dashboard import campaign_charts, requests_behind

FIGURE_RE = re.compile(
    r'<figure class="chart[^"]*" id="chart-(\w+)".*?'
    r'(?:<script type="application/json" class="chart-figure">(.*?)</script>|chart-empty)',
    re.S,
)


@pytest.fixture
def seeded(app):
    with app.app_context():
        campaign = seed_campaign(db.session, authorities=30, seed=7, slug="analytics")
        return campaign.slug


def figures(html: str) -> dict[str, dict | None]:
    return {key: json.loads(unescape(raw)) if raw else None for key, raw in FIGURE_RE.findall(html)}


@pytest.mark.parametrize("role", ["owner", "editor", "viewer"])
def test_every_role_sees_every_chart_of_a_seeded_campaign(client, auth, seeded, role):
    auth.login(role)
    response = client.get(f"/campaigns/{seeded}/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    drawn = figures(html)
    assert list(drawn) == list(CHART_KEYS)
    for key, figure in drawn.items():
        assert figure is not None, f"{key} is empty on a campaign with replies"
        go.Figure(figure)
    assert "/assets/plotly-" in html and "charts.js" in html
    assert f'data-drill-url="/campaigns/{seeded}/dashboard/requests"' in html
    assert 'data-topojson-url="/assets/geo/"' in html
    assert "<script>" not in html  # no inline script: data travels as JSON blocks


def test_signed_out_people_are_sent_to_sign_in(client, seeded):
    response = client.get(f"/campaigns/{seeded}/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get(f"/campaigns/{seeded}/dashboard/requests?chart=funnel&point=sent")
    assert response.status_code == 302


def test_unknown_campaign_is_404(client, auth):
    auth.login("viewer")
    assert client.get("/campaigns/nope/dashboard").status_code == 404
    assert (
        client.get("/campaigns/nope/dashboard/requests?chart=funnel&point=sent").status_code == 404
    )


def test_an_unlaunched_campaign_shows_empty_states_not_errors(app, client, auth):
    from campaign.models import Campaign

    with app.app_context():
        db.session.add(Campaign(slug="draft", title="Draft campaign"))
        db.session.commit()
    auth.login("viewer")
    html = client.get("/campaigns/draft/dashboard").get_data(as_text=True)
    assert "has not been launched" in html
    assert html.count('class="chart-empty"') == len(CHART_KEYS)


def test_dashboards_list_links_each_campaign_to_its_dashboard(client, auth, seeded):
    auth.login("viewer")
    html = client.get("/dashboards").get_data(as_text=True)
    assert f'href="/campaigns/{seeded}/dashboard"' in html


def test_heatmap_cell_lists_its_request_with_a_link(app, client, auth, seeded):
    auth.login("viewer")
    html = client.get(f"/campaigns/{seeded}/dashboard").get_data(as_text=True)
    heatmap = figures(html)["heatmap"]["data"][0]
    row = next(i for i, line in enumerate(heatmap["text"]) if line[0] == "Refused")
    cell = heatmap["customdata"][row][0]
    request_id = int(cell.split(":")[0])
    response = client.get(
        f"/campaigns/{seeded}/dashboard/requests", query_string={"chart": "heatmap", "point": cell}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/requests/{request_id}"' in page
    assert heatmap["y"][row] in unescape(page)
    assert "1 request behind" in page
    with app.app_context():
        outcome = db.session.scalar(
            sa.select(Answer.outcome)
            .join(Question)
            .where(Answer.request_id == request_id, Question.position == 1)
        )
    assert outcome == "refused"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"chart": "funnel"},
        {"chart": "pie", "point": "x"},
        {"chart": "funnel", "point": "teleported"},
        {"chart": "heatmap", "point": "abc"},
        {"chart": "heatmap", "point": "999999:1"},
        {"chart": "outcomes_by_question", "point": "q1:maybe"},
        {"chart": "mentions", "point": "x" * 400},
    ],
)
def test_bad_chart_or_point_is_a_clear_400(client, auth, seeded, query):
    auth.login("viewer")
    response = client.get(f"/campaigns/{seeded}/dashboard/requests", query_string=query)
    assert response.status_code == 400
    assert "Cannot list the requests behind that point" in response.get_data(as_text=True)


def test_a_cell_of_another_campaign_is_refused(app, client, auth, seeded):
    with app.app_context():
        other = seed_campaign(db.session, authorities=3, seed=8, slug="other")
        foreign = db.session.scalar(sa.select(Request.id).where(Request.campaign_id == other.id))
    auth.login("viewer")
    response = client.get(
        f"/campaigns/{seeded}/dashboard/requests",
        query_string={"chart": "heatmap", "point": f"{foreign}:1"},
    )
    assert response.status_code == 400


def test_every_point_of_every_bar_chart_lists_as_many_requests_as_it_counts(app, seeded):
    """Clicking a bar lists exactly the requests it counted (mentions and exemptions included)."""
    with app.app_context():
        from campaign.services.campaigns import get_campaign

        campaign = get_campaign(seeded)
        built = {c.key: c for c in campaign_charts(campaign)}
        for key in ("funnel", "ladder", "exemptions", "mentions", "outcomes_by_question"):
            for trace in built[key].figure["data"]:
                values = (
                    trace["x"] if trace.get("orientation") == "h" or key == "funnel" else trace["y"]
                )
                for point, count in zip(trace["customdata"], values, strict=True):
                    assert len(requests_behind(campaign, key, point)) == count, (key, point)


def test_rejected_mentions_are_not_counted(app, seeded):
    with app.app_context():
        from campaign.services.campaigns import get_campaign

        campaign = get_campaign(seeded)
        mention = db.session.scalars(sa.select(Mention).where(Mention.name == "Xantura")).first()
        before = len(requests_behind(campaign, "mentions", "Xantura"))
        db.session.execute(
            sa.update(Mention)
            .where(Mention.request_id == mention.request_id, Mention.name == "Xantura")
            .values(rejected_at=sa.func.now())
        )
        db.session.commit()
        assert len(requests_behind(campaign, "mentions", "Xantura")) == before - 1
        built = {c.key: c for c in campaign_charts(campaign)}
        named = {
            name: n
            for trace in built["mentions"].figure["data"]
            for name, n in zip(trace["y"], trace["x"], strict=True)
        }
        assert named.get("Xantura", 0) == before - 1


def test_public_charts_are_not_clickable_and_name_no_one_on_the_team(app, seeded):
    with app.app_context():
        from campaign.services.campaigns import get_campaign

        campaign = get_campaign(seeded)
        sent_to = db.session.scalar(sa.select(Request.sent_to).where(Request.sent_to.is_not(None)))
        built = campaign_charts(campaign, public=True)
        assert [c.key for c in built] == list(CHART_KEYS)
        assert not any(c.drill for c in built)
        text = json.dumps([c.figure for c in built])
        assert sent_to not in text


def test_a_point_on_the_map_opens_its_request(client, auth, seeded):
    auth.login("viewer")
    html = client.get(f"/campaigns/{seeded}/dashboard").get_data(as_text=True)
    request_id = figures(html)["map"]["data"][0]["customdata"][0]
    response = client.get(
        f"/campaigns/{seeded}/dashboard/requests",
        query_string={"chart": "map", "point": request_id},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/requests/{request_id}"


def test_the_dashboard_offers_the_data_and_search(client, auth, seeded):
    auth.login("viewer")
    html = client.get(f"/campaigns/{seeded}/dashboard").get_data(as_text=True)
    for name in ("requests.csv", "answers.csv", "campaign.json"):
        link = f"/campaigns/{seeded}/export/{name}"
        assert f'href="{link}"' in html
        assert client.get(link).status_code == 200
    assert f'href="/campaigns/{seeded}/search"' in html


def test_every_point_every_chart_draws_resolves_to_requests(app, seeded):
    """No clickable point leads to a 400; a cell or a map point is always exactly one request."""
    with app.app_context():
        from campaign.services.campaigns import get_campaign

        campaign = get_campaign(seeded)
        for chart in campaign_charts(campaign):
            if not chart.drill or chart.empty:
                continue
            for trace in chart.figure["data"]:
                values = trace.get("customdata") or []
                flat = [v for row in values for v in row] if chart.key == "heatmap" else values
                for point in flat:
                    found = requests_behind(campaign, chart.key, point)  # raises if unknown
                    if chart.key in ("heatmap", "map"):
                        assert len(found) == 1, (chart.key, point)
