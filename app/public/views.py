"""/report and /track: no login, CSRF on, rate-limited per client address.

A report becomes a dispute in 待受理 (submitted) through the intake service,
with the reporter as the applicant, for the mediators of the chosen
community. /track shows, for a valid tracking code, the state, what it means
and its dates, and where to turn once mediation is refused or ends
(progress.py), never names, facts or personal data; the code travels in a POST body,
not in the URL, so that it stays out of logs.
"""
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from ..auth.access import public
from ..i18n import current_locale
from ..extensions import db
from ..form_errors import correct_the_marked
from ..ratelimit import minutes_to_wait, note, over_limit
from ..disputes.intake import NewCase, PartyDetails, by_submission, open_case
from ..disputes.models import ANONYMOUS_REPORTER, TRACKING_ALPHABET, Dispute
from .forms import ReportForm, TrackForm
from .progress import status_of

bp = Blueprint("public", __name__)

HOUR = timedelta(hours=1)
CODE_RE = re.compile(f"^[{TRACKING_ALPHABET}]{{6,16}}$")


class PublicActor:
    """A resident without an account (群众)."""

    id = None
    role = "anonymous"
    username = "public"
    display_name = "public"


PUBLIC_ACTOR = PublicActor()


def _address_key() -> str:
    """The client address, keyed-hashed: enough to count, not kept as such."""
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), address, hashlib.sha256).hexdigest()[:40]


@bp.route("/report", methods=["GET", "POST"])
@public
def report():
    form = ReportForm()
    form.fill_choices()
    if not form.is_submitted():
        form.submission_token.data = secrets.token_urlsafe(24)
        return render_template("public/report.html", form=form)
    key = _address_key()
    limit = current_app.config["PUBLIC_REPORTS_PER_HOUR"]
    if over_limit("report", key, limit, HOUR):
        wait = minutes_to_wait("report", key, limit, HOUR)
        return render_template("public/report.html", form=form, limited=True, wait=wait), 429
    if not form.validate():
        correct_the_marked(form)
        return render_template("public/report.html", form=form), 422
    token = (form.submission_token.data or "")[:64] or None
    existing = by_submission(token)
    if existing is not None:  # the same form sent twice: one case
        return render_template("public/thanks.html", code=existing.tracking_code)
    name = (form.name.data or "").strip()
    phone = (form.phone.data or "").strip() or None
    place = (form.place.data or "").strip()
    facts = form.description.data.strip()
    case = NewCase(
        dispute_type="other", facts=facts, community_id=form.community_id.data, place=place,
        submission_token=token,
        # Stored data, not UI text: the same name whatever language the resident used.
        parties=[PartyDetails("applicant", name or ANONYMOUS_REPORTER, phone)],
    )
    data = {"channel": "photo", "community_id": form.community_id.data, "place": place, "facts": facts,
            "reporter_name": name or None, "reporter_phone": phone}
    note("report", key)  # counted in the same transaction as the case
    dispute, _ = open_case(case, "public", PUBLIC_ACTOR, data, photo=form.photo.data)
    return render_template("public/thanks.html", code=dispute.tracking_code)


def normalise_code(value: str | None) -> str:
    """Case-insensitive, and forgiving of spaces and dashes copied along."""
    return re.sub(r"[\s\-]", "", value or "").upper()


@bp.route("/track", methods=["GET", "POST"])
@public
def track():
    form = TrackForm()
    if not form.is_submitted():
        return render_template("public/track.html", form=form)
    key = _address_key()
    lookups = current_app.config["TRACK_LOOKUPS_PER_HOUR"]
    if over_limit("track", key, lookups, HOUR):
        wait = minutes_to_wait("track", key, lookups, HOUR)
        return render_template("public/track.html", form=form, limited=True, wait=wait), 429
    if not form.validate():
        return render_template("public/track.html", form=form), 422
    note("track", key)
    db.session.commit()
    code = normalise_code(form.code.data)
    dispute = None
    if CODE_RE.match(code):
        dispute = db.session.execute(select(Dispute).where(Dispute.tracking_code == code)).scalar_one_or_none()
    if dispute is None:
        return render_template("public/track.html", form=form, not_found=True), 404
    status = status_of(dispute, current_locale())
    form.code.data = ""
    return render_template("public/track.html", form=form, status=status)
