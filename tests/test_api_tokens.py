"""Personal API tokens: made on the account page and shown once, stored as a hash, listed,
revoked; and what the API says to missing, unknown, revoked, read-only and viewer tokens."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from test_api_support import bearer, hand_made_request, make_token

from campaign.extensions import db
from campaign.models import ApiToken, Event, User

PAGE = "/account/api-tokens"


def _secret_on(html: str) -> str:
    start = html.index('<code class="secret">') + len('<code class="secret">')
    return html[start : html.index("</code>", start)]


def test_a_token_is_shown_once_and_stored_only_as_its_hash(app, client, auth, forms):
    auth.login("editor")
    response = forms.submit(PAGE, {"name": "newsroom export", "scope": "write"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = _secret_on(html)
    assert secret.startswith("foi_") and len(secret) == 4 + 43

    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.prefix == secret[:12] and token.scope == "write"
        stored = [str(v) for v in db.session.execute(sa.select(ApiToken.__table__)).one()]
        assert not any(secret in value for value in stored)

    listing = client.get(PAGE).get_data(as_text=True)
    assert "newsroom export" in listing and f"{secret[:12]}…" in listing
    assert secret not in listing, "the full token must never be shown again"
    assert client.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 200


def test_last_use_is_recorded_and_listed(app, client, auth, forms):
    email = auth.login("owner")
    secret = make_token(app, email=email)
    assert "never" in client.get(PAGE).get_data(as_text=True)
    client.get("/api/v1/campaigns", headers=bearer(secret))
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_a_revoked_token_stops_working(app, client, auth, forms):
    email = auth.login("editor")
    secret = make_token(app, email=email)
    assert client.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    response = forms.submit(f"{PAGE}/{token_id}/revoke", page=PAGE, follow_redirects=True)
    assert "revoked" in response.get_data(as_text=True)
    refused = client.get("/api/v1/campaigns", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert f"{PAGE}/{token_id}/revoke" not in client.get(PAGE).get_data(as_text=True)


def test_nobody_revokes_another_persons_token(app, client, auth, forms):
    others = make_token(app, role="editor")
    auth.login("owner")
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    response = forms.submit(f"{PAGE}/{token_id}/revoke", page=PAGE, follow_redirects=True)
    assert "not one of yours" in response.get_data(as_text=True)
    assert client.get("/api/v1/campaigns", headers=bearer(others)).status_code == 200


def test_revoking_needs_the_form_token(app, client, auth):
    email = auth.login("owner")
    make_token(app, email=email)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    response = client.post(f"{PAGE}/{token_id}/revoke")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked_at)) is None


def test_a_token_needs_a_name_and_a_known_scope(app, auth, forms):
    auth.login("owner")
    blank = forms.submit(PAGE, {"name": "   ", "scope": "read"})
    assert blank.status_code == 400 and "Give the token a name" in blank.get_data(as_text=True)
    odd = forms.submit(PAGE, {"name": "x", "scope": "admin"})
    assert odd.status_code == 400 and "Choose read or write" in odd.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_token_page_is_behind_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_viewer_may_not_make_a_write_token(app):
    from campaign.services import api_tokens

    with app.app_context():
        viewer = User(email="v@example.org", role="viewer", password_hash="x")
        db.session.add(viewer)
        db.session.commit()
        made = api_tokens.create_token(viewer, "script", "write")
        assert not made.ok and "only reads" in made.problems["scope"]
        assert api_tokens.allowed_scopes(viewer) == ["read"]


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/requests")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Bearer" in response.get_json()["error"]


def test_unknown_and_malformed_tokens_are_401(app, client):
    secret = make_token(app)
    for header in (
        "Bearer foi_" + "x" * 43,
        "Bearer " + secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        "Basic " + secret,
        "Bearer",
        "Bearer " + "foi_" + "é" * 300,
        secret,
    ):
        response = client.get("/api/v1/requests", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.is_json


def test_a_session_is_not_a_token(client, auth):
    auth.login("owner")
    assert client.get("/api/v1/campaigns").status_code == 401


def test_a_read_token_cannot_write(app, client):
    thread = hand_made_request(app)
    secret = make_token(app, role="owner", scope="read")
    response = client.post(
        f"/api/v1/requests/{thread.request_id}/status",
        json={"status": "refused"},
        headers=bearer(secret),
    )
    assert response.status_code == 403 and "only reads" in response.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_a_write_token_of_someone_made_viewer_only_reads(app, client):
    thread = hand_made_request(app)
    email = "editor-later-viewer@example.org"
    secret = make_token(app, role="editor", scope="write", email=email)
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == email)).role = "viewer"
        db.session.commit()
    url = f"/api/v1/requests/{thread.request_id}/status"
    response = client.post(url, json={"status": "refused"}, headers=bearer(secret))
    assert response.status_code == 403
    assert (
        client.get(f"/api/v1/requests/{thread.request_id}", headers=bearer(secret)).status_code
        == 200
    )


def test_a_deactivated_persons_tokens_stop_working(app, client):
    email = "leaver@example.org"
    secret = make_token(app, role="editor", scope="write", email=email)
    assert client.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 200
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == email)).active = False
        db.session.commit()
    assert client.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 401


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")


def test_a_viewer_sees_the_token_page_without_the_write_choice(client, auth):
    auth.login("viewer")
    html = client.get(PAGE).get_data(as_text=True)
    assert 'value="read"' in html and 'value="write"' not in html
