"""Authorities compared across every campaign, and one authority's history of requests.

The league table comes from two statements whatever the number of campaigns: one grouped by
authority for the counts (requests, answered, refusals, reviews, overdue now), and one listing
each answered request's law, day of receipt, due date and first reply, from which the on-time
share and the median working days are worked out per authority. A median is not an aggregate
SQLite has, and working days follow each request's own law, so both are done here in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from statistics import median

import sqlalchemy as sa

from campaign.domain.calendar import london_date
from campaign.domain.vocabulary import (
    ANSWERED_STATUSES,
    OVERDUE_STATUSES,
    MessageDirection,
    MessageKind,
    RequestStatus,
    ReviewOutcome,
)
from campaign.extensions import db
from campaign.models import Answer, Authority, Campaign, Message, Request
from campaign.models.base import UTCDateTime
from campaign.services.dashboard_queries import REPLY_KINDS
from campaign.services.export import on_time, working_days_to_respond

# The review found the authority wrong, in whole or in part: the requester won it.
LOST_REVIEW = (ReviewOutcome.OVERTURNED.value, ReviewOutcome.PARTIALLY_OVERTURNED.value)
# Requests the authority never received say nothing about it.
NOT_RECEIVED = (
    RequestStatus.DRAFT.value,
    RequestStatus.QUEUED.value,
    RequestStatus.DELIVERY_FAILED.value,
)

SORT_COLUMNS = {
    "name": "Authority",
    "requests": "Requests",
    "answered": "Answered",
    "on_time": "Answered on time",
    "median_days": "Median working days",
    "refusals": "Refusals",
    "reviews_requested": "Reviews requested",
    "reviews_lost": "Reviews lost",
    "overdue": "Overdue now",
}
DEFAULT_SORT = "on_time"


class BadLeagueQuery(ValueError):
    """A sort or filter the table does not offer; the message says which ones it does."""


@dataclass
class LeagueRow:
    """One authority's record across every campaign."""

    authority_id: int
    name: str
    nation: str
    authority_type: str
    requests: int = 0
    answered: int = 0
    refusals: int = 0
    reviews_requested: int = 0
    reviews_lost: int = 0
    overdue: int = 0
    judged: int = 0  # requests whose timeliness is known: answered, or due date passed
    answered_on_time: int = 0
    response_days: list[int] = field(default_factory=list)

    @property
    def on_time(self) -> float | None:
        """Share (0-100) of judged requests answered by their due date."""
        return None if not self.judged else 100.0 * self.answered_on_time / self.judged

    @property
    def median_days(self) -> float | None:
        return median(self.response_days) if self.response_days else None


@dataclass(frozen=True)
class LeagueQuery:
    sort: str = DEFAULT_SORT
    descending: bool = True
    nation: str = ""
    authority_type: str = ""


def parse_league_query(args: dict[str, str]) -> LeagueQuery:
    """Read the table's query string; BadLeagueQuery for a column or order it does not have."""
    sort = (args.get("sort") or DEFAULT_SORT).strip()
    if sort not in SORT_COLUMNS:
        raise BadLeagueQuery(f"cannot sort by {sort[:40]!r}: use one of {', '.join(SORT_COLUMNS)}")
    order = (args.get("order") or ("asc" if sort == "name" else "desc")).strip()
    if order not in ("asc", "desc"):
        raise BadLeagueQuery("order must be asc or desc")
    nation = (args.get("nation") or "").strip()
    authority_type = (args.get("type") or "").strip()
    if len(nation) > 64 or len(authority_type) > 64:
        raise BadLeagueQuery("the nation or type filter is too long")
    return LeagueQuery(sort, order == "desc", nation, authority_type)


def _reply_facts():
    """Per request: its first reply (response, refusal or review outcome) and any refusal."""
    moment = sa.func.coalesce(Message.received_at, Message.created_at)
    return (
        sa.select(
            Message.request_id,
            sa.func.min(moment).label("replied_at"),
            sa.func.count(sa.case((Message.kind == MessageKind.REFUSAL.value, 1))).label(
                "refusal_messages"
            ),
        )
        .where(
            Message.request_id.is_not(None),
            Message.direction == MessageDirection.INBOUND.value,
            Message.kind.in_(REPLY_KINDS),
        )
        .group_by(Message.request_id)
        .subquery("reply_facts")
    )


def league_statements(query: LeagueQuery) -> tuple[sa.Select, sa.Select]:
    """The grouped counts per authority, and the answered requests' dates; both filtered."""
    replies = _reply_facts()
    answered = sa.or_(replies.c.replied_at.is_not(None), Request.status.in_(ANSWERED_STATUSES))
    refused = sa.or_(Request.status == RequestStatus.REFUSED.value, replies.c.refusal_messages > 0)

    def count_if(condition) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    conditions = [Request.status.not_in(NOT_RECEIVED)]
    if query.nation:
        conditions.append(Authority.nation == query.nation)
    if query.authority_type:
        conditions.append(Authority.authority_type == query.authority_type)
    counts = (
        sa.select(
            Authority.id,
            Authority.name,
            Authority.nation,
            Authority.authority_type,
            sa.func.count(Request.id).label("requests"),
            count_if(answered).label("answered"),
            count_if(refused).label("refusals"),
            count_if(Request.review_requested_at.is_not(None)).label("reviews_requested"),
            count_if(Request.review_outcome.in_(LOST_REVIEW)).label("reviews_lost"),
            count_if(Request.status.in_(OVERDUE_STATUSES)).label("overdue"),
        )
        .join(Request, Request.authority_id == Authority.id)
        .outerjoin(replies, replies.c.request_id == Request.id)
        .where(*conditions)
        .group_by(Authority.id, Authority.name, Authority.nation, Authority.authority_type)
    )
    timings = (
        sa.select(
            Request.authority_id,
            Request.status,
            Request.law,
            Request.sent_at,
            Request.delivered_at,
            Request.due_on,
            sa.type_coerce(replies.c.replied_at, UTCDateTime()).label("replied_at"),
        )
        .join(Authority, Authority.id == Request.authority_id)
        .outerjoin(replies, replies.c.request_id == Request.id)
        .where(*conditions, Request.due_on.is_not(None))
    )
    return counts, timings


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return london_date(moment)


def league_table(query: LeagueQuery | None = None, today: date | None = None) -> list[LeagueRow]:
    """Every authority that has been sent a request, with its record, sorted as asked."""
    query = query or LeagueQuery()
    today = today or london_date(datetime.now(UTC))
    counts, timings = league_statements(query)
    rows: dict[int, LeagueRow] = {}
    for row in db.session.execute(counts):
        rows[row.id] = LeagueRow(
            authority_id=row.id,
            name=row.name,
            nation=row.nation or "",
            authority_type=row.authority_type or "",
            requests=row.requests,
            answered=int(row.answered),
            refusals=int(row.refusals),
            reviews_requested=int(row.reviews_requested),
            reviews_lost=int(row.reviews_lost),
            overdue=int(row.overdue),
        )
    for row in db.session.execute(timings):
        entry = rows.get(row.authority_id)
        if entry is None:
            continue
        replied_on = _day(row.replied_at)
        timely = on_time(row.due_on, replied_on, today, row.status)
        if timely is not None:
            entry.judged += 1
            entry.answered_on_time += int(timely)
        received_on = _day(row.delivered_at or row.sent_at)
        if replied_on and received_on:
            entry.response_days.append(working_days_to_respond(row.law, received_on, replied_on))
    return sort_league(list(rows.values()), query)


def sort_league(rows: list[LeagueRow], query: LeagueQuery) -> list[LeagueRow]:
    """Sorted by the chosen column, ties by name; rows with no value last either way."""
    rows.sort(key=lambda r: (r.name.lower(), r.authority_id))
    if query.sort == "name":
        rows.sort(key=lambda r: r.name.lower(), reverse=query.descending)
        return rows
    known = [r for r in rows if getattr(r, query.sort) is not None]
    unknown = [r for r in rows if getattr(r, query.sort) is None]
    known.sort(key=lambda r: getattr(r, query.sort), reverse=query.descending)
    return known + unknown


def league_filters() -> tuple[list[str], list[str]]:
    """The nations and types of authorities that have requests, for the filter menus."""
    base = sa.select(Authority.nation, Authority.authority_type).join(
        Request, Request.authority_id == Authority.id
    )
    pairs = db.session.execute(base.distinct()).all()
    nations = sorted({n for n, _ in pairs if n})
    types = sorted({t for _, t in pairs if t})
    return nations, types


# -- one authority's history --------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One request to the authority, in any campaign."""

    request_id: int
    campaign_slug: str
    campaign_title: str
    status: str
    sent_on: date | None
    due_on: date | None
    answered_on: date | None
    working_days: int | None
    on_time: bool | None
    reference_id: str | None
    review_outcome: str | None
    outcomes: Sequence[tuple[str, int]]  # (answer outcome, how many questions), most first


def authority_history(authority: Authority, today: date | None = None) -> list[HistoryRow]:
    """Every request the authority received, newest first, from two statements."""
    today = today or london_date(datetime.now(UTC))
    replies = _reply_facts()
    statement = (
        sa.select(
            Request.id,
            Request.status,
            Request.law,
            Request.sent_at,
            Request.delivered_at,
            Request.due_on,
            Request.reference_id,
            Request.review_outcome,
            Campaign.slug,
            Campaign.title,
            sa.type_coerce(replies.c.replied_at, UTCDateTime()).label("replied_at"),
        )
        .join(Campaign, Campaign.id == Request.campaign_id)
        .outerjoin(replies, replies.c.request_id == Request.id)
        .where(Request.authority_id == authority.id)
        .order_by(Request.sent_at.desc().nulls_last(), Request.id.desc())
    )
    outcome_counts: dict[int, list[tuple[str, int]]] = {}
    for request_id, outcome, count in db.session.execute(
        sa.select(Answer.request_id, Answer.outcome, sa.func.count())
        .join(Request, Request.id == Answer.request_id)
        .where(Request.authority_id == authority.id)
        .group_by(Answer.request_id, Answer.outcome)
    ):
        outcome_counts.setdefault(request_id, []).append((outcome, count))
    history = []
    for row in db.session.execute(statement):
        received_on = _day(row.delivered_at or row.sent_at)
        replied_on = _day(row.replied_at)
        history.append(
            HistoryRow(
                request_id=row.id,
                campaign_slug=row.slug,
                campaign_title=row.title,
                status=row.status,
                sent_on=_day(row.sent_at),
                due_on=row.due_on,
                answered_on=replied_on,
                working_days=(
                    working_days_to_respond(row.law, received_on, replied_on)
                    if received_on and replied_on
                    else None
                ),
                on_time=on_time(row.due_on, replied_on, today, row.status),
                reference_id=row.reference_id,
                review_outcome=row.review_outcome,
                outcomes=sorted(outcome_counts.get(row.id, []), key=lambda p: (-p[1], p[0])),
            )
        )
    return history


@dataclass(frozen=True)
class HistorySummary:
    """The authority's record in a line, from its history."""

    requests: int
    answered: int
    on_time: float | None  # percent of requests whose timeliness is known
    median_days: float | None


def summarise_history(history: Sequence[HistoryRow]) -> HistorySummary:
    judged = [row.on_time for row in history if row.on_time is not None]
    days = [row.working_days for row in history if row.working_days is not None]
    return HistorySummary(
        requests=len(history),
        answered=sum(1 for row in history if row.answered_on or row.status in ANSWERED_STATUSES),
        on_time=100.0 * sum(judged) / len(judged) if judged else None,
        median_days=median(days) if days else None,
    )
