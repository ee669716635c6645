"""`campaign demo`: a demonstration campaign on the app's own database, and its removal."""

from __future__ import annotations

from collections import Counter

import click
from flask.cli import with_appcontext


def _counts(label: str, counts: Counter[str]) -> str:
    listed = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.most_common())
    return f"{label}: {listed or 'none'}."


@click.command("demo")
@click.option(
    "--remove", is_flag=True, help="Delete the demo campaign and everything it made, and stop."
)
@click.option(
    "--limit",
    type=click.IntRange(5, None),
    default=None,
    help="Send to this many councils only (the five with real replies among them).",
)
@with_appcontext
def demo(remove: bool, limit: int | None) -> None:
    """Create the demo: the 2018 data-analytics request to every UK council, with replies.

    Letters are written to the outbox (never sent, whatever MAIL_TRANSPORT says) to clearly
    fake addresses under .invalid; replies, five of them real, come in through the mbox
    importer. Running it again changes nothing; `--remove` takes it all away again.
    """
    from flask import current_app

    if remove:
        from campaign.services.demo_removal import remove_demo

        removed = remove_demo()
        if not removed.campaigns and not removed.addresses:
            click.echo("There is no demo to remove.")
            return
        click.echo(
            f"Removed the demo: {removed.campaigns} campaign(s), {removed.requests} request(s), "
            f"{removed.messages} message(s), {removed.files} file(s); cleared "
            f"{removed.addresses} demo address(es) from councils."
        )
        return

    from campaign.services.demo import create_demo, find_demo, mbox_path

    if current_app.config.get("MAIL_TRANSPORT") != "outbox":
        raise click.ClickException(
            "The demo writes its letters to the outbox only: run it with MAIL_TRANSPORT=outbox "
            "(the default), never with a real mail service configured."
        )
    existing = find_demo()
    if existing is not None:
        click.echo(
            f"The demo campaign already exists: /campaigns/{existing.slug}. Nothing was changed. "
            "To start again, run `campaign demo --remove` and then `campaign demo`."
        )
        return
    click.echo("Creating the demo campaign (this reads real council replies, OCR included) ...")
    report = create_demo(limit=limit)
    click.echo(
        f"Authorities: {report.authorities} councils "
        f"({report.addresses_given} given a demo address)."
    )
    click.echo(f"Letters written to the outbox: {report.letters_written}.")
    click.echo(_counts("Replies by kind", report.replies))
    click.echo(f"  (imported through the mbox importer from {mbox_path()})")
    click.echo(_counts("Requests by status", report.statuses))
    click.echo(_counts("Answers by outcome", report.answers))
    click.echo(
        f"Chasers sent: {report.chasers}; internal reviews requested: {report.review_requests}."
    )
    click.echo("Open:")
    for label, path in report.paths:
        click.echo(f"  {label:12} {path}")
    click.echo("Remove it all with `campaign demo --remove`.")
