"""The app shell: navigation, error pages, and nothing loaded from the internet."""

from __future__ import annotations

import re
from pathlib import Path

from campaign.config import PROJECT_ROOT


def test_navigation_links_every_section(auth, client):
    auth.login("editor")
    html = client.get("/campaigns/").get_data(as_text=True)
    for href, label in [
        ("/campaigns/", "Campaigns"),
        ("/authorities/", "Authorities"),
        ("/inbox", "Inbox"),
        ("/dashboards", "Dashboards"),
    ]:
        assert f'href="{href}"' in html and label in html


def test_unknown_page_is_a_friendly_404(auth, client):
    auth.login("viewer")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unknown_page_is_404_even_when_signed_out(client):
    assert client.get("/no-such-page").status_code == 404


def test_server_error_shows_the_500_page(app, auth, client):
    app.config["TESTING"] = False  # let the error handler answer instead of raising

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    auth.login("viewer")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_templates_and_styles_load_nothing_from_other_hosts():
    external = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.I)
    css_external = re.compile(r"url\(\s*['\"]?(https?:)?//|@import", re.I)
    for path in Path(PROJECT_ROOT, "templates").rglob("*.html"):
        assert not external.search(path.read_text()), path
    for path in Path(PROJECT_ROOT, "static").rglob("*.css"):
        assert not css_external.search(path.read_text()), path
