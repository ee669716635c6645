"""`campaign backup DEST` and `campaign restore SRC`: the database and every stored file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Write a backup directory under DEST: database, stored files, manifest.

    SQLite is copied with its online backup (safe while the app runs); PostgreSQL with
    pg_dump. Each stored file is checked against its SHA-256 name on the way.
    """
    from campaign.services.backup import BackupError, backup

    try:
        result = backup(dest)
    except BackupError as error:
        click.echo(f"Backup failed: {error}", err=True)
        raise SystemExit(1) from None
    counts = ", ".join(f"{n} {table}" for table, n in result.counts.items())
    click.echo(f"Backed up to {result.path}: {result.database}, {result.files} files ")
    click.echo(f"({result.bytes:,} bytes); rows: {counts}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup made by `campaign backup` into this data directory and database."""
    from campaign.services.backup import BackupError, restore

    try:
        counts = restore(source, force=force)
    except BackupError as error:
        click.echo(f"Restore failed: {error}", err=True)
        raise SystemExit(1) from None
    click.echo("Restored: " + ", ".join(f"{n} {table}" for table, n in counts.items()))
