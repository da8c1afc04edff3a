"""The rota's rows: rooms, lawyers and their unavailable dates, holidays,
duties (one seat of one room on one Saturday), swap requests, the lawyers a
duty has left (for their calendars), and consultations."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, Time, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from workflows.duty_swap import DUTY_SWAP
from workflows.lawyer_duty import LAWYER_DUTY

from ..auth.models import User
from ..engine import WorkflowMixin, register
from ..extensions import db
from ..org.models import Community, Street
from .scope_rule import sees_street

# Duties that hold their seat: a cancelled (or lapsed) one gives it back.
LIVE_STATES = ("planned", "published", "checked_in", "completed", "no_show")
# Duties that count for a lawyer (published or later, not cancelled).
SAT_STATES = ("published", "checked_in", "completed", "no_show")
# Duties still to be sat: a coordinator may still move or cancel them.
HELD_STATES = ("planned", "published")


class RosterRow:
    """Roster rows are edited like a case's details (engine/edits.py
    commit_change): version checked, before/after in the audit log."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    changed_by_id: Mapped[int | None] = mapped_column(Integer)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    def visible_to(self, user) -> bool:
        return user.role in ("coordinator", "admin")


class Room(RosterRow, db.Model):
    """A public legal-service room (社区公共法律服务工作室)."""

    __tablename__ = "rota_rooms"
    __entity_type__ = "rota_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    seats: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    community: Mapped[Community] = relationship()

    def visible_to(self, user) -> bool:
        """Staff see the rooms of their street (or, city-level, all)."""
        return user.role in ("coordinator", "supervisor", "admin") and sees_street(user, self.community.street_id)


class Lawyer(RosterRow, db.Model):
    __tablename__ = "rota_lawyers"
    __entity_type__ = "rota_lawyer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    firm: Mapped[str] = mapped_column(String(120))
    practice_areas: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The login of this lawyer (role "lawyer"), if they have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    # SHA-256 of the private calendar token: the token itself is shown once
    # and never stored, so a copy of the database gives no feed URL.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    feed_issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User | None] = relationship()
    unavailable: Mapped[list[Unavailable]] = relationship(
        back_populates="lawyer", order_by="Unavailable.day", cascade="all, delete-orphan")

    @property
    def unavailable_days(self) -> set[date]:
        return {u.day for u in self.unavailable}


class Unavailable(db.Model):
    """A Saturday (or any date) a lawyer has said they cannot sit."""

    __tablename__ = "rota_unavailable"
    lawyer_id: Mapped[int] = mapped_column(ForeignKey("rota_lawyers.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lawyer: Mapped[Lawyer] = relationship(back_populates="unavailable")


class Holiday(db.Model):
    """Holidays (a range of dates) on which no duty is planned: the city's
    (street_id NULL, added by a city-level coordinator: every room closes),
    or one street's (added by its coordinator: only that street's rooms)."""

    __tablename__ = "rota_holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date] = mapped_column(Date)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    street: Mapped[Street | None] = relationship()

    def visible_to(self, user) -> bool:
        """The city's holidays concern everyone; a street's, its own staff."""
        return self.street_id is None or sees_street(user, self.street_id)


@register
class Duty(WorkflowMixin, db.Model):
    __tablename__ = "rota_duties"
    __workflow__ = LAWYER_DUTY
    __entity_type__ = "lawyer_duty"
    __audited__ = ("day", "room_id", "seat", "lawyer_id", "day_ends_at", "published_at", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    room_id: Mapped[int] = mapped_column(ForeignKey("rota_rooms.id"))
    seat: Mapped[int] = mapped_column(Integer)
    lawyer_id: Mapped[int] = mapped_column(ForeignKey("rota_lawyers.id"))
    # "<day>/<room>/<seat>" while the duty holds its seat, NULL once
    # cancelled: a unique column (NULLs allowed on both databases) keeps two
    # live duties off one seat even when two coordinators plan at once.
    live_seat: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Midnight after the duty's local day (UTC): when the timer marks a
    # no-show, completes a forgotten check-out, or lapses an unpublished plan.
    day_ends_at: Mapped[datetime] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The iCalendar SEQUENCE: bumped whenever calendars must update the event.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    room: Mapped[Room] = relationship()
    lawyer: Mapped[Lawyer] = relationship()

    __table_args__ = (
        Index("ix_rota_duties_day_room_seat", "day", "room_id", "seat"),
        Index("ix_rota_duties_lawyer_day", "lawyer_id", "day"),
    )

    @staticmethod
    def seat_key(day: date, room_id: int, seat: int) -> str:
        return f"{day.isoformat()}/{room_id}/{seat}"

    def visible_to(self, user) -> bool:
        # Lawyers are one pool for the city and the rota is public (names and
        # firms on the board): a lawyer may open any duty, and what they may
        # do on it is decided by the workflow's roles and guards. Staff see
        # the duties in the rooms of their street (city-level: all).
        if user.role == "lawyer":
            return True
        return user.role in ("coordinator", "supervisor", "admin") and sees_street(
            user, self.room.community.street_id)


class HolidayKeep(db.Model):
    """A published (or planned) duty the coordinator decided to keep although
    its day became a holiday after it was planned (holiday_days.py): the
    day's "to be decided" mark and today item go; the decision is audited."""

    __tablename__ = "rota_holiday_keeps"
    duty_id: Mapped[int] = mapped_column(ForeignKey("rota_duties.id"), primary_key=True)
    holiday: Mapped[str] = mapped_column(String(80))
    kept_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kept_at: Mapped[datetime] = mapped_column(DateTime)


class DutyRelease(db.Model):
    """A duty that left a lawyer (a swap, or the coordinator moved the seat):
    their calendar shows it cancelled instead of silently dropping it."""

    __tablename__ = "rota_duty_releases"
    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("rota_duties.id"), index=True)
    lawyer_id: Mapped[int] = mapped_column(ForeignKey("rota_lawyers.id"), index=True)
    released_at: Mapped[datetime] = mapped_column(DateTime)
    duty: Mapped[Duty] = relationship()


@register
class SwapRequest(WorkflowMixin, db.Model):
    __tablename__ = "rota_swaps"
    __workflow__ = DUTY_SWAP
    __entity_type__ = "duty_swap"
    __audited__ = ("duty_id", "requester_id", "target_id", "taker_id", "note", "expires_at", "due_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("rota_duties.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("rota_lawyers.id"), index=True)
    # The colleague asked by name; NULL: open to every lawyer.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("rota_lawyers.id"), index=True)
    taker_id: Mapped[int | None] = mapped_column(ForeignKey("rota_lawyers.id"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    # The start of the duty's local day: after it, nobody can take the seat.
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    duty: Mapped[Duty] = relationship()
    requester: Mapped[Lawyer] = relationship(foreign_keys=[requester_id])
    target: Mapped[Lawyer | None] = relationship(foreign_keys=[target_id])
    taker: Mapped[Lawyer | None] = relationship(foreign_keys=[taker_id])

    def involves(self, lawyer_id: int | None) -> bool:
        return lawyer_id is not None and lawyer_id in (self.requester_id, self.target_id, self.taker_id)

    def visible_to(self, user) -> bool:
        if user.role in ("coordinator", "supervisor", "admin"):
            return self.duty.visible_to(user)  # a swap lies where its duty's room does
        if user.role != "lawyer":
            return False
        # roster.lawyer_of's query, written here: roster imports this module.
        me = db.session.execute(select(Lawyer).where(Lawyer.user_id == user.id)).scalar_one_or_none()
        return me is not None and (self.involves(me.id) or (self.target_id is None and self.state == "requested"))


class Consultation(db.Model):
    """One visitor's consultation during a duty."""

    __tablename__ = "rota_consultations"
    __entity_type__ = "rota_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("rota_duties.id"), index=True)
    lawyer_id: Mapped[int] = mapped_column(ForeignKey("rota_lawyers.id"))
    day: Mapped[date] = mapped_column(Date)
    service_type: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(200))
    advice: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    # Set when the visitor agreed that their matter becomes a case.
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))
    legal_aid_referred_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The logging form's one-time token: the same form sent twice logs one consultation.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    duty: Mapped[Duty] = relationship()
    lawyer: Mapped[Lawyer] = relationship()

    def visible_to(self, user) -> bool:
        """The lawyer who logged it (checked by its loader), and the staff of
        the street where it was held (city-level: all)."""
        return user.role in ("coordinator", "supervisor", "admin") and self.duty.visible_to(user)

    __table_args__ = (
        Index("ix_rota_consultations_day", "day"),
        Index("ix_rota_consultations_lawyer_day", "lawyer_id", "day"),
    )
