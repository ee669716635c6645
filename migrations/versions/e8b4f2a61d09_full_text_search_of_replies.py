"""full-text search of replies: search_entry, with FTS5 on SQLite and a tsvector on PostgreSQL

Revision ID: e8b4f2a61d09
Revises: f6b1d3e8a420
Create Date: 2026-11-24 21:00:00.000000

The index starts empty: run `campaign search reindex` once after upgrading a database that
already holds replies. The dialect-specific statements repeat those in
campaign/models/search.py on purpose: migrations never import app code.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b4f2a61d09'
down_revision = 'f6b1d3e8a420'
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5("
    "body, content='search_entry', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF body ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    "INSERT INTO search_entry_fts(rowid, body) VALUES (new.id, new.body); END",
)
POSTGRESQL = (
    "ALTER TABLE search_entry ADD COLUMN document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "CREATE INDEX ix_search_entry_document ON search_entry USING gin (document)",
)


def upgrade():
    op.create_table(
        'search_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=True),
        sa.Column('page', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['attachment_id'], ['attachment.id'],
            name=op.f('fk_search_entry_attachment_id_attachment'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['message_id'], ['message.id'],
            name=op.f('fk_search_entry_message_id_message'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_search_entry_attachment_id'), ['attachment_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_search_entry_message_id'), ['message_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in {'sqlite': SQLITE, 'postgresql': POSTGRESQL}.get(dialect, ()):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS search_entry_fts")
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_message_id'))
        batch_op.drop_index(batch_op.f('ix_search_entry_attachment_id'))
    op.drop_table('search_entry')
