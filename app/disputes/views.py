import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from workflows import DISPUTE

from .. import clock, engine, paging
from ..audit import record
from ..auth.access import roles_required
from ..database import begin_writing, reads_first
from ..engine.deadlines import colour
from ..engine.urgings import standing
from ..engine.edits import SEALED, edit as engine_edit, is_sealed
from ..extensions import db
from ..fetched_forms import gone, stale
from ..form_errors import correct_the_marked
from ..i18n import current_locale as _locale, translate
from ..labels import LIST_SEPARATOR
from ..org.models import Community, Grid
from ..validators import form_version
from . import bulk, codes, inbox
from .access import CASE_ROLES, INTAKE_ROLES, load_case, load_case_page, load_child
from .case_page import not_offered, offered_step, render_case, step_form
from .forms import EditForm, IntakeForm, classification
from .intake import by_submission, next_after_intake, open_case
from .models import Dispute, Party
from .rules import URGE_CASE, community_grids, community_mediators, responsible_now
from . import lists
from .forms import GRIDLESS, CaseFilterForm


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
        channel=form.channel.data or None, gridless=form.grid.data == GRIDLESS,
        grid_id=int(form.grid.data) if form.grid.data and form.grid.data != GRIDLESS else None,
        date_from=form.date_from.data, date_to=form.date_to.data, colour=form.colour.data or None,
        q=form.q.data or None,
    )
    per_page = current_app.config["CASES_PER_PAGE"]
    number = form.page.data or 1  # past the counted matches: their last page (paging.page_of), which says so
    now = clock.now()
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        flash(_("The date range ends before it starts: no case can match."), "warning")
        page = paging.Page.empty(per_page)
    elif lists.search_too_broad(current_user, filters):
        flash(_("A name search across the whole city needs at least %(n)s characters of the name (the surname and "
                "the given name's first character, for example), or search by the file number.",
                n=lists.CITY_NAME_MIN), "warning")
        page = paging.Page.empty(per_page)
    else:
        query, order = lists.community_query(current_user, filters, now)
        page = lists.cases_page(db.session, query, order, number, per_page)
    return render_template(
        "disputes/index.html", form=form, page=page, link_args=form.link_args(), urged=standing(Dispute, page.rows),
        colour=lambda d: colour(d, now), codes=codes, cap=paging.COUNT_CAP,
        more_filters=any(form[name].data for name in form.FILTERS if name != "q"),
        by_deadline=lists.by_deadline(filters),
    )


@roles_required(*CASE_ROLES)
def mine():
    """My open cases, the most urgent first."""
    if current_user.role not in INTAKE_ROLES:
        return redirect(url_for(".index"))
    per_page = current_app.config["CASES_PER_PAGE"]
    number = request.args.get("page", 1, type=int) or 1
    now = clock.now()
    # A grid worker's "registered by me": what became of the cases they registered, closed ones too.
    registered = current_user.role == "gridworker" and request.args.get("registered") == "1"
    if registered:
        page = lists.registered_cases(db.session, current_user, number, per_page)
    else:
        page = lists.my_cases(db.session, current_user, now, number, per_page)
    closed_total = 0 if registered else lists.my_closed_count(db.session, current_user, page)
    waiting = inbox.waiting(current_user, now)
    grids = bulk.Grids()
    return render_template("disputes/mine.html", page=page, colour=lambda d: colour(d, now), codes=codes,
                           cap=paging.COUNT_CAP, link_args={"registered": "1"} if registered else {},
                           registered=registered, closed_total=closed_total, waiting=waiting[:inbox.LIMIT],
                           to_classify=bulk.to_classify(waiting[:inbox.LIMIT], grids), grids=grids,
                           waiting_more=len(waiting) > inbox.LIMIT,
                           waiting_red=any(colour(d, now) == "red" for d in waiting),
                           colleagues=community_mediators(current_user.community_id) if waiting else [],
                           urged=standing(Dispute, [*page.rows, *waiting[:inbox.LIMIT]]),
                           **_closure_groups(page))


def _closure_groups(page) -> dict:
    """A mediator's closed cases awaiting the supervisor's sign-off (the rest
    of the closed ones wait for them to archive them), and the open ones the
    supervisor returned: by their latest review (lists.closure_stages)."""
    stages = lists.closure_stages(page) if current_user.role == "mediator" else {}
    return {"awaiting_ids": {i for i, stage in stages.items() if stage == "awaiting"},
            "returned": {i for i, stage in stages.items() if stage == "returned"}}


def inbox_helpers() -> dict:
    """For every page: the navigation's count of a mediator's waiting reports."""
    return {"inbox_count": lambda: inbox.inbox_count_text(current_user)}


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
        existing = by_submission(form.token())
        if existing:
            flash(_("This form was already submitted; here is the case it created."), "info")
            return redirect(url_for(".show", case_id=existing.id))
        dispute, created = open_case(form.new_case(), "staff", current_user, form.submitted(),
                                     channel=form.channel.data, photos=form.photo.data or ())
        if not created:
            return redirect(url_for(".show", case_id=dispute.id))
        flash(_("Case registered. Tracking code for the parties: %(code)s", code=dispute.tracking_code), "success")
        flash(next_after_intake(dispute), "info")
        return redirect(url_for(".show", case_id=dispute.id))
    status = 200
    if form.is_submitted():
        correct_the_marked(form)
        status = 422
    return render_template("disputes/new.html", form=form), status


@roles_required(*CASE_ROLES)
def show(case_id):
    return render_case(load_case_page(case_id))


@roles_required(*CASE_ROLES)
def step(case_id, trigger):
    """The form of one step, alone: the case page fetches it when its panel
    opens. `version` is the version of the case the page showed."""
    dispute = load_case(case_id)
    t = offered_step(dispute, trigger)
    if t is None:
        return gone(*not_offered(trigger, dispute))
    version = request.args.get("version", type=int)
    if stale(dispute.version):
        # The form would be refused as stale once filled in: say so before.
        return gone(_("The case has changed since this page was loaded. Reload the page to see what changed, "
                      "then take the step."), 409)
    form = step_form(t, dispute, _locale(), version=version)
    return render_template("disputes/_step_form.html", d=dispute, t=t, form=form)


@reads_first  # on SQLite the step takes the write lock itself, after the reads and the form's checks
@roles_required(*CASE_ROLES)
def fire(case_id, trigger):
    dispute = load_case(case_id)
    t = DISPUTE.transition(trigger, dispute.state)
    if t is None:
        try:
            engine.fire(dispute, trigger, current_user)
        except engine.Refused as refused:
            flash(str(refused.message), "danger")
            return render_case(load_case(case_id), refused.status)
        abort(409)  # not reached: fire() refuses a trigger that has no transition from this state
    form = step_form(t, dispute, _locale(), formdata=request.form)
    if not form.validate():
        correct_the_marked(form, f"act-{trigger}")  # the step's panel, far down the case page
        return render_case(dispute, 422, submitted=trigger, formdata=request.form, submitted_form=form)
    version = str(form.version.data or "")
    data = {name: getattr(form, name).data for name in t.required + t.optional}
    try:
        expected = form_version(version)
        if form.CLASSIFY:
            # The type and grid set with the step: an edit of the case (before and after kept) in the step's
            # transaction, so a refused step leaves them as they were.
            begin_writing(db.session)
            engine_edit(dispute, current_user, classification(form), expected_version=expected, commit=False)
            expected = dispute.version
        engine.fire(dispute, trigger, current_user, reason=form.reason.data, expected_version=expected, **data)
    except engine.Refused as refused:
        if refused.field and refused.field in form and refused.field not in ("csrf_token", "version"):
            # A refusal about one field is said under it, as the form's own checks are.
            form[refused.field].errors = [*form[refused.field].errors, str(refused.message)]
            correct_the_marked(form, f"act-{trigger}")
            return render_case(load_case(case_id), refused.status, submitted=trigger, formdata=request.form,
                               submitted_form=form)
        flash(str(refused.message), "danger")
        return render_case(load_case(case_id), refused.status, submitted=trigger, formdata=request.form)
    if trigger == URGE_CASE:
        flash(*_told_of_urging(load_case(case_id)))
    elif t.dest == "closed":
        # Closing is not the end: the mediator is to know the case waits for a review that may send it back.
        flash(_("Closed. The closure now waits for the sign-off of a supervisor of the street: once signed off, "
                "the case can be archived; if the supervisor returns it, it comes back with their comment for "
                "more work."), "success")
    else:
        flash(_("Done: %(action)s.", action=translate(t.label)), "success")
    return redirect(url_for(".show", case_id=case_id))


def _told_of_urging(dispute) -> tuple[str, str]:
    """The message after a supervisor's 督办: who was told (the effect told them)."""
    responsible = responsible_now(dispute)
    names = translate(LIST_SEPARATOR, _locale()).join(u.display_name for u in responsible.people)
    if responsible.led:
        return _("Urged: the lead mediator %(name)s was told.", name=names), "success"
    if names:
        return _("Urged: the mediators of %(community)s were told: %(names)s.", community=dispute.community.name,
                 names=names), "success"
    return _("Urged, but nobody was told: %(community)s has no active mediator. Ask the administrator to add one.",
             community=dispute.community.name), "warning"


@roles_required(*INTAKE_ROLES)
def slip(case_id):
    """A slip to hand to the parties: the tracking code and how to follow the
    case with it. Nothing personal is on it, so printing it is not recorded."""
    dispute = load_case(case_id)
    return render_template("disputes/slip.html", d=dispute)


@roles_required(*INTAKE_ROLES)
def edit(case_id):
    dispute = load_case(case_id)
    if is_sealed(dispute):
        flash(str(SEALED), "warning")
        return redirect(url_for(".show", case_id=case_id))
    form = EditForm(obj=dispute if request.method == "GET" else None)
    # Only within its community: a case's community (and street) never change, which the lists' grid filter and
    # the grid map rely on (app/disputes/intake.py: locate).
    form.fill_choices(_locale(), dispute, community_grids(dispute.community_id),
                      may_move=current_user.role == "mediator")
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
            if "grid_id" in diff:
                before, after = diff["grid_id"]
                grid = db.session.get(Grid, after).name
                flash(_("The case is now in the grid %(grid)s: its grid worker sees it too.", grid=grid)
                      if before is None else
                      _("The case is now in the grid %(grid)s: that grid's worker sees it, and the grid worker of "
                        "its former grid no longer does.", grid=grid), "info")
            return redirect(url_for(".show", case_id=case_id))
    elif form.is_submitted():
        correct_the_marked(form)
        status = 422
    return render_template("disputes/edit.html", form=form, d=dispute), status


@roles_required("mediator", "gridworker")
def reveal(case_id, party_id):
    dispute = load_case(case_id)
    party = load_child(Party, party_id, dispute)
    if not dispute.may_reveal_to(current_user):
        abort(403)
    record("dispute", dispute.id, "reveal", current_user, data={"party_id": party.id, "fields": ["id_number", "phone"]})
    db.session.commit()
    return render_case(dispute, revealed={party.id})
