"""Benchmark: reply deadlines and lateness for 100,000 requests against a plain datetime loop.

    python bench/deadlines.py [--requests 100000] [--repeat 5] [--seed 2005]

The requests are spread over ten years (2016-2025) at random times of day, under FOIA, FOISA
and EIR in turn, each received as an aware UTC datetime. "Ours" does what the overdue sweep
does for each one through the public functions: the London day of receipt, the 20th working day
after it on the law's calendar, and the status against a fixed today. The floor, timed in the
same run over the same loop and inputs, is `received + timedelta(days=28)` and nothing else;
`ratio` is our time over its time. A stricter floor that builds the timedelta once, outside the
loop, is reported next to it (`floor_hoisted_per_s`, `ratio_to_hoisted`): that loop is one C
call per request, cheaper than the two Python calls our loop has to make. Each loop runs
`--repeat` times, interleaved, and its best run counts. Building the calendars (once per
process) is timed on its own, not inside the loop. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign.domain.deadlines import (  # noqa: E402
    Lateness,
    due_date,
    lateness,
    working_calendar,
)

LAWS = ("foia", "foisa", "eir")
TODAY = date(2025, 9, 1)
FOUR_WEEKS = timedelta(days=28)


def make_requests(count: int, seed: int) -> list[tuple[str, datetime]]:
    """(law, received) pairs: ten years of receipt instants, laws in turn."""
    rng = random.Random(seed)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 1, 1, tzinfo=UTC) - start).total_seconds())
    return [(LAWS[i % 3], start + timedelta(seconds=rng.randrange(span))) for i in range(count)]


def ours(requests: list[tuple[str, datetime]]) -> tuple[float, list[Lateness]]:
    """Seconds to work out every request's due date and its lateness today, as the sweep does."""
    started = time.perf_counter()
    dues, states = [], []
    for law, received in requests:
        due = due_date(law, received)
        dues.append(due)
        states.append(lateness(law, due, TODAY))
    return time.perf_counter() - started, states


def floor(requests: list[tuple[str, datetime]]) -> float:
    """Seconds for the naive deadline: four calendar weeks after each receipt time."""
    started = time.perf_counter()
    dues = []
    for _law, received in requests:
        dues.append(received + timedelta(days=28))
    return time.perf_counter() - started


def floor_hoisted(requests: list[tuple[str, datetime]]) -> float:
    """The same with the timedelta built once: the least any deadline code could do."""
    started = time.perf_counter()
    dues = []
    for _law, received in requests:
        dues.append(received + FOUR_WEEKS)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2005)
    args = parser.parse_args()

    requests = make_requests(args.requests, args.seed)
    started = time.perf_counter()
    for law in LAWS:
        working_calendar(law)
    build_seconds = time.perf_counter() - started

    our_times, floor_times, hoisted_times = [], [], []
    for _ in range(args.repeat):
        seconds, states = ours(requests)
        our_times.append(seconds)
        floor_times.append(floor(requests))
        hoisted_times.append(floor_hoisted(requests))
    ours_best, floor_best, hoisted_best = min(our_times), min(floor_times), min(hoisted_times)
    statuses = dict(sorted(Counter(state.status for state in states).items()))

    per_s = args.requests / ours_best
    floor_per_s = args.requests / floor_best
    hoisted_per_s = args.requests / hoisted_best
    ratio = ours_best / floor_best
    print(f"calendars built once in {build_seconds * 1000:.1f} ms")
    print(f"requests: {args.requests:,} over 2016-2025, laws {'/'.join(LAWS)}, today {TODAY}")
    print(f"statuses: {statuses}")
    print(f"ours  (London day + due date + lateness):  {per_s:>12,.0f} requests/s")
    print(f"floor (received + timedelta(days=28)):     {floor_per_s:>12,.0f} requests/s")
    print(f"floor, timedelta built once:               {hoisted_per_s:>12,.0f} requests/s")
    print(f"ratio (ours time / floor time): {ratio:.2f} (target <= 5)")
    print(f"ratio to the floor with the timedelta built once: {ours_best / hoisted_best:.2f}")
    print(
        json.dumps(
            {
                "requests": args.requests,
                "per_s": round(per_s),
                "floor_per_s": round(floor_per_s),
                "ratio": round(ratio, 2),
                "floor_hoisted_per_s": round(hoisted_per_s),
                "ratio_to_hoisted": round(ours_best / hoisted_best, 2),
                "build_ms": round(build_seconds * 1000, 1),
                "repeat": args.repeat,
                "statuses": statuses,
            }
        )
    )


if __name__ == "__main__":
    main()
