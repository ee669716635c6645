"""People who sign in, with a role that decides what they may change."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from campaign.domain.vocabulary import Role
from campaign.models.base import Base, Timestamped


class User(UserMixin, Timestamped, Base):
    __tablename__ = "user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default=Role.VIEWER.value)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    last_login_at: so.Mapped[datetime | None]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for inactive users
        return self.active

    @property
    def can_edit(self) -> bool:
        return Role(self.role).can_edit

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @so.validates("role")
    def _check_role(self, _key: str, value: str) -> str:
        return Role(value).value

    @so.validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
