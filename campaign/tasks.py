"""Background jobs. The queue is huey: a SQLite file in the data directory by default, Redis when
REDIS_URL is set, and immediate (in-process) mode in tests.

Start a worker with `campaign worker` (or `huey_consumer campaign.tasks.huey`).
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage

from campaign.config import finalise, settings_from_env
from campaign.domain.pacing import recipient_domain

log = logging.getLogger(__name__)


class _QueueFile(SqliteStorage):
    """The embedded queue with SQLite's WAL + synchronous=NORMAL: safe from corruption, and no
    disk flush per job. A job lost to a power cut is re-queued from the database's own state."""

    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=1")
        return connection


class _SqliteQueue(SqliteHuey):
    storage_class = _QueueFile


def _make_huey() -> Huey:
    settings = finalise(settings_from_env())
    # Jobs record their outcomes in the database; the queue keeps no results.
    if settings["REDIS_URL"]:
        return RedisHuey("foi-campaign", url=settings["REDIS_URL"], results=False)
    Path(settings["QUEUE_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    return _SqliteQueue("foi-campaign", filename=settings["QUEUE_PATH"], timeout=30, results=False)


huey = _make_huey()
_worker_app: Flask | None = None


@contextmanager
def app_context():
    """The caller's app when there is one (web request, CLI, tests), else the worker's own."""
    global _worker_app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _worker_app is None:
        from campaign import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        yield _worker_app


def transport_for(app: Flask):
    """One transport per app, created on first use (a Mailgun client keeps its HTTP session)."""
    from campaign.mail.transports import transport_from_config

    if "transport" not in app.extensions:
        app.extensions["transport"] = transport_from_config(app.config)
    return app.extensions["transport"]


def retry_delay_seconds(attempts: int, base: int = 30) -> int:
    """base, 2 x base, 4 x base ... capped at an hour."""
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def enqueue_send(request_ids: list[int], eta: datetime | None = None) -> None:
    """Queue one batch of letters, now or at `eta`."""
    if eta is None:
        send_batch_task(request_ids)
    else:
        send_batch_task.schedule((request_ids,), eta=eta)


def _take_slots(name: str, wanted: int, limit: int, per: int = 60) -> tuple[int, float]:
    """Take up to `wanted` send slots in this window of `per` seconds: (granted, seconds until
    the next window). A fixed-window counter in the queue's storage, shared by all workers."""
    window = int(time.time()) // per
    key = f"rate:{name}:{window}"
    count = huey.storage.incr(key, wanted)
    if count == wanted:  # first use of this window: drop the last one's counter
        huey.storage.delete_counter(f"rate:{name}:{window - 1}")
    granted = max(0, min(wanted, limit - (count - wanted)))
    if granted < wanted:
        huey.storage.incr(key, granted - wanted)  # give back what was not used
    return granted, (window + 1) * per - time.time()


def _within_rates(app: Flask, letters: list[tuple[int, str]]) -> tuple[list[int], list[int], float]:
    """Split (request id, address) pairs into those that may go now and those held back to
    keep to the per-domain and overall rates, with how long to hold them."""
    by_domain: dict[str, list[int]] = {}
    for request_id, address in letters:
        by_domain.setdefault(recipient_domain(address), []).append(request_id)
    allowed: list[int] = []
    held: list[int] = []
    wait = 0.0
    for domain, ids in by_domain.items():
        granted, until = _take_slots(
            f"domain:{domain}", len(ids), app.config["SEND_RATE_PER_DOMAIN_PER_MINUTE"]
        )
        allowed += ids[:granted]
        held += ids[granted:]
        if granted < len(ids):
            wait = max(wait, until)
    granted, until = _take_slots("all", len(allowed), app.config["SEND_RATE_PER_MINUTE"])
    if granted < len(allowed):
        held += allowed[granted:]
        allowed = allowed[:granted]
        wait = max(wait, until)
    return allowed, held, wait


@huey.task(name="send_batch")
def send_batch_task(request_ids: list[int]) -> dict[str, int]:
    """Send a batch of queued letters; retries and held-back letters are queued again."""
    from campaign.services.sending import SendOutcome, load_pending, send_batch, stale_claim

    with app_context() as app:
        # Read once: the addresses for the rate limits, and everything the letters need.
        pending = load_pending(request_ids)
        allowed, held, wait = _within_rates(
            app, [(request.id, request.address) for request in pending.values()]
        )
        if held:
            send_batch_task.schedule((held,), delay=max(int(wait) + 1, 1))
        reports = send_batch(allowed, transport_for(app), pending) if allowed else []
        retry = [r for r in reports if r.outcome == SendOutcome.RETRY]
        if retry:
            attempts = min(r.attempts for r in retry)
            base = app.config["SEND_RETRY_BASE_SECONDS"]
            send_batch_task.schedule(
                ([r.request_id for r in retry],), delay=retry_delay_seconds(attempts, base)
            )
        unknown = [r.request_id for r in reports if r.outcome == SendOutcome.UNKNOWN]
        if unknown:
            # Give the provider's event log time to show whether they were accepted.
            send_batch_task.schedule((unknown,), delay=int(stale_claim().total_seconds()) + 30)
        counts: dict[str, int] = {"held": len(held)}
        for report in reports:
            counts[report.outcome.value] = counts.get(report.outcome.value, 0) + 1
        return counts


@huey.periodic_task(crontab(minute="*/5"), name="requeue_stuck_sends")
def requeue_stuck_sends() -> int:
    """Re-queue sends a killed worker left behind; the claim makes duplicates harmless."""
    from campaign.services.launch import BATCH_SIZE
    from campaign.services.sending import stuck_requests

    with app_context():
        ids = stuck_requests()
    for start in range(0, len(ids), BATCH_SIZE):
        send_batch_task(ids[start : start + BATCH_SIZE])
    if ids:
        log.info("re-queued %d stuck sends", len(ids))
    return len(ids)


@huey.task(name="process_message")
def process_message_task(message_pk: int) -> str:
    """Read, match and apply one stored inbound message (see services.replies)."""
    from campaign.services.replies import process_message

    with app_context():
        return process_message(message_pk).state.value


@huey.periodic_task(crontab(hour="6", minute="15"), name="sweep_deadlines")
def sweep_deadlines() -> str:
    """Every morning: set due dates and mark late requests (see services.deadlines)."""
    from campaign.services.deadlines import sweep

    with app_context():
        result = sweep()
    log.info(result.summary)
    return result.summary


@huey.task(name="store_message")
def store_message_task(sha256: str, source: str) -> str:
    """Store the rows of a message the webhook accepted, then read, match and apply it."""
    from campaign.domain.vocabulary import MessageSource
    from campaign.services.ingest import store_accepted
    from campaign.services.replies import process_message

    with app_context():
        stored = store_accepted(sha256, MessageSource(source))
        if stored.message_id is None or stored.duplicate:
            return "duplicate" if stored.duplicate else f"refused: {stored.error}"
        return process_message(stored.message_id).state.value


@huey.periodic_task(crontab(minute="*/5"), name="process_stored_messages")
def process_stored_messages() -> int:
    """Queue mail whose job was lost: accepted but not stored, or stored but not processed."""
    from datetime import timedelta

    from campaign.models.base import utcnow
    from campaign.services.delivery import prune_webhook_tokens
    from campaign.services.ingest import accepted_before, stored_before

    with app_context():
        cutoff = utcnow() - timedelta(minutes=5)
        accepted = accepted_before(cutoff)
        ids = stored_before(cutoff)
        prune_webhook_tokens()
    for sha256, source in accepted:
        store_message_task(sha256, source.value)
    for message_pk in ids:
        process_message_task(message_pk)
    if accepted or ids:
        log.info("queued %d accepted and %d stored messages", len(accepted), len(ids))
    return len(accepted) + len(ids)


@huey.periodic_task(crontab(minute="*"), name="poll_mailbox")
def poll_mailbox_task() -> str:
    """Every minute, when IMAP_HOST is set: store the mailbox's new mail (see mailbox_poll).

    Reads batches for up to 45 seconds, so a large backlog drains over a few runs; after a
    failure it waits (doubling, at most 30 minutes) before trying again.
    """
    from campaign.services.mailbox_poll import imap_settings, poll_mailbox

    with app_context():
        settings = imap_settings()
        if settings is None:
            return "no mailbox"
        result = poll_mailbox(settings, respect_backoff=True, time_budget=45)
    if result.stored or result.error:
        log.info(result.summary())
    return result.summary()


@huey.task(name="poll_mailbox_now")
def poll_mailbox_now_task() -> str:
    """A person asked for the mailbox to be read now: no waiting out a failure's backoff."""
    from campaign.services.mailbox_poll import imap_settings, poll_mailbox

    with app_context():
        settings = imap_settings()
        if settings is None:
            return "no mailbox"
        return poll_mailbox(settings, time_budget=45).summary()


@huey.periodic_task(crontab(minute="*/2"), name="notify")
def notify_task() -> str:
    """Every two minutes: collect notifications and email the people who want them at once."""
    from campaign.services.notifications import collect, send_immediate

    with app_context():
        created = collect()
        sent = send_immediate()
    return f"{created} notifications, {sent} emails"


@huey.periodic_task(crontab(hour="7-20", minute="30"), name="send_digests")
def send_digests_task() -> str:
    """Each morning at 7:30 (the worker's clock), the daily digests; the later runs
    only catch up a digest a stopped worker missed: one per user per day, never two."""
    from campaign.services.notifications import collect, send_digests

    with app_context():
        collect()
        run = send_digests()
    return f"{run.sent} sent, {run.empty} with nothing to say, {run.failed} failed"


def enqueue_follow_ups(message_pks: list[int]) -> None:
    """Queue the sending of chasers and review requests, one job each."""
    for message_pk in message_pks:
        send_follow_up_task(message_pk)


@huey.task(name="send_follow_up")
def send_follow_up_task(message_pk: int) -> str:
    """Send one queued chaser or review request within the send rates; retries, waits for a
    reply being read, and reconciliations of unanswered sends are queued again."""
    from campaign.extensions import db
    from campaign.models import Message
    from campaign.services.followups import SendOutcome, send_follow_up

    with app_context() as app:
        message = db.session.get(Message, message_pk)
        if message is None:
            return SendOutcome.SKIPPED.value
        _, held, wait = _within_rates(app, [(message_pk, message.to_address)])
        if held:
            send_follow_up_task.schedule((message_pk,), delay=max(int(wait) + 1, 1))
            return "held"
        report = send_follow_up(message_pk, transport_for(app))
        delay = {
            SendOutcome.RETRY: retry_delay_seconds(
                report.attempts, app.config["SEND_RETRY_BASE_SECONDS"]
            ),
            # Give the provider's event log time to show whether it was accepted.
            SendOutcome.UNKNOWN: app.config["SEND_STALE_CLAIM_SECONDS"] + 30,
            SendOutcome.WAIT: 60,
        }.get(report.outcome)
        if delay is not None:
            send_follow_up_task.schedule((message_pk,), delay=delay)
        return report.outcome.value


@huey.periodic_task(crontab(hour="7", minute="0"), name="climb_follow_up_ladders")
def climb_follow_up_ladders() -> list[str]:
    """Every morning, after the deadline sweep: the escalation ladder of every campaign that
    has it on. Running it twice in a day queues nothing new."""
    from campaign.services.followups import run_all_ladders

    with app_context():
        summaries = [run.summary for run in run_all_ladders()]
    for summary in summaries:
        log.info(summary)
    return summaries


@huey.periodic_task(crontab(minute="*/5"), name="requeue_stuck_follow_ups")
def requeue_stuck_follow_ups() -> int:
    """Re-queue follow-ups a killed worker left behind; the claim makes duplicates harmless."""
    from campaign.services.followups import stuck_follow_ups

    with app_context():
        ids = stuck_follow_ups()
    enqueue_follow_ups(ids)
    return len(ids)


@huey.task(name="reparse_answers")
def reparse_answers_task(campaign_pk: int, user_id: int | None = None) -> str:
    """Read every final reply of a campaign again with the current parser (see
    services.answers); a person's corrections are kept."""
    from campaign.extensions import db
    from campaign.models import Campaign
    from campaign.services.answers import reparse_campaign

    with app_context():
        campaign = db.session.get(Campaign, campaign_pk)
        if campaign is None:
            return "no such campaign"
        return reparse_campaign(campaign, user_id=user_id).summary
