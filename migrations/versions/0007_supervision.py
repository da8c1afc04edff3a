"""supervision: the supervisor's sign-off review of each closure of a case

Adds `signoffs` (one row per closure of a dispute, run by the signoff
workflow: awaiting -> signed_off | returned), with the workflow columns every
engine entity carries, the uniqueness of (dispute, round), and the indexes
of the supervisors' queues (street and state, newest closure first); and three indexes on
`disputes` for the closure history (street / community / city, by closing
time); and `stat_counts`, the statistics' counters kept with every change
of a case (app/supervision/counters.py), filled here from the cases already
registered.

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
    op.create_index("ix_disputes_due_warn", "disputes", ["due_at", "warn_at"])  # the city's colours
    # The statistics' maintained counters (app/supervision/counters.py),
    # filled once from the cases already there.
    op.create_table(
        "stat_counts",
        sa.Column("dim", sa.String(length=10), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("registered", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("agreements", sa.Integer(), nullable=False),
        sa.Column("on_spot", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("days_sum", sa.Float(), nullable=False),
        sa.Column("amount_sum", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("amount_n", sa.Integer(), nullable=False),
        sa.Column("from_sweeps", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"]),
        sa.ForeignKeyConstraint(["street_id"], ["streets.id"]),
        sa.PrimaryKeyConstraint("dim", "month", "community_id", "key"),
    )
    op.create_index("ix_stat_counts_street", "stat_counts", ["dim", "street_id", "month"])
    op.create_index("ix_stat_counts_community", "stat_counts", ["dim", "community_id", "month"])
    from app.supervision.counters import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    op.drop_index("ix_stat_counts_community", table_name="stat_counts")
    op.drop_index("ix_stat_counts_street", table_name="stat_counts")
    op.drop_table("stat_counts")
    for name in ("ix_disputes_due_warn", "ix_disputes_closed", "ix_disputes_community_closed",
                 "ix_disputes_street_closed"):
        op.drop_index(name, table_name="disputes")
    for name in ("ix_signoffs_state_closed", "ix_signoffs_street_state", "ix_signoffs_warn_at",
                 "ix_signoffs_due_at", "ix_signoffs_state"):
        op.drop_index(name, table_name="signoffs")
    op.drop_table("signoffs")
