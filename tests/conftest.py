"""Shared fixtures: an app per test on a clean database, on SQLite and (if configured) PostgreSQL.

Set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run every database
test twice; each PostgreSQL test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Anything that reads settings at import (the job queue) must not touch the project's instance/.
os.environ.setdefault("CAMPAIGN_DATA_DIR", tempfile.mkdtemp(prefix="foi-campaign-tests-"))

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from campaign import create_app
from campaign.extensions import db as _db
from campaign.tasks import huey

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CI") == "true" and not PG_URL:
        raise pytest.UsageError("CI=true needs TEST_DATABASE_URL: PostgreSQL tests must run in CI")


@pytest.fixture(autouse=True)
def immediate_queue():
    """Jobs run in-process as they are queued; scheduled ones wait for `run_scheduled`."""
    huey.immediate = True
    huey.storage.flush_all()
    yield huey
    huey.storage.flush_all()


@pytest.fixture
def run_scheduled():
    """Run every scheduled job now, as if their time had come, until none are left."""
    from datetime import datetime, timedelta

    def run(rounds: int = 50) -> int:
        ran = 0
        for _ in range(rounds):
            future = datetime.now() + timedelta(days=3650)
            tasks = huey.read_schedule(future)
            if not tasks:
                return ran
            for task in tasks:
                huey.execute(task, timestamp=future)
                ran += 1
        raise AssertionError("scheduled jobs kept rescheduling themselves")

    return run


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Settings for a clean, empty database of one backend."""
    if request.param == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}"}
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {
            "DATABASE_URL": PG_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {"options": f"-csearch_path={schema}"},
                "pool_pre_ping": True,
            },
            "PG_SCHEMA": schema,
        }
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def make_app(database: dict[str, Any], tmp_path: Path):
    """Build an app on the test database with extra settings; tables are created, empty."""
    apps: list[Flask] = []

    def build(create_tables: bool = True, **settings: Any) -> Flask:
        config = {
            "TESTING": True,
            # Tests sign in far more often than people do; the limit has its own tests.
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test-secret",
            "CAMPAIGN_DATA_DIR": str(tmp_path / "data"),
            "MAIL_TRANSPORT": "outbox",
            "SEND_RATE_PER_MINUTE": 100_000,
            "SEND_RATE_PER_DOMAIN_PER_MINUTE": 100_000,
            **database,
            **settings,
        }
        app = create_app(config)
        if create_tables:
            with app.app_context():
                _db.create_all()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Forms:
    """Submits forms as a browser would: fetch the page, take its CSRF token, post."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, page: str) -> str:
        response = self.client.get(page)
        assert response.status_code == 200, f"GET {page} -> {response.status_code}"
        return csrf_from(response.get_data(as_text=True))

    def submit(self, url: str, data: dict[str, Any] | None = None, page: str | None = None, **kw):
        payload = dict(data or {})
        payload["csrf_token"] = self.token(page or url)
        return self.client.post(url, data=payload, **kw)


@pytest.fixture
def forms(client: FlaskClient) -> Forms:
    return Forms(client)


@pytest.fixture
def make_user(app: Flask):
    """Create a user with a role; returns (email, password)."""
    from campaign.models import User

    def create(role: str = "owner", email: str | None = None, password: str = "correct horse 42"):
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.org"
        with app.app_context():
            user = User(email=email, role=role)
            user.set_password(password)
            _db.session.add(user)
            _db.session.commit()
        return email, password

    return create


class Auth:
    def __init__(self, forms: Forms, make_user) -> None:
        self.forms = forms
        self.make_user = make_user

    def login(self, role: str = "owner", email: str | None = None, password: str | None = None):
        if email is None:
            email, password = self.make_user(role)
        response = self.forms.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return email

    def logout(self):
        return self.forms.submit("/logout", page="/")


@pytest.fixture
def auth(forms: Forms, make_user) -> Auth:
    return Auth(forms, make_user)


@pytest.fixture
def make_authority(app: Flask):
    """Create an authority with sensible defaults; keyword arguments override them."""
    from campaign.models import Authority

    counter = iter(range(1, 1_000_000))

    def create(**fields: Any) -> int:
        n = next(counter)
        values = {
            "name": f"Test Borough Council {n}",
            "nation": "England",
            "authority_type": "Non-metropolitan district",
            "foi_email": f"foi{n}@test-borough-{n}.gov.uk",
            "law": "foia",
        }
        values.update(fields)
        with app.app_context():
            authority = Authority(**values)
            _db.session.add(authority)
            _db.session.commit()
            return authority.id

    return create


@pytest.fixture
def sent_request(app: Flask, make_authority):
    """A request whose letter went out, to reply to; a factory, so a test can make several."""
    import uuid

    from reply_support import DOMAIN, SUBJECT, SentRequest

    from campaign.domain.tokens import new_token
    from campaign.mail.compose import new_message_id, reply_address
    from campaign.models import Authority, Campaign, Message, Request

    def create(status: str = "sent", **authority: Any) -> SentRequest:
        authority_id = make_authority(**authority)
        with app.app_context():
            email = _db.session.get(Authority, authority_id).foi_email
            campaign = Campaign(slug=f"c-{uuid.uuid4().hex[:8]}", title="Data analytics")
            token = new_token()
            request = Request(
                campaign=campaign,
                authority_id=authority_id,
                token=token,
                status=status,
                sent_to=email,
            )
            letter = Message(
                request=request,
                direction="outbound",
                kind="request",
                subject=SUBJECT,
                message_id=new_message_id(token, DOMAIN),
                from_address=reply_address(token, DOMAIN),
                to_address=email,
            )
            _db.session.add_all([campaign, request, letter])
            _db.session.commit()
            return SentRequest(
                request.id,
                authority_id,
                token,
                letter.message_id,
                reply_address(token, DOMAIN),
                email,
            )

    return create


@pytest.fixture
def mailgun_app(make_app, mailgun):
    """The app sending through the real Mailgun SDK to the test's fake server (`mailgun`)."""
    return make_app(
        MAIL_TRANSPORT="mailgun",
        MAILGUN_API_KEY=mailgun.api_key,
        MAILGUN_DOMAIN=mailgun.domain,
        MAIL_DOMAIN=mailgun.domain,
        MAILGUN_API_URL=mailgun.url,
        MAILGUN_TIMEOUT_SECONDS=1,
    )
