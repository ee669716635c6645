"""The campaign's queue of answers to check: the parser was unsure and no person has looked.

Least sure first, so a person's time goes where the parser is weakest; confirming or
correcting an answer takes it off the queue for good (a re-parse does not put it back).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Answer, Authority, Campaign, Question, Request
from campaign.models.answer import AnswerReview
from campaign.services.answer_grid import LOW_CONFIDENCE
from campaign.services.answer_sources import source_anchor
from campaign.services.paging import PageNumbers

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueItem:
    answer_id: int
    request_id: int
    authority: str
    position: int
    question: str
    outcome: str
    exemptions: list[str]
    excerpt: str
    confidence: float
    anchor: str | None


@dataclass(frozen=True)
class CheckQueue(PageNumbers):
    slug: str
    items: list[QueueItem]
    total: int
    page: int
    per_page: int = PAGE_SIZE
    threshold: float = LOW_CONFIDENCE


def _to_check(campaign: Campaign) -> sa.Select:
    return (
        sa.select(Answer.id)
        .join(Request, Request.id == Answer.request_id)
        .where(
            Request.campaign_id == campaign.id,
            Answer.review_state == AnswerReview.PARSED.value,
            Answer.confidence < LOW_CONFIDENCE,
        )
    )


def check_queue(campaign: Campaign, page: int = 1) -> CheckQueue:
    """One page of the queue, in two queries (the count, and the page's rows)."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(_to_check(campaign).subquery())
    )
    pages = max(1, -(-(total or 0) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        _to_check(campaign)
        .add_columns(
            Answer.request_id,
            Authority.name,
            Question.position,
            Question.text,
            Answer.outcome,
            Answer.exemptions,
            Answer.excerpt,
            Answer.confidence,
            Answer.message_id,
            Answer.attachment_id,
            Answer.page,
        )
        .join(Authority, Authority.id == Request.authority_id)
        .join(Question, Question.id == Answer.question_id)
        .order_by(Answer.confidence, Authority.name, Question.position, Answer.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    items = [
        QueueItem(
            answer_id=row[0],
            request_id=row[1],
            authority=row[2],
            position=row[3],
            question=row[4],
            outcome=row[5],
            exemptions=list(row[6] or []),
            excerpt=row[7] or "",
            confidence=row[8],
            anchor=source_anchor(row[9], row[10], row[11]),
        )
        for row in rows
    ]
    return CheckQueue(campaign.slug, items, total or 0, page)
