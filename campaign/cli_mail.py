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
