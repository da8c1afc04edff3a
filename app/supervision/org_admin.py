"""The administrators' pages of the organisation tree (/admin/places): the
streets with their communities and grids, each with its open cases and
active users; renaming one, adding a community to a street or a grid to a
community, and importing grid outlines from a GeoJSON file (what `flask org
import-geojson` does). For the role `admin` only.

Here rather than in app/org because the counts read the cases (a domain)
and the role check is the accounts' (app/auth): org stays below both. The
edits themselves are org/edits.py's, each audited in its transaction.

Nothing is deleted or deactivated: cases, users and the audit log point at
these rows, and the tree has no "active" flag."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.access import roles_required
from ..auth.models import User
from ..disputes.lists import OPEN_STATES
from ..disputes.models import Dispute
from ..extensions import db
from ..form_errors import correct_the_marked
from ..org import edits
from ..org.geo import GeoJSONError
from ..org.models import Community, Street
from ..org.outlines import import_geojson
from .forms import CommunityAddForm, GridAddForm, OutlinesUploadForm, PlaceRenameForm

bp = Blueprint("org_admin", __name__, url_prefix="/admin/places")

ADMIN = "admin"
# A GeoJSON file of a city's grids is a few MB at most (369 outlines); MAX_CONTENT_LENGTH bounds the request.
MAX_GEOJSON_CHARS = 8 * 1024 * 1024


def _counts() -> tuple[Counter, Counter]:
    """Open cases and active users, counted for each place they belong to:
    keys ("street"|"community"|"grid", id). Two grouped statements."""
    cases, users = Counter(), Counter()
    rows = db.session.execute(select(Dispute.street_id, Dispute.community_id, Dispute.grid_id, func.count())
                              .where(Dispute.state.in_(OPEN_STATES))
                              .group_by(Dispute.street_id, Dispute.community_id, Dispute.grid_id))
    for street_id, community_id, grid_id, n in rows:
        cases["street", street_id] += n
        cases["community", community_id] += n
        if grid_id:
            cases["grid", grid_id] += n
    rows = db.session.execute(select(User.street_id, User.community_id, User.grid_id, func.count())
                              .where(User.active.is_(True))
                              .group_by(User.street_id, User.community_id, User.grid_id))
    for street_id, community_id, grid_id, n in rows:
        # An account is counted where it is placed: a grid worker at their grid, a mediator at their community.
        key = ("grid", grid_id) if grid_id else ("community", community_id) if community_id else ("street", street_id)
        if key[1]:
            users[key] += n
    return cases, users


def _tree():
    return db.session.execute(select(Street).order_by(Street.id).options(
        selectinload(Street.communities).selectinload(Community.grids))).scalars().all()


def _index_page(upload: OutlinesUploadForm | None = None, status: int = 200, problems=()):
    cases, users = _counts()
    return render_template("supervision/org.html", streets=_tree(), cases=cases, users=users,
                           upload=upload or OutlinesUploadForm(formdata=None), problems=problems), status


@bp.route("")
@roles_required(ADMIN)
def index():
    return _index_page()


@bp.route("/outlines", methods=["POST"])
@roles_required(ADMIN)
def outlines():
    """The file is checked whole: nothing is stored unless every outline is
    good, and each fault is listed with its line and feature."""
    form = OutlinesUploadForm()
    if not form.validate_on_submit():
        correct_the_marked(form, "outlines-form")
        return _index_page(form, 422)
    upload = form.file.data
    raw = upload.read(MAX_GEOJSON_CHARS + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or len(raw) > MAX_GEOJSON_CHARS:
        form.file.errors = [_("This is not a GeoJSON text file (UTF-8, at most 8 MB). Export the grids again as "
                              "GeoJSON and choose that file.")]
        correct_the_marked(form, "outlines-form")
        return _index_page(form, 422)
    try:
        count = import_geojson(text, source=upload.filename or "upload", actor=current_user)
    except GeoJSONError as error:
        db.session.rollback()
        form.file.errors = [ngettext("Nothing was imported: the file has %(num)d problem, listed below. Correct it "
                                     "and choose the file again.",
                                     "Nothing was imported: the file has %(num)d problems, listed below. Correct "
                                     "them and choose the file again.", len(error.problems))]
        correct_the_marked(form, "outlines-form")
        return _index_page(form, 422, problems=error.problems)
    flash(ngettext("%(num)d grid outline imported: the grid map draws it.",
                   "%(num)d grid outlines imported: the grid map draws them.", count), "success")
    return redirect(url_for("org_admin.index"))


# One place: its name, what it holds, and adding to it ------------------------------


def _load(kind: str, place_id: int):
    if kind not in edits.KINDS:
        abort(404)
    row = db.session.get(edits.KINDS[kind], place_id)
    if row is None:
        abort(404)
    return row


def _rename_form(row, formdata=None) -> PlaceRenameForm:
    form = PlaceRenameForm(formdata=formdata)
    if formdata is None:
        form.name.data = form.was.data = row.name
    return form


def _add_form(kind: str, formdata=None):
    form_class = {"street": CommunityAddForm, "community": GridAddForm}.get(kind)
    return form_class(formdata=formdata) if form_class else None


def _place_page(kind: str, row, status: int = 200, rename=None, add=None):
    cases, users = _counts()
    return render_template("supervision/org_place.html", kind=kind, row=row, cases=cases, users=users,
                           rename=rename or _rename_form(row), add=add or _add_form(kind)), status


@bp.route("/<kind>/<int:place_id>")
@roles_required(ADMIN)
def show(kind: str, place_id: int):
    return _place_page(kind, _load(kind, place_id))


@bp.route("/<kind>/<int:place_id>", methods=["POST"])
@roles_required(ADMIN)
def rename(kind: str, place_id: int):
    row = _load(kind, place_id)
    form = _rename_form(row, request.form)
    if not form.validate_on_submit():
        correct_the_marked(form, "rename-form")
        return _place_page(kind, row, 422, rename=form)
    old = row.name
    try:
        changed = edits.rename(row, form.name.data, form.was.data or "", current_user)
    except edits.StaleName:
        db.session.rollback()
        flash(_("Another administrator renamed it meanwhile: it is now called %(name)s. Check the name below and "
                "rename it again if you still want to.", name=row.name), "warning")
        return _place_page(kind, row, 409)
    except edits.PlaceProblem as problem:
        db.session.rollback()
        form[problem.field].errors = [problem.message]
        correct_the_marked(form, "rename-form")
        return _place_page(kind, row, 422, rename=form)
    if not changed:
        db.session.rollback()
        flash(_("Nothing was changed."), "info")
    else:
        db.session.commit()
        flash(_("%(old)s is now called %(name)s. Cases, accounts and statistics show the new name.",
                old=old, name=row.name), "success")
    return redirect(url_for("org_admin.show", kind=kind, place_id=row.id))


def _add(kind: str, place_id: int, make):
    """Add a community to a street or a grid to a community: `make(parent,
    form)` returns the new row and the message that says so; a refusal of
    org/edits.py is shown on its field."""
    parent = _load(kind, place_id)
    form = _add_form(kind, request.form)
    if not form.validate_on_submit():
        correct_the_marked(form, "add-form")
        return _place_page(kind, parent, 422, add=form)
    try:
        child, message = make(parent, form)
    except edits.PlaceProblem as problem:
        db.session.rollback()
        form[problem.field].errors = [problem.message]
        correct_the_marked(form, "add-form")
        return _place_page(kind, parent, 422, add=form)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("org_admin.show", kind="community", place_id=child.community_id
                            if kind == "community" else child.id))


def _new_community(street, form):
    community = edits.add_community(street, form.name.data, current_user)
    return community, _("Community %(name)s added to %(street)s. Add its grids below.", name=community.name,
                        street=street.name)


def _new_grid(community, form):
    grid = edits.add_grid(community, form.name.data, current_user, code=form.code.data,
                          households=form.households.data)
    return grid, _("Grid %(name)s added to %(community)s. It has no outline yet: the grid map gives its figures in "
                   "the table under the map until a GeoJSON file draws it.", name=grid.name, community=community.name)


@bp.route("/street/<int:place_id>/communities", methods=["POST"])
@roles_required(ADMIN)
def add_community(place_id: int):
    return _add("street", place_id, _new_community)


@bp.route("/community/<int:place_id>/grids", methods=["POST"])
@roles_required(ADMIN)
def add_grid(place_id: int):
    return _add("community", place_id, _new_grid)
