"""The campaign's council-by-question table of outcomes, read in one query.

A campaign runs to some 400 requests and a dozen questions; the table is built from one
select over requests, authorities and answers, never a query per council or per cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from campaign.domain.vocabulary import AnswerOutcome
from campaign.extensions import db
from campaign.models import Answer, Authority, Campaign, Question, Request
from campaign.models.answer import AnswerReview
from campaign.services.answer_sources import source_anchor
from campaign.services.answers import LastReparse, last_reparse

# Below this the parser is unsure: the answer waits in the campaign's queue for a person.
LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class GridCell:
    position: int
    outcome: str
    review_state: str
    low_confidence: bool
    anchor: str | None

    @property
    def held_by_person(self) -> bool:
        return self.review_state != AnswerReview.PARSED.value


@dataclass(frozen=True)
class GridRow:
    request_id: int
    authority: str
    status: str
    cells: list[GridCell | None]  # one per question; None: not answered (or not asked)


@dataclass(frozen=True)
class AnswerGrid:
    slug: str
    questions: list[Question]
    rows: list[GridRow]
    requests: int  # in the campaign, with answers or not
    totals: dict[str, int]  # cells per outcome, in vocabulary order
    to_check: int  # low-confidence answers no person has checked
    last_reparse: LastReparse | None

    @property
    def without_answers(self) -> int:
        return self.requests - len(self.rows)


def answer_grid(campaign: Campaign) -> AnswerGrid:
    """The table: a row per request with answers (by authority name), a cell per question."""
    questions = list(campaign.questions)  # loaded once with the campaign page
    column = {question.id: index for index, question in enumerate(questions)}
    result = db.session.execute(
        sa.select(
            Request.id,
            Authority.name,
            Request.status,
            Answer.question_id,
            Answer.outcome,
            Answer.review_state,
            Answer.confidence,
            Answer.message_id,
            Answer.attachment_id,
            Answer.page,
        )
        .join(Authority, Authority.id == Request.authority_id)
        .outerjoin(Answer, Answer.request_id == Request.id)
        .where(Request.campaign_id == campaign.id)
        .order_by(Authority.name, Request.id)
    )
    rows: dict[int, GridRow] = {}
    requests: set[int] = set()
    totals = dict.fromkeys((outcome.value for outcome in AnswerOutcome), 0)
    to_check = 0
    for request_id, name, status, question_id, outcome, state, confidence, *source in result:
        requests.add(request_id)
        if question_id not in column:
            continue
        row = rows.get(request_id)
        if row is None:
            row = rows[request_id] = GridRow(request_id, name, status, [None] * len(questions))
        low = confidence < LOW_CONFIDENCE and state == AnswerReview.PARSED.value
        row.cells[column[question_id]] = GridCell(
            questions[column[question_id]].position, outcome, state, low, source_anchor(*source)
        )
        totals[outcome] = totals.get(outcome, 0) + 1
        to_check += low
    return AnswerGrid(
        slug=campaign.slug,
        questions=questions,
        rows=list(rows.values()),
        requests=len(requests),
        totals=totals,
        to_check=to_check,
        last_reparse=last_reparse(campaign),
    )
