"""elders: the elder's own ID number

- `elders.id_number`: optional; the conflict-of-interest check compares it
  with the parties' to tell an elder who *is* a party from a namesake.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('elders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('elders', schema=None) as batch_op:
        batch_op.drop_column('id_number')
