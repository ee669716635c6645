"""`campaign export`: a campaign as CSV, JSON or a static site, for publishing anywhere."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

FORMATS = ("csv", "json", "site")


def _fail(message: str) -> None:
    """One line on stderr and exit status 2, so scripts can tell a refusal from a crash."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


@click.command("export")
@click.argument("slug", metavar="CAMPAIGN")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--format", "format_", default="csv", show_default=True, help="csv, json or site.")
@click.option(
    "--public",
    is_flag=True,
    help="Export the redacted public view (csv and json; a site is always public).",
)
@click.option("--force", is_flag=True, help="Write into DIR even if it has files in it.")
@with_appcontext
def export_command(slug: str, directory: Path, format_: str, public: bool, force: bool) -> None:
    """Write CAMPAIGN into DIR: requests.csv and answers.csv, campaign.json, or a static site.

    The site (index.html with every chart, the map and the answers table, plotly.js, the data
    files) opens from disk and can be hosted anywhere; it shows only what the public page may.
    """
    from campaign.services.export import (
        answers_csv,
        campaign_json,
        find_campaign,
        load_export,
        requests_csv,
    )
    from campaign.services.static_site import ExportError, check_target, write_site

    if format_ not in FORMATS:
        _fail(f"unknown format {format_!r}: use csv, json or site")
    campaign = find_campaign(slug)
    if campaign is None:
        _fail(f"no campaign {slug!r}")
    assert campaign is not None
    try:
        if format_ == "site":
            written = write_site(campaign, directory, force=force)
        else:
            check_target(directory, force=force)
            export = load_export(campaign, public=public)
            files = (
                {"requests.csv": requests_csv(export), "answers.csv": answers_csv(export)}
                if format_ == "csv"
                else {"campaign.json": campaign_json(export)}
            )
            directory.mkdir(parents=True, exist_ok=True)
            written = []
            for name, text in files.items():
                (directory / name).write_text(text, encoding="utf-8", newline="")
                written.append(directory / name)
    except ExportError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot write to {directory}: {error.strerror or error}")
    view = "public" if public or format_ == "site" else "full"
    click.echo(f"Wrote {len(written)} files ({view} view of {campaign.slug}) to {directory}")
