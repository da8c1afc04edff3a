"""Screening sweeps: the list, recording one, one sweep, and registering a
dispute it found (channel 排查, linked to the sweep)."""
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflows import SWEEP

from .. import clock, engine
from ..timeline import timeline
from ..auth.access import load_visible, roles_required
from ..clock import local_date
from ..disputes.forms import IntakeForm, colour_choices
from ..disputes.intake import by_submission, next_after_intake, open_case
from ..engine.deadlines import colour, colour_clause, urgency_order
from ..extensions import db
from ..form_errors import correct_the_marked
from ..i18n import current_locale, translate
from ..org.models import Community, Grid, Street
from .alliance import candidates, participants_of
from ..paging import page_of
from . import codes
from .forms import SweepFilterForm, SweepForm
from .models import Sweep
from .scope import COMMUNITY_STAFF, STREET_STAFF, record_refusal
from .service import record, sweep_scope_clause

SWEEP_ROLES = COMMUNITY_STAFF + STREET_STAFF + ("admin",)
RECORD_ROLES = COMMUNITY_STAFF + STREET_STAFF


def template_helpers():
    """For the sweep pages: the labels of the sweep code lists."""
    return {"sweep_codes": codes}


def load_sweep(sweep_id: int) -> Sweep:
    return load_visible(Sweep, sweep_id, "sweep")


def _scope_communities() -> list[Community]:
    query = select(Community).order_by(Community.id)
    role = current_user.role
    if role in STREET_STAFF:
        query = query.where(Community.street_id == current_user.street_id)
    elif role in COMMUNITY_STAFF:
        query = query.where(Community.id == current_user.community_id)
    elif role != "admin":
        return []
    return list(db.session.execute(query).scalars())


@roles_required(*SWEEP_ROLES)
def index():
    locale = current_locale()
    form = SweepFilterForm(formdata=request.args)
    form.community.choices = [("", _("All")), ("street", _("The street sweep"))] + [
        (str(c.id), c.name) for c in _scope_communities()]
    form.state.choices = [("", _("All"))] + [(s.code, translate(s.label, locale)) for s in SWEEP.states]
    form.colour.choices = colour_choices()
    form.sort.choices = [("newest", _("Newest period first")), ("urgency", _("Most urgent first"))]
    form.validate()
    for name in form.errors:
        form[name].data = form[name].default
    now = clock.now()
    query = select(Sweep).where(sweep_scope_clause(current_user))
    if form.community.data == "street":
        query = query.where(Sweep.level == "street")
    elif form.community.data:
        query = query.where(Sweep.community_id == int(form.community.data))
    if form.state.data:
        query = query.where(Sweep.state == form.state.data)
    if form.colour.data:
        query = query.where(colour_clause(Sweep, form.colour.data, now))
    order = urgency_order(Sweep, now) if form.sort.data == "urgency" else (
        Sweep.period_start.desc(), Sweep.level.desc(), Sweep.community_id, Sweep.id)
    page = page_of(query, order, form.page.data or 1, current_app.config["FOLLOWUPS_PER_PAGE"],
                   options=(joinedload(Sweep.community), joinedload(Sweep.street)))
    args = {name: form[name].data for name in ("community", "state", "colour", "sort") if form[name].data}
    # A city-level account has no sweep of its own: no button that would answer 403.
    may_record = current_user.role in RECORD_ROLES and bool(_own_places())
    return render_template("sweeps/index.html", form=form, page=page, link_args=args,
                           colour=lambda row: colour(row, now), may_record=may_record)


# Recording ------------------------------------------------------------------

def _own_places() -> list[tuple[str, str]]:
    """The places this user records sweeps for, as form choices."""
    if current_user.role in COMMUNITY_STAFF and current_user.community_id:
        community = db.session.get(Community, current_user.community_id)
        return [(f"community:{community.id}", community.name)]
    if current_user.role in STREET_STAFF and current_user.street_id:
        street = db.session.get(Street, current_user.street_id)
        return [(f"street:{street.id}", street.name)]
    return []


def _parse_place(value: str):
    """(level, street_id, community_id) of an existing place, else None."""
    level, _sep, number = (value or "").partition(":")
    if not number.isascii() or not number.isdecimal() or len(number) > 9:
        return None
    if level == "community":
        community = db.session.get(Community, int(number))
        return ("community", community.street_id, community.id) if community else None
    if level == "street":
        street = db.session.get(Street, int(number))
        return ("street", street.id, None) if street else None
    return None


@roles_required(*RECORD_ROLES)
def record_sweep():
    places = _own_places()
    if not places:
        abort(403)  # an account without a community or street has nothing to sweep
    form = SweepForm()
    form.fill_choices(current_locale(), places)
    if request.method == "GET":
        _prefill(form)
        form.fill_people(candidates(*_parse_place(form.place.data)[1:]))
        return render_template("sweeps/record.html", form=form)
    place = _parse_place(form.place.data)
    if place is None:
        form.fill_people([])
        form.place.errors = [_("Choose where the sweep was held.")]
        correct_the_marked(form)
        return render_template("sweeps/record.html", form=form), 422
    form.fill_people(candidates(*place[1:]))
    refusal = record_refusal(current_user, *place)
    if refusal:
        flash(str(refusal), "danger")
        return render_template("sweeps/record.html", form=form), 403
    if not form.validate():
        correct_the_marked(form)
        return render_template("sweeps/record.html", form=form), 422
    data = {"held_on": form.held_on.data, "checked": form.checked.data, "findings": form.findings.data.strip(),
            "participants": (form.participants.data or "").strip(), "participant_ids": form.participant_ids.data or []}
    try:
        sweep = record(current_user, *place, data)
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return render_template("sweeps/record.html", form=form), refused.status
    flash(_("Sweep recorded. Register each dispute it found from the sweep's page."), "success")
    return redirect(url_for(".show", sweep_id=sweep.id))


def _prefill(form):
    """A sweep's "record" link names it: its place, and a day of its period."""
    form.place.data = form.place.choices[0][0]
    form.held_on.data = local_date(clock.now())
    wanted = request.args.get("sweep", type=int)
    sweep = db.session.get(Sweep, wanted) if wanted and 0 < wanted < 2**31 else None
    if sweep is not None and sweep.visible_to(current_user) and sweep.place_key in dict(form.place.choices):
        form.place.data = sweep.place_key
        form.held_on.data = min(form.held_on.data, sweep.period_end)


# One sweep ----------------------------------------------------------------------

@roles_required(*SWEEP_ROLES)
def show(sweep_id):
    sweep = load_sweep(sweep_id)
    locale = current_locale()
    may_record = sweep.state != "done" and record_refusal(current_user, sweep.level, sweep.street_id,
                                                          sweep.community_id) is None
    return render_template("sweeps/show.html", sweep=sweep, state=SWEEP.state(sweep.state),
                           alliance=participants_of(sweep.id),
                           colour=colour(sweep), timeline=timeline(sweep, locale), may_record=may_record,
                           may_register=bool(_register_grids(sweep)))


def _register_grids(sweep) -> list[Grid]:
    """The grids in which this user may register a dispute found by the sweep."""
    role = current_user.role
    if role not in COMMUNITY_STAFF:
        return []
    query = select(Grid).join(Community).order_by(Grid.id)
    if role == "gridworker":
        query = query.where(Grid.id == current_user.grid_id)
    else:
        query = query.where(Grid.community_id == current_user.community_id)
    if sweep.level == "community":
        query = query.where(Grid.community_id == sweep.community_id)
    else:
        query = query.where(Community.street_id == sweep.street_id)
    return list(db.session.execute(query).scalars())


@roles_required(*COMMUNITY_STAFF)
def register_found(sweep_id):
    """Register a dispute found in this sweep: the intake form, with the
    channel fixed to 排查 and the case linked to the sweep."""
    sweep = load_sweep(sweep_id)
    grids = _register_grids(sweep)
    if not grids:
        flash(_("You may register disputes only in your own community or grid."), "danger")
        return redirect(url_for(".show", sweep_id=sweep.id)), 303
    form = IntakeForm()
    form.fill_choices(current_locale(), grids)
    form.channel.data = "sweep"
    if not form.is_submitted():
        form.submission_token.data = secrets.token_urlsafe(24)
    if form.validate_on_submit():
        existing = by_submission(form.token())
        if existing:
            flash(_("This form was already submitted; here is the case it created."), "info")
            return redirect(url_for("disputes.show", case_id=existing.id))
        dispute, created = open_case(form.new_case(sweep_id=sweep.id), "sweep", current_user,
                                     dict(form.submitted(), sweep_id=sweep.id), photos=form.photo.data or ())
        if created:
            flash(_("Case registered from the sweep. Tracking code for the parties: %(code)s",
                    code=dispute.tracking_code), "success")
            flash(next_after_intake(dispute), "info")
        return redirect(url_for("disputes.show", case_id=dispute.id))
    status = 200
    if form.is_submitted():
        correct_the_marked(form)
        status = 422
    return render_template("sweeps/register.html", form=form, sweep=sweep), status
