import math
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import clock
from ..audit import record
from ..extensions import db
from . import agents, devices, sessions
from .access import public
from .forms import LoginForm, PasswordChangeForm
from .models import User, UserSession
from .passwords import burn_time, check_password, hash_password
from .throttle import judge, note_attempt

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


def _refuse_throttled(until: datetime, now: datetime) -> None:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    flash(_("Too many failed attempts. Wait %(minutes)s minutes and try again, "
            "or ask an administrator to check your account.", minutes=minutes), "danger")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        address, now = sessions.client_address(), clock.now()
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        device, locked_until = judge(username, user, address, now)
        if locked_until is not None:
            _refuse_throttled(locked_until, now)
            record("login", None, "login_throttled", None, data={
                "username": username, "address": address, "until": locked_until.isoformat(timespec="seconds")})
            db.session.commit()
            return render_template("auth/login.html", form=form), 429
        if user is None:
            burn_time(form.password.data)
            ok = False
        else:
            ok = check_password(user.password_hash, form.password.data) and user.active
        note_attempt(username, address, ok, device)
        if ok:
            row = sessions.start(user, now)
            record("user", user.id, "login", user, data={
                "address": address, "session": row.id, "known_device": device is not None})
            db.session.commit()
            session.clear()
            login_user(user)
            response = redirect(_safe_next(request.args.get("next")))
            devices.issue(response, user, now)
            return response
        record("user" if user else "login", user.id if user else None, "login_failed", None,
               data={"username": username, "address": address, "known_device": device is not None})
        db.session.commit()
        flash(_("Wrong username or password. Check both and try again."), "danger")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    # The session's row goes, so a copied cookie dies with it; the account's
    # other sessions (other devices) go on.
    sessions.end(current_user.session_id, current_user.id, sessions.LOGOUT, current_user)
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


def _account_page(form: PasswordChangeForm, status: int = 200):
    rows = sessions.live_sessions(current_user)
    listed = [(row, agents.describe(row.user_agent)) for row in rows]
    return render_template("auth/account.html", form=form, sessions=listed,
                           current_session_id=current_user.session_id), status


@bp.route("/account")
def account():
    return _account_page(PasswordChangeForm())


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int):
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if session_id == current_user.session_id:
        return logout()
    sessions.end(session_id, current_user.id, sessions.LOGOUT, current_user,
                 data={"by_session": current_user.session_id, "cause": "logout_one"})
    db.session.commit()
    flash(_("That session is logged out."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sessions/end-others", methods=["POST"])
def end_other_sessions():
    ended = sessions.end_others(current_user, current_user.session_id, "logout_others")
    db.session.commit()
    flash(ngettext("%(num)d other session logged out.", "%(num)d other sessions logged out.", ended), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    user = current_user._get_current_object()
    address, now = sessions.client_address(), clock.now()
    # Guessing the current password here is guessing a login: the same counts hold.
    device, locked_until = judge(user.username, user, address, now)
    if locked_until is not None:
        _refuse_throttled(locked_until, now)
        record("user", user.id, "password_change_throttled", user, data={"address": address})
        db.session.commit()
        return _account_page(form, 429)
    if not check_password(user.password_hash, form.current_password.data):
        note_attempt(user.username, address, False, device)
        record("user", user.id, "password_change_failed", user, data={"address": address})
        db.session.commit()
        form.current_password.errors.append(_("The current password is wrong."))
        return _account_page(form, 400)
    user.password_hash = hash_password(form.new_password.data)
    # A new credential generation: device cookies issued before stop counting.
    user.session_token = secrets.token_hex(16)
    ended = sessions.end_others(user, user.session_id, "password_changed")
    record("user", user.id, "password_changed", user, data={"address": address, "sessions_ended": ended})
    db.session.commit()
    flash(_("Your password is changed. Your other sessions are logged out."), "success")
    response = redirect(url_for("auth.account"))
    devices.issue(response, user, now)  # this browser stays a known one
    return response
