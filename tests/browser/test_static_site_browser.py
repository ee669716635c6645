"""The static site of a campaign opened from disk (file://) in headless Chromium: every chart
draws, the map has its outlines with no network, and nothing is fetched from anywhere else."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from seeding import seed_campaign

from campaign.charts import CHART_KEYS
from campaign.extensions import db
from campaign.services.static_site import write_site

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def site(live_server, tmp_path_factory) -> Path:
    """A campaign's static site written once to a temporary folder (the live app's database)."""
    target = tmp_path_factory.mktemp("static-site") / "site"
    with live_server.app.app_context():
        campaign = seed_campaign(db.session, authorities=30, seed=33, slug="static-site-browser")
        write_site(campaign, target)
    return target


@pytest.fixture
def disk_page(browser):
    """A tab that may read local files and nothing else: any other request fails the test."""
    fetched: list[str] = []
    blocked: list[str] = []

    def guard(route):
        url = route.request.url
        if urlsplit(url).scheme in ("file", "data", "blob", "about"):
            fetched.append(url)
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.route("**/*", guard)
    page = context.new_page()
    page.fetched = fetched  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
    assert blocked == [], f"the site tried to load from elsewhere: {blocked}"


def test_static_site_opens_from_disk_with_every_chart_drawn(disk_page, site):
    errors: list[str] = []
    disk_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    disk_page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    disk_page.on("requestfailed", lambda r: failed.append(r.url))

    disk_page.goto((site / "index.html").as_uri())
    expect(disk_page.locator("h1")).to_have_text(re.compile("Data analytics in councils"))
    for key in CHART_KEYS:
        expect(disk_page.locator(f"#chart-{key} .chart-plot svg.main-svg").first).to_be_attached()
    # The map's land outlines were drawn from the copy in the site, not fetched.
    expect(disk_page.locator("#chart-map .layer.land path").first).to_have_attribute(
        "d", re.compile(".")
    )
    expect(disk_page.locator("#chart-map .scattergeo .point")).to_have_count(30)
    expect(disk_page.locator("table.answers-table tbody tr")).to_have_count(30)
    disk_page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    disk_page.screenshot(path=str(ARTIFACTS / "static-site.png"), full_page=True)

    assert errors == []
    assert failed == []
    # Whatever was fetched was a file of the site itself.
    for url in disk_page.fetched:
        if url.startswith("file://"):
            assert url.startswith(site.as_uri()), url


def test_static_site_data_links_point_at_the_files(disk_page, site):
    disk_page.goto((site / "index.html").as_uri())
    links = disk_page.locator("nav.site-data a")
    expect(links).to_have_count(3)
    for href in links.evaluate_all("els => els.map(e => e.href)"):
        assert href.startswith(site.as_uri() + "/data/")
        assert Path(urlsplit(href).path).is_file()
