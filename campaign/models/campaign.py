"""A campaign: one request text, its numbered questions, sent to many authorities."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.law import LawCode
from campaign.domain.vocabulary import CampaignStatus
from campaign.models.base import Base, Timestamped

if TYPE_CHECKING:
    from campaign.models.request import Request
    from campaign.models.user import User


class Campaign(Timestamped, Base):
    __tablename__ = "campaign"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    subject_template: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    body_template: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # None: each authority's own law (FOIA or FOISA); "eir" sends everything under the EIR.
    law_override: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    status: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=CampaignStatus.DRAFT.value, index=True
    )
    # Incremented when a live campaign's letter is edited; each sent Message keeps its text.
    letter_version: so.Mapped[int] = so.mapped_column(default=1)
    # Publishing: the public page /p/<slug> exists only while is_public is set by the owner.
    is_public: so.Mapped[bool] = so.mapped_column(default=False)
    published_at: so.Mapped[datetime | None]
    # Shown on the public page above the charts: how the request was made and read.
    methodology: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Names (one per line) masked on every public page and export, beside the built-in rules
    # for email addresses and phone numbers: officers' names the campaign must not publish.
    redaction_terms: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    is_demo: so.Mapped[bool] = so.mapped_column(default=False)
    launched_at: so.Mapped[datetime | None]
    # Which authorities the campaign goes to: {"all": bool, "nations": [...], "types": [...],
    # "tags": [...], "authority_ids": [...]}. Any ticked value within a group, all groups
    # together, plus the hand-picked ids; nothing chosen means no targets.
    target_filter: so.Mapped[dict[str, list]] = so.mapped_column(sa.JSON, default=dict)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    # Follow-up letters, sandboxed templates like the request; empty means the built-in text.
    chaser_subject_template: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    chaser_body_template: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    review_subject_template: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    review_body_template: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The escalation ladder, off until the campaigner turns it on: first chaser this many
    # working days after the due date, the second this many after the first, then a review.
    ladder_enabled: so.Mapped[bool] = so.mapped_column(default=False)
    ladder_first_after: so.Mapped[int] = so.mapped_column(default=5)
    ladder_second_after: so.Mapped[int] = so.mapped_column(default=10)

    created_by: so.Mapped[User | None] = so.relationship()
    letter_versions: so.Mapped[list[LetterVersion]] = so.relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="LetterVersion.version"
    )
    questions: so.Mapped[list[Question]] = so.relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Question.position"
    )
    requests: so.Mapped[list[Request]] = so.relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True
    )

    @so.validates("status")
    def _check_status(self, _key: str, value: str) -> str:
        return CampaignStatus(value).value

    @so.validates("law_override")
    def _check_law(self, _key: str, value: str | None) -> str | None:
        return None if value is None else LawCode(value).value

    def __repr__(self) -> str:
        return f"<Campaign {self.slug}>"


class Question(Base):
    """One numbered part of the request; replies are aligned to these."""

    __tablename__ = "question"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]  # 1-based, as printed in the letter
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    short_label: so.Mapped[str] = so.mapped_column(sa.String(80), default="")

    campaign: so.Mapped[Campaign] = so.relationship(back_populates="questions")


class LetterVersion(Timestamped, Base):
    """The letter as it stood when a version was launched; later edits make a new version."""

    __tablename__ = "letter_version"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    version: so.Mapped[int]
    subject_template: so.Mapped[str] = so.mapped_column(sa.String(300))
    body_template: so.Mapped[str] = so.mapped_column(sa.Text)
    questions: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    campaign: so.Mapped[Campaign] = so.relationship(back_populates="letter_versions")
