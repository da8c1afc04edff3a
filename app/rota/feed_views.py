"""Calendar feeds: the public board's and each lawyer's private one, and the
lawyer's buttons to issue (or re-issue) and revoke their link."""
from flask import Response, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.chain import record
from ..auth.access import public, roles_required
from ..database import writes
from ..extensions import db
from ..form_errors import flash_in
from .feeds import board_feed, issue_token, lawyer_feed, lawyer_for_token, revoke_token, token_hash
from .forms import PlainForm
from .roster import lawyer_of


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
@writes  # the file is an export, audited like the others: this GET writes
def download_ics():
    """The lawyer's duties as a file, the same events as their feed: a phone
    whose calendar cannot subscribe to a link (or reach a web calendar that
    can) imports it. Opened with the login, not the feed's token: no link is
    issued, replaced or shown."""
    me = lawyer_of(current_user)
    if me is None:
        abort(404)
    body = lawyer_feed(me)
    record("export", None, "export", current_user,
           data={"export": "my_duties", "format": "ics", "filters": {}, "rows": body.count(b"BEGIN:VEVENT")})
    db.session.commit()
    response = _calendar(body, "my-duties", private=True)
    response.headers["Content-Disposition"] = 'attachment; filename="my-duties.ics"'
    return response


# The link just issued, kept for the one page that shows it (POST/redirect/GET).
_JUST_ISSUED = "rota_feed_issued"


@roles_required("lawyer")
def issue_feed():
    """A new link, then a redirect to the page that shows it once: a refresh
    of that page re-sends nothing, so the link already given to a calendar
    is not quietly replaced."""
    me = lawyer_of(current_user)
    if me is None or not PlainForm().validate():
        abort(404 if me is None else 400)
    # Kept in the session (the signed, HttpOnly cookie, which opens far more than this link) only until the
    # next page shows it: never in a URL, so in no log, history or Referer.
    session[_JUST_ISSUED] = issue_token(me, current_user)
    flash(_("Your calendar link is below. Copy it now: it is shown only once. Issuing a new one ends the old one."),
          "success")
    return redirect(url_for("rota.feed"))


@roles_required("lawyer")
def feed():
    """The lawyer's calendar link: just issued, shown this once (a refresh,
    or Back, shows it no more); otherwise whether there is one, and the
    buttons to issue or revoke it."""
    me = lawyer_of(current_user)
    if me is None:
        abort(404)
    token = session.pop(_JUST_ISSUED, None)
    if token is not None and token_hash(token) != me.feed_token_hash:
        token = None  # replaced or revoked since (in another tab): that link no longer works
    issued = url_for("rota.lawyer_ics", token=token, _external=True) if token else None
    return render_template("rota/feed.html", me=me, issued_token=issued)


@roles_required("lawyer")
def revoke_feed():
    me = lawyer_of(current_user)
    if me is None or not PlainForm().validate():
        abort(404 if me is None else 400)
    revoke_token(me, current_user)
    flash_in("calendar", _("Your calendar link no longer works. Calendars subscribed to it stop updating."), "success")
    return redirect(url_for("rota.mine") + "#calendar")

