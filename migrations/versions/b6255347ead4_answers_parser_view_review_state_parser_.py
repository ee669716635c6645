"""answers: parser view, review state, parser version; mentions rejected or added by a person

Revision ID: b6255347ead4
Revises: 4ad4a9038796
Create Date: 2026-11-24 18:17:05.487831

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6255347ead4'
down_revision = '4ad4a9038796'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_state', sa.String(length=12), nullable=False, server_default='parsed'))
        batch_op.add_column(sa.Column('parsed', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('parser_version', sa.String(length=32), nullable=False, server_default=''))

    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parser_version', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mention_person_id_user'), 'user', ['person_id'], ['id'], ondelete='SET NULL')

    # Answers a person corrected before this column existed stay theirs.
    op.execute("UPDATE answer SET review_state = 'corrected' WHERE corrected_by_id IS NOT NULL")

    # Existing rows got the defaults above; new rows get theirs from the models.
    for table, columns in (
        ('answer', ('review_state', 'parser_version')),
        ('mention', ('parser_version',)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mention_person_id_user'), type_='foreignkey')
        batch_op.drop_column('person_id')
        batch_op.drop_column('rejected_at')
        batch_op.drop_column('parser_version')

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('parser_version')
        batch_op.drop_column('parsed')
        batch_op.drop_column('review_state')
