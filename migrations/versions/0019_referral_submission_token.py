"""referrals: a one-time submission token, so a referral form sent twice makes one referral

The case page's referral form carries a random token; the unique column lets
the second of two identical posts (a double tap, a resend after a timeout)
find the referral the first one made instead of creating another
(app/referrals/views.py `new`).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 18:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_referrals_submission_token', ['submission_token'])


def downgrade():
    with op.batch_alter_table('referrals') as batch:
        batch.drop_constraint('uq_referrals_submission_token', type_='unique')
        batch.drop_column('submission_token')
