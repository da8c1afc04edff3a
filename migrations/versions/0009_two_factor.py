"""accounts: a second factor (TOTP) and one-time recovery codes

- `two_factors`: an account's TOTP secret, unconfirmed while being set up,
  and the time step of the latest code accepted (a code is never accepted
  twice).
- `recovery_codes`: the SHA-256 of each one-time recovery code, and when it
  was used.
- `user_sessions.second_factor`: how a session's login passed the second
  factor; sessions from before this revision passed none, so users whose role
  needs one (TWO_FACTOR_ROLES) set it up at their next request.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'two_factors',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('last_step', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factors_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_factors')),
    )
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
        sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_codes_user_id_code_hash')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_factor', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('second_factor')
    op.drop_table('recovery_codes')
    op.drop_table('two_factors')
