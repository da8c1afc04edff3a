"""Screening sweeps (排查): one place's sweep for one period."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import SWEEP

from ..auth.models import User
from ..disputes.models import Dispute
from ..engine import WorkflowMixin, register
from ..extensions import db
from ..org.models import Community, Street
from .scope import may_see_sweep


@register
class Sweep(WorkflowMixin, db.Model):
    """One place's screening sweep (排查) for one period: a community's week
    or the street's month."""

    __tablename__ = "sweeps"
    __workflow__ = SWEEP
    __entity_type__ = "sweep"
    __audited__ = ("level", "street_id", "community_id", "period_start", "period_end", "period_ends_at", "held_on",
                   "participants", "checked", "findings", "recorded_by_id", "recorded_at", "due_at")

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
        return may_see_sweep(user, self)

    @property
    def checked_codes(self) -> list[str]:
        return [c for c in (self.checked or "").split(",") if c]

    @property
    def place_name(self) -> str:
        return self.community.name if self.community is not None else self.street.name


class SweepParticipant(db.Model):
    """One known person who took part in a recorded sweep, with the kind of
    alliance member they took part as (codes.PARTICIPANT_KINDS)."""

    __tablename__ = "sweep_participants"
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
