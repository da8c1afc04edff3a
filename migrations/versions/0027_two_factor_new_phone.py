"""two_factors.new_secret: a move to a new phone under way

A user moves their second factor to a new phone themselves: the new secret
waits here (sealed like the confirmed one, app/sealed.py) until a code from
the new phone confirms it; the confirmed secret keeps working meanwhile.
Both columns are empty until a move begins, so nothing is filled here.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from app.sealed import sealed_length


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('two_factors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_secret', sa.String(length=sealed_length(64)), nullable=True))
        batch_op.add_column(sa.Column('new_secret_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('two_factors', schema=None) as batch_op:
        batch_op.drop_column('new_secret_at')
        batch_op.drop_column('new_secret')
