"""Searching a campaign's replies in a real browser: matches are marked where they were found."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from test_search import XANTURA_PAGE, make_campaign, reply

pytestmark = pytest.mark.browser


def test_searching_a_campaign_marks_the_matches(page: Page, live_server, live_app):
    suffix = uuid.uuid4().hex[:6]
    kent, leeds = make_campaign(live_app, f"Kent {suffix}", f"Leeds {suffix}")
    reply(live_app, kent, pages=[["Cover letter"], XANTURA_PAGE])
    reply(live_app, leeds, body="No predictive analytics are used.")

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(live_server.email)
    page.get_by_label("Password").fill(live_server.password)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/campaigns/{kent.slug}/search")
    page.get_by_label("Search for").fill("xantura")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="1 authority mentions “xantura”")).to_be_visible()
    marks = page.locator(".search-snippet mark")
    expect(marks).to_have_count(1)
    expect(marks.first).to_have_text("Xantura")
    background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background == "rgb(255, 229, 138)"  # search.css loaded
    expect(page.get_by_role("link", name="response.pdf, page 2")).to_be_visible()
    page.get_by_role("link", name=f"Kent {suffix}").click()
    expect(page).to_have_url(f"{live_server.url}/requests/{kent.request_id}")
