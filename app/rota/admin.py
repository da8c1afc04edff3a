"""The coordinator's roster: rooms, lawyers, public holidays. Every change
is audited in the same transaction; a holiday or a room closing cancels the
duties it falls on (their lawyers' calendars show them cancelled).

A street's coordinator changes the rooms of their street, and their holidays
close only that street's rooms; a city-level coordinator's holidays close
every room (scope_rule.py)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import clock, engine
from ..dates import day_text
from ..audit.chain import lock_chain, record
from ..auth.models import User
from ..engine.core import name_of
from ..engine.edits import commit_change
from ..engine.errors import Conflict, Forbidden, GuardFailed, NotAllowed
from ..extensions import db
from ..org.models import Community
from ..privacy import mask_phone
from .models import HELD_STATES, Duty, Holiday, Lawyer, Room
from .planning import SAME_TIME, unavailable_problem_of
from .scope import CITY, duties_clause, sees_street, street_of

MAX_HOLIDAY_DAYS = 31


def _check_version(row, expected_version) -> None:
    if expected_version is not None and int(expected_version) != row.version:
        raise Conflict(name_of(row.changed_by_id), row.changed_at)


def _cancel(duties, actor, reason, now) -> int:
    count = 0
    for duty in duties:
        if duty.state in HELD_STATES:
            engine.fire(duty, "cancel", actor, reason, now=now, commit=False)
            count += 1
    return count


def _future_duties(**where):
    today = clock.today()
    query = select(Duty).where(Duty.day > today, Duty.state.in_(HELD_STATES))
    for name, value in where.items():
        query = query.where(getattr(Duty, name) == value)
    return list(db.session.execute(query.order_by(Duty.day, Duty.seat)).scalars())


# ---- holidays


def add_holiday(name: str, first: date, last: date, actor) -> tuple[Holiday, int]:
    """A holiday of the actor's street (a city-level actor: of the city),
    cancelling the planned and published duties of the rooms it closes."""
    if last < first:
        raise GuardFailed(_("The last day is before the first day."))
    if (last - first).days >= MAX_HOLIDAY_DAYS:
        raise GuardFailed(_("A holiday lasts at most %(n)s days.", n=MAX_HOLIDAY_DAYS))
    street_id = street_of(actor)
    # Two coordinators (or a double click) adding overlapping holidays: on
    # PostgreSQL the audit chain's lock serialises the check with the insert.
    lock_chain(db.session)
    clashes = select(Holiday).where(Holiday.first_day <= last, Holiday.last_day >= first)
    if street_id is not CITY:  # the city's holidays and the street's own; a city one meets every street's
        clashes = clashes.where(or_(Holiday.street_id.is_(None), Holiday.street_id == street_id))
    clash = db.session.execute(clashes.order_by(Holiday.first_day).limit(1)).scalar_one_or_none()
    if clash is not None:
        raise GuardFailed(_("This overlaps the holiday “%(name)s” (%(first)s – %(last)s).", name=clash.name,
                            first=day_text(clash.first_day), last=day_text(clash.last_day)))
    now = clock.now()
    try:
        holiday = Holiday(name=name, first_day=first, last_day=last, street_id=street_id, created_by_id=actor.id,
                          created_at=now)
        db.session.add(holiday)
        db.session.flush()
        duties = list(db.session.execute(
            select(Duty).where(Duty.day >= first, Duty.day <= last, Duty.state.in_(HELD_STATES),
                               duties_clause(street_id))
            .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())
        cancelled = _cancel(duties, actor, _("Public holiday: %(name)s", name=name), now)
        record("rota_holiday", holiday.id, "holiday_added", actor, at=now,
               data={"name": name, "first_day": first, "last_day": last, "street_id": street_id,
                     "cancelled": cancelled})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return holiday, cancelled


def remove_holiday(holiday: Holiday, actor) -> None:
    try:
        record("rota_holiday", holiday.id, "holiday_removed", actor,
               data={"name": holiday.name, "first_day": holiday.first_day, "last_day": holiday.last_day,
                     "street_id": holiday.street_id})
        db.session.delete(holiday)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# ---- rooms


def _name_taken(model, name: str, own_id: int | None) -> bool:
    query = select(model.id).where(model.name == name)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.execute(query.limit(1)).first() is not None


def _diff(row, values: dict) -> dict:
    return {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}


def _commit_new(row, actor, data) -> None:
    now = clock.now()
    row.changed_at, row.changed_by_id = now, actor.id
    try:
        db.session.add(row)
        db.session.flush()
        record(row.__entity_type__, row.id, "rota_roster_add", actor, at=now, data=data)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise NotAllowed(SAME_TIME)
    except Exception:
        db.session.rollback()
        raise


def _commit_edit(row, actor, apply, data) -> None:
    try:
        commit_change(row, actor, "rota_roster_edit", apply, data)
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise NotAllowed(SAME_TIME)


def save_room(room: Room | None, values: dict, actor, expected_version=None) -> tuple[Room, int]:
    """Create or change a room. Fewer seats, or a closed room, cancels the
    future duties that no longer have a seat. Returns (room, cancelled)."""
    community = db.session.get(Community, values["community_id"])
    if community is None or not sees_street(actor, community.street_id) or (
            room is not None and not room.visible_to(actor)):
        raise Forbidden(_("This room is outside your area."))
    if _name_taken(Room, values["name"], room.id if room else None):
        raise GuardFailed(_("A room of this name exists already."), field="name")
    if values["closes"] <= values["opens"]:
        raise GuardFailed(_("The room must close after it opens."), field="closes")
    if room is None:
        room = Room(**values)
        _commit_new(room, actor, values)
        return room, 0
    _check_version(room, expected_version)
    diff = _diff(room, values)
    if not diff:
        return room, 0
    cancelled = []

    def apply():
        for name, (_before, after) in diff.items():
            setattr(room, name, after)
        gone = [d for d in _future_duties(room_id=room.id) if not room.active or d.seat > room.seats]
        reason = _("The room is closed.") if not room.active else _("The room has fewer seats.")
        cancelled.append(_cancel(gone, actor, reason, clock.now()))

    _commit_edit(room, actor, apply, lambda: {"changes": diff, "cancelled": cancelled[0]})
    return room, cancelled[0]


# ---- lawyers

# Called, in the roster change's own transaction (after the chain lock), with
# (lawyer, actor, now) when a lawyer is taken off the roster: the domains
# above the rota end what the lawyer was asked for there (a legal opinion).
# Installed by those domains' init_app (install_on_leaving), never on import.
ON_LEAVING: list = []


def install_on_leaving(fn) -> None:
    """Run fn(lawyer, actor, now) in the transaction that takes a lawyer off
    the roster. Installing the same function again changes nothing."""
    if fn not in ON_LEAVING:
        ON_LEAVING.append(fn)


def check_new_unavailable(days: set[date], known: set[date]) -> None:
    """The dates added to those recorded follow the lawyer's own rule
    (planning.unavailable_problem: Saturdays without a public holiday, from
    today up to a year ahead), whoever enters them; a date already recorded
    (a past one) may stay, and any may be removed."""
    problems = [p for p in (unavailable_problem_of(day) for day in sorted(days - known)) if p]
    if problems:
        raise GuardFailed(" ".join(problems), field="unavailable")


def save_lawyer(lawyer: Lawyer | None, values: dict, unavailable: set[date], actor,
                expected_version=None) -> Lawyer:
    """Create or change a lawyer with their unavailable dates. The phone is
    recorded masked in the audit log."""
    check_new_unavailable(unavailable, lawyer.unavailable_days if lawyer is not None else set())
    user_id = values.get("user_id")
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or user.role != "lawyer":
            raise GuardFailed(_("Choose a login with the role volunteer lawyer."), field="user_id")
        other = db.session.execute(select(Lawyer).where(Lawyer.user_id == user_id)).scalar_one_or_none()
        if other is not None and (lawyer is None or other.id != lawyer.id):
            raise GuardFailed(_("This login already belongs to %(name)s.", name=other.name), field="user_id")
    if lawyer is None:
        lawyer = Lawyer(**values)
        lawyer.unavailable = []
        for day in sorted(unavailable):
            lawyer.unavailable.append(_unavailable(day))
        data = dict(values, phone=mask_phone(values.get("phone")), unavailable=sorted(unavailable))
        _commit_new(lawyer, actor, data)
        return lawyer
    _check_version(lawyer, expected_version)
    diff = _diff(lawyer, values)
    before_days = lawyer.unavailable_days
    if before_days != unavailable:
        diff["unavailable"] = [sorted(before_days), sorted(unavailable)]
    if not diff:
        return lawyer
    shown = {k: ([mask_phone(v) for v in pair] if k == "phone" else pair) for k, pair in diff.items()}

    leaving = diff.get("active", [False, True])[1] is False

    def apply():
        for name, (_before, after) in diff.items():
            if name != "unavailable":
                setattr(lawyer, name, after)
        if "unavailable" in diff:
            set_unavailable(lawyer, unavailable)
        if leaving:
            now = clock.now()
            for fn in ON_LEAVING:
                fn(lawyer, actor, now)

    _commit_edit(lawyer, actor, apply, {"changes": shown})
    return lawyer


def _unavailable(day: date):
    from .models import Unavailable

    return Unavailable(day=day)


def set_unavailable(lawyer: Lawyer, days: set[date]) -> None:
    keep = [u for u in lawyer.unavailable if u.day in days]
    have = {u.day for u in keep}
    lawyer.unavailable = keep + [_unavailable(d) for d in sorted(days - have)]
    db.session.flush()


def duties_on(lawyer: Lawyer, days: set[date]) -> list[Duty]:
    """Published or planned duties of this lawyer on these dates (to warn
    that marking a date unavailable does not move a published duty)."""
    if not days:
        return []
    return list(db.session.execute(
        select(Duty).where(Duty.lawyer_id == lawyer.id, Duty.day.in_(sorted(days)),
                           Duty.state.in_(HELD_STATES)).order_by(Duty.day)).scalars())
