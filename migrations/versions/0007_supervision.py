"""supervision: the supervisor's sign-off review of each closure of a case

Adds `signoffs` (one row per closure of a dispute, run by the signoff
workflow: awaiting -> signed_off | returned), with the workflow columns every
engine entity carries, the uniqueness of (dispute, round), and the indexes
of the supervisors' queues (street and state, newest closure first); and three indexes on
`disputes` for the closure history (street / community / city, by closing
time) and two covering indexes from which the statistics read a cohort of
cases without touching the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state_entered_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_started_at", sa.DateTime(), nullable=True),
        sa.Column("warn_at", sa.DateTime(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"]),
        sa.ForeignKeyConstraint(["street_id"], ["streets.id"]),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"]),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dispute_id", "round", name="uq_signoffs_dispute_round"),
    )
    op.create_index("ix_signoffs_state", "signoffs", ["state"])
    op.create_index("ix_signoffs_due_at", "signoffs", ["due_at"])
    op.create_index("ix_signoffs_warn_at", "signoffs", ["warn_at"])
    op.create_index("ix_signoffs_street_state", "signoffs", ["street_id", "state", "closed_at"])
    op.create_index("ix_signoffs_state_closed", "signoffs", ["state", "closed_at"])
    # The closure history: closed cases newest closure first, by place.
    op.create_index("ix_disputes_street_closed", "disputes", ["street_id", "closed_at", "id"])
    op.create_index("ix_disputes_community_closed", "disputes", ["community_id", "closed_at", "id"])
    op.create_index("ix_disputes_closed", "disputes", ["closed_at", "id"])
    # The statistics: covering indexes of a cohort (see app/supervision/stats.py).
    stats_columns = ["community_id", "dispute_type", "channel", "state", "file_seq", "agreed_at", "closed_at",
                     "amount"]
    op.create_index("ix_disputes_stats_street", "disputes", ["street_id", "created_at", *stats_columns])
    op.create_index("ix_disputes_stats_created", "disputes", ["created_at", *stats_columns])


def downgrade():
    for name in ("ix_disputes_stats_created", "ix_disputes_stats_street", "ix_disputes_closed",
                 "ix_disputes_community_closed", "ix_disputes_street_closed"):
        op.drop_index(name, table_name="disputes")
    for name in ("ix_signoffs_state_closed", "ix_signoffs_street_state", "ix_signoffs_warn_at",
                 "ix_signoffs_due_at", "ix_signoffs_state"):
        op.drop_index(name, table_name="signoffs")
    op.drop_table("signoffs")
