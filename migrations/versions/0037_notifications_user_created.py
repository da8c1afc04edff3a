"""notifications: the user's notices by creation time (ix_notifications_user_created)

The notifications page lists a user's notices newest first by when each was
written (created_at, the id breaking ties) rather than by id: a notice
written with a step's own time (a timer's step run late, a back-dated
import) goes where its time puts it. The index on (user_id, id) that served
the order by id is replaced by one on (user_id, created_at, id).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 22:30:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_notifications_user_newest')


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_newest', ['user_id', 'id'], unique=False)
        batch_op.drop_index('ix_notifications_user_created')
