"""The planner's database side: read the inputs, store a plan as planned
duties (each created through the engine), publish it, and adjust one seat.

A plan covers the Saturdays after today in a date range, minus holidays
(the city's close every room, a street's the rooms of that street). Duties
already published, under way or over are kept as they are (a re-plan never
moves a seat someone was told about); planned, unpublished duties are
re-planned freely.

A street's coordinator plans, publishes and sets the seats of their street's
rooms only; a city-level coordinator those of the whole city. The lawyers
are one pool: a street's plan sees every duty of the other streets as held
(its lawyer sits that Saturday, and it counts for fairness), and never
changes one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import clock, engine, workdays
from ..dates import day_text
from ..audit.chain import lock_chain, record
from ..engine.errors import Conflict, Forbidden, GuardFailed, NotAllowed
from ..extensions import db
from . import notices, planner
from .days import SATURDAY, saturdays
from .models import LIVE_STATES, SAT_STATES, Duty, Holiday, Lawyer, Room
from .rules import cannot_sit, reassign
from .scope import CITY, duties_clause, rooms_clause, street_of

MAX_PLAN_DAYS = 366  # the default of ROTA_PLAN_MAX_DAYS, and how far ahead a lawyer marks dates
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


@dataclass
class Closures:
    """The holidays of a range: the city's by day, and each street's by day."""

    city: dict[date, str]
    streets: dict[int, dict[date, str]]

    def on(self, day: date, street_id: int | None) -> str | None:
        """The holiday that closes this street's rooms on this day, if any."""
        return self.city.get(day) or self.streets.get(street_id, {}).get(day)


def closures(first: date, last: date, street_id: int | None = CITY) -> Closures:
    """The holidays of the range: the city's (the coordinators' and the
    statutory ones, app.workdays) and, for a street, its own (CITY: every
    street's)."""
    query = select(Holiday).where(Holiday.first_day <= last, Holiday.last_day >= first)
    if street_id is not CITY:
        query = query.where(or_(Holiday.street_id.is_(None), Holiday.street_id == street_id))
    found = Closures({}, {})
    for h in db.session.execute(query).scalars():
        days = found.city if h.street_id is None else found.streets.setdefault(h.street_id, {})
        day = max(h.first_day, first)
        while day <= min(h.last_day, last):
            days[day] = h.name
            day += timedelta(days=1)
    # The statutory holidays close every room whether or not a coordinator
    # entered them; a 调休 working Saturday is an ordinary duty day.
    for day, name in workdays.statutory_holidays(first, last).items():
        found.city.setdefault(day, name)
    return found


def plan_days(first: date, last: date) -> list[date]:
    """The Saturdays of the range that can still be planned: after today,
    not one of the city's holidays (a street's closes only its rooms: see
    seats_for)."""
    holidays = closures(first, last).city
    return [d for d in saturdays(max(first, today() + timedelta(days=1)), last) if d not in holidays]


# How far ahead a lawyer may mark a date they cannot sit: a year, the longest
# range one plan covers by default (MAX_PLAN_DAYS); the plan page proposes a quarter.
# Nothing is planned further ahead in practice, and a date beyond is almost
# always a slip of the year (2072 for 2027), which the lawyer would never see
# again on their page: they mark it when the plans get that far.
UNAVAILABLE_AHEAD = timedelta(days=MAX_PLAN_DAYS)


def unavailable_problem(day: date) -> str | None:
    """Why a lawyer cannot mark `day` as a date they cannot sit, or None:
    past, a day that never has a duty (not a Saturday, or a statutory
    holiday, which closes every room), or further ahead than plans go."""
    if day < today():
        return _("This date is in the past.")
    if day.weekday() != SATURDAY:
        return _("%(day)s is not a Saturday. Duties are held on Saturdays only: mark the Saturdays you cannot sit.",
                 day=day_text(day))
    holiday = workdays.statutory_holidays(day, day).get(day)
    if holiday:
        return _("%(day)s is a public holiday (%(name)s): no duties are held that day.", day=day_text(day),
                 name=holiday)
    horizon = today() + UNAVAILABLE_AHEAD
    if day > horizon:
        return _("Dates can be marked up to a year ahead, until %(day)s: mark this one when the plans get that far.",
                 day=day_text(horizon))
    return None


def unavailable_problem_of(day: date) -> str | None:
    """unavailable_problem, naming the date when the sentence does not (a
    list of dates pasted from a chat message: each bad one is said at once)."""
    problem = unavailable_problem(day)
    if problem and day_text(day) not in problem:
        return _("%(day)s: %(problem)s", day=day_text(day), problem=problem)
    return problem


def active_rooms(street_id: int | None = CITY) -> list[Room]:
    """The open rooms of a street (CITY: of the whole city), with their community."""
    return list(db.session.execute(
        select(Room).where(Room.active.is_(True), rooms_clause(street_id))
        .options(selectinload(Room.community)).order_by(Room.id)).scalars())


def seats_for(days: list[date], rooms: list[Room], closed: Closures | None = None) -> list[planner.Seat]:
    """Every seat of these rooms on these days, but those of a room whose
    street has a holiday that day."""
    return [planner.Seat(d, r.id, n) for d in days for r in rooms
            if closed is None or not closed.on(d, r.community.street_id) for n in range(1, r.seats + 1)]


def live_duties(first: date, last: date, states=LIVE_STATES, street_id: int | None = CITY) -> list[Duty]:
    """The duties of the range in these states, in the rooms of a street
    (CITY: of the whole city)."""
    return list(db.session.execute(
        select(Duty).where(Duty.day >= first, Duty.day <= last, Duty.state.in_(states), duties_clause(street_id))
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


def max_plan_days() -> int:
    """The longest range, in days, the plan page draws, plans or publishes (ROTA_PLAN_MAX_DAYS)."""
    return int(current_app.config.get("ROTA_PLAN_MAX_DAYS", MAX_PLAN_DAYS))


def too_long(first: date, last: date) -> str | None:
    """Why the range is refused for its length, saying the maximum and the
    latest last day it allows, or None."""
    most = max_plan_days()
    if (last - first).days <= most:
        return None
    return ngettext("A plan covers at most %(num)d day: choose a last day no later than %(day)s, or plan the "
                    "rest in another range.",
                    "A plan covers at most %(num)d days: choose a last day no later than %(day)s, or plan the "
                    "rest in another range.", most, day=day_text(first + timedelta(days=most)))


def check_range(first: date | None, last: date | None) -> str | None:
    if first is None or last is None:
        return _("Give the first and the last day of the plan.")
    if last < first:
        return _("The last day is before the first day.")
    if too_long(first, last):
        return too_long(first, last)
    if last <= today():
        return _("The range is over: plan Saturdays after today.")
    return None


def compute(first: date, last: date, street_id: int | None = CITY) -> planner.Plan:
    """The plan of a street's rooms (CITY: every room). Held, besides the
    duties already published, under way or over: every duty of the other
    streets, planned ones too, since its lawyer sits that Saturday."""
    days = plan_days(first, last)
    seats = seats_for(days, active_rooms(street_id), closures(first, last, street_id))
    held = []
    if days:
        mine = {d.id for d in live_duties(days[0], days[-1], ("planned",), street_id)}
        held = [planner.Assignment(d.day, d.room_id, d.seat, d.lawyer_id)
                for d in live_duties(days[0], days[-1]) if d.id not in mine and d.day in set(days)]
    return planner.plan(seats, candidates(days[0] if days else first), held)


def generate(first: date, last: date, actor) -> Generated:
    """Plan the range of the actor's rooms (their street's, or the city's)
    and store it as planned duties, in one transaction."""
    now = clock.now()
    street_id = street_of(actor)
    # Two streets plan different rooms from one pool of lawyers: on
    # PostgreSQL the audit chain's lock makes the second plan read the
    # first's duties (a lawyer never sits twice a Saturday); SQLite writers
    # already queue.
    lock_chain(db.session)
    result = compute(first, last, street_id)
    days = plan_days(first, last)
    planned = {(d.day, d.room_id, d.seat): d
               for d in (live_duties(days[0], days[-1], ("planned",), street_id) if days else [])}
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
            "first_day": first, "last_day": last, "street_id": street_id, "created": created, "changed": changed,
            "cancelled": cancelled, "kept": len(result.kept), "unfilled": len(result.unfilled)})
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise NotAllowed(SAME_TIME)
    except Exception:
        db.session.rollback()
        raise
    return Generated(created, changed, cancelled, len(result.kept), result.unfilled)


def plan_fingerprint(first: date, last: date, street_id: int | None = CITY) -> str:
    """What the publish button was shown: the planned duties of the range
    (in a street's rooms) and their versions. Re-planned or changed since,
    the fingerprint differs."""
    import hashlib

    duties = live_duties(max(first, today() + timedelta(days=1)), last, ("planned",), street_id)
    return hashlib.sha256(",".join(f"{d.id}:{d.version}" for d in duties).encode()).hexdigest()[:32]


def publish(first: date, last: date, actor, seen: str | None = None) -> int:
    """Publish every planned duty of the range after today in the actor's
    rooms (their street's, or the city's), in one transaction: lawyers see
    them, calendars get them."""
    now = clock.now()
    street_id = street_of(actor)
    if seen is not None:
        lock_chain(db.session)  # no re-plan between this check and the publication
        if seen != plan_fingerprint(first, last, street_id):
            raise NotAllowed(PLAN_CHANGED)
    duties = [d for d in live_duties(max(first, today() + timedelta(days=1)), last, ("planned",), street_id)]
    if not duties:
        return 0
    try:
        for duty in duties:
            engine.fire(duty, "publish", actor, now=now, commit=False)
        notices.tell_published(duties, now)
        record("rota_plan", None, "plan_published", actor, at=now,
               data={"first_day": first, "last_day": last, "street_id": street_id, "published": len(duties)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(duties)


def seat_problem(day: date, room: Room | None, seat: int) -> str | None:
    if room is None or not room.active:
        return _("Choose an open room.")
    if not 1 <= seat <= room.seats:
        return ngettext("This room has %(num)d seat on a Saturday.", "This room has %(num)d seats on a Saturday.", room.seats)
    if day.weekday() != 5:
        return _("Duties are on Saturdays.")
    if day <= today():
        return _("Only Saturdays after today can be changed here.")
    if closures(day, day, room.community.street_id).on(day, room.community.street_id):
        return _("This Saturday is a public holiday.")
    return None


def set_seat(day: date, room: Room | None, seat: int, lawyer: Lawyer, actor, expected_version=None) -> Duty:
    """The coordinator puts a lawyer on one seat by hand: a new planned duty,
    another lawyer on a planned one, or a published one moved (the lawyer
    leaving sees it cancelled in their calendar)."""
    if room is not None and not room.visible_to(actor):
        raise Forbidden(_("This room is outside your area."))
    problem = seat_problem(day, room, seat)
    if problem:
        raise GuardFailed(problem)
    lock_chain(db.session)  # as in generate: the check that the lawyer is free, then the write
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
            before = duty.lawyer
            reassign(duty, lawyer, actor, now, "assigned", {})
            notices.tell_moved(duty, lawyer, before, now)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise NotAllowed(SAME_TIME)
    except Exception:
        db.session.rollback()
        raise
    return duty
