"""timers: an index leading with the state on every workflow table

The timer's claim reads the due rows of one state, oldest deadline first
(app/engine/timers.py); with only the due_at index it stepped over every
other state's deadlines to find them.

Revision ID: 0019
Revises: 0011
Create Date: 2026-12-02 17:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0011'
branch_labels = None
depends_on = None

# The workflow tables (app.engine.registry adds the index to each registered model).
TABLES = ('disputes', 'elder_assignments', 'followups', 'rota_duties', 'rota_swaps', 'signoffs', 'sweeps')


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_state_due', table, ['state', 'due_at'])


def downgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_state_due', table_name=table)
