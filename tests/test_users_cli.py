"""`campaign users ...`: passwords are generated and shown once, or prompted for."""

from __future__ import annotations

import re

import sqlalchemy as sa

from campaign.cli import users
from campaign.extensions import db
from campaign.models import User


def test_create_generates_a_password_prints_it_once_and_it_signs_in(app, runner, forms):
    result = runner.invoke(users, ["create", "Editor@Example.org", "--role", "editor"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(shown once, keep it safe\): (\S+)", result.output).group(1)
    assert result.output.count(password) == 1
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert (user.email, user.role) == ("editor@example.org", "editor")
        assert password not in user.password_hash
    response = forms.submit("/login", {"email": "editor@example.org", "password": password})
    assert response.status_code == 302


def test_create_prompts_for_a_password_when_asked(app, runner):
    result = runner.invoke(
        users,
        ["create", "owner@example.org", "--role", "owner", "--password"],
        input="a long enough pass\na long enough pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User)).check_password("a long enough pass")


def test_create_refuses_duplicates_bad_emails_and_short_passwords(app, runner):
    assert runner.invoke(users, ["create", "a@example.org"]).exit_code == 0
    duplicate = runner.invoke(users, ["create", "A@example.org"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad = runner.invoke(users, ["create", "not-an-email"])
    assert bad.exit_code == 1 and "not a valid email address" in bad.output
    short = runner.invoke(users, ["create", "b@example.org", "--password"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_ensure_first_creates_one_owner_only_once(app, runner):
    first = runner.invoke(users, ["ensure-first", "--email", "boss@example.org"])
    assert first.exit_code == 0 and "shown once" in first.output
    again = runner.invoke(users, ["ensure-first", "--email", "boss@example.org"])
    assert again.exit_code == 0 and "shown once" not in again.output
    listing = runner.invoke(users, ["list"])
    assert "boss@example.org\towner" in listing.output
