"""stat_counts, stat_counts_street: unconcluded, the registered cases not concluded yet

A rate none of whose cases has concluded reads "—" (an empty cell in the
exports), not 0.0%. The on-the-spot and resolution rates (÷ registered)
could not tell a case awaiting acceptance (待受理) from a rejected or
withdrawn one, so a month of cases merely waiting read 0.0%. The counters
now keep, by registration month and place, how many of the registered have
not concluded yet (no agreement; awaiting acceptance or being mediated), in
the same flush as their other figures (app/supervision/counters.py). Filled
here by recomputing both tables from the cases.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 22:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

TABLES = ('stat_counts', 'stat_counts_street')


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column('unconcluded', sa.Integer(), server_default='0', nullable=False))
    # The month of registration is the centre's local one (the app's time zone, as at run time).
    from app.supervision.counters import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column('unconcluded')
