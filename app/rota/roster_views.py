"""The coordinator's roster pages: lawyers, rooms, public holidays.

Scope (scope.py): a street's staff see and change their street's rooms and
holidays (and read the city's holidays); the lawyers are the city's pool,
listed by name and firm for every coordinator, with the phone and the roster
entry only for the lawyers within the user's reach."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import clock, engine
from ..audit.chain import record
from ..auth.models import User
from ..dates import days_text
from ..extensions import db
from ..form_errors import correct_the_marked, lead_to
from ..org.models import Community
from ..privacy import mask_phone
from ..validators import form_version
from ..auth.access import roles_required
from . import admin, leaving
from .forms import HolidayForm, LawyerForm, PlainForm, RoomForm
from .models import Holiday, Lawyer, Room
from .statutory import statutory
from .scope import CITY, is_city_level, lawyers_in_reach, load_lawyer, load_room, rooms_clause, street_of

COORDINATOR = ("coordinator",)
ROSTER_READERS = ("coordinator", "supervisor", "admin")


def _load(model, row_id):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


# ---- lawyers


@roles_required(*ROSTER_READERS)
def lawyers():
    rows = list(db.session.execute(select(Lawyer).order_by(Lawyer.active.desc(), Lawyer.name)).scalars())
    return render_template("rota/lawyers.html", rows=rows, mask_phone=mask_phone, today=clock.today(),
                           reach=lawyers_in_reach(current_user, rows))


def _lawyer_form(lawyer: Lawyer | None, formdata=True):
    form = LawyerForm() if formdata else LawyerForm(formdata=None, obj=lawyer)
    if lawyer is not None:
        form.known_unavailable = frozenset(lawyer.unavailable_days)
    linked = set(db.session.execute(select(Lawyer.user_id).where(Lawyer.user_id.is_not(None))).scalars())
    users = db.session.execute(select(User).where(User.role == "lawyer").order_by(User.display_name)).scalars()
    form.user_id.choices = [(0, _("No login"))] + [
        (u.id, f"{u.display_name} ({u.username})") for u in users
        if u.id not in linked or (lawyer is not None and u.id == lawyer.user_id)]
    if not formdata and lawyer is not None:
        form.phone.data = ""
        form.user_id.data = lawyer.user_id or 0
        form.unavailable.data = ", ".join(d.isoformat() for d in sorted(lawyer.unavailable_days))
        form.version.data = lawyer.version
    return form


def _render_lawyer(lawyer, form, status=200):
    return render_template("rota/lawyer_form.html", lawyer=lawyer, form=form,
                           masked_phone=mask_phone(lawyer.phone) if lawyer else ""), status


@roles_required(*COORDINATOR)
def new_lawyer():
    form = _lawyer_form(None)
    if form.validate_on_submit():
        try:
            lawyer = admin.save_lawyer(None, form.values(None), form.unavailable_days, current_user)
        except engine.Refused as refused:
            _field_error(form, refused)
            return _render_lawyer(None, form, refused.status)
        flash(_("%(name)s is on the roster.", name=lawyer.name), "success")
        return redirect(url_for(".lawyers"))
    if form.is_submitted():
        _sent_back(form)
        return _render_lawyer(None, form, 422)
    return _render_lawyer(None, form)


@roles_required(*COORDINATOR)
def edit_lawyer(lawyer_id):
    lawyer = load_lawyer(lawyer_id)
    form = _lawyer_form(lawyer, formdata=request.method == "POST")
    if form.validate_on_submit():
        was_active = lawyer.active
        try:
            admin.save_lawyer(lawyer, form.values(lawyer.phone), form.unavailable_days, current_user,
                              expected_version=form_version(form.version.data))
        except engine.Refused as refused:
            db.session.rollback()
            _field_error(form, refused)
            return _render_lawyer(load_lawyer(lawyer_id), form, refused.status)
        warn = admin.duties_on(lawyer, {d for d in form.unavailable_days if d > clock.today()})
        if warn:
            flash(_("%(name)s still has duties on dates now marked unavailable: %(days)s. Move those seats on the "
                    "plan page.", name=lawyer.name, days=days_text(d.day for d in warn)), "warning")
        if was_active and not lawyer.active:
            left = leaving.duties_sentence(lawyer, leaving.future_duties(lawyer))
            if left:
                flash(left, "warning")
        flash(_("Saved."), "success")
        return redirect(url_for(".lawyers"))
    if form.is_submitted():
        _sent_back(form)
        return _render_lawyer(lawyer, form, 422)
    return _render_lawyer(lawyer, form)


@roles_required(*COORDINATOR)
def reveal_phone(lawyer_id):
    """Show a lawyer's phone in full to the coordinator (to call about a
    duty); the reveal is recorded. A lawyer who sits only in another
    street's rooms is out of reach: 404, nothing recorded."""
    lawyer = load_lawyer(lawyer_id)
    if not PlainForm().validate():
        abort(400)
    record("rota_lawyer", lawyer.id, "reveal", current_user, data={"fields": ["phone"]})
    db.session.commit()
    form = _lawyer_form(lawyer, formdata=False)
    return render_template("rota/lawyer_form.html", lawyer=lawyer, form=form, masked_phone=lawyer.phone)


def _sent_back(form):
    """The top message of a roster form sent back: when only the dates are
    wrong, the dates' own sentences (each bad entry named) say it better
    than "correct the marked fields"."""
    wrong = [field for field in form if field.errors]
    if wrong == [form.unavailable]:
        flash(" ".join(str(e) for e in form.unavailable.errors), "danger")
        lead_to(form)
    else:
        correct_the_marked(form)


def _field_error(form, refused):
    field = getattr(form, refused.field, None) if refused.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(refused.message)]
    flash(str(refused.message), "danger")


# ---- rooms


@roles_required(*ROSTER_READERS)
def rooms():
    rows = list(db.session.execute(select(Room).where(rooms_clause(street_of(current_user)))
                                   .order_by(Room.active.desc(), Room.name)).scalars())
    return render_template("rota/rooms.html", rows=rows)


def _room_form(room, formdata=True):
    """The room form, offering the communities of the user's street (city-level: all)."""
    form = RoomForm() if formdata else RoomForm(formdata=None, obj=room)
    street_id = street_of(current_user)
    communities = select(Community).order_by(Community.id)
    if street_id is not CITY:
        communities = communities.where(Community.street_id == street_id)
    form.community_id.choices = [(c.id, c.name) for c in db.session.execute(communities).scalars()]
    if not formdata and room is not None:
        form.version.data = room.version
    return form


@roles_required(*COORDINATOR)
def new_room():
    return _save_room(None)


@roles_required(*COORDINATOR)
def edit_room(room_id):
    return _save_room(load_room(room_id))


def _save_room(room):
    form = _room_form(room, formdata=room is None or request.method == "POST")
    if form.validate_on_submit():
        try:
            room, cancelled = admin.save_room(room, form.values(), current_user,
                                              expected_version=form_version(form.version.data) if room else None)
        except engine.Refused as refused:
            db.session.rollback()
            _field_error(form, refused)
            return render_template("rota/room_form.html", room=room, form=form), refused.status
        flash(_("Saved."), "success")
        if cancelled:
            flash(_("%(n)s duties in the seats that no longer exist were cancelled.", n=cancelled), "warning")
        return redirect(url_for(".rooms"))
    if form.is_submitted():
        correct_the_marked(form)
        return render_template("rota/room_form.html", room=room, form=form), 422
    return render_template("rota/room_form.html", room=room, form=form)


# ---- holidays


@roles_required(*ROSTER_READERS)
def holidays():
    form = HolidayForm()
    status = 200
    if form.is_submitted():
        if current_user.role != "coordinator":
            abort(403)
        status = 422
        if form.validate():
            try:
                holiday, cancelled = admin.add_holiday(form.name.data.strip(), form.first_day.data,
                                                       form.last_day.data, current_user)
            except engine.Refused as refused:
                db.session.rollback()
                flash(str(refused.message), "danger")
                status = refused.status
            else:
                flash(_("Holiday saved: no duty is planned on it."), "success")
                if cancelled:
                    flash(_("%(n)s duties on it were cancelled.", n=cancelled), "warning")
                return redirect(url_for(".holidays"))
        else:
            correct_the_marked(form, "holiday-form")  # below the calendar's holidays
    street_id = street_of(current_user)
    query = select(Holiday).order_by(Holiday.first_day.desc(), Holiday.id.desc())
    if street_id is not CITY:
        query = query.where(or_(Holiday.street_id.is_(None), Holiday.street_id == street_id))
    rows = list(db.session.execute(query).scalars())
    # The calendar's holidays of this year and the next: what planning skips besides the rota's own.
    this_year = clock.today().year
    return render_template("rota/holidays.html", rows=rows, form=form, plain_form=PlainForm(),
                           city=street_id is CITY,
                           calendar=statutory(date(this_year, 1, 1), date(this_year + 1, 12, 31))), status


@roles_required(*COORDINATOR)
def delete_holiday(holiday_id):
    """A street's coordinator removes their street's holidays; the city's
    are the city-level coordinator's (403), another street's are not
    theirs to see (404)."""
    holiday = _load(Holiday, holiday_id)
    if not holiday.visible_to(current_user):
        abort(404)
    if holiday.street_id is None and not is_city_level(current_user):
        abort(403)
    if not PlainForm().validate():
        abort(400)
    admin.remove_holiday(holiday, current_user)
    flash(_("Holiday removed. Plan its Saturdays again to fill them."), "success")
    return redirect(url_for(".holidays"))
