"""Consultations: logged by the lawyer on duty, on the day; turned, with the
visitor's consent, into a case or a legal-aid referral; counted by month."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock, engine
from ..auth.access import refuse, roles_required
from ..extensions import db
from ..form_errors import correct_the_marked
from ..i18n import current_locale as _locale
from ..privacy import mask_phone
from . import codes, consultations
from .days import month_bounds, parse_month
from .forms import ConsultationForm, ConvertForm, ReferForm
from .models import Consultation
from .roster import lawyer_of
from .scope import street_of
from .views import STAFF, _month_links, _render_duty, load_duty


def load_consultation(consultation_id: int) -> Consultation:
    """The lawyer who logged it, or the staff of the street where it was
    held (city-level: any); anyone else gets 404."""
    row = db.session.get(Consultation, consultation_id)
    me = lawyer_of(current_user)
    if row is None or not (row.visible_to(current_user) or (me is not None and me.id == row.lawyer_id)):
        refuse("consultation", consultation_id)
    return row


@roles_required("lawyer")
def log_consultation(duty_id):
    duty = load_duty(duty_id)
    form = ConsultationForm()
    form.fill_choices(_locale())
    if not form.validate():
        correct_the_marked(form, "consultation-form")  # below the day's consultations
        return _render_duty(duty, 422, consultation_form=form)
    existing = consultations.by_submission(form.token())
    if existing is not None:
        if existing.duty_id == duty.id:  # Back and send again, a double tap: logged once, shown as it is
            flash(_("This form was already sent: the consultation was logged once."), "info")
            return redirect(url_for(".consultation", consultation_id=existing.id))
        # A token copied from another duty's page: nothing is logged from it.
        flash(_("This form is out of date: reload the duty page and send it again."), "danger")
        return redirect(url_for(".duty", duty_id=duty.id))
    values = {"service_type": form.service_type.data, "topic": form.topic.data.strip(),
              "advice": form.advice.data.strip(), "outcome": (form.outcome.data or "").strip()}
    try:
        row = consultations.log(duty, current_user, values, submission_token=form.token())
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return _render_duty(load_duty(duty_id), refused.status)
    flash(_("Consultation logged."), "success")
    return redirect(url_for(".consultation", consultation_id=row.id))


def _render(row, status=200, convert_form=None, refer_form=None):
    """The consultation's page. Once it became a case, the case's tracking
    code stays on it (the visitor is told it, and /track asks for nothing
    else), for whoever may open the page: the lawyer who logged it and the
    staff in scope. Shown as the case page shows it to the mediators; no
    party's name or phone is."""
    locale = _locale()
    follow_up = consultations.may_follow_up(row, current_user)
    if follow_up and convert_form is None:
        convert_form = ConvertForm(formdata=None)
        convert_form.facts.data = f"{row.topic}\n{row.advice}"
    if convert_form is not None:
        convert_form.fill_choices(locale)
    # The way on from here: the next visitor's consultation while the duty runs, or back to the duty.
    me = lawyer_of(current_user)
    own = me is not None and me.id == row.duty.lawyer_id
    back = (url_for(".mine") + "#today-duty" if own and row.duty.day == clock.today()
            else url_for(".duty", duty_id=row.duty_id))
    return render_template(
        "rota/consultation.html", row=row, codes=codes, follow_up=follow_up, case=consultations.case_of(row),
        may_log_more=consultations.logging_refusal(row.duty, current_user) is None, own=own, back=back,
        convert_form=convert_form, refer_form=refer_form or ReferForm(formdata=None), mask_phone=mask_phone,
    ), status


@roles_required("lawyer", *STAFF)
def consultation(consultation_id):
    return _render(load_consultation(consultation_id))


@roles_required("lawyer")
def to_case(consultation_id):
    row = load_consultation(consultation_id)
    form = ConvertForm()
    form.fill_choices(_locale())
    if not form.validate():
        correct_the_marked(form, "to-case")
        return _render(row, 422, convert_form=form)
    values = {"applicant_name": form.applicant_name.data.strip(),
              "applicant_phone": (form.applicant_phone.data or "").strip(),
              "respondent_name": (form.respondent_name.data or "").strip(),
              "dispute_type": form.dispute_type.data, "facts": form.facts.data.strip()}
    try:
        dispute = consultations.to_case(row, current_user, values)
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return _render(load_consultation(consultation_id), refused.status, convert_form=form)
    flash(_("The case is registered for the mediators of %(community)s. Give the visitor the tracking code: "
            "%(code)s", community=row.duty.room.community.name, code=dispute.tracking_code), "success")
    # Answered in place: the tracking code is for the visitor, not for a URL (the page keeps showing it).
    return _render(load_consultation(consultation_id))


@roles_required("lawyer")
def refer(consultation_id):
    row = load_consultation(consultation_id)
    form = ReferForm()
    if not form.validate():
        flash(_("The visitor's consent is needed."), "danger")
        return _render(row, 422, refer_form=form)
    try:
        consultations.refer_legal_aid(row, current_user)
    except engine.Refused as refused:
        flash(str(refused.message), "danger")
        return _render(load_consultation(consultation_id), refused.status)
    flash(_("Referred for legal aid."), "success")
    return redirect(url_for(".consultation", consultation_id=consultation_id))


@roles_required(*STAFF)
def consultation_counts():
    today = clock.today()
    year, number = parse_month(request.args.get("m"), today)
    first, last = month_bounds(year, number)
    return render_template("rota/consultation_counts.html",
                           counts=consultations.monthly(first, last, street_of(current_user)),
                           first=first, codes=codes, **_month_links(first))
