"""`campaign authorities ...`: load the UK councils register and import CSVs of bodies."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.domain.authority_import import Encoding
from campaign.services.authorities import ImportOutcome, import_authorities, load_uk_councils


@click.group()
def authorities() -> None:
    """Load and import public authorities."""


@authorities.command("load-uk")
@with_appcontext
def load_uk() -> None:
    """Load or refresh the ~400 current UK councils (keeps FOI emails and laws people set)."""
    counts = load_uk_councils()
    click.echo(
        f"UK councils: {counts.created} created, {counts.updated} updated, "
        f"{counts.unchanged} unchanged."
    )


@authorities.command("import")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; report the others.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; save nothing.")
@click.option(
    "--encoding",
    type=click.Choice([e.value for e in Encoding]),
    default=Encoding.AUTO.value,
    show_default=True,
    help="auto reads UTF-8, or Windows-1252 (with a warning) when the file is not UTF-8.",
)
@with_appcontext
def import_csv(path: str, skip_invalid: bool, dry_run: bool, encoding: str) -> None:
    """Import a CSV of bodies: name, plus optional email, nation, type, GSS code, law, tags,
    website. Nothing is saved if any row is invalid, unless --skip-invalid."""
    outcome = import_authorities(
        Path(path).read_bytes(),
        filename=Path(path).name,
        encoding=encoding,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        max_rows=current_app.config["AUTHORITY_IMPORT_MAX_ROWS"],
    )
    _report(outcome)
    if outcome.blocked:
        raise SystemExit(1)


def _report(outcome: ImportOutcome) -> None:
    """Problems to stderr, one per line with its line number; the summary to stdout."""
    for warning in outcome.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for problem in outcome.file_errors:
        click.echo(f"Error: {problem}", err=True)
    for error in outcome.errors:
        click.echo(f"Line {error.line}: {error.reason}", err=True)
    if outcome.file_errors:
        click.echo(f"Nothing was imported from {outcome.filename}.", err=True)
        return
    counts = (
        f"{outcome.created} to create, {outcome.updated} to update, "
        f"{outcome.unchanged} unchanged, {outcome.skipped} invalid"
    )
    fix = "Fix them, or use --skip-invalid to import the valid rows only."
    if outcome.dry_run:
        click.echo(f"Dry run, nothing saved: {counts}.")
        if outcome.blocked:
            click.echo(f"An import would save nothing: {outcome.skipped} invalid row(s). {fix}")
    elif outcome.blocked:
        click.echo(f"Nothing was imported: {outcome.skipped} invalid row(s). {fix}", err=True)
    else:
        click.echo(
            f"Imported {outcome.filename}: {outcome.created} created, {outcome.updated} updated, "
            f"{outcome.unchanged} unchanged, {outcome.skipped} skipped."
        )
