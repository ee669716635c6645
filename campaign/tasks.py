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


def enqueue_send(request_id: int, eta: datetime | None = None) -> None:
    if eta is None:
        send_request_task(request_id)
    else:
        send_request_task.schedule((request_id,), eta=eta)


def _wait_for_slot(name: str, limit: int, per: int = 60) -> float:
    """Take one send slot in this window of `per` seconds; seconds to wait if none is left.

    A fixed-window counter in the queue's storage, shared by every worker process.
    """
    window = int(time.time()) // per
    count = huey.storage.incr(f"rate:{name}:{window}", 1)
    if count == 1:
        huey.storage.delete_counter(f"rate:{name}:{window - 1}")
    if count <= limit:
        return 0.0
    return (window + 1) * per - time.time()


def _respect_rates(app: Flask, to_address: str) -> float:
    """Seconds to hold this letter back to keep to the per-domain and overall rates."""
    config = app.config
    domain = recipient_domain(to_address)
    wait = _wait_for_slot(f"domain:{domain}", config["SEND_RATE_PER_DOMAIN_PER_MINUTE"])
    if wait:
        return wait
    return _wait_for_slot("all", config["SEND_RATE_PER_MINUTE"])


@huey.task(name="send_request")
def send_request_task(request_id: int) -> str:
    from campaign.extensions import db
    from campaign.models import Request
    from campaign.services.sending import SendOutcome, send_request, stale_claim

    with app_context() as app:
        request = db.session.get(Request, request_id)
        if request is None:
            return "missing"
        wait = _respect_rates(app, request.sent_to or "")
        if wait:
            send_request_task.schedule((request_id,), delay=max(int(wait) + 1, 1))
            return "throttled"
        report = send_request(request_id, transport_for(app))
        if report.outcome == SendOutcome.RETRY:
            send_request_task.schedule(
                (request_id,),
                delay=retry_delay_seconds(report.attempts, app.config["SEND_RETRY_BASE_SECONDS"]),
            )
        elif report.outcome == SendOutcome.UNKNOWN:
            # Give the provider's event log time to show whether it was accepted.
            send_request_task.schedule((request_id,), delay=int(stale_claim().total_seconds()) + 30)
        return report.outcome.value


@huey.periodic_task(crontab(minute="*/5"), name="requeue_stuck_sends")
def requeue_stuck_sends() -> int:
    """Re-queue sends a killed worker left behind; the claim makes duplicates harmless."""
    from campaign.services.sending import stuck_requests

    with app_context():
        ids = stuck_requests()
    for request_id in ids:
        send_request_task(request_id)
    if ids:
        log.info("re-queued %d stuck sends", len(ids))
    return len(ids)
