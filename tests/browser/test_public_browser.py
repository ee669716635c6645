"""Publishing in a real browser: an owner previews and publishes a campaign, signs out, and the
public page draws every chart with no officer's email address anywhere on it; a chart embeds
in another page's iframe."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from browser_support import sign_in, watch_console
from playwright.sync_api import Page, expect
from test_public_pages import LISTED_NAME, SECRET_EMAIL, SECRET_PHONE, seed_leaky_campaign

from campaign.charts import CHART_KEYS
from campaign.extensions import db

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def assert_no_secrets(page: Page) -> None:
    html = page.content()
    text = page.locator("body").inner_text()
    for secret in (SECRET_EMAIL, SECRET_PHONE, LISTED_NAME):
        assert secret not in html and secret not in text, f"{secret!r} is on the public page"


def test_owner_publishes_and_the_signed_out_public_page_is_safe_and_complete(
    page: Page, live_server, live_app
):
    with live_app.app_context():
        seeded = seed_leaky_campaign(public=False, slug="public-browser")
    slug = seeded["slug"]
    errors = watch_console(page)

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/campaigns/{slug}/publish")
    expect(page.get_by_text("Not published.")).to_be_visible()
    page.get_by_role("link", name="Preview the public page").click()
    expect(page.locator(".preview-banner")).to_contain_text("Preview, not yet public")
    assert_no_secrets(page)
    page.go_back()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".published-note")).to_contain_text("Published")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))

    page.goto(f"{live_server.url}/p/{slug}")
    expect(page.locator(".preview-banner")).to_have_count(0)
    for key in CHART_KEYS:
        expect(page.locator(f"#chart-{key} .chart-plot svg.main-svg").first).to_be_attached()
    expect(page.locator("#chart-map .layer.land path").first).to_have_attribute(
        "d", re.compile(".")
    )
    assert page.locator("[data-drill-url]").count() == 0
    expect(page.locator("#answers-table tbody tr")).to_have_count(16)
    assert_no_secrets(page)
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public.png"), full_page=True)

    # The table filters and sorts in the browser.
    page.get_by_label("Filter the table").fill("zzz-no-such-authority")
    expect(page.locator("#answers-table tbody tr:not([hidden])")).to_have_count(0)
    page.get_by_label("Filter the table").fill("")
    status_header = page.locator("#answers-table thead th").nth(2)
    status_header.locator("a").click()
    expect(status_header).to_have_attribute("aria-sort", "ascending")
    assert "/p/" in page.url and "sort=" not in page.url  # sorted without a round trip

    # Search: a system the replies name is found; the snippets hide the officer.
    page.get_by_label(re.compile("Words or a")).fill("Xantura")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".public-hits mark").first).to_have_text("Xantura")
    assert_no_secrets(page)
    page.locator(".public-hits a").first.click()
    expect(page.locator(".document-page")).to_have_count(2)
    assert_no_secrets(page)
    assert errors == [], errors


@contextmanager
def campaigners_site(html: str) -> Iterator[str]:
    """Another web site on this machine, serving one page."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_published_chart_draws_inside_another_sites_iframe(page: Page, live_server, live_app):
    with live_app.app_context():
        slug = seed_leaky_campaign(public=True, slug="public-embed")["slug"]
        db.session.remove()
    errors = watch_console(page)
    iframe = (
        f'<iframe src="{live_server.url}/p/{slug}/embed/outcomes_by_question" '
        'width="800" height="500"></iframe>'
    )
    # A campaigner's site on another origin: frame-ancestors * admits http(s) pages.
    with campaigners_site(iframe) as host:
        page.goto(host)
        frame = page.frame_locator("iframe")
        expect(frame.locator("#chart-outcomes_by_question svg.main-svg").first).to_be_attached()
        assert errors == [], errors
