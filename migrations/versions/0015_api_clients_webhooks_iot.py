"""api: integrator clients, their submissions, the webhook outbox, IoT devices and candidates

- `api_clients`: an integrator's token (as a SHA-256 hash), scopes, channel,
  place, webhook URL and signing secret, rate limit.
- `api_submissions`: which client sent which case, with its reference and
  Idempotency-Key (unique per client) and the hash of the body.
- `webhook_deliveries`: the outbox of signed case events, with retries.
- `iot_devices`, `iot_candidates`: devices registered per grid, and their
  repeated alarms folded into one candidate case.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:42:04.545238

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_secret', sa.String(length=80), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('per_minute', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('rotated_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_api_clients_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('name', name=op.f('uq_api_clients_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_clients_token_hash'))
    )
    op.create_table('iot_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=80), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_iot_devices_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iot_devices')),
    sa.UniqueConstraint('device_id', name=op.f('uq_iot_devices_device_id'))
    )
    with op.batch_alter_table('iot_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iot_devices_grid_id'), ['grid_id'], unique=False)

    op.create_table('api_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('external_ref', sa.String(length=80), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], name=op.f('fk_api_submissions_client_id_api_clients')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_api_submissions_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_submissions')),
    sa.UniqueConstraint('client_id', 'idempotency_key', name=op.f('uq_api_submissions_client_id_idempotency_key')),
    sa.UniqueConstraint('dispute_id', name=op.f('uq_api_submissions_dispute_id'))
    )
    with op.batch_alter_table('api_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_submissions_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_submissions_external_ref'), ['external_ref'], unique=False)

    op.create_table('iot_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('alarm_count', sa.Integer(), nullable=False),
    sa.Column('max_value', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], name=op.f('fk_iot_candidates_client_id_api_clients')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_iot_candidates_decided_by_id_users')),
    sa.ForeignKeyConstraint(['device_id'], ['iot_devices.id'], name=op.f('fk_iot_candidates_device_id_iot_devices')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_iot_candidates_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iot_candidates'))
    )
    with op.batch_alter_table('iot_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iot_candidates_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_iot_candidates_status'), ['status'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], name=op.f('fk_webhook_deliveries_client_id_api_clients')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_webhook_deliveries_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('message_id', name=op.f('uq_webhook_deliveries_message_id'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_status'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_client_id'))

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('iot_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_iot_candidates_status'))
        batch_op.drop_index(batch_op.f('ix_iot_candidates_device_id'))

    op.drop_table('iot_candidates')
    with op.batch_alter_table('api_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_submissions_external_ref'))
        batch_op.drop_index(batch_op.f('ix_api_submissions_client_id'))

    op.drop_table('api_submissions')
    with op.batch_alter_table('iot_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_iot_devices_grid_id'))

    op.drop_table('iot_devices')
    op.drop_table('api_clients')
