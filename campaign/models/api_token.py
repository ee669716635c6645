"""Personal API tokens: scripts read and write through /api/v1 as the person who made them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.models.base import Base, Timestamped

if TYPE_CHECKING:
    from campaign.models.user import User


class ApiToken(Timestamped, Base):
    """A token as stored: its SHA-256 and a short prefix, never the token itself.

    The prefix is not secret (it is shown in the list so people can tell tokens apart) and is
    what a presented token is looked up by; the hash is then compared in constant time.
    """

    __tablename__ = "api_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    # "read" or "write"; a write token of someone who may no longer edit only reads.
    scope: so.Mapped[str] = so.mapped_column(sa.String(8), default="read")
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    last_used_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} {self.scope}>"
