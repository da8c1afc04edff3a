"""elders: the council of elders (五老和事会)

Adds the roster (`elders`, with `elder_unavailability` periods and declared
`elder_relations`) and the invitations of elders to cases
(`elder_assignments`, run by the elder_assignment workflow: its state,
version and deadline columns as every workflow entity has them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 16:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('elders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('expertise', sa.JSON(), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=True),
    sa.Column('max_concurrent', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_elders_community_id_communities')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_elders_grid_id_grids')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_elders_street_id_streets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_elders_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elders')),
    sa.UniqueConstraint('user_id', name=op.f('uq_elders_user_id'))
    )
    with op.batch_alter_table('elders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elders_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_elders_street_active', ['street_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_elders_street_id'), ['street_id'], unique=False)

    op.create_table('elder_relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['elder_id'], ['elders.id'], name=op.f('fk_elder_relations_elder_id_elders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elder_relations'))
    )
    with op.batch_alter_table('elder_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elder_relations_elder_id'), ['elder_id'], unique=False)

    op.create_table('elder_unavailability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['elder_id'], ['elders.id'], name=op.f('fk_elder_unavailability_elder_id_elders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elder_unavailability'))
    )
    with op.batch_alter_table('elder_unavailability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elder_unavailability_elder_id'), ['elder_id'], unique=False)

    op.create_table('elder_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('elder_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('session_at', sa.DateTime(), nullable=True),
    sa.Column('session_place', sa.String(length=200), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(), nullable=True),
    sa.Column('answer', sa.String(length=10), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('session_started_at', sa.DateTime(), nullable=True),
    sa.Column('report_work_done', sa.Text(), nullable=True),
    sa.Column('report_advice', sa.Text(), nullable=True),
    sa.Column('report_outcome', sa.String(length=20), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_started_at', sa.DateTime(), nullable=True),
    sa.Column('warn_at', sa.DateTime(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_elder_assignments_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['elder_id'], ['elders.id'], name=op.f('fk_elder_assignments_elder_id_elders')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_elder_assignments_invited_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elder_assignments'))
    )
    with op.batch_alter_table('elder_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elder_assignments_dispute_id'), ['dispute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_elder_assignments_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_elder_assignments_elder_invited', ['elder_id', 'invited_at'], unique=False)
        batch_op.create_index('ix_elder_assignments_elder_state', ['elder_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_elder_assignments_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_elder_assignments_warn_at'), ['warn_at'], unique=False)


def downgrade():
    # Children first: they refer to the elders.
    for table, indexes in (
        ("elder_assignments", ("ix_elder_assignments_warn_at", "ix_elder_assignments_state",
                               "ix_elder_assignments_elder_state", "ix_elder_assignments_elder_invited",
                               "ix_elder_assignments_due_at", "ix_elder_assignments_dispute_id")),
        ("elder_unavailability", ("ix_elder_unavailability_elder_id",)),
        ("elder_relations", ("ix_elder_relations_elder_id",)),
        ("elders", ("ix_elders_street_id", "ix_elders_street_active", "ix_elders_community_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
        op.drop_table(table)
