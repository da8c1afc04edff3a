"""The rota's items on the "today" page: a lawyer's duties of the coming
days (to check in, or to ask for a swap in time) and the swaps colleagues
asked of them by name (to take or decline), and the coordinator's swaps
awaiting approval (in their street's rooms, or the city's)."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _, ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..dates import day_text
from ..extensions import db
from ..i18n import current_locale, translate
from ..labels import LIST_SEPARATOR
from ..today import TodayItem
from ..workdays import festival_label
from .models import Duty
from .leaving import stranded_query
from .roster import lawyer_of
from .rules import correction_deadline, first_correctable_day
from .scope import duties_clause, street_of
from .swaps import asked_of, awaiting_approval


def duty_items(user, now, until) -> list[TodayItem]:
    if user.role == "coordinator":
        return holiday_items(user) + stranded_items(user) + no_show_items(user) + [TodayItem(kind="duty", title=_("Swap to approve: %(day)s, %(old)s → %(new)s",
                                               day=day_text(s.duty.day), old=s.requester.name,
                                               new=s.taker.name if s.taker else "—"),
                          due_at=s.expires_at, colour=None, url=url_for("rota.overview") + f"#swap-{s.id}")
                for s in awaiting_approval(street_of(user))]
    me = lawyer_of(user)
    if me is None:
        return []
    duties = db.session.execute(
        select(Duty).where(Duty.lawyer_id == me.id, Duty.state.in_(("published", "checked_in")),
                           Duty.day >= clock.local_date(now), Duty.day <= clock.local_date(until))
        .order_by(Duty.day)).scalars()
    items = []
    for duty in duties:
        starts = clock.at_local(duty.day, duty.room.opens)
        title = (_("Check in: duty today at %(room)s", room=duty.room.name) if duty.state == "published"
                 and duty.day == clock.local_date(now) else _("Saturday duty at %(room)s", room=duty.room.name))
        items.append(TodayItem(kind="duty", title=title, due_at=starts, colour=None,
                               url=url_for("rota.duty", duty_id=duty.id),
                               detail=f"{day_text(duty.day)} {duty.room.opens.strftime('%H:%M')}"))
    return items + swap_items(me)


def swap_items(me) -> list[TodayItem]:
    """The swaps a colleague asked of this lawyer by name, still unanswered:
    work from the moment asked (the requester waits on the answer), whenever
    the duty is; due when the request expires, as the duty's day begins. A
    request open to anyone is on the lawyer's rota page, not a to-do."""
    return [TodayItem(kind="duty", title=_("Swap asked of you: %(name)s asks you to take the duty of %(day)s",
                                           name=s.requester.name, day=day_text(s.duty.day)),
                      due_at=s.expires_at, colour=None, url=url_for("rota.mine") + f"#swap-{s.id}",
                      detail=s.duty.room.name, open_since=s.created_at)
            for s in asked_of(me)]


# The items name each duty's lawyer and room: loaded with the duties, not one by one.
NAMED = (joinedload(Duty.lawyer), joinedload(Duty.room))


def list_text(names) -> str:
    return translate(LIST_SEPARATOR, current_locale()).join(names)


def stranded_items(user) -> list[TodayItem]:
    """The coordinator's seats to re-arrange (leaving.py): one item per
    Saturday of their rooms with duties still held by lawyers who can no
    longer sit, as the holiday days are; due as the day begins."""
    by_day: dict = {}
    for d in db.session.execute(stranded_query(duties_clause(street_of(user))).options(*NAMED)).scalars():
        by_day.setdefault(d.day, []).append(d)
    return [TodayItem(kind="duty", title=ngettext(
                          "To be re-arranged: %(day)s, %(num)d seat whose lawyer can no longer sit (%(names)s)",
                          "To be re-arranged: %(day)s, %(num)d seats whose lawyers can no longer sit (%(names)s)",
                          len(duties), day=day_text(day),
                          names=list_text(dict.fromkeys(d.lawyer.name for d in duties))),
                      due_at=clock.day_start(day), colour=None,
                      detail=list_text(dict.fromkeys(d.room.name for d in duties)),
                      url=url_for("rota.plan", first_day=day.isoformat(), last_day=day.isoformat())
                      + f"#day-{day.isoformat()}")
            for day, duties in by_day.items()]


def no_show_items(user) -> list[TodayItem]:
    """The coordinator's no-shows still correctable (rules.correction_deadline):
    one item per Saturday of their rooms, naming the lawyers, until each is
    corrected or the window closes; due as the window closes, so that a
    no-show the coordinator leaves standing (most are real) waits under
    "later" rather than among today's work. One duty leads to its page, where
    the correction is; more to the day on the plan page, which links each."""
    by_day: dict = {}
    for d in db.session.execute(
            select(Duty).where(Duty.state == "no_show", Duty.day >= first_correctable_day(), duties_clause(street_of(user)))
            .order_by(Duty.day, Duty.room_id, Duty.seat).options(*NAMED)).scalars():
        by_day.setdefault(d.day, []).append(d)
    items = []
    for day, duties in by_day.items():
        last = correction_deadline(duties[0])
        url = (url_for("rota.duty", duty_id=duties[0].id) if len(duties) == 1 else
               url_for("rota.plan", first_day=day.isoformat(), last_day=day.isoformat()) + f"#day-{day.isoformat()}")
        items.append(TodayItem(kind="duty", title=ngettext(
            "%(day)s: %(num)d lawyer did not check in and was recorded as a no-show (%(names)s). If they did "
            "come, it can be corrected until %(last)s",
            "%(day)s: %(num)d lawyers did not check in and were recorded as no-shows (%(names)s). If they did "
            "come, it can be corrected until %(last)s",
            len(duties), day=day_text(day), last=day_text(last),
            names=list_text(dict.fromkeys(d.lawyer.name for d in duties))),
            due_at=clock.day_start(last + timedelta(days=1)), colour=None, url=url,
            detail=list_text(dict.fromkeys(d.room.name for d in duties))))
    return items


def holiday_items(user) -> list[TodayItem]:
    """One item per Saturday of the coordinator's rooms that became a holiday
    after its duties were planned, until they decide for the day
    (holiday_days.py); due as the day begins."""
    from .holiday_days import undecided

    return [TodayItem(kind="duty", title=ngettext("%(day)s, %(holiday)s: %(num)d duty to cancel or keep",
                                                  "%(day)s, %(holiday)s: %(num)d duties to cancel or keep",
                                                  len(d.duties), day=day_text(d.day), holiday=festival_label(d.holiday, current_locale())),
                      due_at=clock.day_start(d.day), colour=None,
                      url=url_for("rota.plan", first_day=d.day.isoformat(), last_day=d.day.isoformat())
                      + f"#day-{d.day.isoformat()}")
            for d in undecided(street_of(user))]
