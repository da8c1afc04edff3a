"""users.lang: the language a user last chose, applied at each login

Set when a signed-in user switches language, or by a login that follows a
switch on the login pages; None until the user chooses.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 11:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    # A column added in place (no batch rebuild), so SQLite keeps 0029's expression index.
    op.add_column('users', sa.Column('lang', sa.String(length=16), nullable=True))


def downgrade():
    # SQLite's batch rebuild of users drops the expression index it cannot reflect: made again after.
    op.drop_index('uq_users_username_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('lang')
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)
