"""Working-day calendars: which days count, and date arithmetic over them without day-by-day loops.

A calendar closes Saturdays, Sundays, the bank holidays of some UK nations (from the `holidays`
package, observed days and one-off holidays included) and any days its law names on top, such as
Christmas Day. Which nations and which extra days belong to which law is decided in
`campaign.domain.deadlines`; this module only does the counting.

Every calendar keeps two tables over a span of years: the working days in order, and for each
date the position in that list of the last working day on or before it. Adding 20 working days
is then two list lookups, however many holidays sit in between, and "working days late" is a
subtraction. The span starts at 2000-2040 and grows when a date outside it is asked for, up to
the years the `holidays` package knows about.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
INITIAL_YEARS = (2000, 2040)
# The years the `holidays` package has UK bank holidays for (it starts after the 1871 Act).
FIRST_YEAR: int = holidays.GB.start_year
LAST_YEAR: int = holidays.GB.end_year
# Since double summer time ended in 1947 London has been UTC+0 or UTC+1 (checked against
# zoneinfo in the tests), so from 1948 only 23:xx UTC can fall on another London date.
_ONE_HOUR_AT_MOST_FROM = 1948
_NATION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


class OutsideCalendar(ValueError):
    """A date outside the years for which bank holidays are known."""


def london_date(moment: datetime) -> date:
    """The calendar date in London at an instant: the day a letter counts as received.

    A message delivered at 23:30 UTC on a summer evening arrived at 00:30 the next day in
    London, and that next day is the day of receipt. Most instants need no time zone lookup:
    since 1948 London is at most one hour ahead of UTC, so only times from 23:00 UTC can cross
    into the next day, and only those go through zoneinfo. A naive datetime is refused: it
    would silently mean whatever zone the server runs in.
    """
    zone = moment.tzinfo
    if zone is UTC:
        if moment.hour != 23 and moment.year >= _ONE_HOUR_AT_MOST_FROM:
            return moment.date()
    elif zone is LONDON:
        return moment.date()
    elif zone is None or moment.utcoffset() is None:
        raise ValueError("naive datetime given: the day of receipt needs a time zone")
    return moment.astimezone(LONDON).date()


def good_friday(year: int) -> date:
    """Good Friday of a year (Gregorian computus), for laws that close it by name."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday_shift) // 433
    month = (h + weekday_shift - 7 * m + 90) // 25
    day = (h + weekday_shift - 7 * m + 33 * month + 19) % 32
    return date(year, month, day) - timedelta(days=2)


class _Tables(NamedTuple):
    """One immutable snapshot of a calendar's lookups; replaced whole when the span grows."""

    first: int  # ordinal of 1 January of first_year: day i of the span is first + i
    latest: list[int]  # latest[i]: index in `dates` of the last working day on or before day i
    dates: list[date]  # every working day in order, so lookups return dates without building them
    first_year: int
    last_year: int


class WorkingCalendar:
    """The working days of one law: Monday to Friday except the holidays it recognises.

    Safe to share between threads: readers take one snapshot of the tables; growing the span
    builds new tables under a lock and swaps them in whole.
    """

    def __init__(
        self,
        name: str,
        nations: Iterable[str],
        closed_by_law: Callable[[int], dict[date, str]] = lambda year: {},
    ) -> None:
        self.name = name
        self.nations = tuple(nations)
        self._closed_by_law = closed_by_law
        self._closures: dict[date, str] = {}
        self._loaded_years: set[int] = set()
        self._lock = threading.Lock()
        self._tables = self._build(*INITIAL_YEARS)

    def __repr__(self) -> str:
        return f"WorkingCalendar({self.name!r}, {'+'.join(self.nations)})"

    def is_working_day(self, day: date) -> bool:
        """True if `day` counts towards a deadline under this calendar."""
        first, latest, _, _, _ = self._tables
        i = day.toordinal() - first
        if not 0 <= i < len(latest):
            first, latest, _, _, _ = self._covering(day.year, day.year)
            i = day.toordinal() - first
        return latest[i] != (latest[i - 1] if i else -1)

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """The nth working day after `start` (`start` itself need not be one); n < 0 counts back.

        With n = 20 and the day of receipt as `start`, this is the statutory reply date:
        day one is the first working day after the day of receipt. An aware datetime stands
        for its London date (see `london_date`).
        """
        if isinstance(start, datetime) and (
            # london_date's fast path, inlined: the overdue sweep passes every request through.
            start.tzinfo is not UTC or start.hour == 23 or start.year < _ONE_HOUR_AT_MOST_FROM
        ):
            start = london_date(start)
        first, latest, dates, _, _ = self._tables
        i = start.toordinal() - first
        if i >= 0 and n > 0:
            try:
                return dates[latest[i] + n]
            except IndexError:
                pass
        return self._add_anywhere(start, n)

    def working_days_between(self, after: date, until: date) -> int:
        """Working days after `after` up to and including `until`; negative if `until` is earlier.

        This is "working days late" when `after` is the due date and `until` is today.
        """
        first, latest, _, _, _ = self._tables
        a, b = after.toordinal() - first, until.toordinal() - first
        if not (0 <= a < len(latest) and 0 <= b < len(latest)):
            low, high = sorted((after.year, until.year))
            first, latest, _, _, _ = self._covering(low, high)
            a, b = after.toordinal() - first, until.toordinal() - first
        return latest[b] - latest[a]

    def closures_between(self, after: date, until: date) -> list[tuple[date, str]]:
        """Weekdays after `after` up to and including `until` that are not working days, named.

        This is what a deadline skipped besides weekends, for explaining a due date.
        """
        self._covering(after.year, until.year)
        days = (after + timedelta(days=n) for n in range(1, (until - after).days + 1))
        return [(day, self._closures[day]) for day in days if day in self._closures]

    def _add_anywhere(self, start: date | datetime, n: int) -> date:
        """add_working_days for any start and n, growing the span as far as it has to."""
        if isinstance(start, datetime):
            start = london_date(start)
        if n == 0:
            return start
        # About 250 working days a year; one spare year absorbs any run of holidays.
        years = -(-abs(n) // 250) + 1
        low, high = (start.year, start.year + years) if n > 0 else (start.year - years, start.year)
        first, latest, dates, _, _ = self._covering(
            max(low, FIRST_YEAR), min(high, LAST_YEAR), start.year
        )
        i = start.toordinal() - first
        # Forward from the last working day on or before `start`; back from the last one before.
        before = latest[i - 1] if i else -1
        k = latest[i] + n if n > 0 else before + n + 1
        if not 0 <= k < len(dates):
            raise OutsideCalendar(
                f"{abs(n)} working days from {start.isoformat()} leave the years with known "
                f"bank holidays ({FIRST_YEAR}-{LAST_YEAR})"
            )
        return dates[k]

    def _covering(self, low: int, high: int, *also: int) -> _Tables:
        """Tables whose span includes the years low..high, growing the span if needed."""
        low, high = min((low, *also)), max((high, *also))
        tables = self._tables
        if tables.first_year <= low and high <= tables.last_year:
            return tables
        if low < FIRST_YEAR or high > LAST_YEAR:
            year = low if low < FIRST_YEAR else high
            raise OutsideCalendar(
                f"bank holidays are known for {FIRST_YEAR}-{LAST_YEAR} only, not {year}"
            )
        with self._lock:
            tables = self._tables
            if not (tables.first_year <= low and high <= tables.last_year):
                tables = self._build(min(low, tables.first_year), max(high, tables.last_year))
                self._tables = tables
            return tables

    def _build(self, first_year: int, last_year: int) -> _Tables:
        """Tables for 1 January first_year to 31 December last_year (a few ms per decade)."""
        self._load_closures(first_year, last_year)
        closures = self._closures
        first = date(first_year, 1, 1).toordinal()
        latest: list[int] = []
        dates: list[date] = []
        for ordinal in range(first, date(last_year, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            if day.weekday() < 5 and day not in closures:
                dates.append(day)
            latest.append(len(dates) - 1)
        return _Tables(first, latest, dates, first_year, last_year)

    def _load_closures(self, first_year: int, last_year: int) -> None:
        """Name every weekday closure in the years not loaded yet (weekends need no names)."""
        years = [y for y in range(first_year, last_year + 1) if y not in self._loaded_years]
        if not years:
            return
        nations_by_name: dict[date, dict[str, list[str]]] = {}
        for nation in self.nations:
            calendar = holidays.GB(subdiv=nation, years=years)
            for day in calendar:
                for name in calendar.get_list(day):
                    nations_by_name.setdefault(day, {}).setdefault(name, []).append(nation)
        for year in years:
            for day, name in self._closed_by_law(year).items():
                nations_by_name.setdefault(day, {})[name] = list(self.nations)
        for day, names in nations_by_name.items():
            if day.weekday() < 5:
                self._closures[day] = "; ".join(
                    self._label(name, nations) for name, nations in names.items()
                )
        self._loaded_years.update(years)

    def _label(self, name: str, nations: list[str]) -> str:
        """A holiday's name, with the nations it belongs to unless it is kept everywhere."""
        if len(set(nations)) == len(self.nations):
            return name
        where = ", ".join(_NATION_NAMES.get(n, n) for n in self.nations if n in nations)
        return f"{name} ({where})"
