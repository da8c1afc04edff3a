"""disputes.urged_at: when the newest urging of the case's mediators (督办) still standing was made

A supervisor may now urge a late case's mediators (`urge_mediators`, a step
that keeps the case's state), so the case keeps `urged_at` as referrals and
follow-ups do (0033; app/engine/urgings.py `keep_urged`). Nothing to fill:
the step is new, and the case's older `urge` (press for performance of a
breached agreement) leaves its state, so no urging of a case stands yet.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 16:20:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column without a default: no table rewrite on either database.
    op.add_column('disputes', sa.Column('urged_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_column('urged_at')
