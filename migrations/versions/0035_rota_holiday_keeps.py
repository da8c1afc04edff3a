"""rota_holiday_keeps: duties the coordinator keeps on a day that became a holiday after planning

A statutory holiday entered after a rota was published leaves its Saturday's
duties published; the coordinator now decides for the whole day, cancelling
them (the duty's own cancel step) or keeping them, which this table records
so that the day is no longer shown as "to be decided". Nothing to fill: no
decision was recorded before.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 19:05:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rota_holiday_keeps',
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('holiday', sa.String(length=80), nullable=False),
    sa.Column('kept_by_id', sa.Integer(), nullable=True),
    sa.Column('kept_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['duty_id'], ['rota_duties.id'], name=op.f('fk_rota_holiday_keeps_duty_id_rota_duties')),
    sa.ForeignKeyConstraint(['kept_by_id'], ['users.id'], name=op.f('fk_rota_holiday_keeps_kept_by_id_users')),
    sa.PrimaryKeyConstraint('duty_id', name=op.f('pk_rota_holiday_keeps'))
    )


def downgrade():
    op.drop_table('rota_holiday_keeps')
