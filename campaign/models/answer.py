"""What each authority said per question, and the systems and vendors its reply named."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.vocabulary import AnswerOutcome
from campaign.models.base import Base, Timestamped

if TYPE_CHECKING:
    from campaign.models.campaign import Question
    from campaign.models.message import Attachment, Message
    from campaign.models.request import Request
    from campaign.models.user import User


class AnswerReview(StrEnum):
    """Whether a person has looked at an answer: the parser's own, confirmed, or corrected."""

    PARSED = "parsed"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"


class Answer(Timestamped, Base):
    """One question's answer for one request.

    The parser fills it; a person's correction (corrected_by set) always wins and is never
    overwritten by a later parse. The shown values (outcome ... confidence) are the person's
    when review_state is confirmed or corrected, else the parser's; `parsed` always holds the
    parser's latest reading, so a correction can be undone and a re-parse never touches it.
    """

    __tablename__ = "answer"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "question_id"),
        sa.Index("ix_answer_question_outcome", "question_id", "outcome"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("request.id", ondelete="CASCADE"))
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    outcome: so.Mapped[str] = so.mapped_column(sa.String(24), default=AnswerOutcome.NO_ANSWER.value)
    exemptions: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    excerpt: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    urls: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    message_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL")
    )
    attachment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("attachment.id", ondelete="SET NULL")
    )
    page: so.Mapped[int | None]
    confidence: so.Mapped[float] = so.mapped_column(default=0.0)
    corrected_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    corrected_at: so.Mapped[datetime | None]
    review_state: so.Mapped[str] = so.mapped_column(
        sa.String(12), default=AnswerReview.PARSED.value
    )
    # The parser's latest finding: outcome, exemptions, excerpt, urls, document, page,
    # confidence, message_id, attachment_id (None for an answer a person typed in).
    parsed: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    parser_version: so.Mapped[str] = so.mapped_column(sa.String(32), default="")

    request: so.Mapped[Request] = so.relationship(back_populates="answers")
    question: so.Mapped[Question] = so.relationship()
    message: so.Mapped[Message | None] = so.relationship()
    attachment: so.Mapped[Attachment | None] = so.relationship()
    corrected_by: so.Mapped[User | None] = so.relationship()

    @so.validates("outcome")
    def _check_outcome(self, _key: str, value: str) -> str:
        return AnswerOutcome(value).value

    @so.validates("review_state")
    def _check_review_state(self, _key: str, value: str) -> str:
        return AnswerReview(value).value

    @property
    def held_by_person(self) -> bool:
        """A person confirmed or corrected it: the parser no longer changes what is shown."""
        return self.review_state in (AnswerReview.CONFIRMED.value, AnswerReview.CORRECTED.value)


class Mention(Timestamped, Base):
    """A system, product or vendor named in a reply, with the sentence and page it came from."""

    __tablename__ = "mention"
    __table_args__ = (sa.Index("ix_mention_request_name", "request_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("request.id", ondelete="CASCADE"))
    name: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)  # canonical form
    category: so.Mapped[str] = so.mapped_column(sa.String(16), default="system")  # or "vendor"
    sentence: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    message_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL")
    )
    attachment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("attachment.id", ondelete="SET NULL")
    )
    page: so.Mapped[int | None]
    # "gazetteer" | "pattern" from the parser, "person" when someone added it by hand.
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="gazetteer")
    parser_version: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    # A person said the reply does not name this: kept (not deleted) so a re-parse that finds
    # it again leaves it rejected.
    rejected_at: so.Mapped[datetime | None]
    # Who rejected it, or who added it by hand.
    person_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    request: so.Mapped[Request] = so.relationship(back_populates="mentions")
    message: so.Mapped[Message | None] = so.relationship()
    attachment: so.Mapped[Attachment | None] = so.relationship()
    person: so.Mapped[User | None] = so.relationship()
