"""rota: a holiday belongs to the city or to one street

- `rota_holidays.street_id`: NULL for the city's holidays (every room closes;
  added by a city-level coordinator), else the street whose rooms close
  (added by that street's coordinator). Holidays made before this revision
  keep NULL and so stay the city's, as they were.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rota_holidays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rota_holidays_street_id_streets'), 'streets', ['street_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_rota_holidays_street_id'), ['street_id'], unique=False)


def downgrade():
    with op.batch_alter_table('rota_holidays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_holidays_street_id'))
        batch_op.drop_constraint(batch_op.f('fk_rota_holidays_street_id_streets'), type_='foreignkey')
        batch_op.drop_column('street_id')
