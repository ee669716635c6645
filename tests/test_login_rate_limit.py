"""Password guessing is slowed: per address and per account, with a clear page, not a crash."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def app(make_app):
    """The only app of the test (the limiter is one per process, like the app in production)."""
    return make_app(RATELIMIT_ENABLED=True)


@pytest.fixture
def limited(app):
    return app


def attempt(client, email: str, password: str, address: str = "203.0.113.5"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_eleventh_try_in_a_minute_from_one_address_is_refused(limited, make_user):
    from campaign.web.auth import views

    email, password = make_user("editor")
    client = limited.test_client()
    statuses = [attempt(client, email, "wrong guess").status_code for _ in range(10)]
    assert statuses == [401] * 10
    refused = attempt(client, email, password)
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert views.PER_ADDRESS_LIMIT.startswith("10 per minute")
    # Another address may still sign in (the account limit is higher).
    assert attempt(client, email, password, address="198.51.100.7").status_code == 302


def test_one_account_is_protected_across_many_addresses(limited, make_user):
    email, _ = make_user("editor")
    client = limited.test_client()
    for n in range(20):
        assert attempt(client, email, "guess", address=f"192.0.2.{n + 1}").status_code == 401
    assert attempt(client, email, "guess", address="192.0.2.200").status_code == 429
    other, other_password = make_user("viewer")
    assert attempt(client, other, other_password, address="192.0.2.201").status_code == 302
