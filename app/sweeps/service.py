"""Screening sweeps (排查): planning each period's sweeps, recording one,
and registering the disputes it found.

The timer runner (`flask workflows tick`) plans the current period's sweep
for every community and street (plan_sweeps, installed by the package's
init_app); when a period ends without a record, the
sweep's timeout marks it missed (red). Recording a sweep for a period that
has no planned row yet (a new community, a runner that has not run) creates
the row first, in the same transaction.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.exc import IntegrityError

from .. import clock, engine
from ..dates import day_text
from ..clock import local_date
from ..engine.core import SYSTEM_ACTOR
from ..engine.errors import Conflict, Forbidden, NotAllowed
from ..extensions import db
from ..org.models import Community, Street
from .models import Sweep
from .periods import period_of, sweep_period_kind
from .scope import COMMUNITY_STAFF, STREET_STAFF, record_refusal


def place_key(level: str, street_id: int, community_id: int | None) -> str:
    return f"community:{community_id}" if level == "community" else f"street:{street_id}"


def find(level: str, street_id: int, community_id: int | None, period_start: date) -> Sweep | None:
    return db.session.execute(
        select(Sweep).where(Sweep.place_key == place_key(level, street_id, community_id),
                            Sweep.period_start == period_start)
    ).scalar_one_or_none()


def new_sweep(level: str, street_id: int, community_id: int | None, day: date, actor, now) -> Sweep:
    """Create, through the engine and in the caller's transaction, the sweep
    of this place for the period holding `day`."""
    period = period_of(sweep_period_kind(level), day)
    sweep = Sweep(level=level, place_key=place_key(level, street_id, community_id), street_id=street_id,
                  community_id=community_id, period_start=period.first, period_end=period.last,
                  period_ends_at=period.ends_at, created_at=now)
    engine.create(sweep, actor, {"sweep_level": level, "period_start": period.first, "period_end": period.last,
                                 "community_id": community_id, "street_id": street_id}, now=now, commit=False)
    return sweep


def sweep_scope_clause(user):
    """The sweeps this user may see (scope.may_see_sweep), as a query clause."""
    role = getattr(user, "role", None)
    if role == "admin":
        return true()
    if role in STREET_STAFF and user.street_id:
        return Sweep.street_id == user.street_id
    if role in COMMUNITY_STAFF and user.community_id:
        own = Sweep.community_id == user.community_id
        if user.street_id:
            return or_(own, and_(Sweep.level == "street", Sweep.street_id == user.street_id))
        return own
    return false()


def places() -> list[tuple[str, int, int | None]]:
    """Every place that sweeps: (level, street_id, community_id)."""
    streets = [("street", sid, None) for sid in db.session.execute(select(Street.id).order_by(Street.id)).scalars()]
    communities = [("community", sid, cid) for cid, sid in
                   db.session.execute(select(Community.id, Community.street_id).order_by(Community.id))]
    return streets + communities


def plan_sweeps(now=None) -> int:
    """Plan the current period's sweep of every place that has none yet;
    returns how many were planned. Each in its own transaction: a runner
    that loses the race to another (the unique place and period) skips it."""
    now = now or clock.now()
    today = local_date(now)
    starts = {level: period_of(sweep_period_kind(level), today).first for level in ("community", "street")}
    existing = set(db.session.execute(
        select(Sweep.place_key).where(Sweep.period_start.in_(set(starts.values())))
    ).scalars())
    wanted = [p for p in places() if place_key(*p) not in existing]
    db.session.rollback()  # end the read; each creation below is its own transaction
    planned = 0
    for level, street_id, community_id in wanted:
        if find(level, street_id, community_id, starts[level]) is not None:  # another runner got there first
            db.session.rollback()
            continue
        try:
            new_sweep(level, street_id, community_id, today, SYSTEM_ACTOR, now)
            db.session.commit()
            planned += 1
        except IntegrityError:
            db.session.rollback()
    return planned


def record(user, level: str, street_id: int, community_id: int | None, data: dict, *, now=None) -> Sweep:
    """Record the sweep of a place on data["held_on"]: the period's sweep,
    created first if it was never planned. Refused (nothing written) for a
    place outside the user's reach, a date in the future, or a period whose
    sweep is already recorded."""
    now = now or clock.now()
    refusal = record_refusal(user, level, street_id, community_id)
    if refusal:
        raise Forbidden(refusal)
    held_on = data["held_on"]
    if held_on > local_date(now):
        raise engine.GuardFailed(_l("The sweep cannot be dated in the future."), field="held_on")
    period_start = period_of(sweep_period_kind(level), held_on).first
    try:
        sweep = find(level, street_id, community_id, period_start)
        if sweep is None:
            sweep = new_sweep(level, street_id, community_id, held_on, user, now)
        elif sweep.state == "done":
            raise already_recorded(sweep)
        engine.fire(sweep, "record", user, now=now, commit=False, **data)
        db.session.commit()
    except IntegrityError:  # planned by someone else at this very moment: the period's row exists now
        db.session.rollback()
        raise Conflict(None, now)
    except Exception:
        db.session.rollback()
        raise
    return sweep


def already_recorded(sweep) -> NotAllowed:
    who = sweep.recorded_by.display_name if sweep.recorded_by else "?"
    return NotAllowed(_l("The sweep of %(place)s for this period was already recorded on %(day)s by %(who)s.",
                         place=sweep.place_name, day=day_text(sweep.held_on) if sweep.held_on else "?",
                         who=who))


def community_of(user) -> Community | None:
    return db.session.get(Community, user.community_id) if user.community_id else None
