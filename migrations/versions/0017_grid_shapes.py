"""org: grid codes and outlines for the grid map

- `grids.code`: the code a GeoJSON file names a grid by (unique when set);
- `grids.shape`: the grid's outline, a GeoJSON geometry in longitude/latitude
  (WGS 84), written by `flask org import-geojson`.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grids') as batch:
        batch.add_column(sa.Column('code', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('shape', sa.Text(), nullable=True))
        batch.create_unique_constraint(batch.f('uq_grids_code'), ['code'])


def downgrade():
    with op.batch_alter_table('grids') as batch:
        batch.drop_constraint(batch.f('uq_grids_code'), type_='unique')
        batch.drop_column('shape')
        batch.drop_column('code')
