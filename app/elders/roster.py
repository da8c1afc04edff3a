"""The coordinator's roster of the council: elders of their street, their
unavailable periods and declared relations. Every change is version checked
and audited (entity type "elder") in the same transaction."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import clock
from ..audit.chain import record
from ..timeline import timeline
from ..auth.access import roles_required
from ..auth.models import User
from ..disputes import codes as dispute_codes
from ..engine.core import name_of
from ..engine.edits import commit_change
from ..engine.errors import Conflict, Refused
from ..extensions import db
from ..form_errors import correct_the_marked
from ..i18n import NC_, N_, current_locale, translate
from ..labels import LIST_SEPARATOR
from ..org.models import Community, Grid
from ..privacy import mask_id, mask_phone
from ..validators import form_version
from . import codes
from .candidates import loads
from .forms import ElderForm, RelationForm, UnavailableForm, VersionForm
from .models import Elder, ElderAssignment, ElderRelation, ElderUnavailability
from .scope import covers_whole_city, street_clause

ROSTER_ROLES = ("coordinator", "admin")

# Labels of the recorded roster fields, for the elder's history.
ROSTER_LABELS = {
    "name": NC_("recorded field", "Name"),
    "category": N_("Kind of elder"),
    "community_id": N_("Community"),
    "street_id": N_("Street"),
    "grid_id": NC_("elder roster", "Grid"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "expertise": NC_("elder roster", "Good at"),
    "languages": N_("Languages or dialects"),
    "max_concurrent": N_("Most at once"),
    "active": N_("Active"),
    "user_id": N_("Login account"),
    "notes": N_("Notes"),
    "start_on": NC_("date range", "From"),
    "end_on": N_("Until"),
    "note": NC_("elder roster", "Note"),
    "relation": N_("Relation"),
    "id_number": N_("ID number"),
    "fields": N_("Fields"),
    "unavailable_id": N_("Record no."),
    "relation_id": N_("Record no."),
    "relations": N_("Declared relations"),
    "unavailable": NC_("elder roster", "Unavailable dates"),
}


def _street_clause():
    return street_clause(Elder.street_id, current_user)


def _communities():
    query = select(Community).where(street_clause(Community.street_id, current_user)).order_by(Community.id)
    return list(db.session.execute(query).scalars())


def _grids(communities):
    ids = [c.id for c in communities]
    return list(db.session.execute(select(Grid).where(Grid.community_id.in_(ids)).order_by(Grid.community_id, Grid.id))
                .scalars())


def _accounts(elder=None):
    """Elder accounts not yet linked to another elder of the roster; and the
    elder's own, even deactivated (they stay on the council: their other
    details are still edited, the link kept)."""
    linked = select(Elder.user_id).where(Elder.user_id.is_not(None))
    active = User.active.is_(True)
    if elder is not None:
        linked = linked.where(Elder.id != elder.id)
        if elder.user_id is not None:
            active = or_(active, User.id == elder.user_id)
    query = select(User).where(User.role == "elder", active, User.id.not_in(linked))
    if not covers_whole_city(current_user):
        query = query.where(or_(User.street_id == current_user.street_id, User.street_id.is_(None)))
    return list(db.session.execute(query.order_by(User.display_name)).scalars())


def load_elder(elder_id) -> Elder:
    elder = db.session.get(Elder, elder_id)
    if elder is None or not elder.editable_by(current_user):
        abort(404)
    return elder


def _elder_form(elder=None, formdata=None):
    communities = _communities()
    form = ElderForm(formdata=formdata, obj=elder if formdata is None else None)
    form.fill_choices(current_locale(), communities, _grids(communities), _accounts(elder))
    if formdata is None and elder is not None:
        form.grid_id.data = str(elder.grid_id or "")
        form.user_id.data = str(elder.user_id or "")
        form.phone.data = ""
        form.id_number.data = ""
        form.version.data = elder.version
    return form


def _check_form(form, elder=None) -> bool:
    ok = form.validate()
    chosen = form.values(elder)["user_id"]
    if chosen is not None and chosen not in {u.id for u in _accounts(elder)}:
        form.user_id.errors = list(form.user_id.errors) + [_("Choose an elder's account that no other elder uses.")]
        ok = False
    return ok


def _values(form, elder=None) -> dict:
    values = form.values(elder)
    # The elder serves the street of their community.
    values["street_id"] = db.session.get(Community, values["community_id"]).street_id
    return values


def _check_version(elder, version) -> None:
    if form_version(version) != elder.version:
        raise Conflict(name_of(elder.changed_by_id), elder.changed_at)


@roles_required(*ROSTER_ROLES)
def roster():
    show = request.args.get("show", "active")
    query = select(Elder).where(_street_clause())
    if show != "all":
        query = query.where(Elder.active.is_(True))
    elders = list(db.session.execute(query.order_by(Elder.community_id, Elder.name, Elder.id)).scalars())
    return render_template("elders/roster.html", elders=elders, show=show, load=loads([e.id for e in elders]),
                           codes=codes, dcodes=dispute_codes, mask_phone=mask_phone)


@roles_required(*ROSTER_ROLES)
def new_elder():
    form = _elder_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        if _check_form(form):
            values = _values(form)
            now = clock.now()
            elder = Elder(created_at=now, changed_at=now, changed_by_id=current_user.id, **values)
            try:
                db.session.add(elder)
                db.session.flush()
                record("elder", elder.id, "roster_add", current_user, data=values, at=now)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            flash(_("%(name)s is on the roster.", name=elder.name), "success")
            return redirect(url_for(".elder_page", elder_id=elder.id))
        correct_the_marked(form)
        return render_template("elders/elder_form.html", form=form, elder=None), 422
    return render_template("elders/elder_form.html", form=form, elder=None)


@roles_required(*ROSTER_ROLES)
def edit_elder(elder_id):
    elder = load_elder(elder_id)
    if request.method == "GET":
        return render_template("elders/elder_form.html", form=_elder_form(elder), elder=elder)
    form = _elder_form(elder, request.form)
    if not _check_form(form, elder):
        correct_the_marked(form)
        return render_template("elders/elder_form.html", form=form, elder=elder), 422
    values = _values(form, elder)
    diff = {k: [getattr(elder, k), v] for k, v in values.items() if getattr(elder, k) != v}
    try:
        _check_version(elder, form.version.data)
        if diff:
            def apply():
                for name, (_before, after) in diff.items():
                    setattr(elder, name, after)
            commit_change(elder, current_user, "roster_edit", apply, {"changes": diff})
    except Refused as refused:
        flash(str(refused.message), "danger")
        return render_template("elders/elder_form.html", form=form, elder=elder), refused.status
    if diff and "active" in diff and not elder.active:
        still = loads([elder.id]).get(elder.id, 0)
        if still:
            flash(_("%(name)s still has %(n)s open invitations or cases; they go on unless withdrawn.",
                    name=elder.name, n=still), "warning")
    flash(_("Saved: %(n)s field(s) changed.", n=len(diff)) if diff else _("Nothing was changed."), "success")
    return redirect(url_for(".elder_page", elder_id=elder.id))


def _elder_page(elder, status=200, revealed=False, unavailable_form=None, relation_form=None):
    locale = current_locale()
    if unavailable_form is None:
        unavailable_form = UnavailableForm(formdata=None, prefix="away", version=elder.version)
    if relation_form is None:
        relation_form = RelationForm(formdata=None, prefix="rel", version=elder.version)
    relation_form.fill_choices(locale)
    assignments = list(db.session.execute(
        select(ElderAssignment).where(ElderAssignment.elder_id == elder.id).order_by(ElderAssignment.id.desc())
        .limit(20)).scalars())
    return render_template(
        "elders/elder_show.html", elder=elder, revealed=revealed, unavailable_form=unavailable_form,
        relation_form=relation_form, version_form=VersionForm(formdata=None, version=elder.version),
        history=timeline(elder, locale), roster_label=roster_label, shown=_shown_value, assignments=assignments,
        open_count=loads([elder.id]).get(elder.id, 0), codes=codes, dcodes=dispute_codes,
        mask_phone=mask_phone, mask_id=mask_id,
    ), status


def roster_label(name: str) -> str:
    label = ROSTER_LABELS.get(name)
    return translate(label) if label else name


def _shown_value(name, value):
    """A recorded roster value as a person reads it."""
    locale = current_locale()
    if value is None or value == "":
        return "—"
    if name == "category":
        return dispute_codes.label(codes.CATEGORIES, value, locale)
    if name == "relation":
        return dispute_codes.label(codes.RELATIONS, value, locale)
    if name == "expertise" and isinstance(value, list):
        return translate(LIST_SEPARATOR, locale).join(
            dispute_codes.label(dispute_codes.DISPUTE_TYPES, v, locale) for v in value) or "—"
    if name == "community_id" and isinstance(value, int):
        community = db.session.get(Community, value)
        return community.name if community else value
    if name == "grid_id" and isinstance(value, int):
        grid = db.session.get(Grid, value)
        return f"{grid.community.name} · {grid.name}" if grid else value
    if name == "user_id" and isinstance(value, int):
        user = db.session.get(User, value)
        return user.username if user else value
    if name == "fields" and isinstance(value, list):
        return translate(LIST_SEPARATOR, locale).join(roster_label(v) for v in value)
    return value


@roles_required(*ROSTER_ROLES)
def elder_page(elder_id):
    return _elder_page(load_elder(elder_id))


@roles_required(*ROSTER_ROLES)
def reveal_phone(elder_id):
    elder = load_elder(elder_id)
    if not VersionForm().validate():
        abort(400)
    if elder.phone:
        record("elder", elder.id, "reveal", current_user, data={"fields": ["phone"]})
        db.session.commit()
    return _elder_page(elder, revealed=True)


def _child_change(elder, form, trigger, apply, data, success):
    try:
        _check_version(elder, form.version.data)
        commit_change(elder, current_user, trigger, apply, data)
    except Refused as refused:
        flash(str(refused.message), "danger")
        return _elder_page(db.session.get(Elder, elder.id), refused.status)
    flash(success, "success")
    return redirect(url_for(".elder_page", elder_id=elder.id))


@roles_required(*ROSTER_ROLES)
def add_unavailable(elder_id):
    elder = load_elder(elder_id)
    form = UnavailableForm(prefix="away")
    if not form.validate():
        correct_the_marked(form, "unavailable-form")  # opens its <details> (elder_show.html)
        return _elder_page(elder, 422, unavailable_form=form)
    row = ElderUnavailability(start_on=form.start_on.data, end_on=form.end_on.data or form.start_on.data,
                              note=(form.note.data or "").strip() or None)

    def data():
        return {"unavailable_id": row.id, "start_on": row.start_on, "end_on": row.end_on, "note": row.note}

    return _child_change(elder, form, "unavailable_add", lambda: elder.unavailable.append(row), data,
                         _("Unavailable dates saved."))


@roles_required(*ROSTER_ROLES)
def remove_unavailable(elder_id, row_id):
    elder = load_elder(elder_id)
    row = db.session.get(ElderUnavailability, row_id)
    if row is None or row.elder_id != elder.id:
        abort(404)
    form = VersionForm()
    if not form.validate():
        abort(400)
    data = {"unavailable_id": row.id, "start_on": row.start_on, "end_on": row.end_on, "note": row.note}
    return _child_change(elder, form, "unavailable_remove", lambda: elder.unavailable.remove(row), data,
                         _("Unavailable dates removed."))


@roles_required(*ROSTER_ROLES)
def add_relation(elder_id):
    elder = load_elder(elder_id)
    form = RelationForm(prefix="rel")
    form.fill_choices(current_locale())
    if not form.validate():
        correct_the_marked(form, "relation-form")  # opens its <details> (elder_show.html)
        return _elder_page(elder, 422, relation_form=form)
    values = {name: (getattr(form, name).data or "").strip() or None
              for name in ("name", "relation", "id_number", "phone", "address")}
    if values["id_number"]:
        values["id_number"] = values["id_number"].upper()
    row = ElderRelation(**values)

    def data():
        return dict(values, relation_id=row.id)

    return _child_change(elder, form, "relation_add", lambda: elder.relations.append(row), data,
                         _("Declared relation saved."))


@roles_required(*ROSTER_ROLES)
def remove_relation(elder_id, row_id):
    elder = load_elder(elder_id)
    row = db.session.get(ElderRelation, row_id)
    if row is None or row.elder_id != elder.id:
        abort(404)
    form = VersionForm()
    if not form.validate():
        abort(400)
    data = {"relation_id": row.id, "name": row.name, "relation": row.relation}
    return _child_change(elder, form, "relation_remove", lambda: elder.relations.remove(row), data,
                         _("Declared relation removed."))
