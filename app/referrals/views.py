"""Referrals: a case's referrals (on the case page) and making one, the
list (for a liaison: their department's, by urgency, made for a phone), one
referral and its steps, and the administrators' list of departments."""
from __future__ import annotations

import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import contains_eager, joinedload

from workflows import REFERRAL
from workflows.referral import OPEN

from .. import clock, engine, uploads
from ..audit.chain import lock_chain, record
from ..auth.access import load_visible, refuse, roles_required
from ..auth.models import User
from ..disputes.access import CASE_ROLES, load_case
from ..disputes.case_page import render_case
from ..disputes.loose_ends import loose_end
from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..engine.deadlines import colour, urgency_order
from ..audit.personal import open_all
from ..engine.core import name_of
from ..engine.urgings import Urged, standing, standing_on, urged_first
from ..extensions import db
from ..fetched_forms import gone, requested
from ..form_errors import correct_the_marked
from ..i18n import current_locale, translate
from ..org.models import Department, DepartmentDeadline, Street
from ..paging import page_of
from ..timeline import timeline
from ..validators import form_version
from . import codes, outcomes
from .forms import (DepartmentDeadlineForm, DepartmentEditForm, DepartmentForm, DepartmentStateForm, ReferForm,
                    ReferralFilterForm, RemoveDeadlineForm, StepForm)
from .models import DRAFT, Referral, ReferralAttachment
from .naming import missed_deadline, referral_name
from .rules import NOT_CASE_MEDIATOR, by_case_mediator, open_referrals
from .service import by_submission, departments_for, refer

LIST_ROLES = ("liaison",) + tuple(CASE_ROLES)
# The steps a person takes from a referral's page (the others are the timer's).
USER_STEPS = ("acknowledge", "start_work", "answer", "accept_answer", "return_for_redo", "withdraw", "urge")
# What each step records from its form, besides the reason.
STEP_FIELDS = {"answer": "answer", "urge": "urging"}


def load_referral(referral_id: int) -> Referral:
    """The referral, if this user may see it; otherwise 404."""
    return load_visible(Referral, referral_id, "referral")


def template_helpers():
    return {"case_referrals": case_referrals, "REFERRAL": REFERRAL, "ref_codes": codes,
            "referral_name": referral_name, "missed": missed_deadline}


def _refer_form(dispute, formdata=None):
    form = ReferForm(formdata=formdata)
    form.department_id.choices = [(d.id, d.name) for d in departments_for(dispute)]
    form.kind.choices = codes.choices(codes.REFERRAL_KINDS, current_locale())
    return form


# Built once: the case page reads it on every view, and building the statement
# (and its cache key) anew cost more than running it.
_OF_CASE = (select(Referral).options(joinedload(Referral.department))  # each row shows its department
            .where(Referral.dispute_id == bindparam("dispute_id")).order_by(Referral.id))


def _may_refer(dispute) -> bool:
    return by_case_mediator(dispute, current_user) and not dispute.__workflow__.state(dispute.state).terminal \
        and dispute.state != "closed"


def _blank_refer_form(dispute):
    form = _refer_form(dispute)
    form.submission_token.data = secrets.token_urlsafe(24)
    return form


def open_on_case(dispute, user) -> list:
    """The referrals still open (they refuse the closing), for the closing form (app/disputes/loose_ends.py)."""
    return [loose_end(r, r.department.name, url_for("referrals.show", referral_id=r.id))
            for r in open_referrals(dispute.id)]


def case_referrals(dispute) -> dict:
    """What the case page's referral section shows (templates ask, never decide):
    the form to refer only when sent back with its errors or when the page was
    opened with it (app/fetched_forms.py)."""
    rows = list(db.session.execute(_OF_CASE, {"dispute_id": dispute.id}).scalars())
    may_refer = _may_refer(dispute)
    closable = any(t.trigger == "close" for t in dispute.__workflow__.outgoing(dispute.state))
    form = None
    if may_refer:
        form = g.get("refer_form") or (_blank_refer_form(dispute) if requested("referral") else None)
    return {"rows": rows, "may_refer": may_refer, "form": form, "urged": standing(Referral, rows),
            "now": clock.now(), "blocks_closing": closable and any(r.is_open for r in rows)}


def _refer_refusal(dispute):
    """Why this user may not refer the case now, with the status; None if they may."""
    if not by_case_mediator(dispute, current_user):
        return NOT_CASE_MEDIATOR, 403
    if not _may_refer(dispute):
        return _("The case is closed: it can no longer be referred to a department."), 409
    return None


@roles_required("mediator")
def refer_form(case_id):
    """The form that refers the case, alone: the case page fetches it when its panel opens."""
    dispute = load_case(case_id)
    refusal = _refer_refusal(dispute)
    if refusal is not None:
        return gone(*refusal)
    return render_template("referrals/_refer_form.html", d=dispute, form=_blank_refer_form(dispute))


@roles_required("mediator")
def new(case_id):
    dispute = load_case(case_id)
    form = _refer_form(dispute, request.form)
    back = url_for("disputes.show", case_id=case_id) + "#referrals"
    if not form.validate():
        refusal = _refer_refusal(dispute)
        if refusal is not None:  # no form to send back: the case page does not offer it to this user
            message, status = refusal
            flash(str(message), "danger")
            return render_template("referrals/refused.html", d=dispute), status
        # Back on the case page with the form open where it was filled in, its fields marked.
        g.refer_form = form
        correct_the_marked(form, "refer-panel")
        return render_case(dispute, 422)
    existing = by_submission(form.token())
    if existing is not None:
        if existing.dispute_id == dispute.id:
            flash(_("This form was already sent; the referral to %(department)s was made once.",
                    department=existing.department.name), "info")
        else:  # a token copied from another case's page: no referral is made from it
            flash(_("This form is out of date: reload the case page and send it again."), "danger")
        return redirect(back)
    try:
        referral = refer(dispute, form.department_id.data, form.kind.data, form.request.data, current_user,
                         clock.now(), submission_token=form.token())
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return render_template("referrals/refused.html", d=dispute), refused.status
    flash(_("Referred to %(department)s.", department=referral.department.name), "success")
    return redirect(back)


# The list -----------------------------------------------------------------------

def _scope(query):
    if current_user.role == "liaison":  # a draft is not the department's yet (Referral.visible_to)
        return query.where(Referral.department_id == current_user.department_id, Referral.state != DRAFT)
    return query.where(scope_clause(current_user))


@roles_required(*LIST_ROLES)
def index():
    form = ReferralFilterForm(formdata=request.args)
    form.state.choices = [("open", _("Open")), ("all", _("All"))] + [
        (s.code, translate(s.label)) for s in REFERRAL.states if s.code != DRAFT or current_user.role != "liaison"]
    if not form.validate():
        form.state.data, form.page.data = "open", 1
    now = clock.now()
    # Each row is named by its case's community (naming.py) and, for the centre's staff, its department.
    query = _scope(select(Referral).join(Dispute, Dispute.id == Referral.dispute_id)
                   .options(contains_eager(Referral.dispute).joinedload(Dispute.community),
                            joinedload(Referral.department)))
    if form.state.data == "open":
        query = query.where(Referral.state.in_(OPEN))
    elif form.state.data != "all":
        query = query.where(Referral.state == form.state.data)
    # Red first (escalated ones among them), and of those the ones a supervisor urged first of all.
    rank, *rest = urgency_order(Referral, now)
    page = page_of(query, (rank, urged_first(Referral), *rest), form.page.data or 1,
                   current_app.config.get("REFERRALS_PER_PAGE", 50))
    return render_template("referrals/index.html", form=form, page=page, now=now, urged=standing(Referral, page.rows),
                           colour=lambda row: colour(row, now), link_args={"state": form.state.data})


# One referral ---------------------------------------------------------------------

def render_referral(referral, form=None, status=200, submitted=None):
    """The referral's page; `form` is the step `submitted`'s, sent back with
    its errors: only that step's section shows them, the others are blank."""
    offered = [t for t in engine.available(referral, current_user) if t.trigger in USER_STEPS]
    blank = StepForm(formdata=None)
    blank.version.data = referral.version
    forms = {t.trigger: form if form is not None and t.trigger == submitted else blank for t in offered}
    for shown in (blank, form):
        if shown is not None:
            # Shown only on steps that require it: marked so, the browser asks for it before the "are you sure?".
            shown.reason.flags.required = True
    files = list(db.session.execute(select(ReferralAttachment).where(
        ReferralAttachment.referral_id == referral.id).order_by(ReferralAttachment.id)).scalars())
    return render_template("referrals/show.html", r=referral, d=referral.dispute, files=files,
                           state=REFERRAL.state(referral.state), colour=colour(referral), offered=offered,
                           forms=forms, timeline=timeline(referral, current_locale()),
                           liaisons=_liaison_names(referral), urging=_urging(referral),
                           urge_open=submitted == "urge"), status


def _urging(referral) -> dict | None:
    """The urging standing on the referral (its newest note, who and when,
    and the mark the lists show), for the box above its actions: the liaison
    reads what to do before the buttons to do it, and the supervisor sees it
    is urged already. None when no urging stands."""
    events = standing_on(Referral, referral)
    if not events:
        return None
    newest = events[0]
    note = open_all([newest], db.session)[0].get("urging") or newest.reason
    day = clock.local_date(newest.at)
    return {"mark": Urged(day, len(events)), "day": day, "supervisor": name_of(newest.actor_id) or "",
            "note": note}


def _liaison_names(referral) -> list[str] | None:
    """Who to call at the department (its active liaisons, by name: the app
    keeps no one's phone), for the centre's staff; None for a liaison."""
    if current_user.role == "liaison":
        return None
    return list(db.session.execute(
        select(User.display_name).where(User.role == "liaison", User.active.is_(True),
                                        User.department_id == referral.department_id)
        .order_by(User.display_name, User.id)).scalars())


@roles_required(*LIST_ROLES)
def show(referral_id):
    return render_referral(load_referral(referral_id))


@roles_required("mediator", "liaison", "supervisor")
def step(referral_id, trigger):
    referral = load_referral(referral_id)
    if trigger not in USER_STEPS:
        return render_referral(referral, status=404)
    form = StepForm()  # the request's form and files
    if not form.validate():
        correct_the_marked(form, f"step-{trigger}")
        return render_referral(referral, form, 422, trigger)
    name = STEP_FIELDS.get(trigger)
    data = {name: (form[name].data or "").strip()} if name else {}
    file = form.file.data if trigger == "answer" and form.file.data else None
    try:
        with uploads.Batch() as batch:
            stored = batch.store(file) if file else None
            if stored:  # the answer's event names the file it came with
                data["attachment"] = {"name": stored.original_name, "size": stored.size, "sha256": stored.sha256}
            engine.fire(referral, trigger, current_user, (form.reason.data or "").strip() or None,
                        expected_version=form_version(form.version.data), commit=False, **data)
            if stored:
                db.session.add(ReferralAttachment(
                    referral_id=referral.id, original_name=stored.original_name, stored_name=stored.stored_name,
                    content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                    uploaded_by_id=current_user.id, uploaded_at=clock.now()))
            db.session.commit()
            batch.done()
    except engine.Refused as refused:
        if refused.field in form:  # a field left empty (an answer, a reason): marked like the form's own checks
            form[refused.field].errors = [str(refused.message)]
            correct_the_marked(form, f"step-{trigger}")
        else:
            flash(str(refused.message), "danger")
        return render_referral(load_referral(referral_id), form, refused.status, trigger)
    referral = load_referral(referral_id)
    if trigger == "urge":  # the state stays: say what happened instead
        flash(_("Urged: the department's liaisons and the case's mediators were told."), "success")
    else:
        flash(outcomes.outcome(referral, trigger), "success")
    return redirect(url_for("referrals.show", referral_id=referral_id))


@roles_required(*LIST_ROLES)
def attachment(referral_id, file_id):
    """A file of the answer, for whoever may see the referral."""
    referral = load_referral(referral_id)
    item = db.session.get(ReferralAttachment, file_id)
    if item is None or item.referral_id != referral.id:
        refuse("referral attachment", file_id)
    return uploads.serve(item, f"referral {referral.id}")


# Departments ---------------------------------------------------------------------

def _department_form(formdata=None):
    form = DepartmentForm(formdata=formdata)
    streets = db.session.execute(select(Street).order_by(Street.id)).scalars()
    form.street_id.choices = [(0, _("The whole city"))] + [(s.id, s.name) for s in streets]
    return form


def _render_departments(form, status=200):
    rows = db.session.execute(select(Department).order_by(Department.street_id.is_not(None), Department.id)).scalars()
    return render_template("referrals/departments.html", rows=list(rows), form=form), status


@roles_required("admin")
def departments():
    return _render_departments(_department_form())


@roles_required("admin")
def add_department():
    form = _department_form(request.form)
    if not form.validate():
        correct_the_marked(form, "department-form")  # below the list of departments
        return _render_departments(form, 422)
    street_id = form.street_id.data or None
    name = form.name.data.strip()
    lock_chain(db.session)
    if _name_taken(name, street_id):
        db.session.rollback()
        form.name.errors = [_("A department of this name already covers this area.")]
        correct_the_marked(form, "department-form")
        return _render_departments(form, 422)
    try:
        department = Department(name=name, street_id=street_id, ack_hours=form.ack_hours.data,
                                answer_days=form.answer_days.data, active=True)
        db.session.add(department)
        db.session.flush()
        record("department", department.id, "department_added", current_user, at=clock.now(),
               data={"name": name, "street_id": street_id, "ack_hours": department.ack_hours,
                     "answer_days": department.answer_days})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(_("Department %(name)s added.", name=name), "success")
    return redirect(url_for("referrals.departments"))


def _name_taken(name: str, street_id: int | None, other_than: int | None = None) -> bool:
    """Whether another department of this name covers this area (the
    database's unique key misses two of the whole city: NULL is never equal)."""
    query = select(Department.id).where(Department.name == name, Department.street_id.is_(None)
                                        if street_id is None else Department.street_id == street_id)
    if other_than is not None:
        query = query.where(Department.id != other_than)
    return db.session.execute(query).first() is not None


# One department: its name, default periods and state, its liaisons, its own
# periods per kind of referral ---------------------------------------------------------

def _load_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        refuse("department", department_id)
    return department


def _deadline_form(formdata=None):
    form = DepartmentDeadlineForm(formdata=formdata)
    form.kind.choices = codes.choices(codes.REFERRAL_KINDS, current_locale())
    return form


def _blank_deadline_form(department):
    form = _deadline_form()
    form.ack_hours.data, form.answer_days.data = department.ack_hours, department.answer_days
    return form


def _blank_edit_form(department):
    form = DepartmentEditForm(formdata=None)
    form.name.data, form.ack_hours.data, form.answer_days.data = (department.name, department.ack_hours,
                                                                  department.answer_days)
    return form


def _open_referrals(department) -> int:
    return db.session.execute(select(func.count(Referral.id)).where(
        Referral.department_id == department.id, Referral.state.in_(OPEN))).scalar_one()


def _render_department(department, form=None, status=200, edit=None):
    """The department's page; `form` (its periods for a kind) or `edit` (its
    name and defaults) is the one sent back with its errors."""
    # Its liaisons: without an active one, what is referred to it reaches nobody.
    liaisons = db.session.execute(select(User).where(User.department_id == department.id, User.role == "liaison")
                                  .order_by(User.active.desc(), User.display_name, User.id)).scalars().all()
    return render_template("referrals/department.html", dep=department,
                           form=form or _blank_deadline_form(department), edit=edit or _blank_edit_form(department),
                           state_form=DepartmentStateForm(), remove=RemoveDeadlineForm(),
                           own={d.kind: d for d in department.deadlines}, liaisons=liaisons,
                           has_active_liaison=any(u.active for u in liaisons),
                           open_referrals=_open_referrals(department)), status


@roles_required("admin")
def department(department_id):
    return _render_department(_load_department(department_id))


@roles_required("admin")
def edit_department(department_id):
    """Rename the department or change its default periods: audited with what
    was and what is, in the same transaction. Its area stays; referrals sent
    already keep their deadlines, those sent from now on use the new periods."""
    department = _load_department(department_id)
    form = DepartmentEditForm(request.form)
    if not form.validate():
        correct_the_marked(form, "department-edit-form")
        return _render_department(department, status=422, edit=form)
    lock_chain(db.session)  # one writer at a time: two administrators cannot both take a name
    db.session.refresh(department)
    name = form.name.data.strip()
    if name != department.name and _name_taken(name, department.street_id, other_than=department.id):
        db.session.rollback()
        form.name.errors = [_("A department of this name already covers this area.")]
        correct_the_marked(form, "department-edit-form")
        return _render_department(department, status=422, edit=form)
    new = {"name": name, "ack_hours": form.ack_hours.data, "answer_days": form.answer_days.data}
    changes = {key: [getattr(department, key), value] for key, value in new.items()
               if getattr(department, key) != value}
    if not changes:
        db.session.rollback()
        flash(_("Nothing was changed."), "info")
        return redirect(url_for("referrals.department", department_id=department.id))
    try:
        for key, (_old, value) in changes.items():
            setattr(department, key, value)
        db.session.flush()
        record("department", department.id, "department_changed", current_user, at=clock.now(),
               data={"changes": changes})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(_("%(department)s saved. Referrals sent from now on use its periods; those sent already keep their "
            "deadlines.", department=department.name), "success")
    return redirect(url_for("referrals.department", department_id=department.id))


def _set_department_active(department_id: int, active: bool):
    """Deactivate or reactivate: audited in the same transaction, with the
    open referrals it had (they stay listed and answerable either way). A
    department is never deleted: its referrals and the audit log name it."""
    department = _load_department(department_id)  # the CSRF token is checked app-wide before this
    lock_chain(db.session)
    db.session.refresh(department)
    back = redirect(url_for("referrals.department", department_id=department.id))
    if department.active == active:
        db.session.rollback()
        flash(_("Nothing was changed."), "info")
        return back
    try:
        department.active = active
        db.session.flush()
        record("department", department.id, "department_reactivated" if active else "department_deactivated",
               current_user, at=clock.now(), data={"open_referrals": _open_referrals(department)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if active:
        flash(_("%(department)s is active again: it is offered for new referrals and to new liaisons.",
                department=department.name), "success")
    else:
        flash(_("%(department)s is deactivated: it is no longer offered for new referrals nor to new liaisons. "
                "Its open referrals stay listed, and its liaisons still answer them.", department=department.name),
              "success")
    return back


@roles_required("admin")
def deactivate_department(department_id):
    return _set_department_active(department_id, False)


@roles_required("admin")
def reactivate_department(department_id):
    return _set_department_active(department_id, True)


@roles_required("admin")
def set_deadline(department_id):
    """Set (or change) the department's periods for one kind; audited with
    the periods it had before, in the same transaction."""
    department = _load_department(department_id)
    form = _deadline_form(request.form)
    if not form.validate():
        correct_the_marked(form, "deadline-form")  # below the table of periods
        return _render_department(department, form, 422)
    lock_chain(db.session)  # serialises two administrators setting the same kind
    own = db.session.get(DepartmentDeadline, (department.id, form.kind.data))
    before = {"ack_hours": own.ack_hours, "answer_days": own.answer_days} if own else None
    try:
        if own is None:
            own = DepartmentDeadline(department_id=department.id, kind=form.kind.data)
            db.session.add(own)
        own.ack_hours, own.answer_days = form.ack_hours.data, form.answer_days.data
        db.session.flush()
        record("department", department.id, "department_deadline_set", current_user, at=clock.now(),
               data={"kind": own.kind, "ack_hours": own.ack_hours, "answer_days": own.answer_days,
                     "before": before})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(_("%(department)s: periods for “%(kind)s” saved; referrals sent from now on use them.",
            department=department.name, kind=codes.label(codes.REFERRAL_KINDS, form.kind.data, current_locale())),
          "success")
    return redirect(url_for("referrals.department", department_id=department.id))


@roles_required("admin")
def remove_deadline(department_id, kind):
    """Back to the department's defaults for this kind."""
    department = _load_department(department_id)  # the CSRF token is checked app-wide before this
    if kind not in codes.REFERRAL_KINDS:
        abort(404)
    lock_chain(db.session)
    own = db.session.get(DepartmentDeadline, (department.id, kind))
    if own is None:
        db.session.rollback()
        flash(_("This department has no own periods for that kind; nothing was changed."), "warning")
        return redirect(url_for("referrals.department", department_id=department.id))
    try:
        record("department", department.id, "department_deadline_removed", current_user, at=clock.now(),
               data={"kind": kind, "before": {"ack_hours": own.ack_hours, "answer_days": own.answer_days}})
        db.session.delete(own)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(_("%(department)s: back to its default periods for that kind.", department=department.name), "success")
    return redirect(url_for("referrals.department", department_id=department.id))
