"""Reply deadlines, extensions, reviews and lateness under FOIA, FOISA and EIR.

Every expected date below was counted by hand on a calendar; the comment on each row shows the
count. "WD" is working day; day one is the first working day after the day of receipt.
FOIA and EIR skip bank holidays anywhere in the UK; FOISA only Scottish ones.
"""

from __future__ import annotations

import ast
import random
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from campaign.domain import calendar as calendar_module
from campaign.domain.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    LONDON,
    WorkingCalendar,
    good_friday,
    london_date,
)
from campaign.domain.deadlines import (
    ON_TIME,
    Lateness,
    OutsideCalendar,
    due_date,
    eir_extended_due_date,
    extended_due_date,
    lateness,
    receipt_date,
    restart_after_clarification,
    review_answer_due,
    review_answer_latest,
    review_request_deadline,
    working_calendar,
)
from campaign.domain.law import LawCode

D = date

REPLY_DUE = [
    # Easter 2024: Good Friday 29 Mar closed everywhere, Easter Monday 1 Apr not in Scotland.
    # FOIA: received Thu 28 Mar; day one Tue 2 Apr; 2-5 Apr (4), 8-12 (9), 15-19 (14),
    # 22-26 (19), Mon 29 Apr (20).
    ("foia", D(2024, 3, 28), D(2024, 4, 29)),
    # FOISA: day one is Easter Monday 1 Apr; 1-5 Apr (5), 8-12 (10), 15-19 (15), 22-26 (20).
    ("foisa", D(2024, 3, 28), D(2024, 4, 26)),
    # EIR counts like FOIA.
    ("eir", D(2024, 3, 28), D(2024, 4, 29)),
    # Christmas 2022 falls on a Sunday: Boxing Day Mon 26 and Christmas (substitute) Tue 27
    # closed; New Year's Day is a Sunday, so Mon 2 Jan is its substitute and Tue 3 Jan the
    # Scottish 2 January's. FOIA (union) and FOISA close the same days. Received Fri 16 Dec:
    # 19-23 Dec (5), 28-30 (8), 4-6 Jan (11), 9-13 (16), 16-19 (20).
    ("foia", D(2022, 12, 16), D(2023, 1, 19)),
    ("foisa", D(2022, 12, 16), D(2023, 1, 19)),
    # The Scottish 2 January, Thu 2 Jan 2025, also counts for FOIA (a bank holiday in a part of
    # the UK). Received Tue 31 Dec 2024; 1 and 2 Jan closed; day one Fri 3 Jan (1), 6-10 (6),
    # 13-17 (11), 20-24 (16), 27-30 (20).
    ("foia", D(2024, 12, 31), D(2025, 1, 30)),
    ("foisa", D(2024, 12, 31), D(2025, 1, 30)),
    # St Andrew's Day Thu 30 Nov 2023 (Scotland, so also FOIA). Received Mon 20 Nov: 21-24 (4),
    # 27-29 (7), 30 closed, Fri 1 Dec (8), 4-8 (13), 11-15 (18), 18 (19), Tue 19 Dec (20).
    ("foisa", D(2023, 11, 20), D(2023, 12, 19)),
    ("foia", D(2023, 11, 20), D(2023, 12, 19)),
    # St Andrew's Day 2024 is a Saturday: its substitute is Mon 2 Dec. Received Thu 28 Nov:
    # Fri 29 (1), Mon 2 Dec closed, 3-6 (5), 9-13 (10), 16-20 (15), 23-24 (17), 25 and 26
    # closed, 27 (18), 30 (19), Tue 31 Dec (20).
    ("foisa", D(2024, 11, 28), D(2024, 12, 31)),
    # Battle of the Boyne, Wed 12 Jul 2023 (Northern Ireland): FOIA skips it, FOISA does not.
    # Received Mon 3 Jul. FOIA: 4-7 (4), 10-11 (6), 13-14 (8), 17-21 (13), 24-28 (18),
    # 31 Jul (19), Tue 1 Aug (20).
    ("foia", D(2023, 7, 3), D(2023, 8, 1)),
    # FOISA: 4-7 (4), 10-14 (9), 17-21 (14), 24-28 (19), Mon 31 Jul (20).
    ("foisa", D(2023, 7, 3), D(2023, 7, 31)),
    # St Patrick's Day, Mon 17 Mar 2025 (Northern Ireland). Received Fri 14 Mar.
    # FOIA: day one Tue 18 Mar; 18-21 (4), 24-28 (9), 31 Mar-4 Apr (14), 7-11 (19), Mon 14 Apr.
    ("foia", D(2025, 3, 14), D(2025, 4, 14)),
    # FOISA: day one Mon 17 Mar; 17-21 (5), 24-28 (10), 31 Mar-4 Apr (15), 7-11 Apr (20).
    ("foisa", D(2025, 3, 14), D(2025, 4, 11)),
    # August 2025: the Scottish summer bank holiday is the first Monday (4 Aug), England,
    # Wales and NI's the last (25 Aug). Received Fri 1 Aug.
    # FOIA skips both: 5-8 (4), 11-15 (9), 18-22 (14), 26-29 (18), 1 Sep (19), Tue 2 Sep (20).
    ("foia", D(2025, 8, 1), D(2025, 9, 2)),
    # FOISA skips only 4 Aug: 5-8 (4), 11-15 (9), 18-22 (14), 25-29 (19), Mon 1 Sep (20).
    ("foisa", D(2025, 8, 1), D(2025, 9, 1)),
    # Platinum Jubilee 2022: the late May bank holiday moved from Mon 30 May to Thu 2 Jun, and
    # Fri 3 Jun was added. Received Fri 27 May: 30 May-1 Jun (3), 6-10 (8), 13-17 (13),
    # 20-24 (18), 27 (19), Tue 28 Jun (20).
    ("foia", D(2022, 5, 27), D(2022, 6, 28)),
    ("foisa", D(2022, 5, 27), D(2022, 6, 28)),
    # State funeral, Mon 19 Sep 2022. Received Fri 16 Sep: 20-23 (4), 26-30 (9), 3-7 Oct (14),
    # 10-14 (19), Mon 17 Oct (20).
    ("foia", D(2022, 9, 16), D(2022, 10, 17)),
    ("foisa", D(2022, 9, 16), D(2022, 10, 17)),
    # Coronation, Mon 8 May 2023, after May Day Mon 1 May; Spring bank holiday Mon 29 May.
    # Received Fri 28 Apr: 2-5 May (4), 9-12 (8), 15-19 (13), 22-26 (18), 30 (19), Wed 31 (20).
    ("foia", D(2023, 4, 28), D(2023, 5, 31)),
    ("foisa", D(2023, 4, 28), D(2023, 5, 31)),
    # Received on a Saturday (8 Jun 2024): day one Mon 10 Jun; 10-14 (5), 17-21 (10),
    # 24-28 (15), 1-5 Jul (20).
    ("foia", D(2024, 6, 8), D(2024, 7, 5)),
    # Received on a bank holiday (Easter Monday 21 Apr 2025): day one Tue 22 Apr; 22-25 (4),
    # 28 Apr-2 May (9), May Day 5 May closed, 6-9 (13), 12-16 (18), 19-20 May (20).
    ("foia", D(2025, 4, 21), D(2025, 5, 20)),
    # Received on a Friday (2 Feb 2024), no holidays: 5-9 Feb (5), 12-16 (10), 19-23 (15),
    # 26 Feb-1 Mar (20): four weeks to the day.
    ("foia", D(2024, 2, 2), D(2024, 3, 1)),
    # Outside the first span of years (the tables grow). Christmas 1990: Tue 25, Wed 26;
    # New Year Tue 1 Jan, Scottish 2 Jan Wed. Received Thu 20 Dec 1990: 21 (1), 24 (2),
    # 27-28 (4), 31 (5), 3-4 Jan (7), 7-11 (12), 14-18 (17), 21-23 Jan 1991 (20).
    ("foia", D(1990, 12, 20), D(1991, 1, 23)),
    # St Andrew's Day Wed 30 Nov 2050; Christmas is a Sunday so Mon 26 (Boxing Day) and
    # Tue 27 (substitute) are closed. Received Mon 28 Nov: 29 (1), 1-2 Dec (3), 5-9 (8),
    # 12-16 (13), 19-23 (18), 28 (19), Thu 29 Dec (20).
    ("foisa", D(2050, 11, 28), D(2050, 12, 29)),
]


@pytest.mark.parametrize(("law", "received", "due"), REPLY_DUE)
def test_reply_is_due_on_the_twentieth_working_day_after_the_day_of_receipt(law, received, due):
    assert due_date(law, received) == due


def test_a_law_can_be_named_by_its_code_or_its_enum():
    assert due_date(LawCode.FOISA, D(2023, 7, 3)) == due_date("foisa", D(2023, 7, 3))
    assert working_calendar(LawCode.EIR) is working_calendar("foia")
    assert working_calendar("foisa") is not working_calendar("foia")


def test_an_unknown_law_is_refused():
    with pytest.raises(ValueError, match="unknown law 'foi'"):
        due_date("foi", D(2024, 1, 1))


RECEIVED_AT = [
    # 23:30 UTC on Sun 30 Mar 2025, after the clocks went forward at 01:00 UTC, is 00:30 on
    # Mon 31 Mar in London: received Monday, day one Tue 1 Apr; 1-4 (4), 7-11 (9), 14-17 (13),
    # Good Friday 18 and Easter Monday 21 closed, 22-25 (17), 28-30 Apr (20).
    (datetime(2025, 3, 30, 23, 30, tzinfo=UTC), D(2025, 3, 31), D(2025, 4, 30)),
    # 23:30 UTC the night before (Sat 29 Mar) is still GMT: received Saturday, day one Mon 31 Mar;
    # 31 Mar-4 Apr (5), 7-11 (10), 14-17 (14), 22-25 (18), 28-29 Apr (20).
    (datetime(2025, 3, 29, 23, 30, tzinfo=UTC), D(2025, 3, 29), D(2025, 4, 29)),
    # 23:30 UTC on Thu 24 Oct 2024 is 00:30 BST on Fri 25 Oct: received Friday, day one
    # Mon 28 Oct; 28 Oct-1 Nov (5), 4-8 (10), 11-15 (15), 18-22 Nov (20).
    (datetime(2024, 10, 24, 23, 30, tzinfo=UTC), D(2024, 10, 25), D(2024, 11, 22)),
    # Clocks went back at 01:00 UTC on Sun 27 Oct 2024: 23:30 UTC that night is 23:30 in
    # London, still Sunday. Day one Mon 28 Oct, due Fri 22 Nov as above.
    (datetime(2024, 10, 27, 23, 30, tzinfo=UTC), D(2024, 10, 27), D(2024, 11, 22)),
    # 23:30 UTC on Mon 28 Oct 2024 (GMT) is Monday: day one Tue 29 Oct; 29 Oct-1 Nov (4),
    # 4-8 (9), 11-15 (14), 18-22 (19), Mon 25 Nov (20).
    (datetime(2024, 10, 28, 23, 30, tzinfo=UTC), D(2024, 10, 28), D(2024, 11, 25)),
    # A summer evening: 23:30 UTC Thu 4 Jul 2024 is 00:30 BST Fri 5 Jul; day one Mon 8 Jul;
    # 8-11 (4), Battle of the Boyne Fri 12 closed, 15-19 (9), 22-26 (14), 29 Jul-2 Aug (19),
    # Mon 5 Aug is the Scottish summer bank holiday, so Tue 6 Aug (20).
    (datetime(2024, 7, 4, 23, 30, tzinfo=UTC), D(2024, 7, 5), D(2024, 8, 6)),
    # Any zone works: 20:30 in New York on Thu 4 Jul 2024 is 01:30 BST on Fri 5 Jul.
    (
        datetime(2024, 7, 4, 20, 30, tzinfo=ZoneInfo("America/New_York")),
        D(2024, 7, 5),
        D(2024, 8, 6),
    ),
    # A London time is its own date: 00:15 on Fri 5 Jul 2024.
    (datetime(2024, 7, 5, 0, 15, tzinfo=LONDON), D(2024, 7, 5), D(2024, 8, 6)),
    # Double summer time, 1944: 22:30 UTC on 1 Jun was 00:30 on 2 Jun in London (UTC+2).
    (datetime(1944, 6, 1, 22, 30, tzinfo=UTC), D(1944, 6, 2), None),
]


@pytest.mark.parametrize(("received_at", "day_of_receipt", "due"), RECEIVED_AT)
def test_day_of_receipt_is_the_london_date_of_delivery(received_at, day_of_receipt, due):
    assert receipt_date(received_at) == day_of_receipt
    if due is not None:
        assert due_date("foia", received_at) == due


def test_a_naive_delivery_time_is_refused():
    with pytest.raises(ValueError, match="naive"):
        receipt_date(datetime(2024, 7, 4, 23, 30))
    with pytest.raises(ValueError, match="naive"):
        due_date("foia", datetime(2024, 7, 4, 23, 30))


def test_london_is_never_more_than_an_hour_ahead_of_utc_from_1948():
    """The premise of london_date's fast path, checked hour by hour against zoneinfo."""
    one_hour, moment = timedelta(hours=1), datetime(1948, 1, 1, tzinfo=UTC)
    while moment.year <= LAST_YEAR:
        assert moment.astimezone(LONDON).utcoffset() in (timedelta(0), one_hour), moment
        moment += one_hour


def test_london_date_agrees_with_zoneinfo_around_clock_changes():
    for year in (1944, 1947, 1968, 1971, 1972, 1995, 1996, 2024, 2025, 2100):
        for month in (2, 3, 4, 10, 11):
            moment = datetime(year, month, 1, tzinfo=UTC)
            while moment.month == month:
                for instant in (moment, moment.replace(minute=59)):
                    assert london_date(instant) == instant.astimezone(LONDON).date(), instant
                moment += timedelta(hours=1)


def test_london_date_agrees_with_zoneinfo_at_random_instants():
    rng = random.Random(1948)
    start = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    span = int((datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC) - start).total_seconds())
    zones = [UTC, LONDON, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]
    for _ in range(50_000):
        instant = (start + timedelta(seconds=rng.randrange(span))).astimezone(rng.choice(zones))
        assert london_date(instant) == instant.astimezone(LONDON).date(), instant


def test_clarification_restarts_the_clock_from_day_one():
    # Clarification answered Wed 1 May 2024: day one Thu 2 May; 2-3 (2), May Day Mon 6 closed,
    # 7-10 (6), 13-17 (11), 20-24 (16), Spring bank holiday Mon 27 closed, 28-31 May (20).
    assert restart_after_clarification("foia", D(2024, 5, 1)) == D(2024, 5, 31)
    # Answered at 23:10 UTC on Tue 30 Apr 2024 = 00:10 BST on 1 May: the same.
    answered_at = datetime(2024, 4, 30, 23, 10, tzinfo=UTC)
    assert restart_after_clarification("foia", answered_at) == D(2024, 5, 31)


EXTENSIONS = [
    # FOIA s10(3) with no date given: 20 more WD after Mon 29 Apr 2024; 30 Apr-3 May (4),
    # May Day 6 closed, 7-10 (8), 13-17 (13), 20-24 (18), 27 closed, Tue 28-Wed 29 May (20).
    ("foia", D(2024, 4, 29), None, D(2024, 5, 29)),
    # The date the authority gives wins, even beyond the ICO's 20 days.
    ("foia", D(2024, 4, 29), D(2024, 5, 15), D(2024, 5, 15)),
    ("foia", D(2024, 4, 29), D(2024, 6, 28), D(2024, 6, 28)),
    # An "extension" to a date before the deadline does not bring it forward.
    ("foia", D(2024, 4, 29), D(2024, 4, 20), D(2024, 4, 29)),
    # EIR reg 7: at most 40 WD from receipt = 20 WD after the original due date (29 May).
    ("eir", D(2024, 4, 29), None, D(2024, 5, 29)),
    ("eir", D(2024, 4, 29), D(2024, 5, 10), D(2024, 5, 10)),
    ("eir", D(2024, 4, 29), D(2024, 6, 30), D(2024, 5, 29)),
    # FOISA has no extension: the deadline stays.
    ("foisa", D(2024, 4, 26), None, D(2024, 4, 26)),
    ("foisa", D(2024, 4, 26), D(2024, 5, 24), D(2024, 4, 26)),
]


@pytest.mark.parametrize(("law", "original", "stated", "extended"), EXTENSIONS)
def test_extended_deadline(law, original, stated, extended):
    assert extended_due_date(law, original, stated) == extended


def test_eir_complex_and_voluminous_requests_get_forty_working_days():
    # Received Thu 28 Mar 2024: the 20th WD is Mon 29 Apr (see REPLY_DUE), and 20 more WD
    # after that is Wed 29 May (see EXTENSIONS).
    assert eir_extended_due_date(D(2024, 3, 28)) == D(2024, 5, 29)
    assert eir_extended_due_date(datetime(2024, 3, 28, 9, 0, tzinfo=UTC)) == D(2024, 5, 29)


# A response (or review request) on Mon 3 Jun 2024. 20 WD: 4-7 Jun (4), 10-14 (9), 17-21 (14),
# 24-28 (19), Mon 1 Jul (20), for every law (no June holidays). 40 WD, FOIA/EIR: 2-5 Jul (24),
# 8-11 (28), Battle of the Boyne Fri 12 Jul closed, 15-19 (33), 22-26 (38), 29-30 Jul (40).
# FOISA works on 12 Jul: 2-5 (24), 8-12 (29), 15-19 (34), 22-26 (39), Mon 29 Jul (40).
REVIEWS = [
    # law, ask by, answer due, answer at the latest
    ("foia", D(2024, 7, 30), D(2024, 7, 1), D(2024, 7, 30)),  # Code of Practice: 40; 20 (40)
    ("foisa", D(2024, 7, 29), D(2024, 7, 1), D(2024, 7, 1)),  # s20(5): 40; s21(1): 20, no more
    ("eir", D(2024, 7, 30), D(2024, 7, 30), D(2024, 7, 30)),  # reg 11: 40; 40
]


@pytest.mark.parametrize(("law", "ask_by", "answer_due", "answer_latest"), REVIEWS)
def test_review_windows(law, ask_by, answer_due, answer_latest):
    assert review_request_deadline(law, D(2024, 6, 3)) == ask_by
    assert review_answer_due(law, D(2024, 6, 3)) == answer_due
    assert review_answer_latest(law, D(2024, 6, 3)) == answer_latest


# Due Fri 1 Mar 2024 under FOIA. Working days after it: 4-8 Mar (5), 11-15 (10); Mon 18 Mar is
# St Patrick's Day (observed) in Northern Ireland, so 19-22 (14), 25-28 (18); Good Friday 29 Mar
# and Easter Monday 1 Apr closed; Tue 2 Apr (19), Wed 3 Apr (20): the 40th WD after receipt.
# FOISA works on 18 Mar and Easter Monday: 25-28 Mar (19), Mon 1 Apr (20), Tue 2 Apr (21).
LATENESS = [
    ("foia", D(2024, 3, 1), D(2024, 2, 20), ON_TIME),
    ("foia", D(2024, 3, 1), D(2024, 3, 1), ON_TIME),  # due today: not late yet
    ("foia", D(2024, 3, 1), D(2024, 3, 2), Lateness("overdue", 0, 1)),  # Saturday after
    ("foia", D(2024, 3, 1), D(2024, 3, 4), Lateness("overdue", 1, 3)),
    ("foia", D(2024, 3, 1), D(2024, 3, 29), Lateness("overdue", 18, 28)),  # Good Friday
    ("foia", D(2024, 3, 1), D(2024, 4, 3), Lateness("overdue", 20, 33)),  # the 40th WD itself
    ("foia", D(2024, 3, 1), D(2024, 4, 4), Lateness("very_overdue", 21, 34)),
    ("foisa", D(2024, 3, 1), D(2024, 4, 2), Lateness("very_overdue", 21, 32)),
    # Due Fri 5 Jan 2024: 8-12 Jan (5), 15-19 (10), 22-26 (15), 29 Jan-2 Feb (20). On Fri 2 Feb
    # it is 20 WD late; on Sat 3 Feb the 20th WD has passed: very overdue, still 20 WD late.
    ("foia", D(2024, 1, 5), D(2024, 2, 2), Lateness("overdue", 20, 28)),
    ("foia", D(2024, 1, 5), D(2024, 2, 3), Lateness("very_overdue", 20, 29)),
]


@pytest.mark.parametrize(("law", "due", "today", "expected"), LATENESS)
def test_lateness(law, due, today, expected):
    assert lateness(law, due, today) == expected


def test_very_overdue_threshold_can_be_changed():
    # Due Fri 1 Mar 2024: 5 WD late on Fri 8 Mar, 6 on Mon 11 Mar.
    assert lateness("foia", D(2024, 3, 1), D(2024, 3, 8), 5).status == "overdue"
    assert lateness("foia", D(2024, 3, 1), D(2024, 3, 11), 5).status == "very_overdue"


WORKING_DAYS = [
    ("foia", D(2024, 12, 25), False),  # Christmas Day
    ("foia", D(2024, 3, 29), False),  # Good Friday
    ("foisa", D(2024, 4, 1), True),  # Easter Monday is not a Scottish bank holiday
    ("foia", D(2024, 4, 1), False),
    ("foia", D(2023, 7, 12), False),  # Battle of the Boyne (NI)
    ("foisa", D(2023, 7, 12), True),
    ("foia", D(2025, 3, 17), False),  # St Patrick's Day (NI)
    ("foisa", D(2025, 3, 17), True),
    ("foisa", D(2024, 11, 29), True),  # Friday before St Andrew's Day 2024
    ("foisa", D(2024, 12, 2), False),  # its substitute Monday
    ("foia", D(2024, 12, 2), False),
    ("foia", D(2022, 5, 30), True),  # the late May bank holiday moved to 2 June in 2022
    ("foia", D(2022, 6, 2), False),
    ("foia", D(2022, 6, 3), False),
    ("foia", D(2022, 9, 19), False),
    ("foia", D(2023, 5, 8), False),
    ("foia", D(2024, 6, 8), False),  # a Saturday
    ("foia", D(2024, 6, 10), True),
    # The first days the calendar knows: New Year's Day and 2 January were Scottish holidays.
    ("foia", D(1872, 1, 1), False),
    ("foia", D(1872, 1, 3), True),
]


@pytest.mark.parametrize(("law", "day", "working"), WORKING_DAYS)
def test_working_days(law, day, working):
    assert working_calendar(law).is_working_day(day) is working


def test_counting_back_and_between():
    uk = working_calendar("foia")
    # Five WD before Tue 2 Apr 2024: Easter Monday and Good Friday closed; 28, 27, 26, 25,
    # then Fri 22 Mar.
    assert uk.add_working_days(D(2024, 4, 2), -5) == D(2024, 3, 22)
    assert uk.add_working_days(D(2024, 4, 2), 0) == D(2024, 4, 2)
    assert uk.working_days_between(D(2024, 3, 1), D(2024, 4, 3)) == 20
    assert uk.working_days_between(D(2024, 4, 3), D(2024, 3, 1)) == -20
    assert uk.working_days_between(D(2024, 3, 2), D(2024, 3, 3)) == 0  # a weekend


def test_holidays_skipped_are_named_with_the_nations_that_keep_them():
    uk = working_calendar("foia")
    assert uk.closures_between(D(2022, 7, 1), D(2022, 9, 30)) == [
        (D(2022, 7, 12), "Battle of the Boyne (Northern Ireland)"),
        (D(2022, 8, 1), "Summer Bank Holiday (Scotland)"),
        (D(2022, 8, 29), "Late Summer Bank Holiday (England, Wales, Northern Ireland)"),
        (D(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
    ]
    assert working_calendar("foisa").closures_between(D(2022, 7, 1), D(2022, 9, 30)) == [
        (D(2022, 8, 1), "Summer Bank Holiday"),
        (D(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
    ]


def test_days_outside_the_known_years_are_refused():
    with pytest.raises(OutsideCalendar):
        due_date("foia", D(FIRST_YEAR - 1, 6, 1))
    with pytest.raises(OutsideCalendar):
        due_date("foia", D(LAST_YEAR, 12, 20))  # the 20th WD would fall after LAST_YEAR
    with pytest.raises(OutsideCalendar):
        working_calendar("foia").is_working_day(D(LAST_YEAR + 1, 1, 1))


def test_christmas_and_good_friday_are_closed_whatever_the_holiday_data_says():
    """FOIA names both days itself; a calendar built from no nations still closes them."""
    bare = WorkingCalendar("foia, no nations", [], working_calendar("foia")._closed_by_law)
    assert not bare.is_working_day(D(2024, 12, 25))
    assert not bare.is_working_day(D(2024, 3, 29))
    assert bare.is_working_day(D(2024, 4, 1))  # Easter Monday is only a bank holiday


def test_good_friday_matches_the_holiday_data_every_year():
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        england = holidays.GB(subdiv="ENG", years=year)
        assert england.get(good_friday(year)) == "Good Friday", year


def test_tables_agree_with_a_day_by_day_count():
    """The lookup tables give what walking the calendar one day at a time gives."""
    rng = random.Random(2000)
    for law in ("foia", "foisa"):
        calendar = working_calendar(law)
        for _ in range(300):
            start = D(2000, 1, 1) + timedelta(days=rng.randrange(365 * 40))
            n = rng.randrange(1, 60)
            day, counted = start, 0
            while counted < n:
                day += timedelta(days=1)
                counted += calendar.is_working_day(day)
            assert calendar.add_working_days(start, n) == day
            assert calendar.working_days_between(start, day) == n


def test_calendars_grow_safely_from_many_threads():
    calendar = WorkingCalendar("foia", ["ENG", "WLS", "SCT", "NIR"])
    years = list(range(1880, 2100, 7))
    results: dict[int, date] = {}
    errors: list[BaseException] = []

    def work(year: int) -> None:
        try:
            results[year] = calendar.add_working_days(D(year, 6, 1), 20)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(year,)) for year in years]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    fresh = WorkingCalendar("foia", ["ENG", "WLS", "SCT", "NIR"])
    assert results == {year: fresh.add_working_days(D(year, 6, 1), 20) for year in years}


@pytest.mark.parametrize("module", ["calendar.py", "deadlines.py"])
def test_deadline_modules_import_neither_flask_nor_the_database(module):
    path = Path(calendar_module.__file__).parent / module
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_sqlalchemy", "sqlalchemy"}
