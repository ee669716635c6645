"""Accounts: creating users and checking passwords."""

from __future__ import annotations

import secrets
from functools import cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash, generate_password_hash

from campaign.domain.vocabulary import Role
from campaign.extensions import db
from campaign.models import User
from campaign.models.base import utcnow

MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a failed sign-in takes as long either way."""
    return generate_password_hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A user cannot be created as asked; the message says why."""


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(email: str, password: str, role: str = Role.EDITOR.value, name: str = "") -> User:
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(f"{email!r} is not a valid email address: {error}") from None
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"a user with email {email} already exists")
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id))) or 0
