"""Signing in and out in a real browser, as a campaigner would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import sign_in
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIGN_IN_FAILED = "That email and password do not match an active account."
NAVIGATION = [
    "Campaigns",
    "Authorities",
    "Inbox",
    "Outbox",
    "Dashboards",
    "Search",
    "Notifications",
    "Settings",
]


def test_a_signed_out_visitor_is_sent_to_sign_in(page: Page, live_server):
    page.goto(f"{live_server.url}/campaigns/")

    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcampaigns%2F$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Please sign in to see that page.")).to_be_visible()


def test_a_wrong_password_shows_the_error_and_stays_on_sign_in(page: Page, live_server):
    sign_in(page, live_server, password="not the password")

    expect(page.get_by_text(SIGN_IN_FAILED)).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def test_signing_in_lands_on_campaigns_with_the_navigation_and_signing_out_works(
    page: Page, live_server
):
    sign_in(page, live_server)

    expect(page).to_have_url(f"{live_server.url}/campaigns/")
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(NAVIGATION)
    expect(page.get_by_text(live_server.email)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"{live_server.url}/campaigns/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_signed_in_page_renders_to_a_screenshot(page: Page, live_server, tmp_path: Path):
    sign_in(page, live_server)
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()

    shot = tmp_path / "campaigns.png"
    page.screenshot(path=str(shot), full_page=True)

    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000, "a blank page compresses to almost nothing"


def test_requests_beyond_this_machine_are_blocked_and_recorded(
    page: Page, live_server, offsite_requests: list[str]
):
    """The guard the other tests rely on: a fetch to another host never leaves the browser.

    The app's own pages refuse it already (Content-Security-Policy connect-src 'self'), so the
    guard is shown on a page without that policy.
    """
    page.goto(f"{live_server.url}/login")
    fetch = "fetch('http://example.invalid/tracker.js').then(() => 'loaded', () => 'blocked')"
    assert page.evaluate(fetch) == "blocked"
    assert offsite_requests == []  # stopped by the page's own policy, before the guard

    page.goto("about:blank")
    assert page.evaluate(fetch) == "blocked"
    assert offsite_requests == ["http://example.invalid/tracker.js"]
    offsite_requests.clear()  # expected here; any other test fails on such a request
