"""The read side of the JSON API: campaigns, requests, messages, answers and mentions as plain
JSON-ready values.

Lists are paged by keyset (`after` = the last id seen, rows in id order), so the 200th page
costs what the first does and rows added meanwhile never shift a page. Each list fetches one
row more than asked to know whether another page follows. Queries select the columns they
return, not whole objects: a page of 100 requests is one SELECT with two joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from campaign.domain.vocabulary import OVERDUE_STATUSES
from campaign.extensions import db
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    Campaign,
    Mention,
    Message,
    Question,
    Request,
)


@dataclass(frozen=True)
class Page:
    """Rows of one page, and the id to continue after (None on the last page)."""

    items: list[dict[str, Any]]
    after: int | None


@dataclass(frozen=True)
class RequestFilter:
    """What a request list is narrowed to; every field is optional, all apply together."""

    campaign_id: int | None = None
    statuses: tuple[str, ...] = ()
    authority_id: int | None = None
    overdue: bool | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class AnswerFilter:
    question: int | None = None
    outcomes: tuple[str, ...] = ()


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _page(rows: list[dict[str, Any]], limit: int) -> Page:
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, rows[-1]["id"])
    return Page(rows, None)


# --- Campaigns ---------------------------------------------------------------------------------

_CAMPAIGN_COLUMNS = (
    Campaign.id,
    Campaign.slug,
    Campaign.title,
    Campaign.description,
    Campaign.status,
    Campaign.created_at,
    Campaign.launched_at,
)


def _campaign(row: sa.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "title": row.title,
        "description": row.description,
        "status": row.status,
        "created_at": _iso(row.created_at),
        "launched_at": _iso(row.launched_at),
    }


def campaign_page(after: int, limit: int) -> Page:
    rows = db.session.execute(
        sa.select(*_CAMPAIGN_COLUMNS)
        .where(Campaign.id > after)
        .order_by(Campaign.id)
        .limit(limit + 1)
    ).all()
    return _page([_campaign(row) for row in rows], limit)


def campaign_id_of(slug: str) -> int | None:
    """A campaign's id from its slug as typed in a URL; None if no campaign has it."""
    if not slug or len(slug) > 80 or "\x00" in slug:
        return None
    return db.session.scalar(sa.select(Campaign.id).where(Campaign.slug == slug))


def campaign_detail(slug: str) -> dict[str, Any] | None:
    """A campaign with its questions and how many of its requests are in each status."""
    campaign_id = campaign_id_of(slug)
    if campaign_id is None:
        return None
    row = db.session.execute(sa.select(*_CAMPAIGN_COLUMNS).where(Campaign.id == campaign_id)).one()
    questions = db.session.execute(
        sa.select(Question.position, Question.text, Question.short_label)
        .where(Question.campaign_id == campaign_id)
        .order_by(Question.position)
    ).all()
    counts = db.session.execute(
        sa.select(Request.status, sa.func.count())
        .where(Request.campaign_id == campaign_id)
        .group_by(Request.status)
        .order_by(Request.status)
    ).all()
    return {
        **_campaign(row),
        "questions": [
            {"position": q.position, "text": q.text, "short_label": q.short_label}
            for q in questions
        ],
        "request_count": sum(n for _, n in counts),
        "status_counts": {status: n for status, n in counts},
    }


# --- Requests ----------------------------------------------------------------------------------


@cache
def _requests_base() -> sa.Select:
    """A page of requests with the page's bounds as parameters: built once per process, so a
    page pays for running the query, not for writing it."""
    return (
        sa.select(
            Request.id,
            Campaign.slug.label("campaign"),
            Authority.id.label("authority_id"),
            Authority.name.label("authority_name"),
            Authority.gss_code,
            Authority.nation,
            Request.status,
            Request.status_manual,
            Request.status_changed_at,
            Request.law,
            Request.sent_at,
            Request.due_on,
            Request.review_due_on,
            Request.reference_id,
            Request.chase_stage,
            Request.last_contact_at,
        )
        .join(Campaign, Campaign.id == Request.campaign_id)
        .join(Authority, Authority.id == Request.authority_id)
        .where(Request.id > sa.bindparam("after", type_=sa.Integer))
        .order_by(Request.id)
        .limit(sa.bindparam("rows", type_=sa.Integer))
    )


def requests_select(filters: RequestFilter) -> sa.Select:
    """The SELECT behind a page of requests; run it with `page_bounds(after, limit)`."""
    query = _requests_base()
    if filters.campaign_id is not None:
        query = query.where(Request.campaign_id == filters.campaign_id)
    if filters.statuses:
        query = query.where(Request.status.in_(filters.statuses))
    if filters.authority_id is not None:
        query = query.where(Request.authority_id == filters.authority_id)
    if filters.overdue is True:
        query = query.where(Request.status.in_(OVERDUE_STATUSES))
    elif filters.overdue is False:
        query = query.where(Request.status.not_in(OVERDUE_STATUSES))
    if filters.updated_since is not None:
        query = query.where(
            sa.or_(
                Request.status_changed_at >= filters.updated_since,
                Request.last_contact_at >= filters.updated_since,
            )
        )
    return query


def page_bounds(after: int, limit: int) -> dict[str, int]:
    """Parameters of a page's SELECT: one row more than asked, to know if another follows."""
    return {"after": after, "rows": limit + 1}


def _request(row: sa.Row) -> dict[str, Any]:
    # Unpacked once rather than read by name: a page builds a hundred of these.
    (
        request_id,
        campaign,
        authority_id,
        authority_name,
        gss_code,
        nation,
        status,
        status_manual,
        status_changed_at,
        law,
        sent_at,
        due_on,
        review_due_on,
        reference_id,
        chase_stage,
        last_contact_at,
    ) = row
    return {
        "id": request_id,
        "campaign": campaign,
        "authority": {
            "id": authority_id,
            "name": authority_name,
            "gss_code": gss_code,
            "nation": nation,
        },
        "status": status,
        "status_manual": status_manual,
        "status_changed_at": status_changed_at.isoformat(),
        "law": law,
        "sent_at": sent_at and sent_at.isoformat(),
        "due_on": due_on and due_on.isoformat(),
        "review_due_on": review_due_on and review_due_on.isoformat(),
        "reference_id": reference_id,
        "chase_stage": chase_stage,
        "last_contact_at": last_contact_at and last_contact_at.isoformat(),
    }


def request_rows(filters: RequestFilter, after: int, limit: int) -> tuple[list[sa.Row], int | None]:
    """A page of requests as rows in `requests_select` order, and the id to continue after.

    The API writes these straight to JSON; `request_as_dict` says what each one means."""
    # On the session's connection, past the ORM: the rows are plain values either way.
    result = db.session.connection().execute(requests_select(filters), page_bounds(after, limit))
    rows = result.all()
    if len(rows) > limit:
        del rows[limit:]
        return rows, rows[-1][0]
    return rows, None


def request_as_dict(row: sa.Row) -> dict[str, Any]:
    """One row of `requests_select` as the API shows a request."""
    return _request(row)


def request_detail(request_id: int) -> dict[str, Any] | None:
    query = requests_select(RequestFilter()).where(Request.id == request_id)
    row = db.session.connection().execute(query, page_bounds(request_id - 1, 1)).first()
    return _request(row) if row is not None else None


def request_exists(request_id: int) -> bool:
    return db.session.scalar(sa.select(Request.id).where(Request.id == request_id)) is not None


# --- Messages ----------------------------------------------------------------------------------


def request_messages(request_id: int) -> list[dict[str, Any]]:
    """A request's thread, oldest first: what each message was and what it carried, never
    its raw mail or body."""
    messages = db.session.execute(
        sa.select(
            Message.id,
            Message.direction,
            Message.kind,
            Message.subject,
            Message.from_address,
            Message.from_name,
            Message.sent_at,
            Message.received_at,
            Message.created_at,
        )
        .where(Message.request_id == request_id)
        .order_by(Message.created_at, Message.id)
    ).all()
    files: dict[int, list[dict[str, Any]]] = {m.id: [] for m in messages}
    if messages:
        for row in db.session.execute(
            sa.select(
                Attachment.message_id,
                Attachment.filename,
                Attachment.content_type,
                Attachment.size,
                Attachment.page_count,
                Attachment.parse_state,
            )
            .where(Attachment.message_id.in_(list(files)))
            .order_by(Attachment.id)
        ):
            files[row.message_id].append(
                {
                    "filename": row.filename,
                    "content_type": row.content_type,
                    "size": row.size,
                    "page_count": row.page_count,
                    "parse_state": row.parse_state,
                }
            )
    return [
        {
            "id": m.id,
            "direction": m.direction,
            "kind": m.kind,
            "subject": m.subject,
            "from": m.from_address,
            "from_name": m.from_name,
            "date": _iso(m.received_at or m.sent_at or m.created_at),
            "attachments": files[m.id],
        }
        for m in messages
    ]


# --- Answers and mentions ----------------------------------------------------------------------


def _answers_select() -> sa.Select:
    return (
        sa.select(
            Answer.id,
            Answer.request_id,
            Question.position,
            Question.text,
            Answer.outcome,
            Answer.exemptions,
            Answer.excerpt,
            Answer.page,
            Attachment.filename,
            Answer.confidence,
            Answer.review_state,
        )
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(Attachment, Attachment.id == Answer.attachment_id)
    )


def _answer(row: sa.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "request_id": row.request_id,
        "question": {"position": row.position, "text": row.text},
        "outcome": row.outcome,
        "exemptions": list(row.exemptions or []),
        "excerpt": row.excerpt,
        "page": row.page,
        "attachment": row.filename,
        "confidence": float(row.confidence),
        "review_state": row.review_state,
    }


def request_answers(request_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        _answers_select().where(Answer.request_id == request_id).order_by(Question.position)
    ).all()
    return [_answer(row) for row in rows]


def request_answer(request_id: int, position: int) -> dict[str, Any] | None:
    row = db.session.execute(
        _answers_select().where(Answer.request_id == request_id, Question.position == position)
    ).first()
    return _answer(row) if row is not None else None


def campaign_answers(campaign_id: int, filters: AnswerFilter, after: int, limit: int) -> Page:
    query = (
        _answers_select()
        .join(Request, Request.id == Answer.request_id)
        .where(Request.campaign_id == campaign_id, Answer.id > after)
        .order_by(Answer.id)
        .limit(limit + 1)
    )
    if filters.question is not None:
        query = query.where(Question.position == filters.question)
    if filters.outcomes:
        query = query.where(Answer.outcome.in_(filters.outcomes))
    return _page([_answer(row) for row in db.session.execute(query)], limit)


def _mentions_select() -> sa.Select:
    """Mentions a person has not rejected."""
    return sa.select(
        Mention.id, Mention.request_id, Mention.name, Mention.category, Mention.page
    ).where(Mention.rejected_at.is_(None))


def _mention(row: sa.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "request_id": row.request_id,
        "name": row.name,
        "category": row.category,
        "page": row.page,
    }


def request_mentions(request_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        _mentions_select().where(Mention.request_id == request_id).order_by(Mention.id)
    ).all()
    return [_mention(row) for row in rows]


def campaign_mentions(campaign_id: int, after: int, limit: int) -> Page:
    query = (
        _mentions_select()
        .join(Request, Request.id == Mention.request_id)
        .where(Request.campaign_id == campaign_id, Mention.id > after)
        .order_by(Mention.id)
        .limit(limit + 1)
    )
    return _page([_mention(row) for row in db.session.execute(query)], limit)
