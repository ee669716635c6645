"""Small factories for the answer tests: a live campaign with questions, requests to councils,
and final replies stored as the pipeline leaves them (body text, attachment pages). No tests.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from campaign.domain.tokens import new_token
from campaign.extensions import db
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    Campaign,
    LetterVersion,
    Mention,
    Message,
    Question,
    Request,
)
from campaign.parsing.findings import AnswerFinding, MentionFinding, SourcePage
from campaign.parsing.reply import ReplyAnalysis

QUESTIONS = [
    "Does the council use any predictive analytics or algorithmic systems to assess children's "
    "social care needs?",
    "Please name the suppliers of the software used for these systems.",
    "How much has the council spent on these systems since April 2015?",
]


@dataclass(frozen=True)
class Setup:
    campaign_id: int
    slug: str
    request_ids: list[int]


def live_campaign(
    app: Flask,
    councils: Sequence[str] = ("Kent County Council",),
    questions: Sequence[str] = QUESTIONS,
) -> Setup:
    """A launched campaign (letter version 1 stored) with one sent request per council."""
    with app.app_context():
        suffix = uuid.uuid4().hex[:6]
        campaign = Campaign(
            slug=f"analytics-{suffix}",
            title="Data analytics",
            status="live",
            launched_at=datetime.now(UTC),
        )
        campaign.questions = [
            Question(position=n, text=text) for n, text in enumerate(questions, start=1)
        ]
        campaign.letter_versions = [
            LetterVersion(
                version=1,
                subject_template="FOI",
                body_template="{{ questions }}",
                questions=list(questions),
            )
        ]
        db.session.add(campaign)
        for n, name in enumerate(councils):
            authority = Authority(name=name, foi_email=f"foi{n}-{suffix}@council.gov.uk")
            db.session.add(
                Request(
                    campaign=campaign,
                    authority=authority,
                    token=new_token(),
                    status="awaiting_response",
                    sent_to=authority.foi_email,
                )
            )
        db.session.commit()
        ids = list(
            db.session.scalars(
                sa.select(Request.id).where(Request.campaign_id == campaign.id).order_by(Request.id)
            )
        )
        return Setup(campaign.id, campaign.slug, ids)


def add_reply(
    app: Flask,
    request_id: int,
    *,
    body: str = "Please find our response attached.",
    kind: str = "response",
    attachments: Sequence[tuple[str, list[str]]] = (),
    days_later: int = 0,
) -> tuple[int, list[int]]:
    """A processed inbound reply filed on the request: (message id, attachment ids)."""
    with app.app_context():
        when = datetime.now(UTC) + timedelta(days=days_later)
        message = Message(
            request_id=request_id,
            direction="inbound",
            source="webhook",
            kind=kind,
            message_id=f"{uuid.uuid4().hex}@council.example",
            inbound_key=f"{uuid.uuid4().hex}@council.example",
            from_address="foi@council.gov.uk",
            subject="RE: Freedom of Information request",
            body_text=body,
            received_at=when,
            processing_state="processed",
            match_state="matched",
            match_method="token",
        )
        for filename, pages in attachments:
            data = "\f".join(pages).encode()
            message.attachments.append(
                Attachment(
                    sha256=hashlib.sha256(data + filename.encode()).hexdigest(),
                    filename=filename,
                    content_type="application/pdf",
                    size=len(data),
                    pages=list(pages),
                    page_count=len(pages),
                    extract_method="pdfium",
                    parse_state="parsed",
                )
            )
        db.session.add(message)
        db.session.commit()
        return message.id, [a.id for a in message.attachments]


def answers_of(app: Flask, request_id: int) -> dict[int, Answer]:
    """The request's answers by question position (detached, fields loaded)."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer, Question.position)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.request_id == request_id)
        ).all()
        for answer, _ in rows:
            db.session.expunge(answer)
        return {position: answer for answer, position in rows}


def mentions_of(app: Flask, request_id: int) -> dict[str, Mention]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Mention).where(Mention.request_id == request_id)).all()
        for mention in rows:
            db.session.expunge(mention)
        return {mention.name: mention for mention in rows}


def finding(
    question: int,
    outcome: str,
    *,
    excerpt: str = "",
    document: str | None = None,
    page: int | None = 1,
    exemptions: Sequence[str] = (),
    confidence: float = 0.9,
) -> AnswerFinding:
    return AnswerFinding(
        question=question,
        outcome=outcome,
        exemptions=list(exemptions),
        excerpt=excerpt,
        document=document,
        page=page,
        confidence=confidence,
    )


def mention(name: str, sentence: str = "", page: int | None = 1) -> MentionFinding:
    return MentionFinding(name=name, category="system", sentence=sentence or f"We use {name}.")


class FakeParser:
    """Stands in for a newer parser in re-parse tests: what it reads in each message, by id.

    Only the reader's output is replaced (the pages, answers and mentions it returns); storing,
    folding and the rules about corrections run as they do for real.
    """

    def __init__(self, monkeypatch, version: str = "2099.1") -> None:
        from campaign.services import answers

        self.readings: dict[int, tuple[list[AnswerFinding], list[MentionFinding]]] = {}
        monkeypatch.setattr(answers, "PARSER_VERSION", version)
        monkeypatch.setattr(answers, "analyse_stored", self._analyse)
        monkeypatch.setattr(answers, "answers_for", lambda analysis, questions: analysis.answers)

    def reads(
        self,
        message_id: int,
        answers: Sequence[AnswerFinding],
        mentions: Sequence[MentionFinding] = (),
    ) -> None:
        self.readings[message_id] = (list(answers), list(mentions))

    def _analyse(self, message: Message) -> ReplyAnalysis:
        answers, mentions = self.readings.get(message.id, ([], []))
        return ReplyAnalysis(
            reference_id=None,
            reference_source=None,
            kind=message.kind,
            outcome=None,
            mentions=mentions,
            answers=answers,
            pages=(SourcePage(None, 1, message.body_text),),
        )


def store(app: Flask, message_id: int, answers, mentions=()) -> None:
    """Store hand-made findings as one reply's reading, as the reply pipeline does."""
    from campaign.services.answers import store_findings

    with app.app_context():
        message = db.session.get(Message, message_id)
        store_findings(message, answers, mentions)
        db.session.commit()
