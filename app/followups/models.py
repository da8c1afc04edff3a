"""Follow-up visits (回访) of a case's agreement."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import FOLLOWUP

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import UrgedMixin, WorkflowMixin, register
from ..extensions import db


@register
class FollowUp(WorkflowMixin, UrgedMixin, db.Model):
    """One follow-up visit (回访) of a case's agreement."""

    __tablename__ = "followups"
    __workflow__ = FOLLOWUP
    __entity_type__ = "followup"
    __audited__ = ("dispute_id", "kind", "planned_for", "visit_by", "escalate_at", "method", "reached", "fulfilment",
                   "satisfaction", "notes", "visited_on", "done_by_id", "done_at", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"))
    # after_agreement / perform_by / after_urging / extra (codes.FOLLOWUP_KINDS)
    kind: Mapped[str] = mapped_column(String(20))
    # Fixed when scheduled (see workflows/followup.py): due, overdue, escalated.
    planned_for: Mapped[datetime] = mapped_column(DateTime)
    visit_by: Mapped[datetime] = mapped_column(DateTime)
    escalate_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The visit, once recorded.
    method: Mapped[str | None] = mapped_column(String(10))
    reached: Mapped[str | None] = mapped_column(Text)
    fulfilment: Mapped[str | None] = mapped_column(String(12))
    satisfaction: Mapped[str | None] = mapped_column(String(12))
    notes: Mapped[str | None] = mapped_column(Text)
    visited_on: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Read-only for the unit of work, as the case's (disputes/models.py): set by id.
    dispute: Mapped[Dispute] = relationship(viewonly=True)
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id], viewonly=True)

    __table_args__ = (Index("ix_followups_dispute_state", "dispute_id", "state"),)

    def visible_to(self, user) -> bool:
        return self.dispute.visible_to(user)

    @property
    def is_open(self) -> bool:
        return not FOLLOWUP.state(self.state).terminal
