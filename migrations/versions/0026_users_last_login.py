"""users.last_login_at: the latest login of each account, kept on the account

The users pages read an account's last login from login_attempts, which the
timer tick prunes after COUNTERS_KEEP_DAYS: an account unused for a month
showed "no login on record". The login now sets it on the account, in the
login's transaction. Filled here from the audit log's `login` events (kept
for good, and only logins that passed every factor; a success in
login_attempts may be a password whose code never came).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
    connection = op.get_bind()
    # One row per account that ever logged in (ix_audit_events_trigger_at finds the logins).
    latest = connection.execute(sa.text(
        "SELECT entity_id, MAX(at) FROM audit_events WHERE trigger = 'login' AND entity_type = 'user'"
        " AND entity_id IS NOT NULL GROUP BY entity_id")).all()
    if latest:
        connection.execute(sa.text('UPDATE users SET last_login_at = :at WHERE id = :id'),
                           [{'id': user_id, 'at': at} for user_id, at in latest])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
