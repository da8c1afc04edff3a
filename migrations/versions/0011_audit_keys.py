"""audit: per-subject data keys for the personal fields of the audit log

- `audit_keys`: one row per subject (a case, an elder, a lawyer...): its data
  key wrapped under the key-encryption key (AUDIT_DATA_KEY, or derived from
  AUDIT_KEY), and when it was destroyed ("crypto-shredding": the key emptied,
  the row kept so that no personal data is recorded for the subject again).

Events written before this revision keep their data as it was: the log is
append-only and hash-chained, so it cannot be re-encrypted (see README).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_keys',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('subject_type', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('wrapped', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('destroyed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_keys')),
        sa.UniqueConstraint('subject_type', 'subject_id', name=op.f('uq_audit_keys_subject_type_subject_id')),
    )


def downgrade():
    op.drop_table('audit_keys')
