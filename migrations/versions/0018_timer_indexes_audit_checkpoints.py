"""timers: an index leading with the state on every workflow table; audit checkpoints

- The timer's claim reads the due rows of one state, oldest deadline first
  (app/engine/timers.py); with only the due_at index it stepped over every
  other state's deadlines to find them.
- `audit_checkpoints`: the chain's signed position every N events, from where
  the routine check starts (app/audit/checkpoints.py).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# The workflow tables (app.engine.registry adds the index to each registered model).
TABLES = ('disputes', 'elder_assignments', 'followups', 'referrals', 'rota_duties', 'rota_swaps', 'signoffs', 'sweeps')


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_state_due', table, ['state', 'due_at'])
    op.create_table(
        'audit_checkpoints',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('head', sa.String(length=64), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('events'),
    )


def downgrade():
    op.drop_table('audit_checkpoints')
    for table in TABLES:
        op.drop_index(f'ix_{table}_state_due', table_name=table)
