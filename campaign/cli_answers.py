"""`campaign answers`: per-question answers from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def answers() -> None:
    """Answers per question read from the replies."""


@answers.command("reparse")
@click.argument("slug", metavar="CAMPAIGN")
@with_appcontext
def reparse_command(slug: str) -> None:
    """Read every final reply of CAMPAIGN again with the current parser.

    Uses the text stored when each reply arrived (nothing is extracted again). Answers a
    person confirmed or corrected keep what the person said. Prints how many answers changed.
    """
    from campaign.services.answers import reparse_campaign
    from campaign.services.campaigns import get_campaign

    campaign = get_campaign(slug)
    if campaign is None:
        raise click.BadParameter(f"no campaign {slug!r}", param_hint="CAMPAIGN")
    click.echo(reparse_campaign(campaign).summary)
