"""Personal API tokens: made, shown once, stored as a hash, checked on every API call, revoked.

A token is `foi_` and 32 random bytes (url-safe base64). Only its SHA-256 and its first
characters (the prefix, to tell tokens apart in a list) are kept: a copy of the database does
not let anyone call the API. A token works only while it is not revoked and its owner is
active; a write token of someone whose role no longer lets them edit only reads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache

import sqlalchemy as sa

from campaign.domain.vocabulary import Role
from campaign.extensions import db
from campaign.models import ApiToken, User
from campaign.models.base import utcnow

TOKEN_PREFIX = "foi_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
MAX_NAME = 80
MAX_TOKENS_PER_USER = 50
# Last use is written at most this often, so reading a thousand pages is not a thousand writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is the only time the full token exists outside the caller."""

    token: ApiToken | None = None
    secret: str = ""
    problems: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Caller:
    """Who an API call acts for, and whether it may change anything."""

    user_id: int
    token_id: int
    can_write: bool


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def allowed_scopes(user: User) -> list[str]:
    """Viewers read; people who may edit may also make write tokens."""
    return [Scope.READ.value, Scope.WRITE.value] if user.can_edit else [Scope.READ.value]


def create_token(user: User, name: str, scope: str) -> NewToken:
    """Make a token for `user`; the secret is returned once and never stored."""
    name = " ".join((name or "").split())
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Give the token a name, e.g. the script that will use it."
    elif len(name) > MAX_NAME:
        problems["name"] = f"A name may be at most {MAX_NAME} characters."
    if scope not in allowed_scopes(user):
        problems["scope"] = (
            "Your role only reads: choose read."
            if scope == Scope.WRITE.value
            else "Choose read or write."
        )
    if len(tokens_of(user)) >= MAX_TOKENS_PER_USER:
        problems["name"] = f"You have {MAX_TOKENS_PER_USER} tokens: revoke one first."
    if problems:
        return NewToken(problems=problems)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        scope=scope,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(secret),
    )
    db.session.add(token)
    db.session.commit()
    return NewToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None if it is not theirs or already revoked."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return None
    token.revoked_at = utcnow()
    db.session.commit()
    return token


@cache
def _working_tokens() -> sa.Select:
    """Tokens with a given prefix that still work; built once, as every API call runs it."""
    return (
        sa.select(
            ApiToken.id,
            ApiToken.token_hash,
            ApiToken.scope,
            ApiToken.last_used_at,
            User.id.label("user_id"),
            User.role,
        )
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.prefix == sa.bindparam("prefix", type_=sa.String),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    )


def authenticate(secret: str) -> Caller | None:
    """The caller a presented token stands for, or None if it does not work (any reason)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    presented = hash_token(secret)
    rows = (
        db.session.connection()
        .execute(_working_tokens(), {"prefix": secret[:SHOWN_PREFIX_LENGTH]})
        .all()
    )
    # Looked up by the non-secret prefix, then compared in constant time: how long the check
    # takes says nothing about how much of a guessed hash was right.
    row = next((r for r in rows if hmac.compare_digest(r.token_hash, presented)), None)
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
        )
        db.session.commit()
    return Caller(
        user_id=row.user_id,
        token_id=row.id,
        can_write=row.scope == Scope.WRITE.value and Role(row.role).can_edit,
    )
