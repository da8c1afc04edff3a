"""The web pages of the integrations: a grid worker's (or mediator's) IoT
candidates to confirm or dismiss, and the administrator's clients and
webhook delivery log."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import refuse, roles_required
from ..disputes import codes
from ..engine.errors import Conflict
from ..extensions import db
from ..org.models import Community
from ..form_errors import correct_the_marked
from ..paging import page_of
from . import clients, iot
from .forms import ClientActionForm, ClientForm, ConfirmForm, DismissForm, scope_label
from .models import ApiClient, IotCandidate, WebhookDelivery

bp = Blueprint("integrations", __name__)


def _candidate(candidate_id: int) -> IotCandidate:
    candidate = db.session.get(IotCandidate, candidate_id)
    if candidate is None or not iot.visible_to(candidate, current_user):
        refuse("iot candidate", candidate_id)
    return candidate


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


@bp.route("/iot/candidates")
@roles_required("gridworker", "mediator")
def candidates():
    rows = iot.open_for(current_user)
    return render_template("api/candidates.html", rows=rows, confirm=ConfirmForm(), dismiss=DismissForm(),
                           kind_labels=iot.KIND_LABELS)


@bp.route("/iot/candidates/<int:candidate_id>/confirm", methods=["POST"])
@roles_required("gridworker", "mediator")
def confirm(candidate_id):
    candidate, form = _candidate(candidate_id), ConfirmForm()
    if not form.validate():
        flash(_("Write what was found on the spot, then confirm again."), "danger")
        return redirect(url_for(".candidates"))
    try:
        case = iot.confirm(candidate, current_user, _version(form), form.facts.data.strip())
    except Conflict:
        db.session.rollback()
        flash(_("Someone else decided on this alarm in the meantime: see the list again."), "warning")
        return redirect(url_for(".candidates"))
    flash(_("The alarm is now a case."), "success")
    return redirect(url_for("disputes.show", case_id=case.id))


@bp.route("/iot/candidates/<int:candidate_id>/dismiss", methods=["POST"])
@roles_required("gridworker", "mediator")
def dismiss(candidate_id):
    candidate, form = _candidate(candidate_id), DismissForm()
    if not form.validate():
        flash(_("Give the reason for dismissing the alarm, then try again."), "danger")
        return redirect(url_for(".candidates"))
    try:
        iot.dismiss(candidate, current_user, _version(form), form.reason.data.strip())
    except Conflict:
        db.session.rollback()
        flash(_("Someone else decided on this alarm in the meantime: see the list again."), "warning")
        return redirect(url_for(".candidates"))
    flash(_("The alarm was dismissed."), "success")
    return redirect(url_for(".candidates"))


@bp.route("/api/admin/clients", methods=["GET", "POST"])
@roles_required("admin")
def admin_clients():
    form = ClientForm()
    if not form.is_submitted():
        return _clients_page(None, form)
    if form.validate():
        try:
            client, token = clients.create(
                form.name.data, form.scopes.data, current_user, channel=form.channel.data,
                community_id=form.community_id.data or None, webhook_url=form.webhook_url.data or None,
                per_minute=form.per_minute.data)
        except clients.ClientError as error:  # the form checks what the service does; kept for a changed rule
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            flash(_("Client %(name)s created. Copy its token now: it is not shown again.", name=client.name),
                  "success")
            return _clients_page(token)
    correct_the_marked(form, "client-form")
    return _clients_page(None, form, 422)


@bp.route("/api/admin/clients/<int:client_id>/revoke", methods=["POST"])
@roles_required("admin")
def admin_revoke(client_id):
    client = _client_for_action(client_id)
    clients.revoke(client, current_user)
    flash(_("Client %(name)s revoked: its token no longer works.", name=client.name), "success")
    return _clients_page(None)


@bp.route("/api/admin/clients/<int:client_id>/rotate", methods=["POST"])
@roles_required("admin")
def admin_rotate(client_id):
    client, token = _client_for_action(client_id), None
    if client.active:
        token = clients.rotate(client, current_user)
        flash(_("New token for %(name)s. Copy it now: it is not shown again.", name=client.name), "success")
    return _clients_page(token)


def _client_for_action(client_id: int) -> ApiClient:
    client = db.session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    if not ClientActionForm().validate():
        abort(400)
    return client


def _clients_page(token, form=None, status=200):
    """The clients, and the new client's form (empty unless sent back)."""
    if form is None:
        form = ClientForm(formdata=None)
    rows = db.session.execute(select(ApiClient).order_by(ApiClient.name)).scalars().all()
    communities = dict(db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_({c.community_id for c in rows if c.community_id}))).all())
    return render_template("api/clients.html", form=form, rows=rows, token=token, action=ClientActionForm(),
                           channels=codes.CHANNELS, scope_label=scope_label, communities=communities), status


@bp.route("/api/admin/deliveries")
@roles_required("admin")
def admin_deliveries():
    number = request.args.get("page", 1, type=int) or 1
    page = page_of(select(WebhookDelivery), (WebhookDelivery.id.desc(),), max(number, 1), 50)
    return render_template("api/deliveries.html", page=page)
