"""`campaign deadlines`: the law's clock from the command line.

`due` is a plain click command with no app context: it needs neither the database nor settings,
so a campaigner can check a council's deadline anywhere. Commands that touch requests join the
same group.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from campaign.domain.deadlines import (
    OutsideCalendar,
    due_date,
    working_calendar,
)
from campaign.domain.law import LAWS, LawCode

if TYPE_CHECKING:
    from campaign.models import Campaign

MAX_WORKING_DAYS = 400

_WORKING_DAY_RULES = {
    LawCode.FOIA: "not a Saturday, Sunday, Christmas Day, Good Friday or a bank holiday "
    "anywhere in the UK (s10(6))",
    LawCode.FOISA: "not a Saturday, Sunday, Christmas Day or a bank holiday in Scotland (s73)",
    LawCode.EIR: "as under FOIA: not a Saturday, Sunday, Christmas Day, Good Friday or a bank "
    "holiday anywhere in the UK (reg 2)",
}


@click.group()
def deadlines() -> None:
    """Work out reply deadlines under FOIA, FOISA and EIR."""


@deadlines.command("due")
@click.option(
    "--law",
    required=True,
    type=click.Choice([code.value for code in LawCode], case_sensitive=False),
    help="The law the request is made under.",
)
@click.option(
    "--received",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The day of receipt (the London date the request arrived).",
)
@click.option(
    "--working-days",
    type=click.IntRange(1, MAX_WORKING_DAYS),
    default=20,
    show_default=True,
    help="Working days allowed: 20 for a reply, 40 for an EIR extension or a review request.",
)
def due(law: str, received: datetime, working_days: int) -> None:
    """Print when a reply is due; the due date (ISO) is the last line."""
    code = LawCode(law.lower())
    day_of_receipt = received.date()
    try:
        due_on = due_date(code, day_of_receipt, working_days)
        day_one = due_date(code, day_of_receipt, 1)
    except OutsideCalendar as error:
        raise click.BadParameter(str(error), param_hint="'--received'") from None
    calendar = working_calendar(code)
    closures = calendar.closures_between(day_of_receipt, due_on)

    click.echo(f"Law: {LAWS[code].name} ({code.value})")
    click.echo(f"Working day: {_WORKING_DAY_RULES[code]}")
    click.echo(f"Day of receipt: {_day(day_of_receipt)}")
    click.echo(f"Day one: {_day(day_one)}")
    if closures:
        click.echo("Holidays skipped:")
        for day, name in closures:
            click.echo(f"  {_day(day)}  {name}")
    else:
        click.echo("Holidays skipped: none")
    click.echo(f"Due on the {_ordinal(working_days)} working day after receipt: {_day(due_on)}")
    click.echo(due_on.isoformat())


def _day(day: date) -> str:
    return f"{day:%A} {day.isoformat()}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@deadlines.command("sweep")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Sweep as if today were this date (default: today in London).",
)
@click.option("--campaign", "slug", default="", help="Only this campaign's requests.")
@with_appcontext
def sweep_command(today: datetime | None, slug: str) -> None:
    """Set due dates and mark late requests overdue, very overdue or review overdue.

    The worker does this every morning; running it again the same day changes nothing.
    """
    from campaign.services.campaigns import get_campaign
    from campaign.services.deadlines import sweep

    campaign = None
    if slug:
        campaign = get_campaign(slug)
        if campaign is None:
            raise click.BadParameter(f"no campaign {slug!r}", param_hint="--campaign")
    result = sweep(today.date() if today else None, campaign)
    click.echo(result.summary)


@deadlines.command("chase")
@click.argument("slug")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; queue nothing.")
@click.option(
    "--all-overdue",
    is_flag=True,
    help="Chase every chaseable overdue request now, as the bulk page does, ladder or not.",
)
@with_appcontext
def chase_command(slug: str, dry_run: bool, all_overdue: bool) -> None:
    """Run campaign SLUG's escalation ladder: queue the chasers due today and propose reviews.

    The worker does this every morning for campaigns with the ladder on; running it again the
    same day queues nothing new. No authority is chased twice for the same rung.
    """
    from campaign.services import followups
    from campaign.services.campaigns import get_campaign

    campaign = get_campaign(slug)
    if campaign is None:
        raise click.BadParameter(f"no campaign {slug!r}", param_hint="SLUG")
    if all_overdue:
        _chase_all_overdue(campaign, dry_run)
        return
    if not campaign.ladder_enabled:
        raise click.ClickException(
            f"the escalation ladder of {slug!r} is off: turn it on on the campaign's "
            "follow-ups page, or use --all-overdue"
        )
    run = followups.run_ladder(campaign, dry_run=dry_run)
    verb = "Would send" if dry_run else "Queued"
    for step in run.steps:
        rung = step.rung.value.replace("_", " ")
        if step.note:
            click.echo(f"{step.authority}: {rung}: {step.note}")
        else:
            click.echo(f"{verb} {rung} to {step.authority} <{step.to}>: {step.subject}")
    for name, reason in run.queued.skipped:
        click.echo(f"Skipped {name}: {reason}")
    if run.queued.errors:
        raise click.ClickException(run.queued.errors[0])
    if not run.steps:
        click.echo("Nothing is due today.")
    if not dry_run:
        click.echo(run.summary)


def _chase_all_overdue(campaign: Campaign, dry_run: bool) -> None:
    """Queue (or print) a chaser for every chaseable overdue request, listing the others."""
    from campaign.services import followups

    rows = followups.chase_candidates(campaign)
    ready = [row for row in rows if row.chaseable]
    for row in rows:
        if not row.chaseable:
            click.echo(f"Not chaseable: {row.request.authority.name}: {row.blocker}")
    if dry_run:
        for row in ready:
            draft = followups.preview_chaser(row)
            if isinstance(draft, str):
                raise click.ClickException(draft)
            click.echo(f"Would send to {row.request.authority.name} <{draft.to}>: {draft.subject}")
        click.echo(f"{len(ready)} chaser(s) would be queued.")
        return
    selections = [(row.request.id, row.request.chase_stage) for row in ready]
    result = followups.queue_chasers(campaign, selections, origin="command line")
    for name, reason in result.skipped:
        click.echo(f"Skipped {name}: {reason}")
    if result.errors:
        raise click.ClickException(result.errors[0])
    click.echo(result.summary("chaser"))
