"""Backups a campaigner can restore: the database and every stored file, checked on the way.

A backup is one directory: the database (SQLite's online backup API, a consistent copy while
the app runs; `pg_dump -Fc` for PostgreSQL), the files directory (raw mail and attachments,
named by SHA-256, so each copied file is verified against its name), and a manifest with what
was saved. The database is copied first and the files second: files are only ever added, so
every row in the copy finds its bytes.

Restoring is the reverse, into a data directory whose database is empty (or with --force):
the same file checks, then the database (SQLite file copied into place; `pg_restore --clean`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from campaign.extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "campaign.db"
PG_FILE = "campaign.pgdump"
FILES = "files"
COUNTED_TABLES = ("campaign", "request", "message", "attachment", "answer", "authority")


class BackupError(Exception):
    """The backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    database: str
    files: int
    bytes: int
    counts: dict[str, int]


def backup(dest: Path) -> BackupResult:
    """Write a new backup directory under `dest` and return what it holds."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest / f"foi-campaign-{stamp}"
    if target.exists():
        raise BackupError(f"{target} already exists; try again in a second")
    try:
        target.mkdir(parents=True)
    except OSError as error:
        raise BackupError(f"cannot create {target}: {error.strerror or error}") from error
    url = current_app.config["DATABASE_URL"]
    counts = _counts()
    if url.startswith("sqlite"):
        _sqlite_backup(_sqlite_path(url), target / SQLITE_FILE)
        database = SQLITE_FILE
    else:
        _pg_dump(url, target / PG_FILE)
        database = PG_FILE
    copied, size = _copy_files(Path(current_app.config["FILES_DIR"]), target / FILES)
    manifest = {
        "format": 1,
        "made_at": stamp,
        "database": database,
        "database_sha256": _sha256(target / database),
        "files": copied,
        "bytes": size,
        "counts": counts,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupResult(target, database, copied, size, counts)


def restore(source: Path, *, force: bool = False) -> dict[str, int]:
    """Put a backup back: verify it, copy its files, then replace the database."""
    manifest = _read_manifest(source)
    database = source / manifest["database"]
    if _sha256(database) != manifest["database_sha256"]:
        raise BackupError(f"{database} does not match its checksum: the backup is damaged")
    if not force and any(_counts().values()):
        raise BackupError("this database already holds data; restore with --force to replace it")
    _copy_files(source / FILES, Path(current_app.config["FILES_DIR"]))
    url = current_app.config["DATABASE_URL"]
    db.session.remove()
    db.engine.dispose()
    if manifest["database"] == SQLITE_FILE:
        if not url.startswith("sqlite"):
            raise BackupError("this backup is of a SQLite database; DATABASE_URL is not SQLite")
        _sqlite_backup(database, _sqlite_path(url))
    else:
        if url.startswith("sqlite"):
            raise BackupError("this backup is of a PostgreSQL database; DATABASE_URL is SQLite")
        _pg_restore(url, database)
    counts = _counts()
    if counts != manifest["counts"]:
        raise BackupError(f"restored rows {counts} differ from the backup's {manifest['counts']}")
    return counts


def _counts() -> dict[str, int]:
    inspector = sa.inspect(db.engine)
    counts = {}
    for table in COUNTED_TABLES:
        if inspector.has_table(table):
            counts[table] = db.session.scalar(sa.text(f'SELECT count(*) FROM "{table}"'))
        else:
            counts[table] = 0
    db.session.rollback()
    return counts


def _sqlite_path(url: str) -> Path:
    path = sa.engine.make_url(url).database
    if not path:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the app writes."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = dst = None
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        src.backup(dst)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from error
    finally:
        for connection in (src, dst):
            if connection is not None:
                connection.close()


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection options from the SQLAlchemy URL (password via env)."""
    parsed = sa.engine.make_url(url)
    args = ["--no-owner", "--no-privileges"]
    for flag, value in (
        ("--host", parsed.host),
        ("--port", parsed.port),
        ("--username", parsed.username),
        ("--dbname", parsed.database),
    ):
        if value:
            args += [flag, str(value)]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
    if "options" in options:  # a search_path the app runs with (tests use a schema each)
        env["PGOPTIONS"] = options["options"]
    return args, env


def _schema_option() -> list[str]:
    options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
    raw = options.get("options", "")
    if raw.startswith("-csearch_path="):
        return ["--schema", raw.removeprefix("-csearch_path=")]
    return []


def _pg_dump(url: str, target: Path) -> None:
    args, env = _pg_args(url)
    _run(["pg_dump", "--format=custom", *args, *_schema_option(), "--file", str(target)], env)


def _pg_restore(url: str, source: Path) -> None:
    args, env = _pg_args(url)
    _run(["pg_restore", "--clean", "--if-exists", "--single-transaction", *args, str(source)], env)


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def _copy_files(source: Path, target: Path) -> tuple[int, int]:
    """Copy every stored file, checking each against the SHA-256 it is named by."""
    copied = size = 0
    if not source.exists():
        return 0, 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.endswith(".part") or path.parent.name == "incoming":
            continue
        relative = path.relative_to(source)
        data = path.read_bytes()
        if len(path.name) == 64 and hashlib.sha256(data).hexdigest() != path.name:
            raise BackupError(f"{relative} does not match its name: the stored file is damaged")
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not (destination.exists() and destination.stat().st_size == len(data)):
            shutil.copy2(path, destination)
        copied += 1
        size += len(data)
    return copied, size


def _read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    if manifest.get("format") != 1 or manifest.get("database") not in (SQLITE_FILE, PG_FILE):
        raise BackupError(f"{path} is not a backup manifest this version understands")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
