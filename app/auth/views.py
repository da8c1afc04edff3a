import math
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_user, logout_user

from .. import clock
from ..audit import record
from ..extensions import db
from ..form_errors import correct_the_marked
from . import agents, devices, sessions, two_factor
from .access import public
from .forms import (
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    TwoFactorBeginForm,
    TwoFactorConfirmForm,
    TwoFactorMoveCancelForm,
    TwoFactorMoveConfirmForm,
    TwoFactorMoveForm,
)
from .models import User, UserSession, user_named
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
        user = user_named(username)  # whatever the capitals
        # Counted under the account's own name when there is one, so no spelling of it escapes its count.
        counted_as = user.username if user is not None else username
        device, locked_until = judge(counted_as, user, address, now)
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
        note_attempt(counted_as, address, ok, device)
        if ok and two_factor.enabled(user):
            # The password was right; the login waits for the code (no session yet).
            record("user", user.id, "second_factor_asked", None, data={
                "address": address, "known_device": device is not None})
            db.session.commit()
            two_factor.remember_pending(user, _safe_next(request.args.get("next")), now)
            return redirect(url_for("auth.login_code"))
        if ok:
            return _complete_login(user, device, address, now, None, _safe_next(request.args.get("next")))
        record("user" if user else "login", user.id if user else None, "login_failed", None,
               data={"username": username, "address": address, "known_device": device is not None})
        db.session.commit()
        flash(_("Wrong username or password. Check both and try again."), "danger")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _complete_login(user: User, device: str | None, address: str, now: datetime, second_factor: str | None,
                    next_url: str, recovery_codes_left: int | None = None):
    """Start the session of a login that passed (the password, and the code
    when the account has a second factor), audit it, and leave the browser a
    device cookie."""
    row = sessions.start(user, now, second_factor)
    user.last_login_at = now  # committed with the login's audit event below
    language = sessions.login_language(user)  # a language picked on the login pages is remembered here
    must_enrol = second_factor is None and two_factor.required(user)
    record("user", user.id, "login", user, data={
        "address": address, "session": row.id, "known_device": device is not None,
        "second_factor": second_factor, **({"must_set_up_second_factor": True} if must_enrol else {})})
    db.session.commit()
    sessions.fresh_cookie(language)  # flashes go too: give them after, in that language
    login_user(user)
    if recovery_codes_left is not None and recovery_codes_left <= 3:
        flash(_("You have %(count)s recovery codes left. Make new ones on your account page.",
                count=recovery_codes_left), "warning")
    if must_enrol:
        flash(_("Your role needs two-step verification. Set it up to go on."), "warning")
        next_url = url_for("auth.two_factor")
    response = redirect(next_url)
    devices.issue(response, user, now)
    return response


_CODE_PROBLEMS = {
    "wrong": lambda: _("Wrong code. Enter the six digits your authenticator app shows now, or a recovery code."),
    "replayed": lambda: _("That code was used already. Wait for the next code in your app and enter it."),
    "used": lambda: _("That recovery code was used already. Each recovery code works once."),
}


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step of a login whose account has a second factor."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    waiting = two_factor.pending()
    if waiting is None:
        two_factor.forget_pending()
        flash(_("Log in with your username and password first (the code page waits %(minutes)s minutes).",
                minutes=current_app.config["TWO_FACTOR_PENDING_SECONDS"] // 60), "info")
        return redirect(url_for("auth.login"))
    user, next_url = waiting
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        address, now = sessions.client_address(), clock.now()
        # A wrong code counts as a failed login: the same keys and lockouts.
        device, locked_until = judge(user.username, user, address, now)
        if locked_until is not None:
            _refuse_throttled(locked_until, now)
            record("user", user.id, "second_factor_throttled", None, data={
                "address": address, "until": locked_until.isoformat(timespec="seconds")})
            db.session.commit()
            return render_template("auth/login_code.html", form=form), 429
        outcome = two_factor.check(user, form.code.data, "login", now)
        note_attempt(user.username, address, outcome.ok, device)
        if outcome.ok:
            return _complete_login(user, device, address, now, outcome.method, next_url, outcome.recovery_codes_left)
        record("user", user.id, "second_factor_failed", None, data={
            "address": address, "known_device": device is not None, "method": outcome.method,
            "problem": outcome.problem, "for": "login"})
        db.session.commit()
        form.code.errors.append(_CODE_PROBLEMS[outcome.problem]())
        status = 401
    elif request.method == "POST":
        status = 400
    if form.errors:
        correct_the_marked(form)
    return render_template("auth/login_code.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    # The session's row goes, so a copied cookie dies with it; the account's
    # other sessions (other devices) go on.
    sessions.end(current_user.session_id, current_user.id, sessions.LOGOUT, current_user)
    db.session.commit()
    logout_user()
    sessions.fresh_cookie()  # the language stays: the login page and this message speak it
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        sessions.choose_language(code)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


def _account_page(form: PasswordChangeForm, status: int = 200):
    if form.errors:  # the password form, below the list of sessions
        correct_the_marked(form, "password")
    rows = sessions.live_sessions(current_user)
    listed = [(row, agents.describe(row.user_agent)) for row in rows]
    return render_template("auth/account.html", form=form, sessions=listed,
                           current_session_id=current_user.session_id,
                           two_factor_on=two_factor.enabled(current_user)), status


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


# -- the second factor on the account page -------------------------------------------


def _two_factor_page(status: int = 200, *, begin_form=None, confirm_form=None, code_form=None, move_form=None,
                     move_confirm_form=None):
    sent_back = next((f for f in (begin_form, confirm_form, code_form, move_form, move_confirm_form)
                      if f is not None and f.errors), None)
    if sent_back is not None:  # a wrong code or password, or none given (not a refusal: that says its own)
        correct_the_marked(sent_back, "two-factor-move" if sent_back in (move_form, move_confirm_form) else None)
    user = current_user._get_current_object()
    row = two_factor.factor_of(user)
    context = {"row": row, "required": two_factor.required(user),
               "begin_form": begin_form or TwoFactorBeginForm(), "confirm_form": confirm_form or TwoFactorConfirmForm(),
               "code_form": code_form or CodeForm(), "move_form": move_form or TwoFactorMoveForm(),
               "move_confirm_form": move_confirm_form or TwoFactorMoveConfirmForm(),
               "cancel_form": TwoFactorMoveCancelForm(), "move": None}
    if row is not None and row.confirmed_at is None:
        uri = two_factor.provisioning_uri(user, row.secret)
        context.update(qr=two_factor.qr_data_uri(uri), otpauth_uri=uri, secret=two_factor.grouped(row.secret))
    elif row is not None:
        context.update(recovery_codes_left=two_factor.recovery_codes_left(user))
        move = two_factor.move_state(row, user.session_id)
        if move == "pending":  # the new phone's key, shown to the session that started the move only
            uri = two_factor.provisioning_uri(user, row.new_secret)
            context.update(move=move, qr=two_factor.qr_data_uri(uri), otpauth_uri=uri,
                           secret=two_factor.grouped(row.new_secret), move_expires_at=two_factor.move_expires_at(row))
        elif move == "elsewhere":
            context.update(move=move, move_started_at=row.new_secret_at)
        elif move == "expired":
            context.update(move=move)
    return render_template("auth/two_factor.html", **context), status


@bp.route("/account/two-factor", endpoint="two_factor")
def two_factor_page():
    return _two_factor_page()


@bp.route("/account/two-factor/begin", methods=["POST"])
def two_factor_begin():
    """A new secret to set up, once the current password is given again."""
    form = TwoFactorBeginForm()
    if not form.validate_on_submit():
        return _two_factor_page(400, begin_form=form)
    user = current_user._get_current_object()
    address, now = sessions.client_address(), clock.now()
    device, locked_until = judge(user.username, user, address, now)
    if locked_until is not None:
        _refuse_throttled(locked_until, now)
        record("user", user.id, "second_factor_setup_throttled", user, data={"address": address})
        db.session.commit()
        return _two_factor_page(429, begin_form=form)
    if not check_password(user.password_hash, form.current_password.data):
        note_attempt(user.username, address, False, device)
        record("user", user.id, "second_factor_setup_failed", user, data={"address": address, "problem": "password"})
        db.session.commit()
        form.current_password.errors.append(_("The current password is wrong."))
        return _two_factor_page(400, begin_form=form)
    try:
        two_factor.begin(user, now)
    except two_factor.AlreadyEnabled:
        db.session.rollback()
        flash(_("Two-step verification is already on."), "info")
        return redirect(url_for("auth.two_factor"))
    record("user", user.id, "second_factor_setup_started", user, data={"address": address})
    db.session.commit()
    return redirect(url_for("auth.two_factor"))


@bp.route("/account/two-factor/confirm", methods=["POST"])
def two_factor_confirm():
    """The first code from the new secret: the factor is on, the recovery
    codes are shown (once), and the account's other sessions, which passed no
    second factor, are logged out."""
    form = TwoFactorConfirmForm()
    if not form.validate_on_submit():
        return _two_factor_page(400, confirm_form=form)
    user = current_user._get_current_object()
    address, now = sessions.client_address(), clock.now()
    row = two_factor.factor_of(user)
    if row is None or row.confirmed_at is not None:  # turned on (or reset) meanwhile
        return redirect(url_for("auth.two_factor"))
    codes = two_factor.confirm(user, form.code.data, now)
    if codes is None:
        record("user", user.id, "second_factor_setup_failed", user, data={"address": address, "problem": "code"})
        db.session.commit()
        form.code.errors.append(_("Wrong code. Check that the app shows this account and that the phone's clock "
                                  "is right, then enter the code it shows now."))
        return _two_factor_page(400, confirm_form=form)
    two_factor.mark_session(user.session_id, two_factor.TOTP)
    ended = sessions.end_others(user, user.session_id, "second_factor_on")
    record("user", user.id, "second_factor_enabled", user, data={
        "address": address, "session": user.session_id, "recovery_codes": len(codes), "sessions_ended": ended})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, new=True)


def _check_code_again(form, purpose: str, *, code_field=None, password_field=None, page_forms=None):
    """For turning the factor off, making new recovery codes or moving to a
    new phone (which asks for the password too): a current code (or a
    recovery code), counted like a login. None when it passed, else the page
    to answer with."""
    code_field = code_field or form.code
    page_forms = page_forms or {"code_form": form}
    user = current_user._get_current_object()
    address, now = sessions.client_address(), clock.now()
    device, locked_until = judge(user.username, user, address, now)
    if locked_until is not None:
        _refuse_throttled(locked_until, now)
        record("user", user.id, "second_factor_throttled", user, data={"address": address, "for": purpose})
        db.session.commit()
        return _two_factor_page(429, **page_forms)
    if password_field is not None and not check_password(user.password_hash, password_field.data):
        note_attempt(user.username, address, False, device)
        record("user", user.id, "second_factor_move_failed", user, data={"address": address, "problem": "password"})
        db.session.commit()
        password_field.errors.append(_("The current password is wrong."))
        return _two_factor_page(400, **page_forms)
    outcome = two_factor.check(user, code_field.data, purpose, now)
    if outcome.ok:
        return None
    note_attempt(user.username, address, False, device)
    record("user", user.id, "second_factor_failed", user, data={
        "address": address, "known_device": device is not None, "method": outcome.method,
        "problem": outcome.problem, "for": purpose})
    db.session.commit()
    code_field.errors.append(_CODE_PROBLEMS[outcome.problem]())
    return _two_factor_page(401, **page_forms)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
def two_factor_recovery_codes():
    form = CodeForm()
    if not form.validate_on_submit():
        return _two_factor_page(400, code_form=form)
    user = current_user._get_current_object()
    if not two_factor.enabled(user):
        return redirect(url_for("auth.two_factor"))
    refused = _check_code_again(form, "recovery_codes")
    if refused is not None:
        return refused
    codes = two_factor.new_recovery_codes(user)
    record("user", user.id, "recovery_codes_renewed", user, data={
        "address": sessions.client_address(), "recovery_codes": len(codes)})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, new=False)


@bp.route("/account/two-factor/disable", methods=["POST"])
def two_factor_disable():
    form = CodeForm()
    if not form.validate_on_submit():
        return _two_factor_page(400, code_form=form)
    user = current_user._get_current_object()
    if two_factor.required(user):
        flash(_("Your role needs two-step verification: it cannot be turned off. If you lost your phone, "
                "use a recovery code, or ask an administrator to reset it."), "danger")
        return _two_factor_page(403)
    if not two_factor.enabled(user):
        return redirect(url_for("auth.two_factor"))
    refused = _check_code_again(form, "disable")
    if refused is not None:
        return refused
    two_factor.remove(user)
    record("user", user.id, "second_factor_disabled", user, data={"address": sessions.client_address()})
    db.session.commit()
    flash(_("Two-step verification is off. Your password alone logs you in."), "success")
    return redirect(url_for("auth.account"))


# -- moving to a new phone ------------------------------------------------------------


@bp.route("/account/two-factor/move", methods=["POST"])
def two_factor_move():
    """The password and a current code (old phone or recovery code), then a
    new key for the new phone beside the old one: the old phone keeps
    working until the new one's first code confirms the move."""
    form = TwoFactorMoveForm()
    if not form.validate_on_submit():
        return _two_factor_page(400, move_form=form)
    user = current_user._get_current_object()
    if not two_factor.enabled(user):
        flash(_("Two-step verification is not on for your account: there is nothing to move. Set it up below."),
              "warning")
        return _two_factor_page(409)
    if two_factor.move_state(two_factor.factor_of(user), user.session_id) == "elsewhere":
        # One move at a time: starting here would silently void the one another session is finishing.
        flash(_("A move to a new phone is under way in another signed-in session: finish it there, or cancel "
                "it below first."), "warning")
        return _two_factor_page(409)
    refused = _check_code_again(form, "new_phone", code_field=form.move_code, password_field=form.move_password,
                                page_forms={"move_form": form})
    if refused is not None:
        return refused
    try:
        two_factor.begin_move(user)
    except two_factor.NotEnabled:  # reset meanwhile
        db.session.rollback()
        return redirect(url_for("auth.two_factor"))
    record("user", user.id, "second_factor_move_started", user, data={"address": sessions.client_address()})
    db.session.commit()
    flash(_("Add the new phone within %(minutes)s minutes. Until you enter its first code, your current phone "
            "still works.", minutes=current_app.config["TWO_FACTOR_MOVE_SECONDS"] // 60), "info")
    return redirect(url_for("auth.two_factor", _anchor="two-factor-move"))


@bp.route("/account/two-factor/move/confirm", methods=["POST"])
def two_factor_move_confirm():
    """The new phone's first code: its key replaces the old one, new recovery
    codes replace the old ones (shown once), and the account's other
    sessions are logged out."""
    form = TwoFactorMoveConfirmForm()
    if not form.validate_on_submit():
        return _two_factor_page(400, move_confirm_form=form)
    user = current_user._get_current_object()
    address, now = sessions.client_address(), clock.now()
    moved = two_factor.confirm_move(user, form.new_phone_code.data, now)
    if moved.problem == "none":  # confirmed, cancelled or reset meanwhile
        db.session.rollback()
        flash(_("No move to a new phone is under way. To move, start again below."), "info")
        return redirect(url_for("auth.two_factor"))
    if moved.problem == "elsewhere":
        record("user", user.id, "second_factor_move_failed", user, data={"address": address, "problem": "session"})
        db.session.commit()
        flash(_("This move to a new phone was started in another signed-in session: finish it there. If you did "
                "not start it, cancel it below and change your password."), "warning")
        return _two_factor_page(409)
    if moved.problem == "expired":
        record("user", user.id, "second_factor_move_failed", user, data={"address": address, "problem": "expired"})
        db.session.commit()
        flash(_("The move to a new phone was not finished within %(minutes)s minutes and is cancelled; your current "
                "phone still works. Start the move again, and remove the account you added on the new phone.",
                minutes=current_app.config["TWO_FACTOR_MOVE_SECONDS"] // 60), "warning")
        return _two_factor_page(409)
    if moved.problem == "wrong":
        record("user", user.id, "second_factor_move_failed", user, data={"address": address, "problem": "code"})
        db.session.commit()
        form.new_phone_code.errors.append(_(
            "Wrong code. Enter the code the new phone shows now for the account you just added (not the old "
            "phone's), and check that the new phone's clock is right."))
        return _two_factor_page(400, move_confirm_form=form)
    ended = sessions.end_others(user, user.session_id, "second_factor_moved")
    record("user", user.id, "second_factor_moved", user, data={
        "address": address, "session": user.session_id, "recovery_codes": len(moved.recovery_codes),
        "sessions_ended": ended})
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=moved.recovery_codes, new=False, moved=True)


@bp.route("/account/two-factor/move/cancel", methods=["POST"])
def two_factor_move_cancel():
    """Drop the move under way; the current phone goes on as before."""
    form = TwoFactorMoveCancelForm()
    if not form.validate_on_submit():
        return _two_factor_page(400)
    user = current_user._get_current_object()
    if two_factor.cancel_move(user):
        record("user", user.id, "second_factor_move_cancelled", user, data={"address": sessions.client_address()})
        db.session.commit()
        flash(_("The move to a new phone is cancelled. Your current phone still works."), "success")
    return redirect(url_for("auth.two_factor"))
