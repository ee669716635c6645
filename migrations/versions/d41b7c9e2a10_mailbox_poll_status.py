"""mailbox poll status: what the IMAP poller last did with each mailbox

Revision ID: d41b7c9e2a10
Revises: c3a91f0d7e21
Create Date: 2026-11-24 20:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd41b7c9e2a10'
down_revision = 'c3a91f0d7e21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mailbox_poll',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mailbox', sa.String(length=400), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('consecutive_failures', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('stored_total', sa.Integer(), nullable=False),
        sa.Column('duplicates_total', sa.Integer(), nullable=False),
        sa.Column('set_aside_total', sa.Integer(), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_poll')),
        sa.UniqueConstraint('mailbox', name=op.f('uq_mailbox_poll_mailbox')),
    )


def downgrade():
    op.drop_table('mailbox_poll')
