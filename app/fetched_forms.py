"""Forms a page fetches when their panel opens (static/js/app.js), so that
viewing a case does not build and render every form it offers, each with
its tokens. A panel's button opens it; the script asks the form's own URL
for the form alone and puts it in place. Until then the panel holds a link
that opens the page with that form in place (`?form=<name>`), which serves
when the fetch does not (a dropped connection, an ended session); a form
sent back with its errors is in place too.

The form's URL answers 200 with the form, or an error status with a message
(`gone`) when the form is no longer offered: both are marked
`data-form-fragment`, so that the script inserts nothing else (an error
page, the login page)."""
from flask import render_template, request
from flask_babel import lazy_gettext as _l

# When the page's version of the case is not the case's: its form would be refused once filled in.
CHANGED = _l("The case has changed since this page was loaded. Reload the page to see what changed.")


def requested(name: str) -> bool:
    """Whether the page was opened with the form `name` in place (the panel's link)."""
    return request.args.get("form") == name


def stale(version: int) -> bool:
    """Whether the case's version the page showed (`?version=`) is not `version`."""
    seen = request.args.get("version", type=int)
    return seen is not None and seen != version


def gone(message, status: int):
    """The answer of a form's URL when the form is not offered: a message in its place."""
    return render_template("_form_gone.html", message=message), status
