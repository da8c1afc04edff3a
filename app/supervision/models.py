"""The supervisor's review of each closure of a case (SignOff, run by the
signoff workflow in workflows/signoff.py).

A review row is opened by the dispute's `close` step, in the same
transaction, and keeps what was closed: the closing summary, the outcome
(agreement, on-the-spot resolution or failed mediation, from the state the
case was closed from) and who closed it when. The dispute's own summary is
overwritten if a returned case is closed again; each review keeps its own.
"""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.signoff import SIGNOFF

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import WorkflowMixin, register
from ..extensions import db
from ..i18n import N_

# How a case ended, named from the state it was closed from.
OUTCOME_OF_STATE = {"fulfilled": "agreement", "resolved_on_spot": "on_spot", "failed": "failed",
                    "refused": "refused"}
OUTCOMES = {
    "agreement": N_("Agreement (performed)"),
    "on_spot": N_("Resolved on the spot"),
    "failed": N_("Mediation failed"),
    "refused": N_("Ended by a party's refusal"),
}


@register
class SignOff(WorkflowMixin, db.Model):
    __tablename__ = "signoffs"
    __workflow__ = SIGNOFF
    __entity_type__ = "signoff"
    __audited__ = ("dispute_id", "round", "street_id", "community_id", "outcome", "summary", "closed_by_id",
                   "closed_at", "decided_by_id", "decided_at", "comment", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"))
    # 1 for the first closure of the case, 2 after a return and a second closure...
    round: Mapped[int] = mapped_column(Integer)
    # The case's place, copied so that a supervisor's queue is one indexed query.
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str | None] = mapped_column(Text)

    dispute: Mapped[Dispute] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        UniqueConstraint("dispute_id", "round", name="uq_signoffs_dispute_round"),
        Index("ix_signoffs_street_state", "street_id", "state", "closed_at"),
        Index("ix_signoffs_state_closed", "state", "closed_at"),
    )

    def visible_to(self, user) -> bool:
        """Reviews are the supervisors' (of the case's street, or the city's)."""
        from ..disputes.scope import can_see

        return getattr(user, "role", None) in ("supervisor", "admin") and can_see(user, self)

    @property
    def title(self) -> str:
        return f"{self.dispute.title} · {self.round}"


# The closure history pages through closed cases newest closure first,
# within a street, a community or the whole city: indexes on the disputes
# table, declared here with the feature that needs them (migration 0007).
# Partial, on the closed cases only, with the state last so that the capped
# count reads the index alone (migration 0022: a street's count read 10,000
# table rows, 105 ms at a million cases).
CLOSED = text("closed_at IS NOT NULL")
Index("ix_disputes_street_closed", Dispute.street_id, Dispute.closed_at, Dispute.id, Dispute.state,
      postgresql_where=CLOSED, sqlite_where=CLOSED)
Index("ix_disputes_community_closed", Dispute.community_id, Dispute.closed_at, Dispute.id, Dispute.state,
      postgresql_where=CLOSED, sqlite_where=CLOSED)
Index("ix_disputes_closed", Dispute.closed_at, Dispute.id, Dispute.state, postgresql_where=CLOSED,
      sqlite_where=CLOSED)
# The city's open cases by deadline colour, read from the index alone.
Index("ix_disputes_due_warn", Dispute.due_at, Dispute.warn_at)
# The city's cases turning yellow today, which the open cases' counters leave
# to a count of the cases (open_counts.py); a street's and a community's read
# their (place, due_at, warn_at) indexes.
Index("ix_disputes_warn_due", Dispute.warn_at, Dispute.due_at)


from . import counters as _counters  # noqa: E402,F401  (the statistics' counter table, with the models)
