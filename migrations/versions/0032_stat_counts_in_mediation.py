"""stat_counts, stat_counts_street: in_mediation, the accepted cases still being mediated

The dashboards give, beside the success rate, how many of the period's
accepted cases are still being mediated. They counted them from the cases on
every request (the province's year read each of its open cases' rows: ×5 the
rest of its dashboard); the counters now keep them by registration month and
place, in the same flush as their other figures (app/supervision/counters.py).
Filled here by recomputing both tables from the cases.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 15:10:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

TABLES = ('stat_counts', 'stat_counts_street')


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column('in_mediation', sa.Integer(), server_default='0', nullable=False))
    # The month of registration is the centre's local one (the app's time zone, as at run time).
    from app.supervision.counters import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column('in_mediation')
