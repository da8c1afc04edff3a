"""deadline colour in SQL (warn_at), indexes for the case lists and search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:30:00

- disputes.warn_at: when the deadline turns yellow, set by the engine with
  due_at; existing rows are filled in here with the configured default share
  (0.2): warn_at = due_at - 0.2 * (due_at - deadline_started_at).
- the case lists: (scope column, created_at, id) for newest-first pages,
  (scope column, due_at, warn_at) for the colour filter, (created_at, id) for
  administrators, dispute_mediators.user_id for "my cases".
- search: disputes (file_seq, file_year) for file numbers; parties.name is
  rebuilt with text_pattern_ops on PostgreSQL so that LIKE 'prefix%' uses it
  whatever the collation (on SQLite the index is unchanged).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

YELLOW_SHARE = 0.2  # config.py DEADLINE_YELLOW_SHARE when this revision was written
BATCH = 1000

DISPUTE_INDEXES = (
    ('ix_disputes_community_created', ['community_id', 'created_at', 'id']),
    ('ix_disputes_grid_created', ['grid_id', 'created_at', 'id']),
    ('ix_disputes_street_created', ['street_id', 'created_at', 'id']),
    ('ix_disputes_created', ['created_at', 'id']),
    ('ix_disputes_community_due', ['community_id', 'due_at', 'warn_at']),
    ('ix_disputes_grid_due', ['grid_id', 'due_at', 'warn_at']),
    ('ix_disputes_street_due', ['street_id', 'due_at', 'warn_at']),
    ('ix_disputes_file_seq', ['file_seq', 'file_year']),
)


def _warn_at(due_at, started_at):
    if started_at is None or started_at >= due_at:
        return due_at
    return due_at - (due_at - started_at) * YELLOW_SHARE


def _backfill():
    """Fill warn_at for rows with a deadline, in Python (the same arithmetic
    on SQLite and PostgreSQL), a batch at a time."""
    disputes = sa.table(
        'disputes', sa.column('id', sa.Integer), sa.column('due_at', sa.DateTime),
        sa.column('deadline_started_at', sa.DateTime), sa.column('state_entered_at', sa.DateTime),
        sa.column('warn_at', sa.DateTime),
    )
    conn = op.get_bind()
    update = disputes.update().where(disputes.c.id == sa.bindparam('row_id')).values(warn_at=sa.bindparam('warn'))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(disputes.c.id, disputes.c.due_at, disputes.c.deadline_started_at, disputes.c.state_entered_at)
            .where(disputes.c.due_at.is_not(None), disputes.c.id > last)
            .order_by(disputes.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(update, [
            {'row_id': row.id, 'warn': _warn_at(row.due_at, row.deadline_started_at or row.state_entered_at)}
            for row in rows
        ])
        last = rows[-1].id


def upgrade():
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warn_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_disputes_warn_at'), ['warn_at'], unique=False)
        for name, columns in DISPUTE_INDEXES:
            batch_op.create_index(name, columns, unique=False)

    _backfill()

    with op.batch_alter_table('dispute_mediators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_mediators_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index('ix_parties_name')
        batch_op.create_index('ix_parties_name', ['name'], unique=False,
                              postgresql_ops={'name': 'text_pattern_ops'})


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index('ix_parties_name')
        batch_op.create_index('ix_parties_name', ['name'], unique=False)

    with op.batch_alter_table('dispute_mediators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispute_mediators_user_id'))

    with op.batch_alter_table('disputes', schema=None) as batch_op:
        for name, _ in reversed(DISPUTE_INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_index(batch_op.f('ix_disputes_warn_at'))
        batch_op.drop_column('warn_at')
