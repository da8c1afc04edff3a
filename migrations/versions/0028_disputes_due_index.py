"""ix_disputes_due: the city's cases by deadline

A city supervisor's today page lists the city's overdue cases, most overdue
first (app/disputes/overdue.py), and the city's case list filters on the
deadline's colour. The street, community and grid each had a (scope, due_at,
warn_at) index for these; the city, which has no scope column to lead with,
had none, and read the whole table. Built CONCURRENTLY on PostgreSQL, outside
the migration's transaction, so that the build holds no case's write.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:30:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

NAME = 'ix_disputes_due'
COLUMNS = ['due_at', 'warn_at']


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            # A build stopped part-way leaves an invalid index under the name: built anew.
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}')
            op.execute(f"CREATE INDEX CONCURRENTLY {NAME} ON disputes ({', '.join(COLUMNS)})")
    else:
        op.create_index(NAME, 'disputes', COLUMNS)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS {NAME}')
    else:
        op.drop_index(NAME, table_name='disputes')
