"""The council of elders on a case (suggestions, invitations, their steps)
and the elders' own pages. The roster and the load table are in roster.py
and load.py, on the same blueprint."""
from datetime import date, datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..auth.access import load_visible, roles_required
from ..disputes import codes as dispute_codes
from ..disputes.access import load_case
from ..disputes.row_steps import take_step
from ..engine.deadlines import colour
from ..engine.errors import Refused
from ..extensions import db
from ..form_errors import correct_the_marked
from ..privacy import mask_id, mask_phone
from . import codes, rules, wording
from .candidates import conflicts_of, suggest
from .explain import conflict_words, factor_words
from .forms import InviteForm
from .models import Elder, ElderAssignment
from .panel import STEPS, actions_for, case_assignments, default_day, elder_panel, reasons_of
from .steps import act, invite

WF = ElderAssignment.__workflow__
# What an elder may still read of a case once they take no part in it.
ENDED = ("declined", "expired", "withdrawn", "no_show")
# The elder's page: invitations to answer, sessions ahead (accepted or under
# way), and how many of the others, the latest first.
TO_ANSWER = ("invited",)
AHEAD = ("accepted", "in_session")
PAST_SHOWN = 30


def template_helpers():
    return {"elder_panel": elder_panel, "elder_steps": STEPS, "factor_words": factor_words,
            "conflict_words": conflict_words, "elder_codes": codes, "elder_wf": WF, "mask_phone": mask_phone, "mask_id": mask_id,
            "elder_place": wording.place_of, "elder_inviter": wording.inviter, "elder_start_from": rules.starts_later}


def _day_from(value):
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    today_ = clock.today()
    try:
        limit = today_.replace(year=today_.year + 1)
    except ValueError:  # 29 February: a year ahead is 28 February
        limit = today_.replace(year=today_.year + 1, day=28)
    return day if today_ <= day <= limit else None


def _asking_case(case_id):
    """The case, if the current mediator may ask elders for it."""
    dispute = load_case(case_id)
    if not rules.works_on_case(dispute, current_user):
        abort(403)
    return dispute


def _suggest_page(dispute, day, status=200, submitted: tuple[int, InviteForm] | None = None):
    suggestions = suggest(dispute, day)
    forms = {}
    start = datetime.combine(day, time(9, 0))
    for s in suggestions.ranked:
        if submitted is not None and submitted[0] == s.elder.id:
            forms[s.elder.id] = submitted[1]
        else:
            forms[s.elder.id] = InviteForm(formdata=None, prefix=f"e{s.elder.id}", session_at=start)
    # Who was asked on this case before (and said no, or did not answer).
    asked = {a.elder_id: a for a in reversed(case_assignments(dispute.id))}
    return render_template("elders/suggest.html", d=dispute, day=day, suggestions=suggestions, forms=forms,
                           asked=asked, closed=rules.case_closed_message(dispute), codes=dispute_codes), status


@roles_required("mediator")
def suggestions(case_id):
    dispute = _asking_case(case_id)
    day = _day_from(request.args.get("on"))
    if request.args.get("on") and day is None:
        flash(_("Pick a day from today to a year ahead; showing tomorrow instead."), "warning")
    return _suggest_page(dispute, day or default_day())


@roles_required("mediator")
def invite_elder(case_id, elder_id):
    dispute = _asking_case(case_id)
    form = InviteForm(prefix=f"e{elder_id}")
    elder = db.session.get(Elder, elder_id)
    if elder is None or elder.street_id != dispute.street_id:
        abort(404)
    typed = form.session_at.data
    day = clock.local_date(clock.to_utc(typed)) if typed and 2000 <= typed.year <= 2100 else default_day()
    if not form.validate():
        correct_the_marked(form, f"elder-{elder_id}")  # the elder's card in the list; its <details> opens
        return _suggest_page(dispute, day, 422, (elder_id, form))
    try:
        invite(dispute, elder, current_user, session_at=clock.to_utc(form.session_at.data),
               session_place=form.session_place.data, override_reason=form.override_reason.data)
    except Refused as refused:
        db.session.rollback()
        dispute = load_case(case_id)
        if not (form.override_reason.data or "").strip() and conflicts_of(elder, dispute):
            # The reason a flagged elder needs: under its box, the elder's form open, what was typed kept.
            form.override_reason.errors = [str(refused.message)]
            correct_the_marked(form, f"elder-{elder_id}")
            return _suggest_page(dispute, day, 422, (elder_id, form))
        flash(str(refused.message), "danger")
        return _suggest_page(dispute, day, refused.status, (elder_id, form))
    flash(_("Invitation sent to %(name)s.", name=elder.name), "success")
    return redirect(url_for("disputes.show", case_id=case_id, _anchor="elders"))


def load_assignment(assignment_id) -> ElderAssignment:
    """The invitation, if this user may see it; otherwise 404. An elder
    opening another elder's invitation gets 404 as well: nothing about it is
    shown."""
    return load_visible(ElderAssignment, assignment_id, "elder assignment")


@roles_required("mediator", "elder")
def step(assignment_id, trigger):
    assignment = db.session.get(ElderAssignment, assignment_id)
    if assignment is not None and current_user.role == "elder" and assignment.elder.user_id != current_user.id:
        # Say plainly why, but show nothing of the other elder's invitation.
        message = rules.own_invitation(assignment, current_user, None)
        return render_template("error.html", code=403, title=_("Not allowed"), detail=message,
                               hint=_("Open your own invitations from your page.")), 403
    return take_step(STEPS, load_assignment(assignment_id), trigger, load=load_assignment, act=act, data=_step_data,
                     own_role="elder", own_page=_invitation_page, own_endpoint="elders.invitation")


def _step_data(trigger, form) -> dict:
    """What a step records besides its reason: the report's fields, a moved session's time and place."""
    if trigger == "reschedule":
        return {"session_at": clock.to_utc(form.session_at.data), "session_place": form.session_place.data}
    if trigger != "file_report":
        return {}
    return {"work_done": form.work_done.data.strip(), "advice": (form.advice.data or "").strip() or None,
            "report_outcome": form.report_outcome.data}


def my_elder() -> Elder | None:
    return db.session.execute(select(Elder).where(Elder.user_id == current_user.id)).scalar_one_or_none()


@roles_required("elder")
def mine():
    """The elder's own page: invitations to answer, sessions ahead, past ones."""
    elder = my_elder()
    open_, upcoming, past = [], [], []
    now = clock.now()
    if elder is not None:
        theirs = (select(ElderAssignment).options(joinedload(ElderAssignment.dispute))
                  .where(ElderAssignment.elder_id == elder.id).order_by(ElderAssignment.id.desc()))
        open_ = list(db.session.execute(theirs.where(ElderAssignment.state.in_(TO_ANSWER))).scalars())
        upcoming = sorted(db.session.execute(theirs.where(ElderAssignment.state.in_(AHEAD))).scalars(),
                          key=lambda a: a.session_at or now)
        # The others only grow in number: the database picks the latest rather than an elder's years of them.
        past = list(db.session.execute(
            theirs.where(ElderAssignment.state.not_in((*TO_ANSWER, *AHEAD, "suggested"))).limit(PAST_SHOWN))
            .scalars())
    return render_template("elders/mine.html", elder=elder, open_=open_, upcoming=upcoming, past=past,
                           colour=lambda a: colour(a, now), codes=dispute_codes,
                           actions=lambda a: actions_for(a, current_user))


def _invitation_page(assignment, status=200):
    return render_template(
        "elders/invitation.html", a=assignment, d=assignment.dispute, show_case=assignment.state not in ENDED,
        colour=colour(assignment), actions=actions_for(assignment, current_user), codes=dispute_codes,
        reason=reasons_of([assignment]).get(assignment.id),
    ), status


@roles_required("elder")
def invitation(assignment_id):
    """What the elder needs of the case: type, place, facts, the parties'
    names and roles (no ID numbers, no phones), and the session planned."""
    return _invitation_page(load_assignment(assignment_id))
