"""maintenance_runs: when a periodic job of the tick last ran

- `flask workflows tick` refreshes the planner's statistics (ANALYZE) at most
  once every ANALYZE_EVERY_HOURS; the time of the last run is kept here, one
  row per job, shared by every runner (app/housekeeping.py).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 18:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'maintenance_runs',
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('job'),
    )


def downgrade():
    op.drop_table('maintenance_runs')
