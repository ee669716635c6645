"""`campaign mail import`: replies that reached an ordinary mailbox, as .eml, mbox or Maildir."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from campaign.domain.vocabulary import MessageSource


@click.group()
def mail() -> None:
    """Bring replies in from files."""


@mail.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--process/--queue",
    default=True,
    show_default=True,
    help="Read and match each message now, or leave that to the worker.",
)
@with_appcontext
def import_mail(paths: tuple[Path, ...], process: bool) -> None:
    """Store every message in PATHS (.eml files, mbox files, Maildir folders, directories).

    Each message is stored before it is read; one already stored (same Message-Id) is
    skipped. Unreadable items are listed with the reason and the rest still go in.
    """
    from campaign.mail.mailboxes import iter_mail_sources
    from campaign.services.ingest import max_inbound_bytes, store_inbound
    from campaign.services.replies import process_message

    stored = duplicates = 0
    problems: list[str] = []
    new_ids: list[int] = []
    for source in iter_mail_sources(paths, max_message_bytes=max_inbound_bytes()):
        if source.raw is None:
            problems.append(f"{source.label}: {source.error}")
            continue
        result = store_inbound(source.raw, MessageSource.IMPORT, queue=not process)
        if not result.ok:
            problems.append(f"{source.label}: {result.error}")
        elif result.duplicate:
            duplicates += 1
        else:
            stored += 1
            new_ids.append(result.message_id)
    outcomes: dict[str, int] = {}
    if process:
        with click.progressbar(new_ids, label="Reading and matching") as bar:
            for message_pk in bar:
                done = process_message(message_pk)
                key = done.match_state if done.error is None else "failed"
                outcomes[key] = outcomes.get(key, 0) + 1
    click.echo(f"Stored {stored} new message(s); {duplicates} already stored.")
    if outcomes:
        summary = ", ".join(f"{count} {state}" for state, count in sorted(outcomes.items()))
        click.echo(f"Processed: {summary}.")
    for problem in problems:
        click.echo(f"Skipped {problem}", err=True)
    if problems and not stored and not duplicates:
        raise SystemExit(1)


@mail.command("poll")
@click.option(
    "--all", "read_all", is_flag=True, help="Keep reading batches until the folder is empty."
)
@click.option(
    "--batch",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Messages per batch (default IMAP_BATCH).",
)
@with_appcontext
def poll_mail(read_all: bool, batch: int | None) -> None:
    """Store the unread messages of the IMAP mailbox (IMAP_HOST ...), then mark them read.

    Each message is stored before it is marked read (or moved to IMAP_MOVE_TO), so an
    interrupted poll stores it once on the next run. Processing is queued for the worker.
    """
    from campaign.services.mailbox_poll import imap_settings, poll_mailbox

    settings = imap_settings()
    if settings is None:
        click.echo("IMAP_HOST is not set: there is no mailbox to poll.", err=True)
        raise SystemExit(2)
    result = poll_mailbox(settings, batch=batch, time_budget=float("inf") if read_all else None)
    click.echo(result.summary())
    for note in result.set_aside:
        click.echo(f"Set aside {note}", err=True)
    if result.error:
        raise SystemExit(1)


@mail.command("process-stored")
@click.option(
    "--older-than",
    type=click.IntRange(0, 7 * 24 * 3600),
    default=300,
    show_default=True,
    help="Seconds since a message was accepted or stored without being processed.",
)
@with_appcontext
def process_stored(older_than: int) -> None:
    """Queue again the mail a stopped worker or a lost queue left behind.

    The worker does this every five minutes by itself; after restarting a crashed worker or
    a Redis that lost its queue, run it with --older-than 0 to catch up at once. Messages
    already processed are not touched, so running it twice does no harm.
    """
    from datetime import timedelta

    from campaign.models.base import utcnow
    from campaign.services.ingest import accepted_before, stored_before
    from campaign.tasks import process_message_task, store_message_task

    cutoff = utcnow() - timedelta(seconds=older_than)
    accepted = accepted_before(cutoff)
    stored = stored_before(cutoff)
    for sha256, source in accepted:
        store_message_task(sha256, source.value)
    for message_pk in stored:
        process_message_task(message_pk)
    click.echo(f"Queued {len(accepted)} accepted and {len(stored)} stored message(s).")
