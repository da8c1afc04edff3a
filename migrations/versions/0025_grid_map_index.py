"""the grid map's figures from an index: ix_disputes_grid_created carries them on PostgreSQL

The grid map counts, for each grid of a street, its open and overdue cases and
those registered (and resolved on the spot) in a period. At a million cases a
street's 50,000 lie on some 25,000 of the table's pages, which the count read
one by one (150-240 ms, bench/scale.py). The grid's (created_at, id) index now
carries the columns the count reads (INCLUDE, PostgreSQL 11 and later), so
that it reads the index alone. SQLite's index stays as it was: INCLUDE is
PostgreSQL's, and an embedded installation's streets are small.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 17:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

NAME = 'ix_disputes_grid_created'
KEY = ['grid_id', 'created_at', 'id']
CARRIED = ['state', 'due_at', 'file_seq', 'agreed_at']


def upgrade():
    _rebuild(CARRIED)


def downgrade():
    _rebuild([])


def _rebuild(carried):
    """Built beside the old index, then swapped in by name, each step
    CONCURRENTLY and outside the migration's transaction: at a million cases
    the build takes seconds, during which a plain CREATE INDEX would hold
    every case's write (a step, an intake) and DROP INDEX every read of the
    table; the rename takes its lock for a moment only. A run stopped
    part-way is finished by running it again: an index left under the
    temporary name (invalid, if its build failed) is dropped and built anew,
    and an old index already dropped is not asked for."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    built = f'{NAME}_built'
    include = f" INCLUDE ({', '.join(carried)})" if carried else ''
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {built}')
        op.execute(f"CREATE INDEX CONCURRENTLY {built} ON disputes ({', '.join(KEY)}){include}")
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}')
        op.execute(f'ALTER INDEX {built} RENAME TO {NAME}')
