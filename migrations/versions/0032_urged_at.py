"""referrals.urged_at, followups.urged_at: when the newest urging (督办) still standing was made

The referrals list puts the urged rows first among the late ones. It asked
the audit log of every row the filter kept (an urging after the row's last
other step: a correlated EXISTS with a nested MAX), so a department's list
grew with its whole history. The row now keeps it: the urge step sets it,
the row's next step clears it, in the step's own UPDATE
(app/engine/urgings.py `keep_urged`). Filled here from the log, as the
marks read it: the newest `urge` event after the row's last event that set
its state.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 15:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

TABLES = {'referral': 'referrals', 'followup': 'followups'}


def upgrade():
    for table in TABLES.values():
        op.add_column(table, sa.Column('urged_at', sa.DateTime(), nullable=True))
    connection = op.get_bind()
    # Only the urge events are read (ix_audit_events_trigger_at), each against
    # its row's last step (the unique entity_type, entity_id, seq index).
    standing = connection.execute(sa.text(
        "SELECT e.entity_type, e.entity_id, MAX(e.at) FROM audit_events e"
        " WHERE e.trigger = 'urge' AND e.entity_type IN ('referral', 'followup') AND e.seq > ("
        "  SELECT MAX(s.seq) FROM audit_events s WHERE s.entity_type = e.entity_type"
        "  AND s.entity_id = e.entity_id AND s.to_state IS NOT NULL AND s.trigger != 'urge')"
        " GROUP BY e.entity_type, e.entity_id")).all()
    for entity_type, table in TABLES.items():
        rows = [{'id': entity_id, 'at': at} for kind, entity_id, at in standing if kind == entity_type]
        if rows:
            connection.execute(sa.text(f'UPDATE {table} SET urged_at = :at WHERE id = :id'), rows)


def downgrade():
    for table in TABLES.values():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('urged_at')
