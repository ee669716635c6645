"""Launch pacing keeps to the overall rate and to each recipient domain's rate."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from campaign.domain.pacing import plan_send_times, recipient_domain

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_recipient_domain_ignores_case_and_local_part():
    assert recipient_domain("FOI@Leeds.GOV.uk") == "leeds.gov.uk"


def test_letters_to_one_shared_gateway_are_spaced_by_the_domain_rate():
    addresses = [f"foi{i}@gateway.gov.uk" for i in range(5)]
    times = plan_send_times(addresses, START, per_minute=600, per_domain_per_minute=20)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert times[0] == START and gaps == [3.0] * 4


def test_different_domains_interleave_at_the_overall_rate():
    addresses = ["a@one.gov.uk", "b@one.gov.uk", "c@two.gov.uk", "d@three.gov.uk"]
    times = plan_send_times(addresses, START, per_minute=60, per_domain_per_minute=1)
    assert times[0] == START
    assert times[2] == START + timedelta(seconds=1)
    assert times[3] == START + timedelta(seconds=2)
    assert times[1] == START + timedelta(seconds=60)


def test_no_minute_exceeds_either_rate_for_a_big_launch():
    addresses = [f"foi@council{i % 40}.gov.uk" for i in range(2000)]
    times = plan_send_times(addresses, START, per_minute=300, per_domain_per_minute=20)
    per_minute: dict[int, int] = defaultdict(int)
    per_domain_minute: dict[tuple[str, int], int] = defaultdict(int)
    for address, at in zip(addresses, times, strict=True):
        minute = int((at - START).total_seconds() // 60)
        per_minute[minute] += 1
        per_domain_minute[(recipient_domain(address), minute)] += 1
    assert max(per_minute.values()) <= 300
    assert max(per_domain_minute.values()) <= 20
    assert len(set(times)) == len(times)
