"""Who hears of the rota's steps (app/notifications): the
colleague asked by name to take a duty (and the asker, when they accept or
decline; their own notice of the request is then marked read, from
whichever page they answered, as every row's notices are by their
reader's step on it: notifications.answered_by_steps), the coordinators when a swap waits for approval, both lawyers when it is
approved or refused (or when it expires unanswered), a lawyer whose
published duty is cancelled, each lawyer of a plan when it is published,
both lawyers when a coordinator moves a published duty by hand, a lawyer
whose no-show the coordinator corrects (they came after all), each lawyer
of a day turned holiday whose duties the coordinator keeps, and the
coordinators of the duties on a day the admin enters as a holiday (once per
coordinator and Saturday).
Written in the step's own transaction (effects, or the swap request's
service before its commit)."""
from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select

from ..auth.models import User
from ..engine.hooks import Hooks
from ..extensions import db
from ..notifications.service import answered_by_steps, install_link, mark_read, message, notify
from .models import Duty, SwapRequest

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()


MESSAGES = {
    "swap_asked": _l("%(requester)s asks you to take their Saturday duty on %(day)s at %(room)s."),
    "swap_accepted": _l("%(taker)s will take your duty on %(day)s at %(room)s once the coordinator approves the "
        "swap: until then the duty is still yours."),
    "swap_declined": _l("%(target)s cannot take your duty on %(day)s at %(room)s: ask another colleague, or "
        "anyone."),
    "swap_to_approve": _l("Swap to approve: %(taker)s would take %(requester)s's duty on %(day)s at "
        "%(room)s."),
    "swap_approved": _l("The swap of the duty on %(day)s at %(room)s was approved: %(taker)s sits instead "
        "of %(requester)s."),
    "swap_refused": _l("The swap of the duty on %(day)s at %(room)s was refused: %(requester)s keeps the "
        "duty."),
    "duty_cancelled": _l("Your Saturday duty on %(day)s at %(room)s was cancelled: its page says why."),
    "duty_on_holiday": _l("The Saturday duties on %(day)s (%(count)s: %(rooms)s) fall on %(holiday)s, now "
                          "entered as a statutory holiday: cancel them or keep them on the plan page."),
    "swap_expired": _l("The swap of the duty on %(day)s at %(room)s expired before it was settled: "
        "%(requester)s keeps the duty; ask again if it still cannot be sat."),
    "rota_published": _l("The rota was published: you sit on %(days)s. Your duties page has the rooms and times."),
    "duty_moved_to_you": _l("The coordinator put you on the Saturday duty on %(day)s at %(room)s."),
    "lawyer_left_duties": _l("%(lawyer)s can no longer sit (taken off the roster or login deactivated): their "
                             "duties on %(days)s are to be re-arranged. Set another lawyer on the plan page."),
    "no_show_corrected": _l("The coordinator recorded that you sat your Saturday duty on %(day)s at %(room)s: "
                            "it counts as completed, no longer as a no-show."),
    "duty_moved_away": _l("The coordinator gave your Saturday duty on %(day)s at %(room)s to a colleague: "
        "you no longer sit that day."),
    "duty_kept_on_holiday": _l("Your Saturday duty on %(day)s at %(room)s falls on %(holiday)s; the coordinator "
                               "keeps it: you sit it as planned. The coordinator's reason: %(reason)s"),
}


# The sentences of kinds whose data changed shape, for the rows written before.
OLDER = {
    # One notice per seat, before one per coordinator and day.
    "duty_on_holiday": _l("The Saturday duty on %(day)s at %(room)s falls on %(holiday)s, now entered as a "
                          "statutory holiday: cancel it or keep it on its page."),
}

# A Saturday of the rota as a notice's row: its day's ordinal (date.toordinal).
ROTA_DAY = "rota_day"


def rota_day_page(ordinal: int) -> str:
    day = date.fromordinal(ordinal).isoformat()
    return url_for("rota.plan", first_day=day, last_day=day, _anchor=f"day-{day}")


def duty_page(duty_id: int) -> str:
    return url_for("rota.duty", duty_id=duty_id)


def swap_on_its_duty(swap_id: int) -> str:
    duty_id = db.session.execute(select(SwapRequest.duty_id).where(SwapRequest.id == swap_id)).scalar()
    return url_for("rota.duty", duty_id=duty_id, _anchor=f"swap-{swap_id}")


def coordinators_for(duty: Duty) -> list[int]:
    """Those who may approve the swap: the coordinators of the room's street
    and the city's (no street). Another street's coordinator could not open
    it, so is never told."""
    street_id = duty.room.community.street_id
    return list(db.session.execute(
        select(User.id).where(User.role == "coordinator", User.active.is_(True),
                              or_(User.street_id == street_id, User.street_id.is_(None))).order_by(User.id)).scalars())


def _swap_data(swap: SwapRequest) -> dict:
    return {"day": swap.duty.day.isoformat(), "room": swap.duty.room.name, "requester": swap.requester.name,
            "taker": swap.taker.name if swap.taker else ""}


def tell_asked_colleague(swap: SwapRequest, now) -> None:
    """Called by the request's service (creation has no effects) before it
    commits."""
    if swap.target is not None and swap.target.user_id is not None:
        notify(swap.target.user_id, "swap_asked", entity_type="duty_swap", entity_id=swap.id,
               data=_swap_data(swap), now=now)


def _answered(swap, actor, now) -> None:
    """The notice that asked the colleague is read once they answer, from
    whichever page (the engine's step hook: notifications.answered_by_steps);
    when the system declines for them, their login deactivated
    (app/rota/swaps.py), it is read here, as the hook answers only an actor's own."""
    if actor.id is None and swap.target is not None and swap.target.user_id is not None:
        mark_read(swap.target.user_id, "swap_asked", entity_type="duty_swap", entity_id=swap.id, now=now)


@hooks.effect("duty_swap", "accept")
def tell_coordinators(swap, actor, data, now):
    for user_id in coordinators_for(swap.duty):
        notify(user_id, "swap_to_approve", entity_type="duty_swap", entity_id=swap.id, data=_swap_data(swap),
               now=now)


@hooks.effect("duty_swap", "accept")
def tell_the_requester_it_was_taken(swap, actor, data, now):
    if swap.requester.user_id is not None and swap.requester.user_id != actor.id:
        notify(swap.requester.user_id, "swap_accepted", entity_type="duty_swap", entity_id=swap.id,
               data=_swap_data(swap), now=now)
    _answered(swap, actor, now)


@hooks.effect("duty_swap", "decline")
def tell_the_requester(swap, actor, data, now):
    if swap.requester.user_id is not None:
        notify(swap.requester.user_id, "swap_declined", entity_type="duty_swap", entity_id=swap.id,
               data=dict(_swap_data(swap), target=(swap.taker or swap.target).name), now=now)
    _answered(swap, actor, now)
    if swap.taker_id is not None:
        # Declined after it was taken (the taker's login deactivated): the
        # coordinators have nothing left to approve.
        for user_id in coordinators_for(swap.duty):
            mark_read(user_id, "swap_to_approve", entity_type="duty_swap", entity_id=swap.id, now=now)


def _tell_both(kind: str):
    def tell(swap, actor, data, now):
        # Both are named on the request itself: the approval's handing over
        # of the seat (another effect, in either order) changes neither.
        people = [swap.requester, swap.taker]
        for user_id in dict.fromkeys(p.user_id for p in people if p is not None and p.user_id is not None):
            notify(user_id, kind, entity_type="duty_swap", entity_id=swap.id, data=_swap_data(swap), now=now)

    return tell


hooks.effect("duty_swap", "approve")(_tell_both("swap_approved"))
hooks.effect("duty_swap", "refuse")(_tell_both("swap_refused"))
hooks.effect("duty_swap", "expire")(_tell_both("swap_expired"))


def tell_published(duties: list[Duty], now) -> None:
    """One notification per lawyer for a publication, however many of its
    Saturdays are theirs; called by planning.publish before its commit."""
    days: dict[int, list] = {}
    first_duty: dict[int, int] = {}
    for duty in sorted(duties, key=lambda d: (d.day, d.id)):
        user_id = duty.lawyer.user_id
        if user_id is not None:
            days.setdefault(user_id, []).append(duty.day)
            first_duty.setdefault(user_id, duty.id)
    for user_id, lawyer_days in days.items():
        notify(user_id, "rota_published", entity_type="lawyer_duty", entity_id=first_duty[user_id],
               data={"days": [d.isoformat() for d in dict.fromkeys(lawyer_days)]}, now=now)


def tell_moved(duty: Duty, after, before, now) -> None:
    """A published duty given to another lawyer by hand: both hear of it
    (`after`, `before`: the Lawyers); called by planning.set_seat before its commit."""
    data = {"day": duty.day.isoformat(), "room": duty.room.name}
    if after.user_id is not None:
        notify(after.user_id, "duty_moved_to_you", entity_type="lawyer_duty", entity_id=duty.id, data=data,
               now=now)
    if before is not None and before.user_id is not None:
        notify(before.user_id, "duty_moved_away", entity_type="lawyer_duty", entity_id=duty.id, data=data, now=now)


@hooks.effect("lawyer_duty", "cancel")
def tell_the_lawyer(duty, actor, data, now):
    """Only a published duty was ever the lawyer's to sit: a planned one
    given back by re-planning was never announced."""
    if duty.published_at is None or duty.lawyer.user_id is None:
        return
    notify(duty.lawyer.user_id, "duty_cancelled", entity_type="lawyer_duty", entity_id=duty.id,
           data={"day": duty.day.isoformat(), "room": duty.room.name}, now=now)


@hooks.effect("lawyer_duty", "correct_no_show")
def tell_the_lawyer_it_counts(duty, actor, data, now):
    """The no-show was in the lawyer's own history: they hear that it is gone."""
    if duty.lawyer.user_id is not None:
        notify(duty.lawyer.user_id, "no_show_corrected", entity_type="lawyer_duty", entity_id=duty.id,
               data={"day": duty.day.isoformat(), "room": duty.room.name}, now=now)


def duties_on_new_holidays(days, actor, name, now) -> str | None:
    """Days the admin entered as statutory holidays (app/workdays.py): the
    coordinators of the planned or published duties on them are told, to
    cancel them or keep them (the rota's own holidays cancel them: those are
    the coordinators' decision; this one is theirs to take too). One notice
    per coordinator and Saturday, naming the rooms of theirs that day: they
    decide for the whole day at once (holiday_days.py)."""
    duties = list(db.session.execute(
        select(Duty).where(Duty.day.in_(list(days)), Duty.state.in_(("planned", "published")))
        .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())
    coordinators: dict[int, list[int]] = {}  # by street: a holiday's duties are in a few streets' rooms
    told: dict[tuple[int, date], list[Duty]] = {}
    for duty in duties:
        street_id = duty.room.community.street_id
        if street_id not in coordinators:
            coordinators[street_id] = coordinators_for(duty)
        for user_id in coordinators[street_id]:
            told.setdefault((user_id, duty.day), []).append(duty)
    for (user_id, day), theirs in told.items():
        notify(user_id, "duty_on_holiday", entity_type=ROTA_DAY, entity_id=day.toordinal(), now=now,
               data={"day": day.isoformat(), "count": len(theirs), "holiday": name,
                     "rooms": list(dict.fromkeys(d.room.name for d in theirs))})
    if not duties:
        return None
    return ngettext("%(num)s duty of the lawyers' rota falls on these holidays: its coordinators are told, to "
                    "cancel it or keep it.",
                    "%(num)s duties of the lawyers' rota fall on these holidays: their coordinators are told, to "
                    "cancel them or keep them.", len(duties))


def install() -> None:
    """Called from the package's init_app: the sentences of its notifications
    and the pages they open."""
    for kind, msgid in MESSAGES.items():
        message(kind, msgid, older=OLDER.get(kind))
    install_link(ROTA_DAY, rota_day_page)
    install_link("lawyer_duty", duty_page)
    install_link("duty_swap", swap_on_its_duty)
    answered_by_steps("duty_swap")  # the colleague taking or declining answers "asks you to take"


def tell_kept(duty: Duty, holiday: str, reason: str, now) -> None:
    """A duty kept on a day turned holiday (holiday_days.decide): its lawyer
    hears that they sit it after all, and why; a cancelled one's lawyer hears
    of the cancellation by its own step. A planned duty's lawyer hears of it
    when the plan is published (it may still be re-planned before)."""
    if duty.state == "published" and duty.lawyer.user_id is not None:
        notify(duty.lawyer.user_id, "duty_kept_on_holiday", entity_type="lawyer_duty", entity_id=duty.id,
               data={"day": duty.day.isoformat(), "room": duty.room.name, "holiday": holiday, "reason": reason},
               now=now)
