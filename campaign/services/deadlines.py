"""The daily sweep: due dates worked out from when each request arrived, and late ones marked.

The due date comes from the delivery time reported by Mailgun, else the send time (the law
counts from the day of receipt; see domain/deadlines). Replies may have moved it already: an
extension's new date is kept, a clarification stops the clock. A request past its due date
becomes `overdue`, 20 working days after that `very_overdue` (as WhatDoTheyKnow counts), and a
review past its due date `review_overdue`. Running the sweep twice in a day changes nothing the
second time. A status set by hand is never moved; its due date is still kept up to date.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.calendar import london_date
from campaign.domain.deadlines import (
    Lateness,
    OutsideCalendar,
    due_date,
    extended_due_date,
    lateness,
)
from campaign.domain.vocabulary import RequestStatus
from campaign.extensions import db
from campaign.models import Campaign, Request
from campaign.models.base import utcnow
from campaign.services.statuses import change_status

S = RequestStatus
# Waiting for the authority's answer: these can fall overdue.
WAITING = (S.SENT, S.AWAITING_RESPONSE, S.EXTENDED, S.OVERDUE, S.VERY_OVERDUE)
REVIEW_WAITING = (S.REVIEW_REQUESTED, S.REVIEW_OVERDUE)
LATE_STATUS = {"overdue": S.OVERDUE, "very_overdue": S.VERY_OVERDUE}
BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    checked: int
    due_dates_set: int
    moved: Counter[str]

    @property
    def summary(self) -> str:
        moves = ", ".join(f"{n} to {status.replace('_', ' ')}" for status, n in self.moved.items())
        return (
            f"Checked {self.checked} request(s); set {self.due_dates_set} due date(s); "
            f"{moves or 'no status changed'}."
        )


def today_in_london() -> date:
    return london_date(utcnow())


def expected_due_on(request: Request) -> date | None:
    """The due date the law gives this request now, or None while the clock cannot run."""
    received = request.delivered_at or request.sent_at
    if received is None:
        return None
    base = due_date(request.law, received)
    if request.status == S.EXTENDED.value:
        # The authority's stated date, recorded when the extension arrived, wins.
        if request.due_on and request.due_on > base:
            return request.due_on
        return extended_due_date(request.law, base)
    if request.due_on and request.due_on > base and request.clock_stopped_at is not None:
        return request.due_on  # restarted after a clarification: counted from our answer
    return base


def sweep(today: date | None = None, campaign: Campaign | None = None) -> SweepResult:
    """Set due dates and move late requests; commits in batches, safe to run at any time."""
    today = today or today_in_london()
    statuses = [s.value for s in (*WAITING, *REVIEW_WAITING)]
    query = sa.select(Request.id).where(Request.status.in_(statuses)).order_by(Request.id)
    if campaign is not None:
        query = query.where(Request.campaign_id == campaign.id)
    ids = list(db.session.scalars(query))
    checked = dates_set = 0
    moved: Counter[str] = Counter()
    for start in range(0, len(ids), BATCH):
        batch = db.session.scalars(
            sa.select(Request)
            .where(Request.id.in_(ids[start : start + BATCH]))
            .options(so.raiseload("*"))
        )
        for request in batch:
            checked += 1
            dates_set += _set_due_on(request)
            target = _status_for(request, today)
            if target is not None and not request.status_manual:
                late = _lateness(request, today)
                reason = _reason(target, request, late)
                if change_status(request, target, reason=reason, due_on=str(request.due_on)):
                    moved[target.value] += 1
        db.session.commit()
    return SweepResult(checked, dates_set, moved)


def _set_due_on(request: Request) -> int:
    if request.status in (s.value for s in REVIEW_WAITING):
        return 0
    try:
        expected = expected_due_on(request)
    except OutsideCalendar:
        return 0
    if expected is None or expected == request.due_on:
        return 0
    request.due_on = expected
    return 1


def _lateness(request: Request, today: date) -> Lateness | None:
    due = request.review_due_on if request.status in REVIEW_WAITING else request.due_on
    if due is None:
        return None
    return lateness(request.law, due, today)


def _status_for(request: Request, today: date) -> RequestStatus | None:
    """The status the clock puts the request in today, or None to leave it."""
    late = _lateness(request, today)
    if late is None:
        return None
    status = RequestStatus(request.status)
    if status in REVIEW_WAITING:
        return S.REVIEW_OVERDUE if late.status != "on_time" else None
    if late.status == "on_time":
        # A new due date (an extension) can put an overdue request back on time.
        if status in (S.OVERDUE, S.VERY_OVERDUE):
            return S.EXTENDED if request.status == S.EXTENDED.value else S.AWAITING_RESPONSE
        return None
    return LATE_STATUS[late.status]


def _reason(target: RequestStatus, request: Request, late: Lateness | None) -> str:
    if target is S.REVIEW_OVERDUE:
        return f"the review was due on {request.review_due_on:%d %B %Y}"
    if target is S.VERY_OVERDUE and late is not None:
        return f"{late.working_days_late} working days after the due date {request.due_on:%d %B %Y}"
    if target is S.OVERDUE:
        return f"the reply was due on {request.due_on:%d %B %Y}"
    return f"the due date is now {request.due_on:%d %B %Y}"


@dataclass(frozen=True)
class OverdueRow:
    request: Request
    due_on: date
    working_days_late: int
    calendar_days_late: int
    is_review: bool


def overdue_requests(campaign: Campaign, today: date | None = None) -> list[OverdueRow]:
    """A campaign's late requests and reviews, the latest first, for the Overdue page."""
    today = today or today_in_london()
    statuses = [S.OVERDUE.value, S.VERY_OVERDUE.value, S.REVIEW_OVERDUE.value]
    requests = db.session.scalars(
        sa.select(Request)
        .where(Request.campaign_id == campaign.id, Request.status.in_(statuses))
        .options(so.joinedload(Request.authority))
    )
    rows = []
    for request in requests:
        is_review = request.status == S.REVIEW_OVERDUE.value
        due = request.review_due_on if is_review else request.due_on
        if due is None:
            continue
        late = lateness(request.law, due, today)
        rows.append(
            OverdueRow(request, due, late.working_days_late, late.calendar_days_late, is_review)
        )
    rows.sort(key=lambda row: (-row.working_days_late, row.request.authority.name))
    return rows
