"""When each letter of a launch may go: no faster than the overall and per-domain rates.

Many councils share one mail gateway; a burst of hundreds of letters to one domain looks like
spam and gets deferred. Planning send times at launch spreads the load so the queue seldom
has to hold a letter back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta


def recipient_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower()


def plan_send_times(
    addresses: Sequence[str],
    start: datetime,
    per_minute: int,
    per_domain_per_minute: int,
) -> list[datetime]:
    """A send time for each address, in the given order, respecting both rates.

    Letters to different domains interleave: the n-th letter to a domain waits n/rate minutes
    for its domain, and never goes before the overall slot that comes free next.
    """
    overall_gap = 60.0 / max(per_minute, 1)
    domain_gap = 60.0 / max(per_domain_per_minute, 1)
    seen: dict[str, int] = defaultdict(int)
    earliest = []
    for address in addresses:
        domain = recipient_domain(address)
        earliest.append(seen[domain] * domain_gap)
        seen[domain] += 1
    order = sorted(range(len(addresses)), key=lambda i: (earliest[i], i))
    times: list[datetime] = [start] * len(addresses)
    next_free = 0.0
    for i in order:
        at = max(earliest[i], next_free)
        times[i] = start + timedelta(seconds=at)
        next_free = at + overall_gap
    return times
