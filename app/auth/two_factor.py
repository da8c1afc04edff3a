"""The second factor: TOTP codes (RFC 6238, six digits every 30 seconds, from
any authenticator app) after the password, and one-time recovery codes.

- Optional for everyone (from `/account/two-factor`); required for the roles
  TWO_FACTOR_ROLES names. A user of such a role who has none is let in with
  the password alone only to set one up: `require_enrolment` sends every other
  request to the set-up page.
- Setting up: a new secret is kept unconfirmed (the page shows it as a QR code
  drawn here with segno, an SVG data URI, and as text) until the user enters a
  code from it; then TWO_FACTOR_RECOVERY_CODES recovery codes are made and
  shown once. Only their SHA-256 is kept; each works once.
- A code is accepted for its time step and TWO_FACTOR_DRIFT_STEPS either side,
  and only if its step is later than the last one accepted (`last_step`, moved
  by a conditional UPDATE, so two requests racing with one code cannot both
  pass): a code seen once is dead, even within its window.
- Between the password and the code the login waits in the (signed) Flask
  session for TWO_FACTOR_PENDING_SECONDS; no server-side session exists yet.
- Moving to a new phone (any user with the factor on, a required role too):
  after the password and a current code, a new secret waits beside the
  confirmed one (`new_secret`) for TWO_FACTOR_MOVE_SECONDS; the old phone's
  codes keep working until a code from the new phone replaces the secret
  (and the recovery codes: whatever the old phone carried dies with it).

The callers (app/auth/views.py, cli.py) audit each step; this module audits
the use of a recovery code and a reset, wherever they happen.
"""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import delete, func, or_, select, update

from workflows import ROLES

from .. import clock
from ..audit import record
from ..extensions import db
from ..i18n import N_
from . import sessions
from .models import RecoveryCode, TwoFactor, User, UserSession

TOTP = "totp"
RECOVERY_CODE = "recovery_code"
PENDING_KEY = "pending_login"
# Recovery codes: 16 characters of an alphabet without look-alikes (no 0/o,
# 1/i/l), about 79 random bits, shown as four groups of four.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
TOTP_CODE = re.compile(r"^[0-9]{6}$")
# The views a user who must set up a second factor may still use.
ENROLMENT_ENDPOINTS = frozenset({
    "auth.two_factor", "auth.two_factor_begin", "auth.two_factor_confirm",
    "auth.logout", "auth.login", "auth.set_language", "static",
})


# -- settings -------------------------------------------------------------------


def required(user) -> bool:
    """Whether `user`'s role must use a second factor."""
    return user.role in current_app.config["TWO_FACTOR_ROLES"]


def check_settings(config) -> None:
    """Refuse to start with a role name that does not exist: a typo would
    silently let that role in with a password alone."""
    unknown = sorted(set(config["TWO_FACTOR_ROLES"]) - set(ROLES))
    if unknown:
        raise RuntimeError(f"TWO_FACTOR_ROLES names unknown roles: {', '.join(unknown)} (known: {', '.join(ROLES)})")


# -- reading ------------------------------------------------------------------------


def factor_of(user) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def enabled(user) -> bool:
    """Whether `user` has a confirmed second factor."""
    return db.session.execute(
        select(TwoFactor.user_id).where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_not(None))
    ).first() is not None


def recovery_codes_left(user) -> int:
    return db.session.execute(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def _aware(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC)  # times are naive UTC here; pyotp reads naive ones as local time


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=current_app.config["TWO_FACTOR_ISSUER"])


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code: an SVG data URI for an <img>, drawn here
    (the Content Security Policy allows `data:` images, and nothing leaves the
    server)."""
    return segno.make(uri, error="m", micro=False).svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret for typing by hand, in groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# -- setting up -----------------------------------------------------------------


class AlreadyEnabled(Exception):
    pass


def _lock_account(user) -> None:
    """Serialise changes to one account's second factor (a double-clicked
    button): on PostgreSQL the account's row is locked to the end of the
    transaction; SQLite's writing transactions take turns anyway."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def begin(user, now: datetime | None = None) -> TwoFactor:
    """A new unconfirmed secret for `user` (replacing an unconfirmed one), in
    the caller's transaction."""
    now = now or clock.now()
    _lock_account(user)
    row = factor_of(user)
    if row is not None and row.confirmed_at is not None:
        raise AlreadyEnabled()
    if row is None:
        row = TwoFactor(user_id=user.id)
        db.session.add(row)
    row.secret, row.created_at, row.confirmed_at, row.last_step = pyotp.random_base32(), now, None, None
    db.session.flush()
    return row


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code `code` is, within the allowed drift, else None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(_aware(now))
    drift = current_app.config["TWO_FACTOR_DRIFT_STEPS"]
    found = None
    for step in range(current - drift, current + drift + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step  # no early exit: every candidate costs the same
    return found


def _clean(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def confirm(user, code: str, now: datetime | None = None) -> list[str] | None:
    """Confirm `user`'s unconfirmed secret with a code from it; returns the
    new recovery codes (to show once), or None when the code is wrong or the
    secret was confirmed or replaced meanwhile. In the caller's transaction."""
    now = now or clock.now()
    code = _clean(code)
    if not TOTP_CODE.match(code):
        return None
    # The account's lock, as begin() takes it, then the row as stored now: a
    # set-up replacing the secret meanwhile has committed (the code is checked
    # against its secret) or waits. The secret is stored sealed, with a fresh
    # nonce each time, so an UPDATE cannot compare it (app/sealed.py).
    _lock_account(user)
    row = db.session.get(TwoFactor, user.id, populate_existing=True)
    if row is None or row.confirmed_at is not None:
        return None
    step = _matching_step(row.secret, code, now)
    if step is None:
        return None
    confirmed = db.session.execute(
        update(TwoFactor).where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_(None))
        .values(confirmed_at=now, last_step=step)
    ).rowcount
    if not confirmed:
        return None
    return new_recovery_codes(user, now)


def _hash_code(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def new_recovery_codes(user, now: datetime | None = None) -> list[str]:
    """Replace `user`'s recovery codes with new ones; returns them formatted
    (xxxx-xxxx-xxxx-xxxx). Only their hashes are stored."""
    now = now or clock.now()
    _lock_account(user)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(current_app.config["TWO_FACTOR_RECOVERY_CODES"]):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw), created_at=now))
    db.session.flush()
    return codes


# What the account's history records of a refused code or step ("problem")
# and what the code was for ("for"), shown by these labels (app/__init__.py).
PROBLEMS = {
    "wrong": N_("Wrong code"), "replayed": N_("Code already used"), "used": N_("Recovery code already used"),
    "password": N_("Wrong password"), "code": N_("Wrong code"), "expired": N_("Not finished in time"),
    "session": N_("Started in another session"),
}
# What a code given looked like ("method", "second_factor"): a code of the app, or a recovery code.
METHODS = {TOTP: N_("Code from the authenticator app"), RECOVERY_CODE: N_("Recovery code")}
PURPOSES = {
    "login": N_("Login"), "disable": N_("Turning it off"), "recovery_codes": N_("New recovery codes"),
    "new_phone": N_("Move to a new phone"),
}


# -- moving to a new phone -------------------------------------------------------


class NotEnabled(Exception):
    pass


def move_expires_at(row: TwoFactor) -> datetime | None:
    """When the move under way on `row` lapses; None when there is none."""
    if row is None or row.new_secret is None or row.new_secret_at is None:
        return None
    return row.new_secret_at + timedelta(seconds=current_app.config["TWO_FACTOR_MOVE_SECONDS"])


def move_state(row: TwoFactor | None, session_id: int | None, now: datetime | None = None) -> str | None:
    """None (no move under way), "pending" (started by the session
    `session_id`), "elsewhere" (by another session of the account) or
    "expired"."""
    expires = move_expires_at(row)
    if expires is None:
        return None
    if (now or clock.now()) >= expires:
        return "expired"
    return "pending" if session_id is not None and row.new_secret_session == session_id else "elsewhere"


def begin_move(user, now: datetime | None = None) -> TwoFactor:
    """A new secret for a new phone beside the confirmed one (replacing a
    move under way), in the caller's transaction; the caller has checked the
    password and a current code. Raises NotEnabled when the factor is off."""
    now = now or clock.now()
    _lock_account(user)
    row = db.session.get(TwoFactor, user.id, populate_existing=True)
    if row is None or row.confirmed_at is None:
        raise NotEnabled()
    row.new_secret, row.new_secret_at = pyotp.random_base32(), now
    row.new_secret_session = getattr(user, "session_id", None)
    db.session.flush()
    return row


def cancel_move(user) -> bool:
    """Drop the move under way (lapsed or not); True if there was one."""
    return bool(db.session.execute(
        update(TwoFactor).where(TwoFactor.user_id == user.id, TwoFactor.new_secret_at.is_not(None))
        .values(new_secret=None, new_secret_at=None, new_secret_session=None)
    ).rowcount)


@dataclass(frozen=True)
class Moved:
    problem: str | None = None  # None (moved), "none" (no move under way), "elsewhere", "expired" or "wrong"
    recovery_codes: list[str] | None = None


def confirm_move(user, code: str, now: datetime | None = None) -> Moved:
    """Confirm the move under way with a code from the new phone: the new
    secret replaces the old one (whose codes stop working) and new recovery
    codes replace the old ones (returned, to show once). A lapsed move is
    dropped. In the caller's transaction."""
    now = now or clock.now()
    code = _clean(code)
    _lock_account(user)
    row = db.session.get(TwoFactor, user.id, populate_existing=True)
    state = move_state(row, getattr(user, "session_id", None), now)
    if state is None or row.confirmed_at is None:
        return Moved("none")
    if state == "elsewhere":
        return Moved("elsewhere")
    if state == "expired":
        cancel_move(user)
        return Moved("expired")
    step = _matching_step(row.new_secret, code, now) if TOTP_CODE.match(code) else None
    if step is None:
        return Moved("wrong")
    # The secret is sealed per column (app/sealed.py): copied through the ORM
    # type, not in SQL. The move is the one read above (its start time), so a
    # second confirmation racing this one finds it gone.
    moved = db.session.execute(
        update(TwoFactor).where(TwoFactor.user_id == user.id, TwoFactor.new_secret_at == row.new_secret_at)
        .values(secret=row.new_secret, new_secret=None, new_secret_at=None, new_secret_session=None,
                confirmed_at=now, last_step=step)
    ).rowcount
    if not moved:
        return Moved("none")
    db.session.expire(row)
    return Moved(None, new_recovery_codes(user, now))


# -- checking a code ------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    method: str  # TOTP or RECOVERY_CODE: what the code looked like
    problem: str | None = None  # None (accepted), "wrong", "replayed" (TOTP) or "used" (recovery code)
    recovery_codes_left: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check(user, code: str, purpose: str, now: datetime | None = None) -> Outcome:
    """Check a code from `user`'s authenticator app, or one of their recovery
    codes, and use it up, in the caller's transaction (which must commit for
    the use to count). `purpose` ("login", "disable", "recovery_codes",
    "new_phone") goes
    into the audit event of a recovery code's use."""
    now = now or clock.now()
    code = _clean(code)
    if TOTP_CODE.match(code):
        return _check_totp(user, code, now)
    if len(code) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in code):
        return Outcome(TOTP if code.isdigit() else RECOVERY_CODE, "wrong")
    return _check_recovery_code(user, code, purpose, now)


def _check_totp(user, code: str, now: datetime) -> Outcome:
    row = factor_of(user)
    if row is None or row.confirmed_at is None:
        return Outcome(TOTP, "wrong")
    step = _matching_step(row.secret, code, now)
    if step is None:
        return Outcome(TOTP, "wrong")
    # Only a step later than the last one accepted moves it: a code already
    # used (or one older than it) is refused, also when two requests race;
    # and only while the secret read is the one confirmed (a move to a new
    # phone confirmed meanwhile sets a new confirmed_at: the old phone's
    # code read before it must not pass after it).
    moved = db.session.execute(
        update(TwoFactor).where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at == row.confirmed_at,
                                or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
        .values(last_step=step)
    ).rowcount
    return Outcome(TOTP, None if moved else "replayed")


def _check_recovery_code(user, code: str, purpose: str, now: datetime) -> Outcome:
    if not enabled(user):
        return Outcome(RECOVERY_CODE, "wrong")
    found = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.used_at)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code))
    ).first()
    if found is None:
        return Outcome(RECOVERY_CODE, "wrong")
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == found.id, RecoveryCode.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if not used:
        return Outcome(RECOVERY_CODE, "used")
    left = recovery_codes_left(user)
    record("user", user.id, "recovery_code_used", user, data={
        "address": sessions.client_address(), "for": purpose, "recovery_codes_left": left})
    return Outcome(RECOVERY_CODE, None, left)


# -- turning off ------------------------------------------------------------------


def remove(user) -> bool:
    """Delete `user`'s secret and recovery codes; True if there was a secret."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return bool(db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id)).rowcount)


def reset(user, actor, by: str, reason: str | None = None) -> dict:
    """An administrator's reset of `user`'s second factor (a lost phone):
    the secret and recovery codes go, and every session of the account is
    logged out, so the next login asks for the password alone (and a role
    that needs a factor sets up a new one). Audited; in the caller's
    transaction. Returns the audit data."""
    had = enabled(user)
    removed = remove(user)
    ended = sessions.end_all(user, actor, {"cause": "second_factor_reset"})
    data = {"by": by, "had_second_factor": had, "setup_discarded": removed and not had, "sessions_ended": ended}
    record("user", user.id, "second_factor_reset", actor, reason=reason, data=data)
    return data


# -- the login between password and code -------------------------------------------


def _generation(user) -> str:
    return hashlib.sha256(f"pending:{user.session_token}".encode()).hexdigest()[:16]


def remember_pending(user, next_url: str, now: datetime | None = None) -> None:
    """The password was right: the login waits for the code."""
    now = now or clock.now()
    session[PENDING_KEY] = [user.id, _generation(user), int(_aware(now).timestamp()), next_url]


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)


def pending(now: datetime | None = None) -> tuple[User, str] | None:
    """(the account whose password was just given, where to go next), while
    the code may still be entered; None otherwise."""
    now = now or clock.now()
    value = session.get(PENDING_KEY)
    if not isinstance(value, list) or len(value) != 4:
        return None
    user_id, generation, at, next_url = value
    if not isinstance(user_id, int) or not isinstance(at, int):
        return None
    age = int(_aware(now).timestamp()) - at
    if not 0 <= age <= current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not hmac.compare_digest(str(generation), _generation(user)):
        return None
    if not enabled(user):  # reset meanwhile
        return None
    return user, str(next_url)


def mark_session(session_id: int, method: str) -> None:
    """This session has now passed the second factor (it set one up)."""
    db.session.execute(update(UserSession).where(UserSession.id == session_id).values(second_factor=method))


# -- the gate -------------------------------------------------------------------------


def require_enrolment():
    """before_request, after the session check: a user whose role needs a
    second factor and whose session passed none may only set one up (or log
    out). Their GETs go to the set-up page; anything else is refused.
    Static files are for everyone, and reading `current_user` for them would
    load the session and mark every stylesheet `Vary: Cookie`."""
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if current_user.session_second_factor or not required(current_user):
        return None
    if enabled(current_user):
        # A factor set up elsewhere after this session began: log in with it.
        db.session.commit()
        sessions.end(current_user.session_id, current_user.id, sessions.LOGOUT, current_user,
                     data={"cause": "second_factor_needed"})
        db.session.commit()
        logout_user()
        sessions.fresh_cookie()
        flash(_("Log in again with the code from your authenticator app."), "info")
        return redirect(url_for("auth.login"))
    if request.method in ("GET", "HEAD"):
        flash(_("Your role needs two-step verification. Set it up to go on."), "warning")
        return redirect(url_for("auth.two_factor"))
    abort(403)
