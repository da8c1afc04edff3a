"""legal_opinions: a mediator's request to a volunteer lawyer for a legal opinion on a case

Run by the legal_opinion workflow (workflows/legal_opinion.py): its state,
version and deadline columns as every workflow entity has them, and the
state/due index the engine's registry gives each workflow table.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('laws_cited', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_started_at', sa.DateTime(), nullable=True),
    sa.Column('warn_at', sa.DateTime(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_legal_opinions_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['lawyer_id'], ['rota_lawyers.id'], name=op.f('fk_legal_opinions_lawyer_id_rota_lawyers')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_legal_opinions_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_opinions'))
    )
    with op.batch_alter_table('legal_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_opinions_dispute_id'), ['dispute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_opinions_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_legal_opinions_lawyer_state', ['lawyer_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_opinions_state'), ['state'], unique=False)
        batch_op.create_index('ix_legal_opinions_state_due', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_opinions_warn_at'), ['warn_at'], unique=False)



def downgrade():
    with op.batch_alter_table('legal_opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_opinions_warn_at'))
        batch_op.drop_index('ix_legal_opinions_state_due')
        batch_op.drop_index(batch_op.f('ix_legal_opinions_state'))
        batch_op.drop_index('ix_legal_opinions_lawyer_state')
        batch_op.drop_index(batch_op.f('ix_legal_opinions_due_at'))
        batch_op.drop_index(batch_op.f('ix_legal_opinions_dispute_id'))

    op.drop_table('legal_opinions')
