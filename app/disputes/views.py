import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from workflows import DISPUTE

from .. import clock, engine
from ..audit import record
from ..timeline import timeline
from ..auth.access import roles_required
from ..engine.deadlines import colour
from ..engine.edits import SEALED, edit as engine_edit, is_sealed
from ..extensions import db
from ..i18n import current_locale as _locale
from ..org.models import Community, Grid
from ..privacy import mask_id, mask_phone
from . import codes
from .forms import EditForm, IntakeForm, transition_form
from .intake import by_submission, register
from .models import Dispute, Party, new_tracking_code
from .rules import mediators_for
from . import lists
from .forms import CaseFilterForm

bp = Blueprint("disputes", __name__, url_prefix="/cases")

INTAKE_ROLES = ("mediator", "gridworker")
CASE_ROLES = ("mediator", "gridworker", "supervisor", "admin")


def form_version(value) -> int:
    """The row version a form carried; anything odd counts as stale (-1)."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 12 else -1


def load_case(case_id: int) -> Dispute:
    """The case, if this user may see it; otherwise 404 (and a log line), so
    guessing ids reveals nothing."""
    dispute = db.session.get(Dispute, case_id)
    if dispute is None or not dispute.visible_to(current_user):
        current_app.logger.warning("case %s refused to user %s (%s)", case_id, current_user.id, current_user.role)
        abort(404)
    return dispute


def load_child(model, child_id: int, dispute):
    """A row that belongs to this case (party, attachment...), else 404."""
    child = db.session.get(model, child_id)
    if child is None or child.dispute_id != dispute.id:
        abort(404)
    return child


def _intake_grids():
    query = select(Grid).join(Community).order_by(Community.id, Grid.id)
    if current_user.role == "gridworker":
        query = query.where(Grid.id == current_user.grid_id)
    elif current_user.role == "mediator":
        query = query.where(Grid.community_id == current_user.community_id)
    return list(db.session.execute(query).scalars())


def _scope_grids():
    """The grids whose cases this user may see (the grid filter's choices)."""
    query = select(Grid).join(Community).order_by(Community.id, Grid.id)
    role = current_user.role
    if role == "gridworker":
        query = query.where(Grid.id == current_user.grid_id)
    elif role == "mediator":
        query = query.where(Grid.community_id == current_user.community_id)
    elif role == "supervisor" and current_user.street_id:
        query = query.where(Community.street_id == current_user.street_id)
    elif role != "admin":
        return []
    return list(db.session.execute(query.options(contains_eager(Grid.community))).scalars())


def _page_number(number, per_page) -> int:
    last = lists.max_page(per_page)
    if number > last:
        flash(_("Only the first %(n)s matches can be paged through: narrow the filters.", n=lists.COUNT_CAP),
              "warning")
        return last
    return number


@bp.route("/")
@roles_required(*CASE_ROLES)
def index():
    """The cases of the user's scope, newest first, with filters."""
    locale = _locale()
    form = CaseFilterForm(formdata=request.args)
    form.fill_choices(locale, DISPUTE.states, _scope_grids())
    for label, error in form.drop_invalid():
        flash(_("The filter “%(name)s” was ignored: %(error)s", name=label, error=error), "warning")
    filters = lists.Filters(
        state=form.state.data or None, dispute_type=form.dispute_type.data or None,
        channel=form.channel.data or None, grid_id=int(form.grid.data) if form.grid.data else None,
        date_from=form.date_from.data, date_to=form.date_to.data, colour=form.colour.data or None,
        q=form.q.data or None,
    )
    per_page = current_app.config["CASES_PER_PAGE"]
    number = _page_number(form.page.data or 1, per_page)
    now = clock.now()
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        flash(_("The date range ends before it starts: no case can match."), "warning")
        page = lists.Page(rows=[], number=1, per_page=per_page, total=0, capped=False)
    else:
        query, order = lists.community_query(current_user, filters, now)
        page = lists.page_of(db.session, query, order, number, per_page)
    return render_template(
        "disputes/index.html", form=form, page=page, link_args=form.link_args(),
        colour=lambda d: colour(d, now), codes=codes, cap=lists.COUNT_CAP,
        more_filters=any(form[name].data for name in form.FILTERS if name != "q"),
    )


@bp.route("/mine")
@roles_required(*CASE_ROLES)
def mine():
    """My open cases, the most urgent first."""
    if current_user.role not in INTAKE_ROLES:
        return redirect(url_for(".index"))
    per_page = current_app.config["CASES_PER_PAGE"]
    number = request.args.get("page", 1, type=int) or 1
    number = _page_number(max(number, 1), per_page)
    now = clock.now()
    page = lists.my_cases(db.session, current_user, now, number, per_page)
    return render_template("disputes/mine.html", page=page, colour=lambda d: colour(d, now), codes=codes,
                           cap=lists.COUNT_CAP, link_args={})


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
        existing = by_submission(token)
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
        dispute, created = register(dispute, current_user, data, form.photo.data)
        if not created:
            return redirect(url_for(".show", case_id=dispute.id))
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
        may_reveal=dispute.may_reveal_to(current_user),
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
        abort(409)  # not reached: fire() refuses a trigger that has no transition from this state
    mediators = mediators_for(dispute) if "mediator_id" in t.required + t.optional else ()
    form = transition_form(t, dispute, _locale(), mediators, formdata=request.form)
    if not form.validate():
        flash(_("Please correct the marked fields."), "danger")
        return _render_case(dispute, 422, submitted=trigger, formdata=request.form)
    version = str(form.version.data or "")
    data = {name: getattr(form, name).data for name in t.required + t.optional}
    try:
        engine.fire(dispute, trigger, current_user, reason=form.reason.data,
                    expected_version=form_version(version), **data)
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
        flash(str(SEALED), "warning")
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
                               expected_version=form_version(version))
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
@roles_required("mediator", "gridworker")
def reveal(case_id, party_id):
    dispute = load_case(case_id)
    party = load_child(Party, party_id, dispute)
    if not dispute.may_reveal_to(current_user):
        abort(403)
    record("dispute", dispute.id, "reveal", current_user, data={"party_id": party.id, "fields": ["id_number", "phone"]})
    db.session.commit()
    return _render_case(dispute, revealed={party.id})


from . import parties  # noqa: E402,F401  (its views: add and edit a case's parties)
