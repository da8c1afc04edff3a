"""elders: the elder's own ID number; parties: whom an agent acts for

- `elders.id_number`: optional; the conflict-of-interest check compares it
  with the parties' to tell an elder who *is* a party from a namesake.
- `parties.acts_for_id`: an agent's principal (another party of the same
  case), so the case file shows the agent against that party. NULL for
  applicants and respondents, and for agents recorded before this revision.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('elders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=40), nullable=True))
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acts_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_parties_acts_for_id_parties'), 'parties', ['acts_for_id'], ['id'])


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_parties_acts_for_id_parties'), type_='foreignkey')
        batch_op.drop_column('acts_for_id')
    with op.batch_alter_table('elders', schema=None) as batch_op:
        batch_op.drop_column('id_number')
