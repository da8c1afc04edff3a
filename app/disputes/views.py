import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from workflows import DISPUTE

from .. import clock, engine, uploads
from ..audit import record
from ..audit.timeline import timeline
from ..auth.access import roles_required
from ..engine.deadlines import colour
from ..engine.edits import edit as engine_edit, is_sealed
from ..extensions import db
from ..org.models import Community, Grid
from ..privacy import mask_id, mask_phone
from . import codes
from .forms import EditForm, IntakeForm, transition_form
from .models import Dispute, Party, new_tracking_code
from .rules import mediators_for
from .scope import scope_clause

bp = Blueprint("disputes", __name__, url_prefix="/cases")

INTAKE_ROLES = ("mediator", "gridworker")
CASE_ROLES = ("mediator", "gridworker", "supervisor", "admin")


def _locale() -> str:
    return str(get_locale() or "zh_Hans_CN")


def load_case(case_id: int) -> Dispute:
    """The case, if this user may see it; otherwise 404 (and a log line), so
    guessing ids reveals nothing."""
    dispute = db.session.get(Dispute, case_id)
    if dispute is None or not dispute.visible_to(current_user):
        current_app.logger.warning("case %s refused to user %s (%s)", case_id, current_user.id, current_user.role)
        abort(404)
    return dispute


def _intake_grids():
    query = select(Grid).join(Community).order_by(Community.id, Grid.id)
    if current_user.role == "gridworker":
        query = query.where(Grid.id == current_user.grid_id)
    elif current_user.role == "mediator":
        query = query.where(Grid.community_id == current_user.community_id)
    return list(db.session.execute(query).scalars())


@bp.route("/")
@roles_required(*CASE_ROLES)
def index():
    state = request.args.get("state", "")
    q = request.args.get("q", "").strip()[:80]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = current_app.config["CASES_PER_PAGE"]
    query = select(Dispute).where(scope_clause(current_user))
    if state and DISPUTE.has_state(state):
        query = query.where(Dispute.state == state)
    if q:
        party_match = select(Party.dispute_id).where(Party.name.contains(q, autoescape=True))
        query = query.where(or_(Dispute.file_no.contains(q, autoescape=True), Dispute.id.in_(party_match)))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(
        query.order_by(Dispute.due_at.is_(None), Dispute.due_at, Dispute.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).scalars().all()
    now = clock.now()
    return render_template(
        "disputes/index.html", rows=rows, total=total, page=page, per_page=per_page, state=state, q=q,
        states=DISPUTE.states, colour=lambda d: colour(d, now), codes=codes,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def new():
    locale = _locale()
    form = IntakeForm()
    grids = _intake_grids()
    form.fill_choices(locale, grids)
    if not form.is_submitted():
        form.submission_token.data = secrets.token_urlsafe(24)
        form.channel.data = "patrol" if current_user.role == "gridworker" else "walk_in"
    if form.validate_on_submit():
        token = (form.submission_token.data or "")[:64] or None
        existing = token and db.session.execute(
            select(Dispute).where(Dispute.submission_token == token)).scalar_one_or_none()
        if existing:
            flash(_("This form was already submitted; here is the case it created."), "info")
            return redirect(url_for(".show", case_id=existing.id))
        grid = db.session.get(Grid, form.grid_id.data)
        dispute = Dispute(
            tracking_code=new_tracking_code(), channel=form.channel.data, dispute_type=form.dispute_type.data,
            street_id=grid.community.street_id, community_id=grid.community_id, grid_id=grid.id,
            place=form.place.data or "", arose_on=form.arose_on.data, facts=form.facts.data.strip(),
            amount=form.amount.data, people_count=form.people_count.data, risk=form.risk.data,
            created_by_id=current_user.id, created_at=clock.now(), submission_token=token,
        )
        dispute.parties.append(Party(role="applicant", name=form.applicant_name.data.strip(),
                                     phone=(form.applicant_phone.data or "").strip() or None,
                                     id_number=(form.applicant_id_number.data or "").strip().upper() or None,
                                     id_type="resident_id" if form.applicant_id_number.data else None))
        if form.respondent_name.data:
            dispute.parties.append(Party(role="respondent", name=form.respondent_name.data.strip(),
                                         phone=(form.respondent_phone.data or "").strip() or None))
        data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "submission_token", "photo")}
        with uploads.Batch() as batch:  # the photo's file is removed unless the case is committed
            try:
                engine.create(dispute, current_user, data, commit=False)
                if form.photo.data:
                    batch.attach(dispute, form.photo.data, current_user)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                existing = db.session.execute(
                    select(Dispute).where(Dispute.submission_token == token)).scalar_one_or_none()
                if existing is None:
                    raise
                return redirect(url_for(".show", case_id=existing.id))
            batch.done()
        flash(_("Case registered. Tracking code for the parties: %(code)s", code=dispute.tracking_code), "success")
        return redirect(url_for(".show", case_id=dispute.id))
    status = 422 if form.is_submitted() else 200
    return render_template("disputes/new.html", form=form), status


def _action_forms(dispute, locale, submitted=None, formdata=None):
    mediators = None
    forms = []
    for t in engine.available(dispute, current_user):
        if "mediator_id" in t.required + t.optional and mediators is None:
            mediators = mediators_for(dispute)
        data = formdata if t.trigger == submitted else None
        forms.append((t, transition_form(t, dispute, locale, mediators or (), formdata=data)))
    return forms


def _render_case(dispute, status=200, submitted=None, formdata=None, revealed=None):
    locale = _locale()
    return render_template(
        "disputes/show.html",
        d=dispute,
        wf=DISPUTE,
        state=DISPUTE.state(dispute.state),
        colour=colour(dispute),
        actions=_action_forms(dispute, locale, submitted, formdata),
        open_action=submitted,
        timeline=timeline(dispute, locale),
        codes=codes,
        mask_id=mask_id,
        mask_phone=mask_phone,
        revealed=revealed or set(),
        may_reveal=current_user.role in ("mediator", "gridworker", "admin"),
        may_edit=current_user.role in INTAKE_ROLES and not is_sealed(dispute),
    ), status


@bp.route("/<int:case_id>")
@roles_required(*CASE_ROLES)
def show(case_id):
    return _render_case(load_case(case_id))


@bp.route("/<int:case_id>/fire/<trigger>", methods=["POST"])
@roles_required(*CASE_ROLES)
def fire(case_id, trigger):
    dispute = load_case(case_id)
    t = DISPUTE.transition(trigger, dispute.state)
    if t is None:
        try:
            engine.fire(dispute, trigger, current_user)
        except engine.Refused as refused:
            flash(str(refused.message), "danger")
            return _render_case(load_case(case_id), refused.status)
    mediators = mediators_for(dispute) if "mediator_id" in t.required + t.optional else ()
    form = transition_form(t, dispute, _locale(), mediators, formdata=request.form)
    if not form.validate():
        flash(_("Please correct the marked fields."), "danger")
        return _render_case(dispute, 422, submitted=trigger, formdata=request.form)
    version = str(form.version.data or "")
    data = {name: getattr(form, name).data for name in t.required + t.optional}
    try:
        engine.fire(dispute, trigger, current_user, reason=form.reason.data,
                    expected_version=int(version) if version.isdigit() else -1, **data)
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return _render_case(load_case(case_id), refused.status, submitted=trigger, formdata=request.form)
    flash(_("Done: %(action)s.", action=t.label(_locale())), "success")
    return redirect(url_for(".show", case_id=case_id))


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def edit(case_id):
    dispute = load_case(case_id)
    if is_sealed(dispute):
        flash(_("This case is closed and sealed: it can no longer be changed."), "warning")
        return redirect(url_for(".show", case_id=case_id))
    form = EditForm(obj=dispute if request.method == "GET" else None)
    form.fill_choices(_locale())
    if request.method == "GET":
        form.version.data = dispute.version
    status = 200
    if form.validate_on_submit():
        version = str(form.version.data or "")
        try:
            diff = engine_edit(dispute, current_user, form.changes(),
                               expected_version=int(version) if version.isdigit() else -1)
        except engine.Refused as refused:
            flash(str(refused.message), "danger")
            status = refused.status
        else:
            flash(_("Saved: %(n)s field(s) changed.", n=len(diff)) if diff else _("Nothing was changed."), "success")
            return redirect(url_for(".show", case_id=case_id))
    elif form.is_submitted():
        status = 422
    return render_template("disputes/edit.html", form=form, d=dispute), status


@bp.route("/<int:case_id>/parties/<int:party_id>/reveal", methods=["POST"])
@roles_required("mediator", "gridworker", "admin")
def reveal(case_id, party_id):
    dispute = load_case(case_id)
    party = db.session.get(Party, party_id)
    if party is None or party.dispute_id != dispute.id:
        abort(404)
    record("dispute", dispute.id, "reveal", current_user, data={"party_id": party.id, "fields": ["id_number", "phone"]})
    db.session.commit()
    return _render_case(dispute, revealed={party.id})
