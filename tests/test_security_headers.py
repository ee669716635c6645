"""Security headers on every response, and templates that need no inline script to work."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Response

from campaign.web.security import allow_framing

TEMPLATES = Path(__file__).parent.parent / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_pages_forbid_inline_script_and_framing(client, auth):
    auth.login("viewer")
    for url in ("/login", "/campaigns/", "/notifications", "/no-such-page"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline' ;" not in policy
        assert "script-src 'self' 'unsafe" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_response_marked_embeddable_may_be_framed_by_any_site(app, auth, client):
    @app.route("/_embeddable-for-test")
    def embeddable():
        return allow_framing(Response("chart"))

    auth.login("viewer")
    response = client.get("/_embeddable-for-test")

    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


def test_no_template_has_inline_script_or_event_handler_attributes():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == [], f"inline script in {offenders}: move it to static/*.js"
