"""campaign publishing: when it was published, a methodology note, names to redact

Revision ID: c3a91f0d7e21
Revises: b6255347ead4
Create Date: 2026-11-24 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a91f0d7e21'
down_revision = 'b6255347ead4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('methodology', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(
            sa.Column('redaction_terms', sa.Text(), nullable=False, server_default='')
        )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.alter_column('methodology', server_default=None)
        batch_op.alter_column('redaction_terms', server_default=None)


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('redaction_terms')
        batch_op.drop_column('methodology')
        batch_op.drop_column('published_at')
