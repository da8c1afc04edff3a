"""A Saturday that became a holiday after its duties were planned or
published (a statutory holiday the admin enters, app/workdays.py: the
rota's own holidays cancel their duties at once). Its duties are neither
silently cancelled nor shown as plainly published: they are "to be decided"
on the plan and month pages and on the coordinator's today page, until the
coordinator decides for the whole day: cancel them all (the duty's own
cancel step, through the engine, with one reason) or keep them (recorded in
HolidayKeep, audited, with the same reason)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock, engine
from ..audit.chain import lock_chain, record
from ..engine.errors import GuardFailed
from ..extensions import db
from ..notifications.service import mark_read
from .models import HELD_STATES, Duty, HolidayKeep
from .notices import ROTA_DAY, tell_kept
from .planning import closures
from .scope import duties_clause


@dataclass
class HolidayDay:
    day: date
    holiday: str
    duties: list[Duty] = field(default_factory=list)


def kept_ids(duty_ids) -> set[int]:
    ids = list(duty_ids)
    if not ids:
        return set()
    return set(db.session.execute(select(HolidayKeep.duty_id).where(HolidayKeep.duty_id.in_(ids))).scalars())


def undecided(street_id, first: date | None = None, last: date | None = None) -> list[HolidayDay]:
    """The days from `first` (today) on whose duties in the street's rooms
    (CITY: the city's) fall on a holiday and are neither cancelled nor kept."""
    first = first or clock.today()
    query = select(Duty).where(Duty.day >= first, Duty.state.in_(HELD_STATES), duties_clause(street_id))
    if last is not None:
        query = query.where(Duty.day <= last)
    duties = list(db.session.execute(query.order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())
    if not duties:
        return []
    holidays = closures(duties[0].day, duties[-1].day, street_id)
    kept = kept_ids(d.id for d in duties)
    days: dict[date, HolidayDay] = {}
    for duty in duties:
        name = holidays.on(duty.day, duty.room.community.street_id)
        if name and duty.id not in kept:
            days.setdefault(duty.day, HolidayDay(duty.day, name)).duties.append(duty)
    return list(days.values())


def decide(day: date, keep: bool, reason: str, actor, street_id) -> int:
    """Cancel (keep False) or keep every undecided duty of the day in the
    actor's rooms, in one transaction; how many. Refused when nothing is
    left to decide (decided meanwhile) or the day is past."""
    reason = (reason or "").strip()
    if not reason:
        raise GuardFailed(_("Give a reason: the lawyers and the audit log read it."), field="reason")
    if day < clock.today():
        raise GuardFailed(_("This day is past: nothing can be decided on it any more."))
    lock_chain(db.session)  # two coordinators deciding the same day: the second finds nothing left
    found = undecided(street_id, day, day)
    if not found:
        raise GuardFailed(_("Nothing is left to decide on this day: reload the page."))
    now = clock.now()
    try:
        for duty in found[0].duties:
            if keep:
                db.session.add(HolidayKeep(duty_id=duty.id, holiday=found[0].holiday, kept_by_id=actor.id,
                                           kept_at=now))
                record("lawyer_duty", duty.id, "holiday_kept", actor, at=now, reason=reason,
                       data={"holiday": found[0].holiday, "day": day})
                tell_kept(duty, found[0].holiday, reason, now)
            else:
                engine.fire(duty, "cancel", actor, reason, now=now, commit=False)
        # The day's notice (notices.duties_on_new_holidays) asked for this decision.
        mark_read(actor, "duty_on_holiday", entity_type=ROTA_DAY, entity_id=day.toordinal(), now=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(found[0].duties)


