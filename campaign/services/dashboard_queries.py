"""The aggregate queries behind a campaign's dashboard, the same on SQLite and PostgreSQL.

Six statements per campaign, each aggregated by the database: the questions; one row per request
with its authority, its first reply and whether anything was disclosed (correlated aggregates
that use the message and answer indexes on request_id, so the cost follows the campaign's size,
not the database's); the answers' outcomes cell by cell; outcome counts per question; exemptions
cited; systems named. They are built by `dashboard_statements` so the benchmark can time exactly
the SQL the page runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache

import sqlalchemy as sa

from campaign.charts import TOP_MENTIONS, CampaignFacts, RequestFacts
from campaign.domain.calendar import london_date
from campaign.domain.vocabulary import AnswerOutcome, MessageDirection, MessageKind
from campaign.extensions import db
from campaign.models import Answer, Authority, Campaign, Mention, Message, Question, Request
from campaign.models.base import UTCDateTime

REPLY_KINDS = (
    MessageKind.RESPONSE.value,
    MessageKind.REFUSAL.value,
    MessageKind.REVIEW_OUTCOME.value,
)
# Inbound mail that shows a person at the authority saw the request (not bounces or auto-replies).
CONTACT_KINDS = (
    *REPLY_KINDS,
    MessageKind.ACKNOWLEDGEMENT.value,
    MessageKind.CLARIFICATION.value,
    MessageKind.EXTENSION.value,
)
DISCLOSING = (AnswerOutcome.DISCLOSED.value, AnswerOutcome.PARTIALLY_DISCLOSED.value)


def exemption_values(dialect: str):
    """A table-valued function over an answer's JSON list of exemptions, per database."""
    if dialect == "postgresql":
        return sa.func.json_array_elements_text(Answer.exemptions).table_valued("value")
    return sa.func.json_each(Answer.exemptions).table_valued("value")


def _first_reply():
    """When the request's first reply came: one index lookup per request, in the database."""
    moment = sa.func.coalesce(Message.received_at, Message.created_at)
    return (
        sa.select(sa.func.min(moment))
        .where(
            Message.request_id == Request.id,
            Message.direction == MessageDirection.INBOUND.value,
            Message.kind.in_(REPLY_KINDS),
        )
        .correlate(Request)
        .scalar_subquery()
    )


def _wrote_back():
    """Whether anyone at the authority wrote back at all (an acknowledgement is enough)."""
    return (
        sa.select(sa.func.count())
        .where(
            Message.request_id == Request.id,
            Message.direction == MessageDirection.INBOUND.value,
            Message.kind.in_(CONTACT_KINDS),
        )
        .correlate(Request)
        .scalar_subquery()
    )


def _disclosed():
    """How many of the request's answers disclosed something."""
    return (
        sa.select(sa.func.count())
        .where(Answer.request_id == Request.id, Answer.outcome.in_(DISCLOSING))
        .correlate(Request)
        .scalar_subquery()
    )


def dashboard_statements(campaign_id: int | sa.BindParameter, dialect: str) -> dict[str, sa.Select]:
    """Every statement the dashboard runs for one campaign, by name."""
    exemption = exemption_values(dialect)
    return {
        "questions": sa.select(Question.position, Question.short_label, Question.text)
        .where(Question.campaign_id == campaign_id)
        .order_by(Question.position),
        "requests": sa.select(
            Request.id,
            Authority.name,
            Authority.nation,
            Authority.authority_type,
            Authority.latitude,
            Authority.longitude,
            Request.status,
            Request.law,
            Request.reference_id,
            Request.sent_at,
            Request.delivered_at,
            Request.due_on,
            Request.chase_stage,
            Request.review_requested_at,
            Request.review_outcome,
            sa.type_coerce(_first_reply(), UTCDateTime()).label("replied_at"),
            _wrote_back().label("contacts"),
            _disclosed().label("disclosed"),
        )
        .join(Authority, Authority.id == Request.authority_id)
        .where(Request.campaign_id == campaign_id),
        "answers": sa.select(Answer.request_id, Question.position, Answer.outcome)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.campaign_id == campaign_id),
        "outcome_counts": sa.select(Question.position, Answer.outcome, sa.func.count())
        .join(Question, Question.id == Answer.question_id)
        .where(Question.campaign_id == campaign_id)
        .group_by(Question.position, Answer.outcome),
        "exemptions": sa.select(exemption.c.value, sa.func.count(sa.distinct(Answer.request_id)))
        .select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .join(exemption, sa.true())
        .where(Question.campaign_id == campaign_id)
        .group_by(exemption.c.value),
        "mentions": sa.select(
            Mention.name,
            sa.func.min(Mention.category),
            sa.func.count(sa.distinct(Mention.request_id)),
        )
        .join(Request, Request.id == Mention.request_id)
        .where(Request.campaign_id == campaign_id, Mention.rejected_at.is_(None))
        .group_by(Mention.name)
        .order_by(sa.func.count(sa.distinct(Mention.request_id)).desc(), Mention.name)
        .limit(TOP_MENTIONS),
    }


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # aggregates over SQLite come back naive; they are UTC
        moment = moment.replace(tzinfo=UTC)
    return london_date(moment)


@cache
def _statements(dialect: str) -> dict[str, sa.Select]:
    """The statements built once per database kind, the campaign a parameter."""
    return dashboard_statements(sa.bindparam("campaign_id", type_=sa.Integer), dialect)


def load_facts(campaign: Campaign, today: date | None = None) -> CampaignFacts:
    """Run the dashboard's statements and shape their rows for the chart builders.

    Runs on the session's connection without ORM loading: the rows are plain values.
    """
    connection = db.session.connection()
    statements = _statements(connection.dialect.name)
    params = {"campaign_id": campaign.id}

    def rows(name: str) -> Sequence[sa.Row]:
        return connection.execute(statements[name], params).all()

    questions = [(position, label or _short(text)) for position, label, text in rows("questions")]
    requests = [
        RequestFacts(
            id,
            name,
            status,
            law,
            nation,
            authority_type or "",
            latitude,
            longitude,
            reference_id,
            _day(delivered_at or sent_at),
            due_on,
            _day(replied_at),
            bool(contacts),
            bool(disclosed),
            chase_stage or 0,
            review_requested_at is not None,
            review_outcome is not None,
        )
        for (
            id,
            name,
            nation,
            authority_type,
            latitude,
            longitude,
            status,
            law,
            reference_id,
            sent_at,
            delivered_at,
            due_on,
            chase_stage,
            review_requested_at,
            review_outcome,
            replied_at,
            contacts,
            disclosed,
        ) in rows("requests")
    ]
    outcome_counts: dict[int, dict[str, int]] = {}
    for position, outcome, count in rows("outcome_counts"):
        outcome_counts.setdefault(position, {})[outcome] = count
    return CampaignFacts(
        launched_on=_day(campaign.launched_at),
        today=today or london_date(datetime.now(UTC)),
        questions=questions,
        requests=requests,
        answers=rows("answers"),
        outcome_counts=outcome_counts,
        exemptions=rows("exemptions"),
        mentions=rows("mentions"),
    )


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def requests_citing(campaign_id: int, exemption_name: str) -> list[int]:
    """Requests with an answer withheld under one exemption."""
    exemption = exemption_values(db.session.get_bind().dialect.name)
    statement = (
        sa.select(Answer.request_id)
        .join(Question, Question.id == Answer.question_id)
        .join(exemption, sa.true())
        .where(Question.campaign_id == campaign_id, exemption.c.value == exemption_name)
        .distinct()
    )
    return list(db.session.scalars(statement))


def requests_naming(campaign_id: int, name: str) -> list[int]:
    """Requests whose replies name a system or vendor (mentions a person rejected left out)."""
    statement = (
        sa.select(Mention.request_id)
        .join(Request, Request.id == Mention.request_id)
        .where(
            Request.campaign_id == campaign_id,
            Mention.name == name,
            Mention.rejected_at.is_(None),
        )
        .distinct()
    )
    return list(db.session.scalars(statement))
