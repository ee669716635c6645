"""Sign-in, sign-out, CSRF, the sign-in wall and what each role may do."""

from __future__ import annotations

import pytest
from flask import url_for

from campaign.web import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS, VIEWER_WRITABLE
from campaign.web.auth.views import SIGN_IN_FAILED


def test_pages_redirect_to_sign_in_when_signed_out(client):
    for path in ["/", "/campaigns/", "/authorities/", "/inbox", "/dashboards"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_sign_in_page_is_public_and_has_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_owner_signs_in_and_reaches_every_section(auth, client):
    auth.login("owner")
    for path in ["/campaigns/", "/authorities/", "/inbox", "/dashboards"]:
        assert client.get(path).status_code == 200, path


def test_sign_in_returns_to_the_page_asked_for(forms, make_user, client):
    email, password = make_user("editor")
    client.get("/inbox")
    response = forms.submit(
        "/login?next=/inbox", {"email": email, "password": password}, page="/login"
    )
    assert response.headers["Location"] == "/inbox"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_never_redirects_off_site(forms, make_user, target):
    email, password = make_user("editor")
    response = forms.submit(f"/login?next={target}", {"email": email, "password": password})
    assert response.headers["Location"] == "/campaigns/" or response.headers["Location"] == "/"


def test_wrong_password_and_unknown_user_get_the_same_refusal(forms, make_user, client):
    email, _ = make_user("editor")
    wrong = forms.submit("/login", {"email": email, "password": "not the password"})
    unknown = forms.submit("/login", {"email": "nobody@example.org", "password": "whatever123"})
    assert wrong.status_code == unknown.status_code == 401
    assert SIGN_IN_FAILED in wrong.get_data(as_text=True)
    assert SIGN_IN_FAILED in unknown.get_data(as_text=True)
    assert client.get("/campaigns/").status_code == 302  # still signed out


def test_sign_in_is_case_insensitive_on_email(forms, make_user):
    email, password = make_user("editor", email="Campaigner@Example.org")
    response = forms.submit("/login", {"email": email.upper(), "password": password})
    assert response.status_code == 302


def test_disabled_user_cannot_sign_in(app, forms, make_user):
    import sqlalchemy as sa

    from campaign.extensions import db
    from campaign.models import User

    email, password = make_user("editor")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(active=False))
        db.session.commit()
    assert forms.submit("/login", {"email": email, "password": password}).status_code == 401


def test_sign_in_without_csrf_token_is_refused(client, make_user):
    email, password = make_user("owner")
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/campaigns/").status_code == 302


def test_empty_sign_in_form_is_refused_with_field_errors(forms):
    response = forms.submit("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    assert "This field is required" in response.get_data(as_text=True)


def test_sign_out_needs_a_post_with_token(auth, client, forms):
    auth.login("viewer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token: still signed in
    assert client.get("/campaigns/").status_code == 200
    forms.submit("/logout", page="/campaigns/")
    assert client.get("/campaigns/").status_code == 302


def _writable_urls(app) -> list[str]:
    """Every URL of the app that accepts a POST, with placeholder arguments."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            public = rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS
            public = public or rule.endpoint in PUBLIC_ENDPOINTS
            own = rule.endpoint in VIEWER_WRITABLE  # a viewer's own notifications, signing out
            if "POST" in rule.methods and not rule.endpoint.startswith("auth.") and not public:
                if own:
                    continue
                urls.append(url_for(rule.endpoint, **{arg: 1 for arg in rule.arguments}))
    return urls


def test_viewer_can_read_but_every_change_is_forbidden(app, auth, client, forms):
    auth.login("viewer")
    assert client.get("/authorities/").status_code == 200
    token = forms.token("/campaigns/")
    urls = _writable_urls(app)
    assert urls, "the app has no forms to protect"
    for url in urls:
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 403, url
        assert "Not allowed" in response.get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
