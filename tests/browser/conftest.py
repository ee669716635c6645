"""A live server running the real app, and a headless Debian Chromium page driven by Playwright.

Chromium comes from Debian's `chromium` package (scripts/install-browser), never from
`playwright install`. Without it these tests are skipped, except in CI (CI=true), where they fail.
Every request that would leave 127.0.0.1 is blocked and makes the test fail: the app must work
with no internet.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from campaign import create_app
from campaign.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}


@dataclass(frozen=True)
class LiveServer:
    url: str
    email: str
    password: str
    app: Flask  # the served app, for tests to arrange data in its database


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a fresh SQLite database, served by werkzeug on a free loopback port."""
    from campaign.services.users import create_user

    data_dir = tmp_path_factory.mktemp("live-data")
    app = create_app(
        {
            "CAMPAIGN_DATA_DIR": str(data_dir),
            "SECRET_KEY": "browser-test",
            "MAIL_TRANSPORT": "outbox",
            # Every browser test signs in, far faster than people do.
            "RATELIMIT_ENABLED": False,
        }
    )
    email, password = "owner@example.org", "correct horse battery"
    with app.app_context():
        db.create_all()
        create_user(email, password, role="owner")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", email, password, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_app(live_server: LiveServer) -> Flask:
    """The live server's app: arrange data in its database before the browser looks."""
    return live_server.app


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test worker (Playwright gives it a fresh --user-data-dir)."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"{CHROMIUM} is missing: run scripts/install-browser (Debian's chromium package)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def offsite_requests() -> list[str]:
    """URLs the page tried to fetch from anywhere but this machine (each one was blocked)."""
    return []


@pytest.fixture
def page(browser, live_server: LiveServer, offsite_requests: list[str]):
    """A fresh tab in a context of its own (no cookies); fails if it reached beyond loopback."""

    def guard(route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            offsite_requests.append(url)
            route.abort("blockedbyclient")

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    context.route("**/*", guard)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert offsite_requests == [], f"the page tried to load from the internet: {offsite_requests}"
