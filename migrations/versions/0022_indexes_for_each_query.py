"""indexes shaped for the case lists' filters, the name search and the closure history

Measured with bench/scale.py (a million cases, two million parties on
PostgreSQL; EXPLAIN ANALYZE of each page's statements); see the README,
"Benchmark: a province on PostgreSQL".

- The type and channel filters of a street's case list, and the type filter of
  the city's: newest first within the filter. The capped count read every case
  of the street (250 ms) or the whole table (a sequential scan, 64 ms).
- The party-name index gains the case's id: a surname matches 50,000 parties,
  whose rows the search read one by one (300 ms); now from the index alone.
- The closure history's indexes become partial (closed cases only) and carry
  the state, so that the capped count reads the index alone (105 ms before).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:45:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

CLOSED = sa.text('closed_at IS NOT NULL')
FILTERS = {
    'ix_disputes_street_type_created': ['street_id', 'dispute_type', 'created_at', 'id'],
    'ix_disputes_street_channel_created': ['street_id', 'channel', 'created_at', 'id'],
    'ix_disputes_type_created': ['dispute_type', 'created_at', 'id'],
}
CLOSED_SCOPES = {
    'ix_disputes_street_closed': ['street_id'],
    'ix_disputes_community_closed': ['community_id'],
    'ix_disputes_closed': [],
}


def upgrade():
    for name, columns in FILTERS.items():
        op.create_index(name, 'disputes', columns)
    for name, scope in CLOSED_SCOPES.items():
        op.drop_index(name, table_name='disputes')
        op.create_index(name, 'disputes', [*scope, 'closed_at', 'id', 'state'], postgresql_where=CLOSED,
                        sqlite_where=CLOSED)
    op.drop_index('ix_parties_name', table_name='parties')
    op.create_index('ix_parties_name', 'parties', ['name', 'dispute_id'], postgresql_ops={'name': 'text_pattern_ops'})


def downgrade():
    op.drop_index('ix_parties_name', table_name='parties')
    op.create_index('ix_parties_name', 'parties', ['name'], postgresql_ops={'name': 'text_pattern_ops'})
    for name, scope in CLOSED_SCOPES.items():
        op.drop_index(name, table_name='disputes')
        op.create_index(name, 'disputes', [*scope, 'closed_at', 'id'])
    for name in FILTERS:
        op.drop_index(name, table_name='disputes')
