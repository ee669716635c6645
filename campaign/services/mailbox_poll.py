"""Polling a mailbox over IMAP into the store-first pipeline, without losing or doubling mail.

Each unread message is fetched without marking it read, stored (`store_inbound` commits it
with its files and queues its processing), and only then marked read or moved. A crash in
between leaves it unread: the next poll fetches it again and the store recognises its
Message-Id, so it is stored once, never zero times or twice. A message the tool will not take
(larger than INBOUND_MAX_MB, empty) is set aside in the mailbox with a keyword, unread, and
named on the settings page; nothing is deleted.

Failures (server down, slow, wrong password) are recorded on the mailbox's status row with
the reason, and the periodic poll waits before trying again: 1, 2, 4 ... up to 30 minutes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.imap import ImapError, ImapSettings, Mailbox
from campaign.mail.inbound import human_size
from campaign.models import MailboxPoll
from campaign.models.base import utcnow
from campaign.services.ingest import max_inbound_bytes, store_inbound

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=30)
MAX_NOTES = 20


@dataclass
class PollResult:
    """What one poll did; `error` set means it stopped there and will be retried."""

    mailbox: str
    stored: int = 0
    duplicates: int = 0
    set_aside: list[str] = field(default_factory=list)
    waiting: int = 0
    error: str | None = None
    deferred_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.deferred_until is None

    def summary(self) -> str:
        if self.deferred_until is not None:
            return (
                f"{self.mailbox}: not polled, waiting after failures until "
                f"{self.deferred_until:%H:%M:%S} UTC"
            )
        parts = [f"{self.stored} stored", f"{self.duplicates} already stored"]
        if self.set_aside:
            parts.append(f"{len(self.set_aside)} set aside")
        parts.append(f"{self.waiting} still waiting")
        text = f"{self.mailbox}: " + ", ".join(parts)
        return text + (f"; stopped: {self.error}" if self.error else "")


def imap_settings() -> ImapSettings | None:
    """The configured mailbox, or None when IMAP_HOST is not set."""
    config = current_app.config
    if not config.get("IMAP_HOST"):
        return None
    return ImapSettings(
        host=config["IMAP_HOST"],
        port=int(config["IMAP_PORT"]),
        user=config["IMAP_USER"],
        password=config["IMAP_PASSWORD"],
        folder=config.get("IMAP_FOLDER") or "INBOX",
        tls=bool(config.get("IMAP_TLS", True)),
        ca_file=config.get("IMAP_CA_FILE") or None,
        move_to=config.get("IMAP_MOVE_TO") or None,
        timeout=float(config.get("IMAP_TIMEOUT_SECONDS", 30)),
    )


def poll_mailbox(
    settings: ImapSettings,
    *,
    batch: int | None = None,
    respect_backoff: bool = False,
    time_budget: float | None = None,
) -> PollResult:
    """Store the mailbox's unread messages, `batch` at a time, for up to `time_budget` seconds.

    With no time budget one batch is read; with one, batches follow each other until the
    folder is empty or the budget is spent (the periodic job reads a large backlog that way).
    """
    status = _status_row(settings.label)
    result = PollResult(mailbox=settings.label)
    now = utcnow()
    if respect_backoff and status.next_attempt_at and status.next_attempt_at > now:
        result.deferred_until = status.next_attempt_at
        return result
    status.last_attempt_at = now
    db.session.commit()
    batch = batch or int(current_app.config.get("IMAP_BATCH", 200))
    started = time.monotonic()
    try:
        with Mailbox(settings) as mailbox:
            while True:
                waiting = mailbox.waiting_uids()
                taken = waiting[:batch]
                _read_batch(mailbox, taken, result)
                result.waiting = len(waiting) - len(taken)
                out_of_time = time_budget is None or time.monotonic() - started > time_budget
                if not result.waiting or out_of_time:
                    break
    except ImapError as error:
        result.error = str(error)
    _record(status.id, result)
    return result


def mailbox_status(settings: ImapSettings | None) -> MailboxPoll | None:
    if settings is None:
        return None
    return db.session.scalar(sa.select(MailboxPoll).where(MailboxPoll.mailbox == settings.label))


def _read_batch(mailbox: Mailbox, uids: list[int], result: PollResult) -> None:
    limit = max_inbound_bytes()
    sizes = mailbox.sizes(uids)
    for uid in uids:
        size = sizes.get(uid)
        if size is None:
            continue  # deleted by someone else since the search
        if size > limit:
            mailbox.set_aside(uid)
            result.set_aside.append(
                f"message UID {uid} ({human_size(size)}) is larger than the "
                f"{human_size(limit)} limit (INBOUND_MAX_MB): left unread in the mailbox"
            )
            continue
        raw = mailbox.fetch(uid)
        if raw is None:
            continue
        stored = store_inbound(raw, MessageSource.IMAP)
        if not stored.ok:
            mailbox.set_aside(uid)
            result.set_aside.append(f"message UID {uid}: {stored.error}; left in the mailbox")
            continue
        if stored.duplicate:
            result.duplicates += 1
        else:
            result.stored += 1
        mailbox.done(uid)  # only now: a crash before this stores it again, once


def _status_row(label: str) -> MailboxPoll:
    status = db.session.scalar(sa.select(MailboxPoll).where(MailboxPoll.mailbox == label))
    if status is None:
        status = MailboxPoll(mailbox=label, notes=[])
        db.session.add(status)
        db.session.commit()
    return status


def _record(status_id: int, result: PollResult) -> None:
    db.session.rollback()  # nothing half-done of the poll itself is pending; start clean
    status = db.session.get(MailboxPoll, status_id)
    now = utcnow()
    status.stored_total += result.stored
    status.duplicates_total += result.duplicates
    status.set_aside_total += len(result.set_aside)
    if result.set_aside:
        stamped = [f"{now:%Y-%m-%d %H:%M} {note}" for note in reversed(result.set_aside)]
        status.notes = (stamped + list(status.notes or []))[:MAX_NOTES]
    if result.error:
        status.consecutive_failures += 1
        status.last_error = result.error
        wait = min(timedelta(minutes=2 ** (status.consecutive_failures - 1)), MAX_BACKOFF)
        status.next_attempt_at = now + wait
        log.warning("polling %s failed: %s", result.mailbox, result.error)
    else:
        status.consecutive_failures = 0
        status.last_error = None
        status.next_attempt_at = None
        status.last_success_at = now
        status.waiting = result.waiting
    db.session.commit()
