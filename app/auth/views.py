import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..audit import record
from ..extensions import db, login_manager
from .access import public
from .forms import LoginForm
from .models import User
from .passwords import burn_time, check_password
from .throttle import is_throttled, note_attempt

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    user_id, _, session_token = token.partition(":")
    if not (user_id.isascii() and user_id.isdecimal()) or len(user_id) > 12:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != session_token or not user.active:
        return None
    return user


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


def client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = client_address()
        if is_throttled(username, address):
            minutes = current_app.config["LOGIN_WINDOW_MINUTES"]
            flash(_("Too many failed attempts. Wait %(minutes)s minutes and try again, "
                    "or ask an administrator to check your account.", minutes=minutes), "danger")
            record("login", None, "login_throttled", None, data={"username": username, "address": address})
            db.session.commit()
            return render_template("auth/login.html", form=form), 429
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            burn_time(form.password.data)
            ok = False
        else:
            ok = check_password(user.password_hash, form.password.data) and user.active
        note_attempt(username, address, ok)
        if ok:
            record("user", user.id, "login", user, data={"address": address})
            db.session.commit()
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        record("user" if user else "login", user.id if user else None, "login_failed", None,
               data={"username": username, "address": address})
        db.session.commit()
        flash(_("Wrong username or password. Check both and try again."), "danger")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    # A copied session cookie must not outlive the logout: it names this token.
    current_user.session_token = secrets.token_hex(16)
    record("user", current_user.id, "logout", current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))
