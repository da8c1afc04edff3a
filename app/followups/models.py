"""Follow-up visits, screening sweeps and in-app notifications."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import FOLLOWUP, SWEEP

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import WorkflowMixin, register
from ..extensions import db
from ..org.models import Community, Street


@register
class FollowUp(WorkflowMixin, db.Model):
    """One follow-up visit (回访) of a case's agreement."""

    __tablename__ = "followups"
    __workflow__ = FOLLOWUP
    __entity_type__ = "followup"

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

    dispute: Mapped[Dispute] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    __table_args__ = (Index("ix_followups_dispute_state", "dispute_id", "state"),)

    def visible_to(self, user) -> bool:
        return self.dispute.visible_to(user)

    @property
    def is_open(self) -> bool:
        return not FOLLOWUP.state(self.state).terminal


@register
class Sweep(WorkflowMixin, db.Model):
    """One place's screening sweep (排查) for one period: a community's week
    or the street's month."""

    __tablename__ = "sweeps"
    __workflow__ = SWEEP
    __entity_type__ = "sweep"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))  # community / street
    # "community:12" or "street:3": one sweep per place and period, also for
    # the street's (community_id NULL, which a unique constraint would not catch).
    place_key: Mapped[str] = mapped_column(String(30))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_ends_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    held_on: Mapped[date | None] = mapped_column(Date)
    participants: Mapped[str | None] = mapped_column(Text)
    checked: Mapped[str | None] = mapped_column(String(200))  # codes.SWEEP_CHECKS, comma-separated
    findings: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)

    street: Mapped[Street] = relationship()
    community: Mapped[Community | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    disputes: Mapped[list[Dispute]] = relationship(order_by="Dispute.id", viewonly=True)

    __table_args__ = (
        UniqueConstraint("place_key", "period_start"),
        Index("ix_sweeps_street_period", "street_id", "period_start"),
        Index("ix_sweeps_community_period", "community_id", "period_start"),
    )

    def visible_to(self, user) -> bool:
        from .scope import may_see_sweep

        return may_see_sweep(user, self)

    @property
    def checked_codes(self) -> list[str]:
        return [c for c in (self.checked or "").split(",") if c]

    @property
    def place_name(self) -> str:
        return self.community.name if self.community is not None else self.street.name


class Notification(db.Model):
    """A message to one user about a step that concerns them, written in the
    same transaction as the step. Its text is made when shown, in the
    reader's language, from `kind` and `data`."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The e-mail outbox: pending -> sending -> sent | failed (NULL: no e-mail).
    email_state: Mapped[str | None] = mapped_column(String(10), index=True)
    email_tries: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_user_newest", "user_id", "id"),
    )


class NotificationPref(db.Model):
    """Where a user wants notifications e-mailed, if anywhere."""

    __tablename__ = "notification_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    email: Mapped[str | None] = mapped_column(String(200))
    email_on: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime)


# The sweep planner and the e-mail sender (in that order: a tick mails what
# it notified) register themselves at import.
from . import sweeps as _sweeps  # noqa: E402,F401
from . import mail as _mail  # noqa: E402,F401
