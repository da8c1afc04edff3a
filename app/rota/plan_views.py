"""The coordinator's planning: generate a plan for a range, look at it,
adjust a seat by hand, publish; and the fairness table."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import case, func, select

from workflows.lawyer_duty import LAWYER_DUTY

from .. import clock, engine, workdays
from ..auth.access import roles_required
from ..dates import day_text, days_text
from ..extensions import db
from ..form_errors import correct_the_marked
from ..i18n import current_locale
from ..validators import form_version
from . import planning
from .forms import RangeForm, SeatForm
from .grid import grid
from .models import LIVE_STATES, SAT_STATES, Duty, Lawyer, Room, SwapRequest
from .today_items import list_text
from .scope import CITY, duties_clause, lawyers_in_reach, load_room, rooms_clause, street_of
from .views import STAFF

QUARTER = timedelta(weeks=13)


def _range_from_args(today: date) -> tuple[date, date, RangeForm]:
    """The range asked for, or the quarter from tomorrow when none is; a range
    refused (backwards, longer than a plan covers: forms.RangeForm) comes
    back with its form's errors, and render_plan draws none of it."""
    form = RangeForm(formdata=request.args if "first_day" in request.args else None, meta={"csrf": False})
    if "first_day" in request.args:
        form.validate()
        return *_fallback(form), form
    first = today + timedelta(days=1)
    form.first_day.data, form.last_day.data = first, first + QUARTER
    return form.first_day.data, form.last_day.data, form


def _sitting(rows) -> dict[date, set[int]]:
    """Per Saturday shown: the lawyers sitting anywhere in the city that day
    (the pool is the city's: a lawyer in another street's room is taken)."""
    days = [r.day for r in rows]
    sitting: dict[date, set[int]] = defaultdict(set)
    if days:
        for day, lawyer_id in db.session.execute(
                select(Duty.day, Duty.lawyer_id).where(Duty.day.in_(days), Duty.state.in_(LIVE_STATES))):
            sitting[day].add(lawyer_id)
    return sitting


def _seat_choices(rows, sitting) -> dict[date, list[tuple[int, str]]]:
    """Per Saturday: the active lawyers who could take a seat that day."""
    lawyers = list(db.session.execute(select(Lawyer).where(Lawyer.active.is_(True)).order_by(Lawyer.name)).scalars())
    choices = {}
    for row in rows:
        choices[row.day] = [(lw.id, f"{lw.name}（{lw.firm}）") for lw in lawyers
                            if row.day not in lw.unavailable_days and lw.id not in sitting[row.day]]
    return choices


def render_plan(first, last, range_form, status=200):
    """The plan of the user's rooms: their street's, or the city's. A range
    refused (the form's errors, or longer than a plan covers, from a hand-made
    address) is not drawn: the form says why, nothing else is read."""
    if range_form.errors or last < first or planning.too_long(first, last):
        if not range_form.errors:
            range_form.last_day.errors = [planning.check_range(first, last)]
        correct_the_marked(range_form)
        return render_template("rota/plan.html", refused=True, range_form=range_form, rooms=1), 422
    today = clock.today()
    street_id = street_of(current_user)
    rows = grid(first, last, LIVE_STATES, street_id)
    sitting = _sitting(rows)
    problem = planning.check_range(first, last)
    counts = defaultdict(int)
    for row in rows:
        for s in row.seats:
            if s.duty is not None:
                counts[s.duty.lawyer_id] += 1
    lawyers = list(db.session.execute(select(Lawyer).where(Lawyer.active.is_(True)).order_by(Lawyer.name)).scalars())
    available = {lw.id: sum(1 for r in rows if r.day > today and not r.holiday and r.day not in lw.unavailable_days)
                 for lw in lawyers}
    # A year the holiday calendar does not know (neither the chinesecalendar
    # package nor a notice the admin entered): its festivals' Saturdays are
    # planned like any other, which the coordinator must hear before publishing.
    gaps = workdays.notice_gaps(max(first, today + timedelta(days=1)), last) if last > today else {}
    return render_template(
        "rota/plan.html", rows=rows, first=first, last=last, range_form=range_form, today=today, problem=problem,
        unknown_holidays=_unentered_holidays(gaps),
        choices=_seat_choices([r for r in rows if r.day > today], sitting), seat_form=SeatForm(), counts=counts,
        lawyers=lawyers, available=available, wf=LAWYER_DUTY,
        seen=planning.plan_fingerprint(first, last, street_id),
        planned=sum(1 for r in rows for s in r.seats if s.duty is not None and s.duty.state == "planned"),
        # Before anything is planned every seat is empty: that is no news, so nothing is listed until a plan exists.
        to_fill=_seats_to_fill(rows, lawyers, today, sitting) if any(
            s.duty is not None for r in rows for s in r.seats) else None,
        rooms=db.session.execute(select(func.count(Room.id)).where(Room.active.is_(True),
                                                                   rooms_clause(street_id))).scalar(),
    ), status


def _unentered_holidays(gaps: dict[int, list[str]]) -> str:
    """What the page (and its publish question) says of the years in range
    whose holidays the calendar lacks: a year not entered at all, or, entered
    in part (the admin entered 元旦 and 春节), the festivals still to enter,
    not "not entered" beside a festival the page shows as entered."""
    unknown = [year for year, missing in gaps.items() if len(missing) == len(workdays.NOTICE_FESTIVALS)]
    said = [_("The public holidays of %(years)s are not entered yet (the administrator enters them): "
              "Saturdays on a festival will be planned like any other.",
              years=", ".join(str(y) for y in unknown))] if unknown else []
    for year, missing in gaps.items():
        if year not in unknown:
            said.append(_("The public holidays of %(year)s are entered in part: %(festivals)s still to be entered "
                          "(the administrator enters them); Saturdays on those will be planned like any other.",
                          year=year, festivals=list_text(
                              workdays.festival_label(name, current_locale()) for name in missing)))
    return ("" if current_locale().startswith("zh") else " ").join(said)


@dataclass
class ToFill:
    """What the plan page says of the seats still needing a lawyer: the
    Saturdays not planned yet (no duty on any seat: the plan fills them), and
    per planned Saturday what each vacant seat is, with what to do."""
    unplanned: list[date]
    days: list[tuple[date, list[str]]]

    def __bool__(self):
        return bool(self.unplanned or self.days)

    @property
    def unplanned_text(self) -> str:
        return days_text(self.unplanned)


def _seats_to_fill(rows, lawyers, today, sitting) -> ToFill:
    unplanned, days = [], []
    for row in rows:
        if row.day <= today or not row.vacant:
            continue
        if all(s.duty is None for s in row.seats):
            unplanned.append(row.day)
            continue
        free = sum(1 for lw in lawyers if row.day not in lw.unavailable_days and lw.id not in sitting[row.day])
        said = []
        if row.stranded:
            # Held by a lawyer who can no longer sit (leaving.py): a published
            # one stays through a re-plan, so only the seat's own list moves it.
            said.append(ngettext(
                "%(num)d seat to be re-arranged (its lawyer can no longer sit): choose another lawyer in the "
                "seat's list below.",
                "%(num)d seats to be re-arranged (their lawyers can no longer sit): choose another lawyer in each "
                "seat's list below.", len(row.stranded)) if free else ngettext(
                "%(num)d seat to be re-arranged (its lawyer can no longer sit), and nobody else is free that "
                "Saturday: cancel the duty on its page.",
                "%(num)d seats to be re-arranged (their lawyers can no longer sit), and nobody else is free that "
                "Saturday: cancel the duties on their pages.", len(row.stranded)))
        if row.empty:
            said.append(ngettext(
                "%(num)d empty seat cannot be filled: nobody else is available that Saturday.",
                "%(num)d empty seats cannot be filled: nobody else is available that Saturday.",
                len(row.empty)) if not free else ngettext(
                "%(num)d empty seat, and %(free)d lawyer(s) could still sit: choose one in the seat's list below, "
                "or make the plan again.",
                "%(num)d empty seats, and %(free)d lawyer(s) could still sit: choose them in the seats' lists "
                "below, or make the plan again.", len(row.empty), free=free))
        days.append((row.day, said))
    return ToFill(unplanned, days)


@roles_required("coordinator")
def plan():
    first, last, form = _range_from_args(clock.today())
    return render_plan(first, last, form)


@roles_required("coordinator")
def generate():
    form = RangeForm()
    if not form.validate():  # the range's fields, at the top of the plan page, marked by render_plan
        return render_plan(*_fallback(form), form, 422)
    first, last = form.first_day.data, form.last_day.data
    problem = planning.check_range(first, last)
    if problem:
        flash(problem, "danger")
        return render_plan(first, last, form, 422)
    try:
        result = planning.generate(first, last, current_user)
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return render_plan(first, last, form, refused.status)
    flash(_("Plan made: %(created)s new, %(changed)s changed, %(cancelled)s given back, %(kept)s kept as published.",
            created=result.created, changed=result.changed, cancelled=result.cancelled, kept=result.kept), "success")
    if result.unfilled:
        days = sorted({u.day for u in result.unfilled})
        flash(ngettext("%(num)d seat could not be filled, on: %(days)s. Not enough lawyers are available on those "
                       "Saturdays; each lawyer sits at most once a day.",
                       "%(num)d seats could not be filled, on: %(days)s. Not enough lawyers are available on those "
                       "Saturdays; each lawyer sits at most once a day.", len(result.unfilled),
                       days=days_text(days)), "warning")
    return redirect(url_for(".plan", first_day=first.isoformat(), last_day=last.isoformat()))


def _fallback(form):
    today = clock.today()
    first = form.first_day.data or today + timedelta(days=1)
    return first, form.last_day.data or first + QUARTER


@roles_required("coordinator")
def publish():
    form = RangeForm()
    if not form.validate():  # the range's fields, at the top of the plan page, marked by render_plan
        return render_plan(*_fallback(form), form, 422)
    first, last = form.first_day.data, form.last_day.data
    try:
        count = planning.publish(first, last, current_user, seen=request.form.get("seen"))
    except engine.Refused as refused:
        db.session.rollback()
        flash(str(refused.message), "danger")
        return render_plan(first, last, form, refused.status)
    if count:
        flash(_("Published %(n)s duties. The lawyers see them now.", n=count), "success")
    else:
        flash(_("There is nothing planned to publish in this range."), "info")
    return redirect(url_for(".plan", first_day=first.isoformat(), last_day=last.isoformat()))


@roles_required("coordinator")
def set_seat():
    form = SeatForm()
    form.lawyer_id.choices = [(i, "") for i in db.session.execute(select(Lawyer.id)).scalars()]
    range_form = RangeForm(formdata=None)
    range_form.first_day.data = _date_or_none(request.form.get("first_day"))
    range_form.last_day.data = _date_or_none(request.form.get("last_day"))
    first, last = _fallback(range_form)
    if not form.validate():
        flash(_("Choose a lawyer for the seat."), "danger")
        return render_plan(first, last, range_form, 422)
    room = load_room(form.room_id.data)  # another street's room: 404
    lawyer = db.session.get(Lawyer, form.lawyer_id.data)
    try:
        planning.set_seat(form.day.data, room, form.seat.data, lawyer, current_user,
                          expected_version=form_version(form.version.data) if form.version.data else None)
    except engine.Refused as refused:
        db.session.rollback()
        flash(str(refused.message), "danger")
        return render_plan(first, last, range_form, refused.status)
    flash(_("%(name)s sits on %(day)s.", name=lawyer.name, day=day_text(form.day.data)), "success")
    return redirect(url_for(".plan", first_day=first.isoformat(), last_day=last.isoformat()) + f"#day-{form.day.data}")


def _date_or_none(value):
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@roles_required(*STAFF)
def fairness():
    """Per lawyer, for a year: duties, completed, no-shows, swaps given and taken."""
    today = clock.today()
    try:
        year = int(request.args.get("year", today.year))
    except ValueError:
        year = today.year
    if not 2000 <= year <= 2100:
        year = today.year
    first, last = date(year, 1, 1), date(year, 12, 31)
    # A street's staff count the duties and swaps in their street's rooms,
    # and list the lawyers within their reach (scope.py); city-level: all.
    street_id = street_of(current_user)
    duty_counts = {row[0]: row[1:] for row in db.session.execute(
        select(Duty.lawyer_id, func.count(Duty.id),
               func.sum(case((Duty.state == "completed", 1), else_=0)),
               func.sum(case((Duty.state == "no_show", 1), else_=0)),
               func.sum(case((Duty.day > today, 1), else_=0)))
        .where(Duty.day >= first, Duty.day <= last, Duty.state.in_(SAT_STATES), duties_clause(street_id))
        .group_by(Duty.lawyer_id))}
    swap_day = select(Duty.day).where(Duty.id == SwapRequest.duty_id).scalar_subquery()
    approved = select(SwapRequest).where(SwapRequest.state == "approved", swap_day >= first, swap_day <= last)
    if street_id is not CITY:
        approved = approved.where(SwapRequest.duty_id.in_(select(Duty.id).where(duties_clause(street_id))))
    given, taken = defaultdict(int), defaultdict(int)
    for swap in db.session.execute(approved).scalars():
        given[swap.requester_id] += 1
        taken[swap.taker_id] += 1
    lawyers = list(db.session.execute(select(Lawyer).order_by(Lawyer.active.desc(), Lawyer.name)).scalars())
    reach = lawyers_in_reach(current_user, lawyers)
    lawyers = [lw for lw in lawyers if lw.id in reach]
    rows = []
    for lw in lawyers:
        total, completed, no_shows, ahead = duty_counts.get(lw.id, (0, 0, 0, 0))
        rows.append({"lawyer": lw, "duties": total or 0, "completed": completed or 0, "no_shows": no_shows or 0,
                     "ahead": ahead or 0, "given": given[lw.id], "taken": taken[lw.id]})
    active = [r["duties"] for r in rows if r["lawyer"].active]
    return render_template("rota/fairness.html", rows=rows, year=year, today=today,
                           spread=(max(active) - min(active)) if active else 0, street=street_id is not CITY)


@roles_required("coordinator")
def holiday_day(day):
    """The coordinator's decision for a Saturday that became a holiday after
    its duties were planned (holiday_days.py): cancel them all or keep them,
    with one reason. Back to the page it was sent from."""
    from .forms import PlainForm
    from .holiday_days import decide
    from .views import safe_next

    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not PlainForm().validate():
        abort(400)
    back = safe_next(url_for(".plan", first_day=when.isoformat(), last_day=when.isoformat()))
    decision = request.form.get("decision")
    if decision not in ("cancel", "keep"):
        abort(400)
    try:
        n = decide(when, decision == "keep", request.form.get("reason", ""), current_user, street_of(current_user))
    except engine.Refused as refused:
        db.session.rollback()
        flash(str(refused.message), "danger")
        return redirect(back.split("#")[0] + f"#day-{when}")
    if decision == "keep":
        flash(ngettext("%(num)d duty on %(day)s is kept.", "%(num)d duties on %(day)s are kept.", n,
                       day=day_text(when)), "success")
    else:
        flash(ngettext("%(num)d duty on %(day)s was cancelled; its lawyer is told.",
                       "%(num)d duties on %(day)s were cancelled; their lawyers are told.", n, day=day_text(when)),
              "success")
    return redirect(back.split("#")[0] + f"#day-{when}")
