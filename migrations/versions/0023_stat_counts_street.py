"""stat_counts_street: the statistics' counters summed per street

The city's dashboard read every community's counter rows of a province's
year (some 75,000 rows for the types, 51,000 for the channels, 33,000 for the
days to close at a million cases); the same counters per street are a few
thousand rows. Kept by the same flush as stat_counts
(app/supervision/counters.py); filled here from stat_counts.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

COUNTS = ('registered', 'accepted', 'agreements', 'on_spot', 'closed', 'days_sum', 'amount_sum', 'amount_n',
          'from_sweeps', 'agreed_sum', 'agreed_n', 'refused')


def upgrade():
    op.create_table(
        'stat_counts_street',
        sa.Column('dim', sa.String(length=10), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=20), nullable=False),
        sa.Column('registered', sa.Integer(), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('agreements', sa.Integer(), nullable=False),
        sa.Column('on_spot', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('days_sum', sa.Float(), nullable=False),
        sa.Column('amount_sum', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('amount_n', sa.Integer(), nullable=False),
        sa.Column('from_sweeps', sa.Integer(), nullable=False),
        sa.Column('agreed_sum', sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column('agreed_n', sa.Integer(), nullable=False),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id']),
        sa.PrimaryKeyConstraint('dim', 'month', 'street_id', 'key'),
    )
    op.create_index('ix_stat_counts_street_street', 'stat_counts_street', ['dim', 'street_id', 'month'])
    keys = 'dim, month, street_id, key'
    op.execute(f"INSERT INTO stat_counts_street ({keys}, {', '.join(COUNTS)}) "
               f"SELECT {keys}, {', '.join(f'SUM({name})' for name in COUNTS)} "
               f"FROM stat_counts GROUP BY {keys}")


def downgrade():
    op.drop_index('ix_stat_counts_street_street', table_name='stat_counts_street')
    op.drop_table('stat_counts_street')
