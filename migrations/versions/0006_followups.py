"""follow-up visits, screening sweeps, notifications

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:00:00

- sweeps: one screening sweep (排查) per place (a community's week, the
  street's month) with its period, record and workflow columns; unique per
  place and period (place_key, since a street sweep has no community).
- disputes.sweep_id: the sweep that found a dispute (nullable).
- followups: follow-up visits (回访) of a case's agreement, with the three
  moments fixed when planned (planned_for, visit_by, escalate_at) and the
  visit's result.
- notifications: in-app notifications per user, with their e-mail outbox
  state; notification_prefs: where a user wants them e-mailed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _workflow_columns():
    """WorkflowMixin's columns (app/engine/mixin.py)."""
    return [
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state_entered_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('deadline_started_at', sa.DateTime(), nullable=True),
        sa.Column('warn_at', sa.DateTime(), nullable=True),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
    ]


def _workflow_indexes(batch_op, table):
    for column in ('state', 'due_at', 'warn_at'):
        batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade():
    op.create_table('sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('place_key', sa.String(length=30), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('period_ends_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('participants', sa.Text(), nullable=True),
    sa.Column('checked', sa.String(length=200), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_sweeps_community_id_communities')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_sweeps_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_sweeps_street_id_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweeps')),
    sa.UniqueConstraint('place_key', 'period_start', name=op.f('uq_sweeps_place_key_period_start'))
    )
    with op.batch_alter_table('sweeps', schema=None) as batch_op:
        batch_op.create_index('ix_sweeps_community_period', ['community_id', 'period_start'], unique=False)
        batch_op.create_index('ix_sweeps_street_period', ['street_id', 'period_start'], unique=False)
        _workflow_indexes(batch_op, 'sweeps')

    # A plain ADD COLUMN: SQLite takes the REFERENCES clause inline (Alembic
    # would copy the whole disputes table in a batch to add a constraint).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE disputes ADD COLUMN sweep_id INTEGER '
                   'CONSTRAINT fk_disputes_sweep_id_sweeps REFERENCES sweeps (id)')
    else:
        op.add_column('disputes', sa.Column('sweep_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_disputes_sweep_id_sweeps'), 'disputes', 'sweeps', ['sweep_id'], ['id'])
    op.create_index(op.f('ix_disputes_sweep_id'), 'disputes', ['sweep_id'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('planned_for', sa.DateTime(), nullable=False),
    sa.Column('visit_by', sa.DateTime(), nullable=False),
    sa.Column('escalate_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('reached', sa.Text(), nullable=True),
    sa.Column('fulfilment', sa.String(length=12), nullable=True),
    sa.Column('satisfaction', sa.String(length=12), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_followups_created_by_id_users')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_followups_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_followups_done_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index('ix_followups_dispute_state', ['dispute_id', 'state'], unique=False)
        _workflow_indexes(batch_op, 'followups')

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('entity_type', sa.String(length=20), nullable=True),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('email_state', sa.String(length=10), nullable=True),
    sa.Column('email_tries', sa.Integer(), nullable=False),
    sa.Column('email_claimed_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_email_state'), ['email_state'], unique=False)
        batch_op.create_index('ix_notifications_user_newest', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('notification_prefs',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('email_on', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_prefs_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_prefs'))
    )


def downgrade():
    op.drop_table('notification_prefs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_user_newest')
        batch_op.drop_index(batch_op.f('ix_notifications_email_state'))
    op.drop_table('notifications')

    with op.batch_alter_table('followups', schema=None) as batch_op:
        for column in ('warn_at', 'due_at', 'state'):
            batch_op.drop_index(batch_op.f(f'ix_followups_{column}'))
        batch_op.drop_index('ix_followups_dispute_state')
    op.drop_table('followups')

    op.drop_index(op.f('ix_disputes_sweep_id'), table_name='disputes')
    # SQLite (3.35+) drops a column only when no constraint names it: the
    # batch operation rebuilds the table without it there; PostgreSQL drops it.
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_column('sweep_id')

    with op.batch_alter_table('sweeps', schema=None) as batch_op:
        for column in ('warn_at', 'due_at', 'state'):
            batch_op.drop_index(batch_op.f(f'ix_sweeps_{column}'))
        batch_op.drop_index('ix_sweeps_street_period')
        batch_op.drop_index('ix_sweeps_community_period')
    op.drop_table('sweeps')
