"""The full-text index of replies: one row per email body or document page of an inbound reply.

The table itself is plain and the same on every database. What makes it searchable differs:

- SQLite: an FTS5 table over `search_entry` (external content, so the text is stored once),
  kept in step by triggers. The tokenizer is `porter unicode61 remove_diacritics 2`: unicode61
  splits Welsh and accented names correctly and folds "Môn" to "mon", and porter stemming makes
  "mention" find "mentions" the way PostgreSQL's english configuration does.
- PostgreSQL: a stored generated `tsvector` column (english configuration) with a GIN index.

Those parts are created by DDL after the table (for `create_all`) and by the migration, and
are left out of the models on purpose: schema comparisons skip them with
`include_in_schema_comparison` and `is_search_index_table`.

Note for later migrations: rebuilding `search_entry` on SQLite with `batch_alter_table` drops
its triggers; recreate them with `SQLITE_TRIGGERS` and run `campaign search reindex`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.models.base import Base

FTS_TABLE = "search_entry_fts"
DOCUMENT_COLUMN = "document"  # PostgreSQL only: the tsvector of `body`
DOCUMENT_INDEX = "ix_search_entry_document"
TEXT_SEARCH_CONFIG = "english"

SQLITE_CREATE_FTS = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "body, content='search_entry', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF body ON search_entry BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body); "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
)
POSTGRESQL_DDL = (
    f"ALTER TABLE search_entry ADD COLUMN {DOCUMENT_COLUMN} tsvector "
    f"GENERATED ALWAYS AS (to_tsvector('{TEXT_SEARCH_CONFIG}'::regconfig, body)) STORED",
    f"CREATE INDEX {DOCUMENT_INDEX} ON search_entry USING gin ({DOCUMENT_COLUMN})",
)


class SearchEntry(Base):
    """A reply's searchable text: the email body (page None) or one page of an attachment.

    Campaign and request are not copied here: they are read through the message, so a message
    filed on another request is found under its new request without re-indexing.
    """

    __tablename__ = "search_entry"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    message_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    attachment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("attachment.id", ondelete="CASCADE"), index=True
    )
    page: so.Mapped[int | None]  # 1-based page of the attachment; None for the email body
    body: so.Mapped[str] = so.mapped_column(sa.Text)


for _statement in (SQLITE_CREATE_FTS, *SQLITE_TRIGGERS):
    sa.event.listen(
        SearchEntry.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in POSTGRESQL_DDL:
    sa.event.listen(
        SearchEntry.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql")
    )
# The triggers go with the table; the FTS table stands alone and must be dropped by name.
sa.event.listen(
    SearchEntry.__table__,
    "after_drop",
    sa.DDL(f"DROP TABLE IF EXISTS {FTS_TABLE}").execute_if(dialect="sqlite"),
)


def is_search_index_table(name: str) -> bool:
    """The FTS5 table and the shadow tables SQLite keeps for it (`_data`, `_idx`, ...)."""
    return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")


def include_in_schema_comparison(
    name: str | None, type_: str, parent_names: dict[str, Any]
) -> bool:
    """Alembic's `include_name` hook: leave out the dialect-specific parts of the index, which
    the models do not describe, so autogenerate neither drops nor reports them."""
    if name is None:
        return True
    if type_ == "table":
        return not is_search_index_table(name)
    if parent_names.get("table_name") == SearchEntry.__tablename__:
        if type_ == "column" and name == DOCUMENT_COLUMN:
            return False
        if type_ == "index" and name == DOCUMENT_INDEX:
            return False
    return True
