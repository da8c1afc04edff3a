"""A lawyer who can no longer sit: taken off the roster (the roster entry's
"active" unticked) or their login deactivated. Their future duties are not
cancelled behind the coordinator's back (the coordinator decides who sits
instead, with the seat-setting and swap tools): those seats are marked "to
be re-arranged" wherever empty seats are counted (grid.SeatRow.stranded,
the coordinator's today items), the coordinators of their rooms are told
once, and the swaps waiting on that lawyer's answer are declined by the
system, as for a deactivated login."""
from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import and_, or_, select

from .. import clock, engine
from ..auth.models import User
from ..dates import days_text
from ..extensions import db
from ..i18n import N_
from ..labels import install_reason, system_reason
from ..notifications.service import notify
from .models import HELD_STATES, Duty, Lawyer, SwapRequest

ASKED_ONE_LEFT = install_reason(
    N_("The colleague was taken off the roster: the swap request was declined automatically"))
TAKER_LEFT = install_reason(
    N_("The colleague who took the duty was taken off the roster: the swap was declined automatically before "
       "the coordinator decided"))


def cannot_sit_clause():
    """A duty's lawyer is off the roster or their login is deactivated (for a
    select joined to Lawyer, outer-joined to User)."""
    return or_(Lawyer.active.is_(False), and_(User.id.is_not(None), User.active.is_(False)))


def is_stranded(duty: Duty) -> bool:
    """A duty still held (planned or published) by a lawyer who can no longer
    sit: the seat needs another lawyer."""
    if duty.state not in HELD_STATES:
        return False
    lawyer = duty.lawyer
    return not lawyer.active or (lawyer.user is not None and not lawyer.user.active)


def stranded_query(street_clause=None):
    """The future duties held by lawyers who can no longer sit, soonest first."""
    query = (select(Duty).join(Lawyer, Duty.lawyer_id == Lawyer.id).outerjoin(User, Lawyer.user_id == User.id)
             .where(Duty.day >= clock.today(), Duty.state.in_(HELD_STATES), cannot_sit_clause()))
    if street_clause is not None:
        query = query.where(street_clause)
    return query.order_by(Duty.day, Duty.room_id, Duty.seat)


def future_duties(lawyer: Lawyer) -> list[Duty]:
    """The lawyer's duties from tomorrow on that they still hold."""
    return list(db.session.execute(
        select(Duty).where(Duty.lawyer_id == lawyer.id, Duty.day > clock.today(), Duty.state.in_(HELD_STATES))
        .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())


def decline_waiting_swaps(lawyer: Lawyer, why_asked, why_taken, now) -> tuple[int, int]:
    """Decline, as the system (through the engine, in the caller's
    transaction), the swaps asked of this lawyer by name still waiting for
    their answer and those they took that wait for the coordinator. Their
    own requests go on: a colleague may still take the duty."""
    asked = db.session.execute(select(SwapRequest).where(
        SwapRequest.target_id == lawyer.id, SwapRequest.state == "requested").order_by(SwapRequest.id)).scalars().all()
    taken = db.session.execute(select(SwapRequest).where(
        SwapRequest.taker_id == lawyer.id, SwapRequest.state == "accepted").order_by(SwapRequest.id)).scalars().all()
    for swaps, why in ((asked, why_asked), (taken, why_taken)):
        for swap in swaps:
            engine.fire(swap, "decline", engine.SYSTEM_ACTOR, system_reason(why), now=now, commit=False)
    return len(asked), len(taken)


def tell_coordinators(lawyer: Lawyer, duties: list[Duty], now) -> None:
    """One notice to each coordinator responsible (the room's street's and
    the city's), naming the days of their rooms' duties this lawyer held."""
    from .notices import coordinators_for

    days: dict[int, list[Duty]] = {}
    for duty in duties:
        for user_id in coordinators_for(duty):
            days.setdefault(user_id, []).append(duty)
    for user_id, theirs in days.items():
        notify(user_id, "lawyer_left_duties", entity_type="lawyer_duty", entity_id=theirs[0].id,
               data={"lawyer": lawyer.name, "days": [d.day.isoformat() for d in dict.fromkeys(theirs)]}, now=now)


def duties_sentence(lawyer: Lawyer, duties: list[Duty]) -> str | None:
    """For whoever made the change: the duties left to re-arrange."""
    if not duties:
        return None
    return ngettext(
        "%(name)s still holds %(num)d future duty: %(days)s. It is marked “to be re-arranged”: set another lawyer "
        "on the plan page. The coordinators responsible are told.",
        "%(name)s still holds %(num)d future duties: %(days)s. They are marked “to be re-arranged”: set another "
        "lawyer on the plan page. The coordinators responsible are told.",
        len(duties), name=lawyer.name, days=days_text(d.day for d in duties))


def on_roster_leaving(lawyer: Lawyer, actor, now) -> None:
    """admin.ON_LEAVING: the roster entry unticked, in its own transaction.
    A lawyer whose login was already deactivated was dealt with then: their
    coordinators are not told twice."""
    decline_waiting_swaps(lawyer, ASKED_ONE_LEFT, TAKER_LEFT, now)
    if lawyer.user is not None and not lawyer.user.active:
        return
    tell_coordinators(lawyer, future_duties(lawyer), now)


def swaps_sentence(asked: int, taken: int) -> str | None:
    said = []
    if asked:
        said.append(ngettext(
            "%(num)d duty swap asked of them by name was declined; the colleague who asked is told.",
            "%(num)d duty swaps asked of them by name were declined; the colleagues who asked are told.", asked))
    if taken:
        said.append(ngettext(
            "%(num)d duty swap they had taken, awaiting the coordinator, was declined; the colleague who asked "
            "is told.",
            "%(num)d duty swaps they had taken, awaiting the coordinator, were declined; the colleagues who "
            "asked are told.", taken))
    return " ".join(said) or None
