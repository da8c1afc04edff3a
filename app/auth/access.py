"""Deny by default: every view needs a login unless marked @public, and
role checks are declared on the view."""
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user


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
