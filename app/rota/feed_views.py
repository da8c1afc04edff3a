"""Calendar feeds: the public board's and each lawyer's private one, and the
lawyer's buttons to issue (or re-issue) and revoke their link."""
from flask import Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import public, roles_required
from .feeds import board_feed, issue_token, lawyer_feed, lawyer_for_token, revoke_token
from .forms import PlainForm
from .roster import lawyer_of
from .views import mine


def _calendar(body: bytes, name: str, private: bool) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    if private:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@public
def board_ics():
    return _calendar(board_feed(), "rota", private=False)


@public
def lawyer_ics(token):
    lawyer = lawyer_for_token(token)
    if lawyer is None:  # revoked, re-issued or guessed: the same plain 404
        abort(404)
    return _calendar(lawyer_feed(lawyer), "duties", private=True)


@roles_required("lawyer")
def issue_feed():
    me = lawyer_of(current_user)
    if me is None or not PlainForm().validate():
        abort(404 if me is None else 400)
    token = issue_token(me, current_user)
    flash(_("Your calendar link is below. Copy it now: it is shown only once. Issuing a new one ends the old one."),
          "success")
    # The link is answered in place, never in a redirect URL or the session.
    return mine(issued_token=url_for("rota.lawyer_ics", token=token, _external=True))


@roles_required("lawyer")
def revoke_feed():
    me = lawyer_of(current_user)
    if me is None or not PlainForm().validate():
        abort(404 if me is None else 400)
    revoke_token(me, current_user)
    flash(_("Your calendar link no longer works. Calendars subscribed to it stop updating."), "success")
    return redirect(url_for("rota.mine") + "#calendar")

