"""Follow-up visits (回访): the list, one follow-up and its visit, a case's
follow-ups (on the case page) and adding one."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from workflows import FOLLOWUP
from workflows.followup import OPEN

from .. import clock, engine
from ..dates import day_text
from ..timeline import timeline
from ..auth.access import load_visible, roles_required
from ..disputes.forms import colour_choices
from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..disputes.access import CASE_ROLES, load_case
from ..disputes.case_page import render_case
from ..disputes.loose_ends import loose_end
from ..engine.deadlines import colour, colour_clause, urgency_order
from ..engine.urgings import standing
from ..extensions import db
from ..fetched_forms import CHANGED, gone, requested, stale
from ..form_errors import correct_the_marked
from ..i18n import current_locale
from ..paging import page_of
from ..validators import form_version
from ..i18n import translate
from . import codes, scheduling
from .forms import AddFollowUpForm, FollowUpFilterForm, UrgeForm, VisitForm
from .models import FollowUp
from .rules import NO_AGREEMENT, confirm_refusal
from .scope import works_on_clause

MAX_DAYS_AHEAD = 366


def load_followup(followup_id: int) -> FollowUp:
    """The follow-up, if this user may see its case; otherwise 404."""
    return load_visible(FollowUp, followup_id, "follow-up")


def may_work(followup_or_case) -> bool:
    dispute = getattr(followup_or_case, "dispute", followup_or_case)
    return current_user.role == "mediator" and dispute.works_on(current_user)


def template_helpers():
    """For every page: the case page shows its follow-ups."""
    return {"case_followups": case_followups, "deadline_colour": colour, "fu_codes": codes,
            "FOLLOWUP": FOLLOWUP}


def open_on_case(dispute, user) -> list:
    """The visits still planned, for the closing form (app/disputes/loose_ends.py)."""
    locale = current_locale()
    return [loose_end(fu, f"{codes.label(codes.FOLLOWUP_KINDS, fu.kind, locale)} · {day_text(fu.planned_for)}",
                      url_for("followups.show", followup_id=fu.id))
            for fu in scheduling.open_followups(dispute.id)]


def case_followups(dispute) -> dict:
    """What the case page's follow-up section shows (templates ask, never decide):
    the form to plan one only when sent back with its errors or when the page
    was opened with it (app/fetched_forms.py)."""
    rows = scheduling.of_case(dispute.id)
    may_add = _add_refusal(dispute) is None
    form = None
    if may_add:
        form = g.get("followup_form") or (_add_form(dispute) if requested("followup") else None)
    return {"rows": rows, "may_add": may_add, "form": form, "now": clock.now(), "urged": standing(FollowUp, rows)}


def _add_refusal(dispute):
    """Why this user may not plan a follow-up of the case now, with the status; None if they may."""
    if not may_work(dispute):
        return _("Only the mediators who work the case may plan its follow-ups."), 403
    if dispute.state not in scheduling.AGREEMENT_STATES:
        return str(NO_AGREEMENT), 422
    return None


def _add_form(dispute):
    form = AddFollowUpForm(formdata=None)
    form.version.data = dispute.version
    form.planned_on.data = clock.today()
    return form


@roles_required("mediator")
def add_form(case_id):
    """The form that plans a follow-up, alone: the case page fetches it when its panel opens."""
    dispute = load_case(case_id)
    refusal = _add_refusal(dispute)
    if refusal is not None:
        return gone(*refusal)
    if stale(dispute.version):
        return gone(CHANGED, 409)
    return render_template("followups/_add_form.html", d=dispute, form=_add_form(dispute))


# The list -------------------------------------------------------------------

STATE_FILTERS = ("open", "all") + tuple(s.code for s in FOLLOWUP.states)


def _filter_form(locale):
    form = FollowUpFilterForm(formdata=request.args)
    form.state.choices = [("open", _("Open")), ("all", _("All"))] + [
        (s.code, translate(s.label, locale)) for s in FOLLOWUP.states]
    form.colour.choices = colour_choices()
    form.mine.choices = [("", _("All I may see"))] + (
        [("1", _("Cases I mediate"))] if current_user.role == "mediator" else [])
    form.sort.choices = [("urgency", _("Most urgent first")), ("planned", _("By planned day, latest first"))]
    if not request.args and current_user.role == "mediator":
        form.mine.data = "1"
    form.validate()
    for name in form.errors:
        form[name].data = form[name].default
    return form


@roles_required(*CASE_ROLES)
def index():
    locale = current_locale()
    form = _filter_form(locale)
    now = clock.now()
    query = (select(FollowUp).join(Dispute, Dispute.id == FollowUp.dispute_id).where(scope_clause(current_user))
             .options(contains_eager(FollowUp.dispute)))
    if form.state.data == "open":
        query = query.where(FollowUp.state.in_(OPEN))
    elif form.state.data != "all":
        query = query.where(FollowUp.state == form.state.data)
    if form.colour.data:
        query = query.where(colour_clause(FollowUp, form.colour.data, now))
    if form.mine.data == "1" and current_user.role == "mediator":
        query = query.where(works_on_clause(current_user))
    order = urgency_order(FollowUp, now) if form.sort.data == "urgency" else (
        FollowUp.planned_for.desc(), FollowUp.id.desc())
    page = page_of(query, order, form.page.data or 1, current_app.config["FOLLOWUPS_PER_PAGE"])
    args = {name: form[name].data for name in ("state", "colour", "mine", "sort") if form[name].data}
    return render_template("followups/index.html", form=form, page=page, now=now, link_args=args,
                           colour=lambda row: colour(row, now), urged=standing(FollowUp, page.rows))


# One follow-up -----------------------------------------------------------------

def _visit_form(followup, formdata=None):
    form = VisitForm(formdata=formdata)
    form.fill_choices(current_locale())
    if formdata is None:
        form.version.data = followup.version
        form.visited_on.data = clock.today()
    return form


def _urge_form(followup):
    form = UrgeForm(formdata=None)
    form.version.data = followup.version
    return form


def _mediator_names(dispute) -> list[str]:
    """Who a supervisor calls about a late visit: the case's lead mediator,
    then its co-mediators, by name (the app keeps no one's phone)."""
    lead = [dispute.assignee] if dispute.assignee else []
    return [m.display_name for m in lead + [m for m in dispute.co_mediators if m.id != dispute.assignee_id]]


def render_followup(followup, form=None, status=200, urge_form=None):
    locale = current_locale()
    offered = {t.trigger for t in engine.available(followup, current_user)}
    may_visit = "record_visit" in offered
    if may_visit and form is None:
        form = _visit_form(followup)
    if "urge" in offered and urge_form is None:
        urge_form = _urge_form(followup)
    dispute = followup.dispute
    return render_template(
        "followups/show.html", fu=followup, d=dispute, state=FOLLOWUP.state(followup.state),
        colour=colour(followup), form=form if may_visit else None,
        urge_form=urge_form if "urge" in offered else None,
        mediators=_mediator_names(dispute) if current_user.role == "supervisor" else None,
        offer_fulfilled=may_visit and confirm_refusal(followup, current_user) is None,
        timeline=timeline(followup, locale), why_not=_why_no_visit(followup, may_visit),
    ), status


def _why_no_visit(followup, may_visit):
    """Tell a mediator of the case why the visit form is not there."""
    if may_visit or not followup.is_open or current_user.role != "mediator":
        return None
    if not followup.dispute.works_on(current_user):
        return _("Only the mediators who work the case may record its follow-ups.")
    if followup.dispute.state not in scheduling.AGREEMENT_STATES:
        return str(NO_AGREEMENT)
    return None


@roles_required(*CASE_ROLES)
def show(followup_id):
    return render_followup(load_followup(followup_id))


@roles_required("mediator")
def record_visit(followup_id):
    followup = load_followup(followup_id)
    if followup.state == "done":
        flash(_("This follow-up was already recorded on %(day)s by %(who)s; nothing was changed.",
                day=day_text(followup.visited_on) if followup.visited_on else "?",
                who=followup.done_by.display_name if followup.done_by else "?"), "danger")
        return render_followup(followup, status=409)
    if not may_work(followup):
        flash(_("Only the mediators who work the case may record its follow-ups."), "danger")
        return render_followup(followup, status=403)
    form = _visit_form(followup, request.form)
    if not form.validate():
        correct_the_marked(form, "visit")
        return render_followup(followup, form, 422)
    try:
        engine.fire(followup, "record_visit", current_user, expected_version=form_version(form.version.data),
                    **form.engine_data())
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return render_followup(load_followup(followup_id), form, refused.status)
    followup = load_followup(followup_id)
    flash(_("Follow-up recorded: %(result)s.", result=codes.label(codes.FULFILMENT, followup.fulfilment,
                                                                   current_locale())), "success")
    if form.confirms_performance():
        flash(_("The case's agreement is confirmed performed; its other planned follow-ups were cancelled."),
              "success")
    elif form.confirmation_left_aside():
        # Recorded rather than refused: the box is ticked by default, so a mediator recording a partial or
        # unreachable visit without a script never chose it; refusing would send back a whole visit for it.
        flash(_("The agreement was not confirmed performed: only a visit that finds it “Fully performed” does "
                "that, so the ticked box “Also confirm the agreement performed” was left aside."), "warning")
    return redirect(url_for("disputes.show", case_id=followup.dispute_id) + "#followups")


@roles_required("supervisor")
def urge(followup_id):
    """A supervisor of the case's street (or the city) urges the case's
    mediators to make an escalated follow-up (督办), with a note."""
    followup = load_followup(followup_id)
    form = UrgeForm(request.form)
    if not form.validate():
        correct_the_marked(form, "urge")
        return render_followup(followup, status=422, urge_form=form)
    try:
        engine.fire(followup, "urge", current_user, expected_version=form_version(form.version.data),
                    urging=(form.urging.data or "").strip())
    except engine.Refused as refused:
        if refused.field in form:  # the note left empty: marked like the form's own checks
            form[refused.field].errors = [str(refused.message)]
            correct_the_marked(form, "urge")
        else:
            flash(str(refused.message), "danger")
        return render_followup(load_followup(followup_id), status=refused.status, urge_form=form)
    flash(_("Urged: the case's mediators were told."), "success")
    return redirect(url_for("followups.show", followup_id=followup_id))


@roles_required("mediator")
def add(case_id):
    """An extra follow-up of a case whose agreement is being performed."""
    dispute = load_case(case_id)
    back = url_for("disputes.show", case_id=case_id) + "#followups"
    refusal = _add_refusal(dispute)
    if refusal is not None:
        return _refuse_add(dispute, *refusal)
    form = AddFollowUpForm(request.form)
    valid = form.validate()
    if valid and form_version(form.version.data) != dispute.version:
        # The case page as it is now says what changed; the form opens again from its panel.
        flash(str(engine.Conflict(_name(dispute.changed_by_id), dispute.changed_at).message), "danger")
        return render_case(dispute, 409)
    today = clock.today()
    day = form.planned_on.data
    if valid and (day < today or (day - today).days > MAX_DAYS_AHEAD):
        form.planned_on.errors.append(_("Plan the follow-up for today or a day within the next year."))
        valid = False
    elif valid and day in scheduling.open_days(dispute.id):
        # The same visit twice: listed twice on the today page and the case's.
        form.planned_on.errors.append(
            _("A follow-up of this case is already planned for %(day)s.", day=day_text(day)))
        valid = False
    if not valid:
        # Back on the case page with the form open where it was filled in, its field marked.
        g.followup_form = form
        correct_the_marked(form, "followup-form")
        return render_case(dispute, 422)
    try:
        scheduling.plan(dispute, "extra", day, current_user, clock.now())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(_("Follow-up planned for %(day)s.", day=day_text(day)), "success")
    return redirect(back)


def _refuse_add(dispute, message, status):
    """The refusal on a page of its own: the case page offers this user no
    form to send back (as a referral refused, referrals/refused.html)."""
    flash(message, "danger")
    return render_template("followups/add_refused.html", d=dispute), status


def _name(user_id):
    from ..engine.core import name_of

    return name_of(user_id)
