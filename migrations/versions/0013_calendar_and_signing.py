"""working calendar and signed agreements

- `calendar_days`: the days of a year's holiday notice entered by hand when
  the `chinesecalendar` package lags (a holiday or a 调休 working day each).
- `disputes.agreed_amount`, `signed_on`, `signed_by`: the amount an agreement
  settled on (apart from the amount claimed), and the day every party and the
  mediator signed it, with their names.
- `stat_counts.agreed_sum`, `agreed_n`: the statistics' counters of agreed
  amounts. Existing agreements have none, so the counters start at zero and
  need no rebuild.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('entry', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calendar_days_created_by_id_users')),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days')),
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_entry'), ['entry'], unique=False)
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('signed_by', sa.Text(), nullable=True))
    with op.batch_alter_table('stat_counts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_sum', sa.Numeric(precision=18, scale=2), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('agreed_n', sa.Integer(), nullable=False, server_default='0'))
    # The models give these defaults in Python, as for the other counters.
    with op.batch_alter_table('stat_counts', schema=None) as batch_op:
        batch_op.alter_column('agreed_sum', server_default=None)
        batch_op.alter_column('agreed_n', server_default=None)


def downgrade():
    with op.batch_alter_table('stat_counts', schema=None) as batch_op:
        batch_op.drop_column('agreed_n')
        batch_op.drop_column('agreed_sum')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_column('signed_by')
        batch_op.drop_column('signed_on')
        batch_op.drop_column('agreed_amount')
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_entry'))
    op.drop_table('calendar_days')
