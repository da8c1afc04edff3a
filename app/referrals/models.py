"""A referral (分流交办) of a part of a case to a department."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import REFERRAL
from workflows.referral import OPEN

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import UrgedMixin, WorkflowMixin, register
from ..extensions import db
from ..org.models import Department

DRAFT = REFERRAL.initial  # written by the mediator, not yet sent to the department


@register
class Referral(WorkflowMixin, UrgedMixin, db.Model):
    __tablename__ = "referrals"
    __workflow__ = REFERRAL
    __entity_type__ = "referral"
    __audited__ = ("dispute_id", "department_id", "kind", "request", "sent_at", "ack_by", "answer_by",
                   "acknowledged_at", "acknowledged_by_id", "answer", "answered_at", "answered_by_id", "returns",
                   "verified_at", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(20))  # codes.REFERRAL_KINDS
    request: Mapped[str] = mapped_column(Text)  # what the department is asked to do
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Fixed when sent (deadlines.py); a return sets a new answer_by.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    ack_by: Mapped[datetime | None] = mapped_column(DateTime)
    answer_by: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returns: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The referral form's one-time token: a form sent twice finds this row.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    dispute: Mapped[Dispute] = relationship()
    department: Mapped[Department] = relationship()
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (
        Index("ix_referrals_dispute_state", "dispute_id", "state"),
        Index("ix_referrals_department_state", "department_id", "state"),
    )

    def visible_to(self, user) -> bool:
        """A liaison sees their department's referrals once sent (a draft is
        the mediator's, not yet the department's) and nothing else; the
        centre's staff see the referrals of the cases they see."""
        role = getattr(user, "role", None)
        if role == "liaison":
            return (user.department_id is not None and user.department_id == self.department_id
                    and self.state != DRAFT)
        if role == "assistant":
            return False
        return self.dispute.visible_to(user)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN


class ReferralAttachment(db.Model):
    """A photo or document sent with a department's answer (stored as the
    case's attachments are: app/uploads.py)."""

    __tablename__ = "referral_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
