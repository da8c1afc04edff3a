"""Mediation sessions (调解记录): the working record of each session of a case.

A session is recorded by a mediator who works the case (the lead or a
co-mediator) while it is being mediated (调解中 or 延期调解). Not while it is
only assigned (已指派): the parties must first be told their rights and
duties, which the "start mediation" step records, so a session before it
would be a session held without that notice. The row and its audit event are
written in one transaction. A session does not change the case's state or
version, so it never makes another mediator's open form stale.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from workflows import DISPUTE

from .. import clock
from ..validators import EARLIEST_YEAR
from ..audit.chain import lock_chain, record as audit_record
from ..auth.access import roles_required
from ..engine.edits import SEALED, is_sealed
from ..extensions import db
from ..fetched_forms import gone, requested
from ..form_errors import correct_the_marked
from .access import CASE_ROLES, load_case
from .case_page import render_case
from .models import MediationSession
from ..i18n import translate

SESSION_STATES = ("mediating", "extended")
HELD_AT_FORMAT = "%Y-%m-%dT%H:%M"


class SessionForm(FlaskForm):
    held_at = DateTimeLocalField(
        _l("Held at"), format=[HELD_AT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(message=_l("Enter the date and time of the session."))],
    )
    place = StringField(_l("Where it was held"), validators=[DataRequired(), Length(max=200)])
    attendees = TextAreaField(_l("Who attended"), validators=[DataRequired(), Length(max=2000)],
                              render_kw={"rows": 2})
    record = TextAreaField(_l("Record of what was said"), validators=[DataRequired(), Length(max=20000)],
                           render_kw={"rows": 8})

    dispute = None  # set by the view: the case the session belongs to

    def validate_held_at(self, field):
        if field.data is None:  # not a date and time: the field already says so
            return
        if field.data.year < EARLIEST_YEAR:
            raise ValidationError(_l("Check the year of this date."))
        held = clock.to_utc(field.data)  # entered in the centre's time, stored in UTC
        if held > clock.now():
            raise ValidationError(_l("This date is in the future."))
        registered = self.dispute.created_at.replace(second=0, microsecond=0) if self.dispute else None
        if registered is not None and held < registered:
            raise ValidationError(_l("The session cannot be before the case was registered."))


def session_refusal(dispute, user) -> tuple[int, str] | None:
    """Why this user may not record a session on this case now (HTTP status
    and message), or None when they may."""
    if is_sealed(dispute):
        return 409, str(SEALED)
    if user.role != "mediator" or not dispute.works_on(user):
        return 403, _("Only the mediators working on this case may record its sessions.")
    if dispute.state == "assigned":
        return 409, _("Give the parties notice of their rights and duties and start mediation "
                      "before recording a session.")
    if dispute.state not in SESSION_STATES:
        state = translate(DISPUTE.state(dispute.state).label)
        return 409, _("Sessions can only be recorded while the case is being mediated (it is now “%(state)s”).",
                      state=state)
    return None


def _blank_form(dispute) -> SessionForm:
    now = clock.local_now().replace(second=0, microsecond=0)
    form = SessionForm(formdata=None, prefix="session", held_at=now)
    form.dispute = dispute
    return form


@dataclass
class SessionPanel:
    may_record: bool
    hint: str | None
    form: SessionForm | None


def session_panel(dispute) -> SessionPanel:
    """What the case page's sessions section shows to the current user: the
    form only when sent back with its errors or asked for (app/fetched_forms.py)."""
    refusal = session_refusal(dispute, current_user)
    if refusal is not None:
        # Tell the case's own mediators what to do first; others need not know.
        status, message = refusal
        hint = message if dispute.state == "assigned" and status == 409 else None
        return SessionPanel(False, hint, None)
    form = g.get("session_form") or (_blank_form(dispute) if requested("session") else None)
    return SessionPanel(True, None, form)


@roles_required(*CASE_ROLES)
def session_form(case_id):
    """The form that records a session, alone: the case page fetches it when its panel opens."""
    dispute = load_case(case_id)
    refusal = session_refusal(dispute, current_user)
    if refusal is not None:
        status, message = refusal
        return gone(message, status)
    return render_template("disputes/_session_form.html", d=dispute, form=_blank_form(dispute))


def _lock(dispute) -> None:
    """Read the case again under a row lock (PostgreSQL; SQLite writers already
    hold the write lock from BEGIN IMMEDIATE), so that a concurrent step such as
    "agree" is either before this session (which is then refused) or after it."""
    lock_chain(db.session)  # the chain lock before any row lock (app/audit/chain.py)
    db.session.refresh(dispute, with_for_update=True)


@roles_required(*CASE_ROLES)
def record_session(case_id):
    dispute = load_case(case_id)
    _lock(dispute)
    refusal = session_refusal(dispute, current_user)
    if refusal is not None:
        status, message = refusal
        db.session.rollback()
        flash(message, "danger")
        return render_case(dispute, status)
    form = SessionForm(prefix="session")
    form.dispute = dispute
    if not form.validate():
        db.session.rollback()
        g.session_form = form
        correct_the_marked(form, "sessions")
        return render_case(dispute, 422)
    held_at = clock.to_utc(form.held_at.data)
    values = dict(held_at=held_at, place=form.place.data.strip(), attendees=form.attendees.data.strip(),
                  record=form.record.data.strip())
    # The same form sent twice (a double tap, a resent page) records one session.
    already = db.session.execute(
        select(MediationSession.id).where(
            MediationSession.dispute_id == dispute.id, MediationSession.recorded_by_id == current_user.id,
            MediationSession.held_at == held_at, MediationSession.record == values["record"],
        ).limit(1)
    ).scalar()
    if already is not None:
        db.session.rollback()
        flash(_("This session was already recorded."), "info")
        return redirect(url_for(".show", case_id=case_id, _anchor="sessions"))
    now = clock.now()
    try:
        session_row = MediationSession(dispute_id=dispute.id, recorded_by_id=current_user.id, recorded_at=now,
                                       **values)
        db.session.add(session_row)
        db.session.flush()
        data = dict(values, session_id=session_row.id,
                    held_at=clock.to_local(held_at).replace(microsecond=0).isoformat())
        audit_record("dispute", dispute.id, "session_recorded", current_user, data=data, at=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(_("Session recorded."), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="sessions"))

