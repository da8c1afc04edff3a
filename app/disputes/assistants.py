"""Grid assistants (网格助手: building heads, volunteers; role `assistant`)
report a dispute of their own grid from a phone and follow what they
reported: its state and dates, nothing else. They have no case pages: a
case's details and parties are for the centre's staff, and the cases scope
(scope_rule.py) gives an assistant none."""
import secrets

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import roles_required
from ..extensions import db
from ..form_errors import correct_the_marked
from ..i18n import current_locale
from ..org.models import Grid
from ..paging import page_of
from .forms import IntakeForm
from .intake import by_submission, open_case
from .models import Dispute
from . import codes

CHANNEL = "assistant"


def _form():
    form = IntakeForm()
    grid = db.session.get(Grid, current_user.grid_id) if current_user.grid_id else None
    form.fill_choices(current_locale(), [grid] if grid else [])
    form.channel.choices = [(CHANNEL, codes.label(codes.CHANNELS, CHANNEL, current_locale()))]
    return form, grid


@roles_required("assistant")
def report():
    form, grid = _form()
    if grid is None:
        flash(_("Your account has no grid: ask the administrator to set it before reporting."), "danger")
        return render_template("disputes/assistant_report.html", form=None), 403
    if not form.is_submitted():
        form.submission_token.data = secrets.token_urlsafe(24)
        form.channel.data = CHANNEL
    if form.validate_on_submit():
        existing = by_submission(form.token())
        if existing is None:
            existing, _created = open_case(form.new_case(), "assistant", current_user, form.submitted(),
                                           channel=CHANNEL, photos=form.photo.data or ())
            flash(_("Reported. Tracking code for the parties: %(code)s", code=existing.tracking_code), "success")
        return redirect(url_for(".reported"))
    status = 200
    if form.is_submitted():
        correct_the_marked(form)
        status = 422
    return render_template("disputes/assistant_report.html", form=form), status


@roles_required("assistant")
def reported():
    """What this assistant reported, newest first: state and dates only."""
    from flask import request

    query = select(Dispute).where(Dispute.created_by_id == current_user.id)
    page = page_of(query, (Dispute.created_at.desc(), Dispute.id.desc()), request.args.get("page", 1, type=int) or 1,
                   current_app.config["CASES_PER_PAGE"])
    return render_template("disputes/assistant_reported.html", page=page, codes=codes, link_args={})
