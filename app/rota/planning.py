"""The planner's database side: read the inputs, store a plan as planned
duties (each created through the engine), publish it, and adjust one seat.

A plan covers the Saturdays after today in a date range, minus public
holidays. Duties already published, under way or over are kept as they are
(a re-plan never moves a seat someone was told about); planned, unpublished
duties are re-planned freely.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import clock, engine
from ..audit.chain import lock_chain, record
from ..engine.errors import Conflict, GuardFailed, NotAllowed
from ..extensions import db
from . import planner
from .days import saturdays
from .models import LIVE_STATES, SAT_STATES, Duty, Holiday, Lawyer, Room
from .rules import cannot_sit, reassign

MAX_PLAN_DAYS = 366
PLAN_CHANGED = _l("The plan has changed since you looked at it (planned again, or a seat set by someone else). "
                  "Check it below, then publish again.")
SAME_TIME = _l("Someone else changed the rota at the same moment. Reload the page and try again.")


@dataclass
class Generated:
    created: int
    changed: int
    cancelled: int
    kept: int
    unfilled: list[planner.Unfilled]


def today() -> date:
    return clock.today()


def holiday_days(first: date, last: date) -> dict[date, str]:
    rows = db.session.execute(
        select(Holiday).where(Holiday.first_day <= last, Holiday.last_day >= first)).scalars()
    days = {}
    for h in rows:
        day = max(h.first_day, first)
        while day <= min(h.last_day, last):
            days[day] = h.name
            day += timedelta(days=1)
    return days


def plan_days(first: date, last: date) -> list[date]:
    """The Saturdays of the range that can still be planned: after today,
    not a holiday."""
    holidays = holiday_days(first, last)
    return [d for d in saturdays(max(first, today() + timedelta(days=1)), last) if d not in holidays]


def active_rooms() -> list[Room]:
    return list(db.session.execute(select(Room).where(Room.active.is_(True)).order_by(Room.id)).scalars())


def seats_for(days: list[date], rooms: list[Room]) -> list[planner.Seat]:
    return [planner.Seat(d, r.id, n) for d in days for r in rooms for n in range(1, r.seats + 1)]


def live_duties(first: date, last: date, states=LIVE_STATES) -> list[Duty]:
    return list(db.session.execute(
        select(Duty).where(Duty.day >= first, Duty.day <= last, Duty.state.in_(states))
        .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())


def candidates(first_day: date) -> list[planner.Candidate]:
    """Active lawyers with their unavailable dates, and the duties they sat
    before the plan's first Saturday (a tie-breaker)."""
    lawyers = list(db.session.execute(select(Lawyer).where(Lawyer.active.is_(True)).order_by(Lawyer.id)).scalars())
    history = dict((row.lawyer_id, (row.n, row.last)) for row in db.session.execute(
        select(Duty.lawyer_id, func.count(Duty.id).label("n"), func.max(Duty.day).label("last"))
        .where(Duty.day < first_day, Duty.state.in_(SAT_STATES)).group_by(Duty.lawyer_id)))
    return [planner.Candidate(lw.id, frozenset(lw.unavailable_days), *history.get(lw.id, (0, None)))
            for lw in lawyers]


def check_range(first: date | None, last: date | None) -> str | None:
    if first is None or last is None:
        return _("Give the first and the last day of the plan.")
    if last < first:
        return _("The last day is before the first day.")
    if (last - first).days > MAX_PLAN_DAYS:
        return _("A plan covers at most one year; plan a shorter range.")
    if last <= today():
        return _("The range is over: plan Saturdays after today.")
    return None


def compute(first: date, last: date) -> planner.Plan:
    days = plan_days(first, last)
    seats = seats_for(days, active_rooms())
    held = [planner.Assignment(d.day, d.room_id, d.seat, d.lawyer_id)
            for d in live_duties(days[0], days[-1]) if d.state != "planned" and d.day in set(days)] if days else []
    return planner.plan(seats, candidates(days[0] if days else first), held)


def generate(first: date, last: date, actor) -> Generated:
    """Plan the range and store it as planned duties, in one transaction."""
    now = clock.now()
    result = compute(first, last)
    days = plan_days(first, last)
    planned = {(d.day, d.room_id, d.seat): d for d in (live_duties(days[0], days[-1], ("planned",)) if days else [])}
    created = changed = cancelled = 0
    try:
        for a in result.assignments:
            duty = planned.pop((a.day, a.room_id, a.seat), None)
            if duty is None:
                engine.create(Duty(day=a.day, room_id=a.room_id, seat=a.seat, lawyer_id=a.lawyer_id,
                                   live_seat=Duty.seat_key(a.day, a.room_id, a.seat), day_ends_at=clock.day_end(a.day),
                                   sequence=0, created_at=now),
                              actor, {"day": a.day, "room_id": a.room_id, "seat": a.seat, "lawyer_id": a.lawyer_id},
                              now=now, commit=False)
                created += 1
            elif duty.lawyer_id != a.lawyer_id:
                before = duty.lawyer_id
                duty.lawyer_id = a.lawyer_id
                duty.changed_at, duty.changed_by_id = now, actor.id
                record("lawyer_duty", duty.id, "replanned", actor, at=now,
                       data={"changes": {"lawyer_id": [before, a.lawyer_id]}})
                changed += 1
        # Planned seats the new plan leaves empty (or that no longer exist) are given back.
        for duty in planned.values():
            engine.fire(duty, "cancel", actor, _("Re-planned: this seat is not filled by the new plan."),
                        now=now, commit=False)
            cancelled += 1
        record("rota_plan", None, "plan_generated", actor, at=now, data={
            "first_day": first, "last_day": last, "created": created, "changed": changed,
            "cancelled": cancelled, "kept": len(result.kept), "unfilled": len(result.unfilled)})
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise NotAllowed(SAME_TIME)
    except Exception:
        db.session.rollback()
        raise
    return Generated(created, changed, cancelled, len(result.kept), result.unfilled)


def plan_fingerprint(first: date, last: date) -> str:
    """What the publish button was shown: the planned duties of the range
    and their versions. Re-planned or changed since, the fingerprint differs."""
    import hashlib

    duties = live_duties(max(first, today() + timedelta(days=1)), last, ("planned",))
    return hashlib.sha256(",".join(f"{d.id}:{d.version}" for d in duties).encode()).hexdigest()[:32]


def publish(first: date, last: date, actor, seen: str | None = None) -> int:
    """Publish every planned duty of the range after today, in one
    transaction: lawyers see them, calendars get them."""
    now = clock.now()
    if seen is not None:
        lock_chain(db.session)  # no re-plan between this check and the publication
        if seen != plan_fingerprint(first, last):
            raise NotAllowed(PLAN_CHANGED)
    duties = [d for d in live_duties(max(first, today() + timedelta(days=1)), last, ("planned",))]
    if not duties:
        return 0
    try:
        for duty in duties:
            engine.fire(duty, "publish", actor, now=now, commit=False)
        record("rota_plan", None, "plan_published", actor, at=now,
               data={"first_day": first, "last_day": last, "published": len(duties)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(duties)


def seat_problem(day: date, room: Room | None, seat: int) -> str | None:
    if room is None or not room.active:
        return _("Choose an open room.")
    if not 1 <= seat <= room.seats:
        return _("This room has %(n)s seat(s) on a Saturday.", n=room.seats)
    if day.weekday() != 5:
        return _("Duties are on Saturdays.")
    if day <= today():
        return _("Only Saturdays after today can be changed here.")
    if day in holiday_days(day, day):
        return _("This Saturday is a public holiday.")
    return None


def set_seat(day: date, room: Room | None, seat: int, lawyer: Lawyer, actor, expected_version=None) -> Duty:
    """The coordinator puts a lawyer on one seat by hand: a new planned duty,
    another lawyer on a planned one, or a published one moved (the lawyer
    leaving sees it cancelled in their calendar)."""
    problem = seat_problem(day, room, seat)
    if problem:
        raise GuardFailed(problem)
    now = clock.now()
    duty = db.session.execute(select(Duty).where(Duty.live_seat == Duty.seat_key(day, room.id, seat))).scalar_one_or_none()
    if duty is not None and expected_version is not None and int(expected_version) != duty.version:
        from ..engine.core import name_of

        raise Conflict(name_of(duty.changed_by_id), duty.changed_at)
    if duty is not None and duty.state not in ("planned", "published"):
        raise NotAllowed(_("This duty has already started: it can no longer be moved."))
    if duty is not None and duty.lawyer_id == lawyer.id:
        return duty
    probe = duty or Duty(day=day, room_id=room.id, seat=seat, lawyer_id=None)
    problem = cannot_sit(lawyer, probe)
    if problem:
        raise GuardFailed(problem)
    try:
        if duty is None:
            duty = Duty(day=day, room_id=room.id, seat=seat, lawyer_id=lawyer.id,
                        live_seat=Duty.seat_key(day, room.id, seat), day_ends_at=clock.day_end(day),
                        sequence=0, created_at=now)
            engine.create(duty, actor, {"day": day, "room_id": room.id, "seat": seat, "lawyer_id": lawyer.id,
                                        "by_hand": True}, now=now, commit=False)
        elif duty.state == "planned":
            before = duty.lawyer_id
            duty.lawyer_id = lawyer.id
            duty.changed_at, duty.changed_by_id = now, actor.id
            record("lawyer_duty", duty.id, "assigned", actor, at=now,
                   data={"changes": {"lawyer_id": [before, lawyer.id]}})
        else:
            reassign(duty, lawyer, actor, now, "assigned", {})
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise NotAllowed(SAME_TIME)
    except Exception:
        db.session.rollback()
        raise
    return duty
