"""Requests to a volunteer lawyer for a legal opinion on a case
(LegalOpinion, run by the legal_opinion workflow)."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.legal_opinion import AWAITING, LEGAL_OPINION

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import WorkflowMixin, register
from ..extensions import db
from ..rota.models import Lawyer


# Who, besides the lawyer asked, reads a case's requests (and the opinions given).
STAFF = ("mediator", "supervisor")


def staff_see_opinions(dispute, user) -> bool:
    """An administrator, and the mediators and supervisors who see the case;
    not the others who may open the case page (a grid worker, an elder). A
    lawyer reads only their own requests (LegalOpinion.visible_to), never on
    the case page."""
    role = getattr(user, "role", None)
    return role == "admin" or (role in STAFF and dispute.visible_to(user))


@register
class LegalOpinion(WorkflowMixin, db.Model):
    """One question on one case put to one volunteer lawyer (公益律师)."""

    __tablename__ = "legal_opinions"
    __workflow__ = LEGAL_OPINION
    __entity_type__ = "legal_opinion"
    __audited__ = ("dispute_id", "lawyer_id", "question", "conflicts", "override_reason", "requested_by_id",
                   "requested_at", "opinion", "laws_cited", "answered_at", "acknowledged_at", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    lawyer_id: Mapped[int] = mapped_column(ForeignKey("rota_lawyers.id"))
    question: Mapped[str | None] = mapped_column(Text)
    # What the conflict check found when the lawyer was asked (rules.conflicts_of), and why the
    # mediator asked them anyway.
    conflicts: Mapped[list] = mapped_column(JSON, default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    opinion: Mapped[str | None] = mapped_column(Text)
    laws_cited: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    dispute: Mapped[Dispute] = relationship()
    lawyer: Mapped[Lawyer] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])

    __table_args__ = (
        # A lawyer's requests, the latest first.
        Index("ix_legal_opinions_lawyer_state", "lawyer_id", "state"),
    )

    def visible_to(self, user) -> bool:
        """The lawyer asked (and no other), and the staff who see the case."""
        if getattr(user, "role", None) == "lawyer":
            return self.lawyer.user_id == user.id
        return staff_see_opinions(self.dispute, user)

    @property
    def awaiting_answer(self) -> bool:
        return self.state in AWAITING
