"""open_counts: the open cases by shape (place, late state, local due and warn days)

- The dashboards read the open cases by deadline colour from these counters
  (app/supervision/open_counts.py) instead of counting the cases on every
  request; filled here from the cases already there.
- disputes (warn_at, due_at): the city's cases turning yellow today, which
  the counters leave to a count of the cases (read from the index alone).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'open_counts',
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('is_open', sa.Boolean(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('due_day', sa.Date(), nullable=False),
        sa.Column('warn_day', sa.Date(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id']),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id']),
        sa.PrimaryKeyConstraint('community_id', 'street_id', 'is_open', 'late', 'due_day', 'warn_day'),
    )
    op.create_index('ix_open_counts_street', 'open_counts', ['street_id', 'community_id'])
    # The city's cases turning yellow today, counted from the cases at read time.
    op.create_index('ix_disputes_warn_due', 'disputes', ['warn_at', 'due_at'])
    # The local days are the centre's (the app's time zone, as at run time).
    from app.supervision.open_counts import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    op.drop_index('ix_disputes_warn_due', table_name='disputes')
    op.drop_index('ix_open_counts_street', table_name='open_counts')
    op.drop_table('open_counts')
