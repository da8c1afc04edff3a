"""Deny by default: every view needs a login unless marked @public, and
role checks are declared on the view."""
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from .. import driver
from ..extensions import db


def public(view):
    view._public = True
    return view


def roles_required(*roles):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper._roles = roles
        return wrapper

    return decorate


def require_login():
    """before_request hook."""
    if request.endpoint is None:
        return None  # 404 follows
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_public", False) or request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    return None


def refuse(what: str, row_id: int):
    """404 for a row outside the user's scope, with a log line: guessing ids
    reveals nothing, and the attempt is on record."""
    current_app.logger.warning("%s %s refused to user %s (%s)", what, row_id, current_user.id, current_user.role)
    abort(404)


def load_visible(model, row_id: int, what: str, options=()):
    """The row, if the current user may see it (the model's `visible_to`);
    otherwise `refuse`. `options`: loader options (eager loads) for a page
    that shows the row's related rows."""
    row = db.session.get(model, row_id, options=options) if options else driver.get(db.session(), model, row_id)
    if row is None or not row.visible_to(current_user):
        refuse(what, row_id)
    return row
