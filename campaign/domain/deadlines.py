"""When an authority must answer, and how late it is, under FOIA 2000, FOISA 2002 and EIR 2004.

The law counts working days from the day after the day of receipt (FOIA s10(6), FOISA s10 and
s73, EIR reg 5): the day a request arrives may be a weekend or a holiday, and day one is the
first working day after it. Which days are working days depends on the law:

- FOIA s10(6) and EIR reg 2: not a Saturday, Sunday, Christmas Day, Good Friday or a bank
  holiday in any part of the UK, so a Welsh council's deadline still skips the Battle of the
  Boyne and St Andrew's Day.
- FOISA s73: not a Saturday, Sunday, Christmas Day or a bank holiday in Scotland, so a
  Scottish council works on Easter Monday and the English August bank holiday.

Everything here takes and returns plain dates; services store the results on requests.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from campaign.domain.calendar import (
    OutsideCalendar,
    WorkingCalendar,
    good_friday,
    london_date,
)
from campaign.domain.law import LawCode
from campaign.domain.vocabulary import RequestStatus

__all__ = [
    "EIR_EXTENDED_WORKING_DAYS",
    "ON_TIME",
    "PUBLIC_INTEREST_EXTRA_WORKING_DAYS",
    "REPLY_WORKING_DAYS",
    "VERY_OVERDUE_AFTER_WORKING_DAYS",
    "Lateness",
    "OutsideCalendar",
    "ReviewWindow",
    "WorkingCalendar",
    "due_date",
    "eir_extended_due_date",
    "extended_due_date",
    "lateness",
    "receipt_date",
    "restart_after_clarification",
    "review_answer_due",
    "review_answer_latest",
    "review_request_deadline",
    "review_window",
    "working_calendar",
]

REPLY_WORKING_DAYS = 20  # FOIA s10(1), FOISA s10(1), EIR reg 5(2)
EIR_EXTENDED_WORKING_DAYS = 40  # EIR reg 7(1): complex and voluminous requests
PUBLIC_INTEREST_EXTRA_WORKING_DAYS = 20  # FOIA s10(3): the ICO's guidance on a reasonable time
# WhatDoTheyKnow calls a request very overdue 40 working days after receipt: 20 after it was due.
VERY_OVERDUE_AFTER_WORKING_DAYS = 20


class ReviewWindow(NamedTuple):
    """Internal review time limits under one law, in working days."""

    ask_within: int  # the requester asks for a review within this many days of the response
    answer_within: int  # the authority should answer within this many days of the review request
    answer_at_most: int  # and never later than this many


_REVIEW_WINDOWS = {
    # FOIA has no statutory review; the s45 Code of Practice: 40 to ask, 20 (40 at most) to answer.
    LawCode.FOIA: ReviewWindow(ask_within=40, answer_within=20, answer_at_most=40),
    # FOISA s20(5): 40 working days to ask; s21(1): 20 to answer, with no extension.
    LawCode.FOISA: ReviewWindow(ask_within=40, answer_within=20, answer_at_most=20),
    # EIR reg 11(2): representations within 40 working days; reg 11(4): decided within 40.
    LawCode.EIR: ReviewWindow(ask_within=40, answer_within=40, answer_at_most=40),
}


def _closed_by_foia(year: int) -> dict[date, str]:
    """Days FOIA s10(6) names whether or not they are bank holidays anywhere."""
    return {date(year, 12, 25): "Christmas Day", good_friday(year): "Good Friday"}


def _closed_by_foisa(year: int) -> dict[date, str]:
    """FOISA s73 names Christmas Day; Good Friday is a Scottish bank holiday anyway."""
    return {date(year, 12, 25): "Christmas Day"}


_CALENDARS: dict[str, WorkingCalendar] = {}
_CALENDARS_LOCK = threading.Lock()


def working_calendar(law: LawCode | str) -> WorkingCalendar:
    """The working-day calendar of a law ("foia", "foisa", "eir"); built once, then shared."""
    try:
        return _CALENDARS[law]
    except KeyError:
        pass
    code = _law_code(law)
    with _CALENDARS_LOCK:
        if code.value not in _CALENDARS:
            if code is LawCode.FOISA:
                _CALENDARS["foisa"] = WorkingCalendar("foisa", ["SCT"], _closed_by_foisa)
            else:
                # EIR reg 2 borrows FOIA's definition of a working day: one calendar serves both.
                uk = WorkingCalendar("foia", ["ENG", "WLS", "SCT", "NIR"], _closed_by_foia)
                _CALENDARS["foia"] = _CALENDARS["eir"] = uk
        return _CALENDARS[code.value]


def _law_code(law: LawCode | str) -> LawCode:
    try:
        return LawCode(law)
    except ValueError:
        known = ", ".join(code.value for code in LawCode)
        raise ValueError(f"unknown law {law!r}: expected one of {known}") from None


def receipt_date(received: datetime) -> date:
    """The day of receipt: the London calendar date of an aware delivery (or send) time.

    Raises ValueError for a naive datetime, which would silently mean the server's zone.
    """
    return london_date(received)


def _day_of(received: date | datetime) -> date:
    return london_date(received) if isinstance(received, datetime) else received


def due_date(
    law: LawCode | str, received: date | datetime, working_days: int = REPLY_WORKING_DAYS
) -> date:
    """The reply deadline: the `working_days`th working day after the day of receipt.

    `received` is the delivery time (else the send time) as an aware datetime, or a day of
    receipt already worked out.
    """
    try:
        calendar = _CALENDARS[law]  # working_calendar inlined: the sweep calls this per request
    except KeyError:
        calendar = working_calendar(law)
    return calendar.add_working_days(received, working_days)


def eir_extended_due_date(received: date | datetime) -> date:
    """EIR reg 7(1): a complex and voluminous request may take 40 working days from receipt."""
    return due_date(LawCode.EIR, received, EIR_EXTENDED_WORKING_DAYS)


def extended_due_date(law: LawCode | str, original_due: date, stated: date | None = None) -> date:
    """The deadline after an authority says it needs more time.

    FOIA s10(3) (public interest test): the date the authority gives, else 20 more working
    days, as the ICO's guidance allows. EIR reg 7: the date given, but never past 40 working
    days from receipt (20 after the original due date). FOISA allows no extension, so the
    deadline stays where it was. An extension never brings a deadline forward.
    """
    code = _law_code(law)
    if code is LawCode.FOISA:
        return original_due
    extra = working_calendar(code).add_working_days(
        original_due, PUBLIC_INTEREST_EXTRA_WORKING_DAYS
    )
    if stated is None:
        return extra
    if code is LawCode.EIR:
        stated = min(stated, extra)
    return max(stated, original_due)


def restart_after_clarification(
    law: LawCode | str,
    answered_on: date | datetime,
    working_days: int = REPLY_WORKING_DAYS,
) -> date:
    """The deadline once the requester answers a clarification request.

    Asking for clarification stops the clock (FOIA s1(3), FOISA s1(3), EIR reg 9(4)); the
    answer starts it again from day one, as if the request had arrived that day.
    """
    return due_date(law, answered_on, working_days)


def review_window(law: LawCode | str) -> ReviewWindow:
    """The internal review time limits of a law."""
    return _REVIEW_WINDOWS[_law_code(law)]


def review_request_deadline(law: LawCode | str, response_on: date | datetime) -> date:
    """The last day the requester can ask for an internal review of a response."""
    window = review_window(law)
    return working_calendar(law).add_working_days(_day_of(response_on), window.ask_within)


def review_answer_due(law: LawCode | str, review_received_on: date | datetime) -> date:
    """When the authority should have answered a review request (it is overdue after this)."""
    window = review_window(law)
    return working_calendar(law).add_working_days(_day_of(review_received_on), window.answer_within)


def review_answer_latest(law: LawCode | str, review_received_on: date | datetime) -> date:
    """The outer limit for a review answer: 40 working days under the FOIA Code and EIR."""
    window = review_window(law)
    return working_calendar(law).add_working_days(
        _day_of(review_received_on), window.answer_at_most
    )


class Lateness(NamedTuple):
    """How late a reply is on a given day: a status word and the days past the due date."""

    status: str  # "on_time", "overdue" or "very_overdue"
    working_days_late: int
    calendar_days_late: int


ON_TIME = Lateness("on_time", 0, 0)
_OVERDUE = RequestStatus.OVERDUE.value
_VERY_OVERDUE = RequestStatus.VERY_OVERDUE.value


def lateness(
    law: LawCode | str,
    due: date,
    today: date,
    very_after_working_days: int = VERY_OVERDUE_AFTER_WORKING_DAYS,
) -> Lateness:
    """How late a reply due on `due` is on `today`.

    Overdue from the day after the due date. Very overdue once the `very_after_working_days`th
    working day after the due date has passed (with 20, the 40th working day after receipt,
    as WhatDoTheyKnow counts it); a weekend straight after that day is already very overdue.
    """
    if today <= due:
        return ON_TIME
    return _late(law, due, today, very_after_working_days)


# A sweep asks the same question for every request sent on the same day: answer it once.
@lru_cache(maxsize=8192)
def _late(law: LawCode | str, due: date, today: date, very_after_working_days: int) -> Lateness:
    calendar = working_calendar(law)
    late = calendar.working_days_between(due, today)
    # today is past the Vth working day after `due` if more than V working days have gone by,
    # or exactly V and today itself is not a working day (so the Vth was earlier).
    if late > very_after_working_days or (
        late == very_after_working_days and not calendar.is_working_day(today)
    ):
        return Lateness(_VERY_OVERDUE, late, (today - due).days)
    return Lateness(_OVERDUE, late, (today - due).days)
