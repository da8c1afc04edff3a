"""departments and referrals

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:41:45

- departments: the departments a case can be referred to (the street's or,
  with no street, the city's), with their default periods; the five of
  "1+5+X" (公安, 行政执法, 应急, 环保, 市场监管) are inserted for the whole city.
- department_deadlines: a department's own periods for one kind of referral.
- referrals: a part of a case sent to a department (workflow columns, the
  deadlines fixed when sent, the answer).
- referral_attachments: the photos and documents sent with an answer.
- users.department_id: a liaison's department.
- sweep_participants: the known people who took part in a recorded sweep,
  by kind of alliance member (联合体).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('ack_hours', sa.Integer(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_departments_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('name', 'street_id', name='uq_departments_name_street')
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_street_id'), ['street_id'], unique=False)
    departments = sa.table('departments', sa.column('name', sa.String), sa.column('ack_hours', sa.Integer),
                           sa.column('answer_days', sa.Integer), sa.column('active', sa.Boolean))
    op.bulk_insert(departments, [{'name': name, 'ack_hours': 24, 'answer_days': 7, 'active': True}
                                 for name in ('公安', '行政执法', '应急', '环保', '市场监管')])

    op.create_table('department_deadlines',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ack_hours', sa.Integer(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_department_deadlines_department_id_departments')),
    sa.PrimaryKeyConstraint('department_id', 'kind', name=op.f('pk_department_deadlines'))
    )
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('ack_by', sa.DateTime(), nullable=True),
    sa.Column('answer_by', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('returns', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_started_at', sa.DateTime(), nullable=True),
    sa.Column('warn_at', sa.DateTime(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_referrals_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_referrals_answered_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_referrals_department_id_departments')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_referrals_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_department_state', ['department_id', 'state'], unique=False)
        batch_op.create_index('ix_referrals_dispute_state', ['dispute_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_warn_at'), ['warn_at'], unique=False)

    op.create_table('referral_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_attachments_referral_id_referrals')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_referral_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_referral_attachments_stored_name'))
    )
    with op.batch_alter_table('referral_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_attachments_referral_id'), ['referral_id'], unique=False)

    op.create_table('sweep_participants',
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], name=op.f('fk_sweep_participants_sweep_id_sweeps')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sweep_participants_user_id_users')),
    sa.PrimaryKeyConstraint('sweep_id', 'user_id', name=op.f('pk_sweep_participants'))
    )
    with op.batch_alter_table('sweep_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_participants_kind'), ['kind'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_department_id_departments'), 'departments', ['department_id'], ['id'])



def downgrade():
    with op.batch_alter_table('referral_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_attachments_referral_id'))
    op.drop_table('referral_attachments')
    with op.batch_alter_table('sweep_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_participants_kind'))
    op.drop_table('sweep_participants')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_department_id_departments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_department_id'))
        batch_op.drop_column('department_id')

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_warn_at'))
        batch_op.drop_index(batch_op.f('ix_referrals_state'))
        batch_op.drop_index(batch_op.f('ix_referrals_due_at'))
        batch_op.drop_index('ix_referrals_dispute_state')
        batch_op.drop_index('ix_referrals_department_state')

    op.drop_table('referrals')
    op.drop_table('department_deadlines')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_street_id'))

    op.drop_table('departments')
