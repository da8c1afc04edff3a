"""rota: the volunteer lawyers' Saturday rota

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 16:00:00

Adds the tables of app/rota: public legal-service rooms (rota_rooms), the
lawyers' roster (rota_lawyers, with the hash of each private calendar token)
and their unavailable dates (rota_unavailable), public holidays
(rota_holidays), duties (rota_duties: a workflow entity, one seat of one room
on one Saturday; `live_seat` is unique while the duty holds its seat), the
lawyers a duty has left (rota_duty_releases, for their calendars), swap
requests (rota_swaps: a workflow entity) and consultations
(rota_consultations, linked to the dispute a consultation became).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rota_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_rota_rooms_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_rooms')),
    sa.UniqueConstraint('name', name=op.f('uq_rota_rooms_name'))
    )
    with op.batch_alter_table('rota_rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_rooms_community_id'), ['community_id'], unique=False)

    op.create_table('rota_holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rota_holidays_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_holidays'))
    )
    with op.batch_alter_table('rota_holidays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_holidays_first_day'), ['first_day'], unique=False)

    op.create_table('rota_lawyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('firm', sa.String(length=120), nullable=False),
    sa.Column('practice_areas', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('feed_token_hash', sa.String(length=64), nullable=True),
    sa.Column('feed_issued_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rota_lawyers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_lawyers')),
    sa.UniqueConstraint('feed_token_hash', name=op.f('uq_rota_lawyers_feed_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_rota_lawyers_user_id'))
    )
    op.create_table('rota_duties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=False),
    sa.Column('live_seat', sa.String(length=40), nullable=True),
    sa.Column('day_ends_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_started_at', sa.DateTime(), nullable=True),
    sa.Column('warn_at', sa.DateTime(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lawyer_id'], ['rota_lawyers.id'], name=op.f('fk_rota_duties_lawyer_id_rota_lawyers')),
    sa.ForeignKeyConstraint(['room_id'], ['rota_rooms.id'], name=op.f('fk_rota_duties_room_id_rota_rooms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_duties')),
    sa.UniqueConstraint('live_seat', name=op.f('uq_rota_duties_live_seat'))
    )
    with op.batch_alter_table('rota_duties', schema=None) as batch_op:
        batch_op.create_index('ix_rota_duties_day_room_seat', ['day', 'room_id', 'seat'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_duties_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_rota_duties_lawyer_day', ['lawyer_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_duties_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_duties_warn_at'), ['warn_at'], unique=False)

    op.create_table('rota_unavailable',
    sa.Column('lawyer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['lawyer_id'], ['rota_lawyers.id'], name=op.f('fk_rota_unavailable_lawyer_id_rota_lawyers')),
    sa.PrimaryKeyConstraint('lawyer_id', 'day', name=op.f('pk_rota_unavailable'))
    )
    op.create_table('rota_consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service_type', sa.String(length=20), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('advice', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('legal_aid_referred_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rota_consultations_created_by_id_users')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_rota_consultations_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['duty_id'], ['rota_duties.id'], name=op.f('fk_rota_consultations_duty_id_rota_duties')),
    sa.ForeignKeyConstraint(['lawyer_id'], ['rota_lawyers.id'], name=op.f('fk_rota_consultations_lawyer_id_rota_lawyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_consultations'))
    )
    with op.batch_alter_table('rota_consultations', schema=None) as batch_op:
        batch_op.create_index('ix_rota_consultations_day', ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_consultations_duty_id'), ['duty_id'], unique=False)
        batch_op.create_index('ix_rota_consultations_lawyer_day', ['lawyer_id', 'day'], unique=False)

    op.create_table('rota_duty_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['duty_id'], ['rota_duties.id'], name=op.f('fk_rota_duty_releases_duty_id_rota_duties')),
    sa.ForeignKeyConstraint(['lawyer_id'], ['rota_lawyers.id'], name=op.f('fk_rota_duty_releases_lawyer_id_rota_lawyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_duty_releases'))
    )
    with op.batch_alter_table('rota_duty_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_duty_releases_duty_id'), ['duty_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_duty_releases_lawyer_id'), ['lawyer_id'], unique=False)

    op.create_table('rota_swaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('taker_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_started_at', sa.DateTime(), nullable=True),
    sa.Column('warn_at', sa.DateTime(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['duty_id'], ['rota_duties.id'], name=op.f('fk_rota_swaps_duty_id_rota_duties')),
    sa.ForeignKeyConstraint(['requester_id'], ['rota_lawyers.id'], name=op.f('fk_rota_swaps_requester_id_rota_lawyers')),
    sa.ForeignKeyConstraint(['taker_id'], ['rota_lawyers.id'], name=op.f('fk_rota_swaps_taker_id_rota_lawyers')),
    sa.ForeignKeyConstraint(['target_id'], ['rota_lawyers.id'], name=op.f('fk_rota_swaps_target_id_rota_lawyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_swaps'))
    )
    with op.batch_alter_table('rota_swaps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_swaps_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swaps_duty_id'), ['duty_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swaps_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swaps_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swaps_taker_id'), ['taker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swaps_target_id'), ['target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_swaps_warn_at'), ['warn_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rota_swaps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_swaps_warn_at'))
        batch_op.drop_index(batch_op.f('ix_rota_swaps_target_id'))
        batch_op.drop_index(batch_op.f('ix_rota_swaps_taker_id'))
        batch_op.drop_index(batch_op.f('ix_rota_swaps_state'))
        batch_op.drop_index(batch_op.f('ix_rota_swaps_requester_id'))
        batch_op.drop_index(batch_op.f('ix_rota_swaps_duty_id'))
        batch_op.drop_index(batch_op.f('ix_rota_swaps_due_at'))

    op.drop_table('rota_swaps')
    with op.batch_alter_table('rota_duty_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_duty_releases_lawyer_id'))
        batch_op.drop_index(batch_op.f('ix_rota_duty_releases_duty_id'))

    op.drop_table('rota_duty_releases')
    with op.batch_alter_table('rota_consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_rota_consultations_lawyer_day')
        batch_op.drop_index(batch_op.f('ix_rota_consultations_duty_id'))
        batch_op.drop_index('ix_rota_consultations_day')

    op.drop_table('rota_consultations')
    op.drop_table('rota_unavailable')
    with op.batch_alter_table('rota_duties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_duties_warn_at'))
        batch_op.drop_index(batch_op.f('ix_rota_duties_state'))
        batch_op.drop_index('ix_rota_duties_lawyer_day')
        batch_op.drop_index(batch_op.f('ix_rota_duties_due_at'))
        batch_op.drop_index('ix_rota_duties_day_room_seat')

    op.drop_table('rota_duties')
    op.drop_table('rota_lawyers')
    with op.batch_alter_table('rota_holidays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_holidays_first_day'))

    op.drop_table('rota_holidays')
    with op.batch_alter_table('rota_rooms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_rooms_community_id'))

    op.drop_table('rota_rooms')
