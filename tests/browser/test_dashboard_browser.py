"""The campaign dashboard in a real browser: every chart draws, the map works offline, and a
click on a heatmap cell lands on the list of its requests."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from browser_support import sign_in, watch_console
from playwright.sync_api import Page, expect
from seeding import seed_campaign

from campaign.charts import CHART_KEYS, NO_REPLY_LABEL, OUTCOME_LABELS
from campaign.extensions import db
from campaign.models import Authority, Request

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_every_chart_renders_and_a_heatmap_cell_lists_its_request(
    page: Page, live_server, live_app
):
    with live_app.app_context():
        slug = seed_campaign(db.session, authorities=40, seed=21, slug="dashboard-browser").slug
    errors = watch_console(page)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboards")
    page.get_by_role("link", name=re.compile("dashboard-browser")).click()
    expect(page).to_have_url(f"{live_server.url}/campaigns/{slug}/dashboard")

    for key in CHART_KEYS:
        expect(page.locator(f"#chart-{key} .chart-plot svg.main-svg").first).to_be_attached()
    # The map's outlines came from the app itself (no tile server, no CDN).
    expect(page.locator("#chart-map .layer.land path").first).to_have_attribute(
        "d", re.compile(".")
    )
    expect(page.locator("#chart-map .scattergeo .point")).to_have_count(40)
    expect(page.locator("#chart-heatmap .hm image, #chart-heatmap .hm").first).to_be_attached()
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # The map can be coloured by a question's outcome instead of the status.
    page.locator("#chart-map .chart-plot").scroll_into_view_if_needed()
    page.locator("#chart-map .updatemenu-header").click()
    page.locator("#chart-map .updatemenu-dropdown-button").filter(has_text="Q1").click()
    expect(page.locator("#chart-map .legendtext")).to_have_text(
        [*OUTCOME_LABELS.values(), NO_REPLY_LABEL]
    )

    # Click the top-left cell of the heatmap: the first authority A-Z, question 1.
    heatmap = page.locator("#chart-heatmap .nsewdrag").first
    heatmap.scroll_into_view_if_needed()
    box = heatmap.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 5, box["y"] + 5)
    expect(page).to_have_url(re.compile(rf"/campaigns/{slug}/dashboard/requests\?chart=heatmap"))
    point = parse_qs(urlsplit(page.url).query)["point"][0]
    request_id, question = point.split(":")
    assert question == "1"
    with live_app.app_context():
        first = db.session.scalar(
            sa.select(Authority.name)
            .join(Request, Request.authority_id == Authority.id)
            .where(Request.campaign.has(slug=slug))
            .order_by(sa.func.lower(Authority.name), Request.id)
            .limit(1)
        )
        owner = db.session.scalar(sa.select(Request.authority_id).where(Request.id == request_id))
        assert db.session.get(Authority, owner).name == first
    expect(page.get_by_role("link", name=first)).to_have_attribute(
        "href", f"/requests/{request_id}"
    )
    assert errors == [], errors
