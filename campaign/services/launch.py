"""Launching a campaign: one Request per target authority, queued for the worker to send."""

from __future__ import annotations

from dataclasses import dataclass, field

from campaign.models import Campaign


@dataclass
class LaunchResult:
    queued: int = 0
    already_launched: int = 0
    # (authority name, reason) for every target that was not queued, e.g. no FOI email.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def launch_campaign(campaign: Campaign, user_id: int | None = None) -> LaunchResult:
    """Create the campaign's Requests and queue them for sending (being written)."""
    raise NotImplementedError


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """Counts for the progress bar: total, queued, sent, delivered, failed, skipped (being written)."""
    raise NotImplementedError
