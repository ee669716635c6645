"""`campaign campaigns ...`: write a campaign from flags and files, list, show and preview it.

The same rules as the web form apply (services/campaigns.py); problems go to stderr, one per
line, and the command exits 1 without saving anything.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.domain.vocabulary import Nation
from campaign.models import Campaign
from campaign.services import campaigns as service

FIELD_NAMES = {
    "title": "--title",
    "slug": "--slug",
    "description": "--description",
    "subject": "--subject",
    "body": "--body-file",
    "questions": "--questions-file",
    "law": "--law",
}


@click.group()
def campaigns() -> None:
    """Write campaigns, list them, and preview each authority's letter."""


def _read_text(path: str | None, option: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{option} {path}: the file is not UTF-8 text.") from None


def _campaign(slug: str) -> Campaign:
    campaign = service.get_campaign(slug)
    if campaign is None:
        raise click.ClickException(f"No campaign has the slug “{slug}”; see `campaigns list`.")
    return campaign


@campaigns.command("create")
@click.option("--title", required=True, help="The campaign's title.")
@click.option("--slug", default="", help="Its address; made from the title when left out.")
@click.option("--description", default="", help="A note for your team; not sent.")
@click.option("--subject", default=None, help="Subject template (default: a ready-made one).")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False),
    help="UTF-8 file with the letter template (default: a ready-made polite letter).",
)
@click.option(
    "--questions-file",
    type=click.Path(exists=True, dir_okay=False),
    help="UTF-8 file with one question per line, in order; blank lines are ignored.",
)
@click.option(
    "--law",
    type=click.Choice([service.OWN_LAW, "eir"]),
    default=service.OWN_LAW,
    show_default=True,
    help="own: FOIA, or FOISA for Scottish bodies; eir: the EIR 2004 for every authority.",
)
@click.option("--all-authorities", is_flag=True, help="Target every authority in the database.")
@click.option(
    "--nation",
    "nations",
    multiple=True,
    type=click.Choice([n.value for n in Nation]),
    help="Target authorities in this nation (repeatable).",
)
@click.option("--type", "types", multiple=True, help="Target this authority type (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Target authorities with this tag (repeatable).")
@with_appcontext
def create(
    title: str,
    slug: str,
    description: str,
    subject: str | None,
    body_file: str | None,
    questions_file: str | None,
    law: str,
    all_authorities: bool,
    nations: tuple[str, ...],
    types: tuple[str, ...],
    tags: tuple[str, ...],
) -> None:
    """Create a draft campaign. Without targets options it has no targets yet."""
    draft = service.new_draft()
    draft.title = title
    draft.slug = slug
    draft.description = description
    if subject is not None:
        draft.subject_template = subject
    body = _read_text(body_file, "--body-file")
    if body is not None:
        draft.body_template = body
    questions = _read_text(questions_file, "--questions-file")
    if questions is not None:
        draft.questions = service.parse_questions(questions)
    draft.law_override = None if law == service.OWN_LAW else law

    saved = service.create_campaign(draft)
    if not saved.ok or saved.campaign is None:
        for name, messages in saved.problems.items():
            for message in messages:
                click.echo(f"Error ({FIELD_NAMES.get(name, name)}): {message}", err=True)
        click.echo("Nothing was saved.", err=True)
        raise SystemExit(1)
    campaign = saved.campaign
    click.echo(
        f"Created campaign {campaign.slug}: “{campaign.title}”, "
        f"{len(campaign.questions)} question(s), law: {_law_label(campaign)}."
    )
    wanted = service.TargetFilter(everyone=all_authorities, nations=nations, types=types, tags=tags)
    if wanted != service.TargetFilter():
        found = service.set_targets(campaign, wanted)
        click.echo(
            f"Targets: {len(found.with_email)} with an FOI email, "
            f"{len(found.without_email)} without (they will be skipped)."
        )
    _echo_check(campaign)


def _law_label(campaign: Campaign) -> str:
    if campaign.law_override:
        return "EIR 2004 for every authority"
    return "each authority's own (FOIA, or FOISA for Scottish bodies)"


def _echo_check(campaign: Campaign) -> bool:
    """Letter errors and warnings to stderr; True when the letter can be launched."""
    check = service.review_letter(campaign)
    for error in check.errors:
        click.echo(f"Letter error: {error}", err=True)
    for warning in check.warnings:
        click.echo(f"Warning: {warning}", err=True)
    return check.ok


@campaigns.command("list")
@with_appcontext
def list_() -> None:
    """List campaigns: slug, status, number of requests and title."""
    items = service.list_campaigns()
    if not items:
        click.echo("No campaigns yet.")
        return
    counts = service.request_counts()
    for campaign in items:
        requests = sum(counts.get(campaign.id, {}).values())
        click.echo(f"{campaign.slug}\t{campaign.status}\t{requests} requests\t{campaign.title}")


@campaigns.command("show")
@click.argument("slug")
@with_appcontext
def show(slug: str) -> None:
    """Show a campaign: summary, targets, the letter templates and questions, and its checks."""
    campaign = _campaign(slug)
    targets = service.select_targets(campaign)
    click.echo(f"{campaign.title} ({campaign.slug})")
    click.echo(f"Status: {campaign.status}, letter version {campaign.letter_version}")
    click.echo(f"Law: {_law_label(campaign)}")
    if campaign.description:
        click.echo(f"Description: {campaign.description}")
    click.echo(
        f"Targets: {len(targets.with_email)} will be sent the request, "
        f"{len(targets.without_email)} have no FOI email address"
    )
    for authority in targets.without_email:
        click.echo(f"  skipped: {authority.name} (id {authority.id}): {service.NO_EMAIL}")
    click.echo("")
    click.echo(f"Subject: {campaign.subject_template}")
    click.echo("")
    click.echo(campaign.body_template.rstrip("\n"))
    click.echo("")
    click.echo(f"Questions ({len(campaign.questions)}):")
    for question in campaign.questions:
        click.echo(f"  {question.position}. {question.text}")
    _echo_check(campaign)


@campaigns.command("preview")
@click.argument("slug")
@click.option(
    "--authority",
    "authority_text",
    required=True,
    metavar="NAME-or-ID",
    help="The authority's id, GSS code or name.",
)
@with_appcontext
def preview(slug: str, authority_text: str) -> None:
    """Print the exact letter one authority would receive (with an example reply address)."""
    campaign = _campaign(slug)
    authority, problem = service.find_authority(authority_text)
    if authority is None:
        raise click.ClickException(problem)
    result = service.preview_letter(campaign, authority, current_app.config["MAIL_DOMAIN"])
    _echo_check(campaign)
    if result.letter is None:
        raise click.ClickException(f"The letter to {authority.name} cannot be made: {result.error}")
    click.echo(f"To: {authority.name} <{authority.foi_email or 'no FOI email address'}>")
    click.echo(f"Law: {result.law.name}")
    click.echo(f"Reply-To: {result.reply_to} (example; each request gets its own address)")
    click.echo(f"Subject: {result.letter.subject}")
    click.echo("")
    click.echo(result.letter.body.rstrip("\n"))
