"""accounts: server-side sessions, login throttling by device and address

- `user_sessions`: one row per logged-in browser (the SHA-256 of the key its
  login cookie names, login time, last seen, address, User-Agent). Sessions
  made before this revision named the account's `session_token` and are no
  longer accepted: everyone logs in once more.
- `login_attempts.device`: the device cookie's nonce an attempt counted
  against; the index by (username, at) becomes (username, address, at), as
  accounts are now throttled per address, and one by (device, at) is added.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash')),
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=32), nullable=True))
        batch_op.drop_index('ix_login_attempts_username_at')
        batch_op.create_index('ix_login_attempts_username_address_at', ['username', 'address', 'at'], unique=False)
        batch_op.create_index('ix_login_attempts_device_at', ['device', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_device_at')
        batch_op.drop_index('ix_login_attempts_username_address_at')
        batch_op.create_index('ix_login_attempts_username_at', ['username', 'at'], unique=False)
        batch_op.drop_column('device')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
