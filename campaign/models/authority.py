"""Public bodies that receive requests, with the reference codes the map and charts need."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.law import LawCode
from campaign.domain.names import normalise_name
from campaign.domain.vocabulary import Nation
from campaign.models.base import Base, Timestamped


class Authority(Timestamped, Base):
    __tablename__ = "authority"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    # Name compared when importing: lower case, punctuation and "council" stripped.
    normalised_name: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    short_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    alt_names: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Registry code (e.g. "BIR") for UK councils; None for bodies a user imported.
    code: so.Mapped[str | None] = so.mapped_column(sa.String(16), unique=True)
    gss_code: so.Mapped[str | None] = so.mapped_column(sa.String(9), unique=True)
    nation: so.Mapped[str | None] = so.mapped_column(sa.String(32), index=True)
    region: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    authority_type: so.Mapped[str] = so.mapped_column(sa.String(64), default="", index=True)
    foi_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    law: so.Mapped[str] = so.mapped_column(sa.String(8), default=LawCode.FOIA.value)
    latitude: so.Mapped[float | None]
    longitude: so.Mapped[float | None]
    population: so.Mapped[int | None]
    wdtk_id: so.Mapped[int | None]
    website: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    tags: so.Mapped[list[AuthorityTag]] = so.relationship(
        back_populates="authority", cascade="all, delete-orphan", order_by="AuthorityTag.tag"
    )

    @so.validates("name")
    def _set_normalised_name(self, _key: str, value: str) -> str:
        value = " ".join(value.split())
        self.normalised_name = normalise_name(value)
        return value

    @so.validates("nation")
    def _check_nation(self, _key: str, value: str | None) -> str | None:
        return None if value is None else Nation(value).value

    @so.validates("law")
    def _check_law(self, _key: str, value: str) -> str:
        return LawCode(value).value

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    def __repr__(self) -> str:
        return f"<Authority {self.name}>"


class AuthorityTag(Base):
    """A free label ("county", "police", "wave-2") used to pick campaign targets."""

    __tablename__ = "authority_tag"
    __table_args__ = (sa.UniqueConstraint("authority_id", "tag"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    authority_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("authority.id", ondelete="CASCADE")
    )
    tag: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)

    authority: so.Mapped[Authority] = so.relationship(back_populates="tags")


class AuthorityAddress(Timestamped, Base):
    """A sender address learned for an authority when a person assigned its mail by hand.

    Replies often come from a case officer rather than the published FOI address; once a
    person has vouched for an address, later mail from it matches and is trusted.
    """

    __tablename__ = "authority_address"
    __table_args__ = (sa.UniqueConstraint("authority_id", "address"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    authority_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("authority.id", ondelete="CASCADE")
    )
    address: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    learned_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    authority: so.Mapped[Authority] = so.relationship()
