"""A clean database for one benchmark run: SQLite in the run's folder, or a PostgreSQL schema
of its own (dropped afterwards), so runs never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_database(
    kind: str, data_dir: Path, pg_url: str = PG_URL
) -> tuple[str, dict[str, Any], Callable[[], None]]:
    """(URL for worker processes, app settings, cleanup) for a new, empty database."""
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.db'}"
        return url, {"DATABASE_URL": url}, lambda: None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    settings = {
        "DATABASE_URL": pg_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
    }
    return f"{pg_url}?options=-csearch_path%3D{schema}", settings, drop
