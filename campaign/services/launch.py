"""Launching a campaign: one Request per target authority, queued for the worker to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from campaign.domain.pacing import plan_send_times
from campaign.domain.tokens import new_token
from campaign.domain.vocabulary import CampaignStatus, RequestStatus
from campaign.extensions import db
from campaign.models import Authority, Campaign, Request
from campaign.models.base import utcnow
from campaign.services.statuses import change_status, record_event

NO_EMAIL = "no FOI email address"
BATCH_SIZE = 25
BATCH_WINDOW = timedelta(seconds=5)  # letters planned this close together go in one job
# Statuses that count as "sent" for the progress bar: everything past the queue.
_PAST_QUEUE = {s.value for s in RequestStatus} - {
    RequestStatus.DRAFT.value,
    RequestStatus.QUEUED.value,
    RequestStatus.DELIVERY_FAILED.value,
    RequestStatus.WITHDRAWN.value,
}


@dataclass
class LaunchResult:
    queued: int = 0
    already_launched: int = 0
    # (authority name, reason) for every target that was not queued, e.g. no FOI email.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def launch_campaign(campaign: Campaign, user_id: int | None = None) -> LaunchResult:
    """Create the campaign's Requests and queue them; launching again only adds what is new.

    Targets without an email get a draft Request carrying the reason, so they stay visible and
    go out on a later launch once an address is added.
    """
    from campaign.services.campaigns import law_code_for, select_targets, snapshot_letter
    from campaign.services.sending import insert_rows
    from campaign.tasks import enqueue_send

    targets = select_targets(campaign)
    existing = {
        r.authority_id: r
        for r in db.session.scalars(sa.select(Request).where(Request.campaign_id == campaign.id))
    }
    result = LaunchResult()
    now = utcnow()
    new_rows: list[dict] = []
    requeued: list[tuple[int, str]] = []

    def new_row(
        authority: Authority, status: RequestStatus, sent_to: str | None, reason: str | None
    ) -> dict:
        return {  # the same keys for every row: they are inserted as one statement
            "campaign_id": campaign.id,
            "authority_id": authority.id,
            "token": new_token(),
            "status": status.value,
            "status_changed_at": now,
            "law": law_code_for(campaign, authority).value,
            "sent_to": sent_to,
            "failure_reason": reason,
        }

    for authority in targets.without_email:
        result.skipped.append((authority.name, NO_EMAIL))
        if authority.id not in existing:
            new_rows.append(new_row(authority, RequestStatus.DRAFT, None, NO_EMAIL))
    for authority in targets.with_email:
        request = existing.get(authority.id)
        if request is None:
            new_rows.append(new_row(authority, RequestStatus.QUEUED, authority.foi_email, None))
        elif request.status == RequestStatus.DRAFT.value:
            request.sent_to = authority.foi_email
            request.failure_reason = None
            change_status(request, RequestStatus.QUEUED, user_id=user_id)
            requeued.append((request.id, request.sent_to or ""))
        else:
            result.already_launched += 1

    to_queue = list(requeued)
    table = Request.__table__  # one statement: a launch to thousands stays quick
    inserted = insert_rows(table, new_rows, table.c.id, table.c.status, table.c.sent_to)
    to_queue += [(rid, to or "") for rid, status, to in sorted(inserted) if status == "queued"]

    if campaign.status == CampaignStatus.DRAFT.value:
        campaign.status = CampaignStatus.LIVE.value
        campaign.launched_at = now
        snapshot_letter(campaign, user_id)
    record_event(
        "campaign_launched",
        campaign_id=campaign.id,
        user_id=user_id,
        queued=len(to_queue),
        skipped=len(result.skipped),
    )
    db.session.commit()  # requests are durable before any task can look for them

    config = current_app.config
    times = plan_send_times(
        [address for _, address in to_queue],
        now,
        config["SEND_RATE_PER_MINUTE"],
        config["SEND_RATE_PER_DOMAIN_PER_MINUTE"],
    )
    ids_and_times = [(rid, at) for (rid, _), at in zip(to_queue, times, strict=True)]
    for batch, at in batches_by_time(ids_and_times, BATCH_SIZE, BATCH_WINDOW):
        enqueue_send(batch, eta=None if at <= now + BATCH_WINDOW else at)
    result.queued = len(ids_and_times)
    return result


def batches_by_time(
    ids_and_times: list[tuple[int, datetime]], size: int, window: timedelta
) -> list[tuple[list[int], datetime]]:
    """Group planned sends into batches of at most `size` whose times lie within `window` of
    the first; each batch goes at its first letter's time."""
    batches: list[tuple[list[int], datetime]] = []
    for request_id, at in sorted(ids_and_times, key=lambda pair: (pair[1], pair[0])):
        if batches and len(batches[-1][0]) < size and at - batches[-1][1] <= window:
            batches[-1][0].append(request_id)
        else:
            batches.append(([request_id], at))
    return batches


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """Counts for the progress bar: total, queued, sent, delivered, failed, skipped."""
    rows = db.session.execute(
        sa.select(
            Request.status,
            sa.func.count(),
            sa.func.count(Request.delivered_at),
        )
        .where(Request.campaign_id == campaign.id)
        .group_by(Request.status)
    ).all()
    progress = {"total": 0, "queued": 0, "sent": 0, "delivered": 0, "failed": 0, "skipped": 0}
    for status, n, delivered in rows:
        progress["total"] += n
        progress["delivered"] += delivered
        if status == RequestStatus.QUEUED.value:
            progress["queued"] += n
        elif status == RequestStatus.DELIVERY_FAILED.value:
            progress["failed"] += n
        elif status == RequestStatus.DRAFT.value:
            progress["skipped"] += n
        elif status in _PAST_QUEUE:
            progress["sent"] += n
    return progress
