"""The rota's pages for lawyers and staff: my duties, the month, one duty
with its steps, swaps. Planning, the roster, consultations and the public
board have modules of their own; blueprint.py wires them all to URLs."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workflows.duty_swap import DUTY_SWAP
from workflows.lawyer_duty import LAWYER_DUTY

from .. import clock, engine
from ..timeline import timeline
from ..auth.access import load_visible, roles_required
from ..dates import day_text
from ..extensions import db
from ..form_errors import correct_the_marked, flash_in
from ..i18n import current_locale as _locale
from ..validators import form_version
from . import codes, swaps as swap_service
from .admin import duties_on, set_unavailable
from .consultations import logging_refusal
from .days import month_bounds, month_of, parse_month
from .forms import REASON_MAX, SENT_BACK, ActionForm, ConsultationForm, PlainForm, SwapForm, UnavailableForm
from .grid import grid
from .planning import SAME_TIME, unavailable_problem
from .outcomes import outcome
from .models import LIVE_STATES, Consultation, Duty, Lawyer, SwapRequest
from .roster import lawyer_of
from .rules import correction_deadline
from .scope import street_of

STAFF = ("coordinator", "supervisor", "admin")
READERS = ("lawyer",) + STAFF


def load_duty(duty_id: int) -> Duty:
    return load_visible(Duty, duty_id, "duty")


def load_swap(swap_id: int) -> SwapRequest:
    return load_visible(SwapRequest, swap_id, "swap")


def safe_next(default: str) -> str:
    """Back to the rota page the form was on; never to another site."""
    target = request.form.get("next") or ""
    return target if target.startswith("/rota/") and "//" not in target and "\\" not in target else default


def lawyer_names(ids) -> dict[int, str]:
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(db.session.execute(select(Lawyer.id, Lawyer.name).where(Lawyer.id.in_(ids))).all())


LAWYER_FIELDS = ("lawyer_id", "target_id", "taker_id", "requester_id")


def steps(entity, locale):
    """The entity's history, with lawyers named rather than numbered."""
    entries = timeline(entity, locale)
    wanted = set()
    for e in entries:
        for key in LAWYER_FIELDS:
            wanted.add(e.data.get(key))
            pair = (e.data.get("changes") or {}).get(key)
            if isinstance(pair, list):
                wanted.update(pair)
    names = lawyer_names(wanted)
    for e in entries:
        for key in LAWYER_FIELDS:
            if key in e.data:
                e.data[key] = names.get(e.data[key], e.data[key]) if e.data[key] is not None else "—"
            pair = (e.data.get("changes") or {}).get(key)
            if isinstance(pair, list):
                e.data["changes"][key] = [names.get(v, v) for v in pair]
    return entries


# ---- pages


@roles_required(*READERS)
def overview():
    """The coordinator's start: swaps to approve, seats still empty, the next
    Saturday. Lawyers start on their own duties."""
    if current_user.role == "lawyer":
        return redirect(url_for(".mine"))
    today = clock.today()
    street_id = street_of(current_user)
    ahead = grid(today, today + timedelta(weeks=13), LIVE_STATES, street_id)
    awaiting = swap_service.awaiting_approval(street_id)
    return render_template(
        "rota/overview.html", awaiting=awaiting, ahead=ahead,
        swap_actions={s.id: engine.available(s, current_user) for s in awaiting},
        empty=[(row, s) for row in ahead for s in row.vacant], next_day=next((r for r in ahead if r.seats), None),
        action_form=ActionForm(), swap_wf=DUTY_SWAP, duty_wf=LAWYER_DUTY, today=today)


@roles_required("lawyer")
def mine(status=200):
    me = lawyer_of(current_user)
    if me is None:
        return render_template("rota/mine.html", me=None), status
    today = clock.today()
    # Today's duty stays on the page all day, whatever became of it: ended
    # at 09:30 by mistake, it must not vanish with its consultations.
    todays = list(db.session.execute(
        select(Duty).where(Duty.lawyer_id == me.id, Duty.day == today, Duty.published_at.is_not(None))
        .order_by(Duty.id)).scalars())
    duties = list(db.session.execute(
        select(Duty).where(Duty.lawyer_id == me.id, Duty.state.in_(("published", "checked_in")), Duty.day > today)
        .order_by(Duty.day, Duty.id)).scalars())
    past = list(db.session.execute(
        select(Duty).where(Duty.lawyer_id == me.id, Duty.state.in_(("checked_in", "completed", "no_show")),
                           Duty.day < today).order_by(Duty.day.desc()).limit(8)).scalars())
    swaps = swap_service.swaps_of(me)
    locale = _locale()
    # The open swap of each of my duties: its card says the swap is under way, with a link to it.
    open_swaps = {s.duty_id: s for s in swaps if s.state in swap_service.OPEN_STATES and s.requester_id == me.id}
    colleagues = active_colleagues(me.id)
    swap_forms = {}
    for d in duties:
        if d.state == "published" and d.day > today and d.id not in open_swaps:
            swap_forms[d.id] = SwapForm()
            swap_forms[d.id].target_id.choices = swap_choices(d, colleagues)
    return render_template(
        "rota/mine.html", me=me, today=today, duties=duties, past=past, swaps=swaps,
        open_swaps=open_swaps,
        swap_steps={s.id: steps(s, locale) for s in swaps},
        swap_actions={s.id: engine.available(s, current_user) for s in swaps},
        todays=todays, todays_consultations=consultations_of(todays),
        duty_actions={d.id: engine.available(d, current_user) for d in todays + duties},
        end_notes={d.id: end_note(d) for d in todays},
        swap_forms=swap_forms, action_form=ActionForm(), plain_form=PlainForm(), day_form=UnavailableForm(),
        duty_wf=LAWYER_DUTY, swap_wf=DUTY_SWAP, codes=codes,
        future_unavailable=[u.day for u in me.unavailable if u.day >= today],
    ), status


def active_colleagues(lawyer_id: int) -> list[Lawyer]:
    """The active lawyers but this one, with their unavailable dates."""
    return list(db.session.execute(
        select(Lawyer).where(Lawyer.active.is_(True), Lawyer.id != lawyer_id)
        .options(selectinload(Lawyer.unavailable)).order_by(Lawyer.name)).scalars())


def swap_choices(duty: Duty, colleagues: list[Lawyer]) -> list[tuple]:
    """Whom the duty's lawyer may ask to take it: anyone, then the colleagues
    who can, then, greyed out with the reason, those who cannot (already on
    duty that day, or the day marked unavailable: what rules.cannot_sit
    refuses), so that nobody is asked only to be refused after sending."""
    sitting = set(db.session.execute(
        select(Duty.lawyer_id).where(Duty.day == duty.day, Duty.state.in_(LIVE_STATES))).scalars())
    free, others = [], []
    for c in colleagues:
        name = f"{c.name}（{c.firm}）"
        if c.id in sitting:
            others.append((c.id, _("%(lawyer)s · already on duty that day", lawyer=name), {"disabled": True}))
        elif duty.day in c.unavailable_days:
            others.append((c.id, _("%(lawyer)s · marked that day unavailable", lawyer=name), {"disabled": True}))
        else:
            free.append((c.id, name))
    return [(0, _("Anyone on the roster"))] + free + others


def consultations_of(duties) -> dict[int, list[Consultation]]:
    """The consultations logged on these duties, by duty."""
    found: dict[int, list[Consultation]] = {d.id: [] for d in duties}
    if found:
        for row in db.session.execute(select(Consultation).where(Consultation.duty_id.in_(list(found)))
                                      .order_by(Consultation.id)).scalars():
            found[row.duty_id].append(row)
    return found


def end_note(duty: Duty) -> str | None:
    """What ending the duty says besides the step's own question (app.confirm:
    nothing can be logged on it after): before the room closes, that the duty
    is not over yet."""
    if clock.now() < clock.at_local(duty.day, duty.room.closes):
        return _("The duty runs until %(time)s.", time=duty.room.closes.strftime("%H:%M"))
    return None


@roles_required("lawyer")
def mark_unavailable():
    """A lawyer marks (or clears) a date they cannot sit; the next plan
    leaves them out. A published duty on that date stays: ask for a swap."""
    me = lawyer_of(current_user)
    form = UnavailableForm()
    if me is None:
        abort(404)
    if not form.validate():
        flash(_("Give a date like 2026-12-05."), "danger")
        return mine(status=422)
    day = form.day.data
    days = me.unavailable_days
    clearing = request.form.get("clear") == "1"
    # Clearing takes any date: one the coordinator typed on the roster, say.
    problem = None if clearing else unavailable_problem(day)
    if problem:
        flash(problem, "danger")
        return mine(status=422)
    wanted = (days - {day}) if clearing else (days | {day})
    if wanted != days:
        from ..engine.edits import commit_change

        try:
            commit_change(me, current_user, "rota_roster_edit", lambda: set_unavailable(me, wanted),
                          {"changes": {"unavailable": [sorted(days), sorted(wanted)]}})
        except (engine.Refused, IntegrityError):
            # A double click, or the coordinator saving the roster at the same moment.
            db.session.rollback()
            if (day in lawyer_of(current_user).unavailable_days) == clearing:
                flash(str(SAME_TIME), "danger")
                return mine(status=409)
    # The page opens at the dates (the anchor): the message is shown there, not screens above.
    if not clearing and duties_on(me, {day}):
        flash_in("unavailable", _("You already have a duty on %(day)s: marking the date does not move it. Ask a "
                                  "colleague to swap.", day=day_text(day)), "warning")
    elif clearing:
        flash_in("unavailable", _("%(day)s is no longer marked unavailable: the next plan may put you on duty "
                                  "that day.", day=day_text(day)), "success")
    else:
        flash_in("unavailable", _("%(day)s is marked unavailable: the next plan leaves you out that day.",
                                  day=day_text(day)), "success")
    return redirect(url_for(".mine") + "#unavailable")


@roles_required(*READERS)
def month():
    today = clock.today()
    asked = request.args.get("m")
    if asked and month_of(asked) is None:
        # A mistyped link must not pass silently for this month.
        flash(_("“%(m)s” is no month: this month is shown. A month is written like %(example)s.",
                m=asked[:20], example=f"{today:%Y-%m}"), "warning")
    year, number = parse_month(asked, today)
    first, last = month_bounds(year, number)
    me = lawyer_of(current_user)
    # Staff see their street's rooms (city-level: all); lawyers, one pool
    # for the city, see the whole rota as the public board shows it.
    rows = grid(first, last, LIVE_STATES, street_of(current_user))
    return render_template("rota/month.html", rows=rows, first=first, today=today,
                           me=me, duty_wf=LAWYER_DUTY, **_month_links(first))


def _month_links(first):
    before = first - timedelta(days=1)
    after = first + timedelta(days=32)
    return {"prev_m": f"{before.year}-{before.month:02d}", "next_m": f"{after.year}-{after.month:02d}"}


def _swap_open_to_ask(duty: Duty) -> bool:
    """Whether the duty's lawyer may ask for a swap now (the page then shows the form)."""
    return duty.state == "published" and duty.day > clock.today() and swap_service.open_swap_for(duty) is None


def _render_duty(duty: Duty, status=200, swap_form=None, consultation_form=None, action_form=None):
    locale = _locale()
    me = lawyer_of(current_user)
    mine_ = me is not None and me.id == duty.lawyer_id
    swaps = list(db.session.execute(select(SwapRequest).where(SwapRequest.duty_id == duty.id)
                                    .order_by(SwapRequest.id.desc())).scalars())
    show_consultations = mine_ or current_user.role in STAFF
    consultations = list(db.session.execute(select(Consultation).where(Consultation.duty_id == duty.id)
                                            .order_by(Consultation.id)).scalars()) if show_consultations else []
    may_swap = mine_ and _swap_open_to_ask(duty)
    if may_swap and swap_form is None:
        swap_form = SwapForm()
    if swap_form is not None:
        swap_form.target_id.choices = swap_choices(duty, active_colleagues(duty.lawyer_id))
    may_log = logging_refusal(duty, current_user) is None
    if may_log and consultation_form is None:
        consultation_form = ConsultationForm()
    if consultation_form is not None and not consultation_form.submission_token.data:
        consultation_form.submission_token.data = secrets.token_urlsafe(24)  # sent back: it keeps its own
    if consultation_form is not None:
        consultation_form.fill_choices(locale)
    actions = engine.available(duty, current_user)
    return render_template(
        "rota/duty.html", duty=duty, wf=LAWYER_DUTY, swap_wf=DUTY_SWAP, mine=mine_,
        actions=actions, action_form=action_form or ActionForm(), **_correction(duty, actions),
        swaps=swaps, swap_actions={s.id: engine.available(s, current_user) for s in swaps},
        # At most one swap of a duty is open at a time (swaps.request_swap): the newest open one.
        open_swap=next((s for s in swaps if s.state in swap_service.OPEN_STATES), None),
        me_id=me.id if me is not None else None,
        may_swap=may_swap, swap_form=swap_form, consultations=consultations, may_log=may_log,
        end_note=end_note(duty),
        consultation_form=consultation_form, codes=codes, timeline=steps(duty, locale),
    ), status


def _correction(duty: Duty, actions) -> dict:
    """A no-show the coordinator may still correct: the page says so and
    until when, the button asks first, naming the lawyer and the day, and its
    reason box asks what shows they came. Too late, the page says until when
    it could have been. The lawyer, while the window is open, reads whom to
    tell if they did sit it."""
    if duty.state != "no_show":
        return {"step_questions": {}, "reason_hints": {}, "correction_closed": None, "correction_open": None}
    question = _("Record that %(lawyer)s sat the duty of %(day)s? It then counts as completed, no longer as a "
                 "no-show, and the lawyer is told.", lawyer=duty.lawyer.name, day=day_text(duty.day))
    last = day_text(correction_deadline(duty))
    still_open = clock.today() <= correction_deadline(duty)
    if any(t.trigger == "correct_no_show" for t in actions):
        said = _("%(lawyer)s did not check in, so the duty was recorded as a no-show. If they did sit it, record it "
                 "here until %(last)s, saying what shows they came.", lawyer=duty.lawyer.name, last=last)
    elif still_open and lawyer_of(current_user) is not None and lawyer_of(current_user).id == duty.lawyer_id:
        said = _("You did not check in, so this duty was recorded as a no-show. If you did sit it, tell the "
                 "coordinator: they can correct it until %(last)s.", last=last)
    else:
        said = None
    return {"step_questions": {"correct_no_show": question},
            "reason_hints": {"correct_no_show": _("What shows the lawyer came (e.g. the room's sign-in sheet)")},
            "correction_open": said,
            "correction_closed": None if said or still_open else engine.why_not(duty, "correct_no_show", current_user)}


@roles_required(*READERS)
def duty(duty_id):
    return _render_duty(load_duty(duty_id))


def _fire(entity, trigger, page_on_refusal, section=None):
    """One workflow step from a button: the form's version and reason. A
    reason left empty or too long is marked in the button's reason box, as
    every form marks its fields (rota/_macros.html); `page_on_refusal(status,
    form)` renders the page with that form sent back. Done, the step's sentence
    is for the section the redirect opens the page at, if any."""
    form = ActionForm()
    if not form.validate():
        too_long = _("The reason is too long: keep it within %(max)s characters.", max=REASON_MAX)
        if not _send_back(form, entity, trigger, too_long):
            # A step whose button has no reason box (a forged form): say what is wrong in the message.
            flash(too_long, "danger")
        return page_on_refusal(422, form)
    try:
        engine.fire(entity, trigger, current_user, reason=form.reason.data,
                    expected_version=form_version(form.version.data))
    except engine.Refused as refused:
        db.session.rollback()
        if refused.field != "reason" or not _send_back(form, entity, trigger, str(refused.message)):
            flash(str(refused.message), "danger")
        return page_on_refusal(refused.status, form)
    if section:
        flash_in(section, outcome(entity, trigger), "success")
    else:
        flash(outcome(entity, trigger), "success")
    return None


def _send_back(form: ActionForm, entity, trigger, error: str) -> bool:
    """Mark the reason box of the step's button with `error`, when the page
    shows the button with one (the step asks for a reason); False if not."""
    if not any(t.trigger == trigger and t.reason_required for t in engine.available(entity, current_user)):
        return False
    form.reason.errors = [error]
    form.sent_to = request.script_root + request.path
    correct_the_marked(form, SENT_BACK)
    return True


@roles_required(*READERS)
def fire_duty(duty_id, trigger):
    duty = load_duty(duty_id)
    refused = _fire(duty, trigger, lambda status, form: _render_duty(load_duty(duty_id), status, action_form=form))
    return refused or redirect(safe_next(url_for(".duty", duty_id=duty_id)))


@roles_required(*READERS)
def fire_swap(swap_id, trigger):
    swap = load_swap(swap_id)
    duty_id = swap.duty_id
    taken = swap_service.taken_decline_refusal(swap, current_user) if trigger == "decline" else None
    if taken:  # a page left open before the colleague took it, or a forged form: what to do instead
        flash(taken, "danger")
        return _render_duty(load_duty(duty_id), 409)
    refused = _fire(swap, trigger, lambda status, form: _render_duty(load_duty(duty_id), status, action_form=form),
                    section="swaps")
    default = url_for(".mine") if current_user.role == "lawyer" else url_for(".overview")
    return refused or redirect(safe_next(default) + "#swaps")


@roles_required("lawyer")
def request_swap(duty_id):
    duty = load_duty(duty_id)
    form = SwapForm()
    form.target_id.choices = [(0, "")] + [(i, "") for i in db.session.execute(select(Lawyer.id)).scalars()]
    me = lawyer_of(current_user)
    # Only where the page shows the form are its fields checked and marked; otherwise (not the lawyer's
    # duty, a swap already open, the day come) the service below refuses and says why.
    asking = me is not None and me.id == duty.lawyer_id and _swap_open_to_ask(duty)
    if asking and not form.validate():
        correct_the_marked(form, "swap-request")
        return _render_duty(duty, 422, swap_form=form)
    target = db.session.get(Lawyer, form.target_id.data) if asking and form.target_id.data else None
    try:
        swap_service.request_swap(duty, lawyer_of(current_user), target, (form.note.data or "").strip(), current_user)
    except engine.Refused as refused:
        db.session.rollback()
        flash(str(refused.message), "danger")
        return _render_duty(load_duty(duty_id), refused.status)
    flash_in("swaps", _("Your request was sent."), "success")
    return redirect(safe_next(url_for(".mine")) + "#swaps")

