"""rota_consultations: a one-time submission token, so a consultation form sent twice logs one consultation

The duty page's form to log a consultation carries a random token; the
unique column lets the second of two identical posts (Back and send again, a
double tap, a resend after a timeout) find the consultation the first one
logged instead of logging (and counting) it twice
(app/rota/consult_views.py `log_consultation`).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rota_consultations') as batch:
        batch.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_rota_consultations_submission_token', ['submission_token'])


def downgrade():
    with op.batch_alter_table('rota_consultations') as batch:
        batch.drop_constraint('uq_rota_consultations_submission_token', type_='unique')
        batch.drop_column('submission_token')
