"""Every route of the app, walked: signed-out people are turned away from everything that is not
public, every change needs its form's CSRF token, and public routes answer junk with a 4xx.

New routes are covered by being added: nothing here lists them by hand except the few that are
public by design.
"""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from campaign.web import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Public on purpose: machines (webhooks with their own signatures, the API with its tokens)
# and anyone's pages (published campaigns, the unsubscribe link, static assets).
ANONYMOUS_OK = {"static", "auth.login"}


def _routes(app: Flask) -> list[tuple[str, str, set[str]]]:
    """(endpoint, url with placeholder arguments, methods) for every rule."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values = {}
            for arg in rule.arguments:
                choices = getattr(rule._converters.get(arg), "items", None)  # any(...) routes
                values[arg] = (
                    sorted(choices)[0] if choices else ("1" if arg.endswith("id") else "x")
                )
            try:
                url = url_for(rule.endpoint, **values)
            except Exception:  # converters that refuse "x" (int): use numbers where they can
                numbers = {
                    arg: 1 if arg not in values or values[arg] == "x" else values[arg]
                    for arg in values
                }
                url = url_for(rule.endpoint, **numbers)
            found.append((rule.endpoint, url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return found


def _public(endpoint: str) -> bool:
    return (
        endpoint in PUBLIC_ENDPOINTS
        or endpoint in ANONYMOUS_OK
        or endpoint.split(".")[0] in PUBLIC_BLUEPRINTS
    )


def test_every_private_route_refuses_signed_out_people(app, client):
    private = [(e, u, m) for e, u, m in _routes(app) if not _public(e)]
    assert len(private) > 50, "the walk found too few routes"
    for endpoint, url, methods in private:
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 401), (endpoint, method, url)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (endpoint, url)


def test_every_change_needs_a_csrf_token_even_for_an_owner(app, client, auth):
    auth.login("owner")
    writes = [
        (e, u, m & WRITE_METHODS)
        for e, u, m in _routes(app)
        if m & WRITE_METHODS and e.split(".")[0] not in {"webhooks", "api"}
    ]
    assert len(writes) > 30
    for endpoint, url, methods in writes:
        for method in methods:
            response = client.open(url, method=method, data={"anything": "1"})
            assert response.status_code in (400, 404, 405), (endpoint, method, url)
            if response.status_code == 400:
                page = response.get_data(as_text=True)
                assert (
                    "security token" in page
                    or "expired" in page
                    or endpoint in ("notifications.unsubscribe",)
                ), (endpoint, url)


@pytest.mark.parametrize("junk", ["x", "0", "-1", "99999999999", "%00", "..%2F..", "<script>"])
def test_public_routes_answer_junk_arguments_without_an_error(app, client, junk):
    for endpoint, url, methods in _routes(app):
        if not _public(endpoint) or "GET" not in methods or endpoint == "static":
            continue
        if endpoint.split(".")[0] in {"webhooks", "api"}:
            continue
        target = url.replace("/x", f"/{junk}").replace("/1", f"/{junk}")
        response = client.get(target)
        assert response.status_code < 500, (endpoint, target)
        assert "<script>" not in response.get_data(as_text=True), (endpoint, target)


def test_webhooks_refuse_wrong_methods_bad_signatures_and_oversized_bodies(make_app):
    app = make_app(MAILGUN_WEBHOOK_SIGNING_KEY="key-methods", INBOUND_MAX_MB=1)
    client = app.test_client()
    for url in ("/webhooks/mailgun/inbound", "/webhooks/mailgun/events"):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            assert client.open(url, method=method).status_code == 405, (method, url)
    forged = {"timestamp": "1", "token": "t" * 50, "signature": "0" * 64, "body-mime": "x"}
    assert client.post("/webhooks/mailgun/inbound/mime", data=forged).status_code == 406
    huge = client.post(
        "/webhooks/mailgun/inbound/mime",
        data=b"x" * (3 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert huge.status_code == 413


@pytest.mark.parametrize("junk", ["%00", "99999999999999999999", "..%2F..", "<script>"])
def test_every_page_answers_junk_arguments_without_an_error_when_signed_in(app, client, auth, junk):
    auth.login("owner")
    for endpoint, url, methods in _routes(app):
        if (
            "GET" not in methods
            or endpoint == "static"
            or not any(part in url for part in ("/x", "/1"))
        ):
            continue
        target = url.replace("/x", f"/{junk}").replace("/1", f"/{junk}")
        response = client.get(target)
        assert response.status_code < 500, (endpoint, target)
