"""Server-side sessions: one `UserSession` row per logged-in browser.

The login cookie (Flask's signed session) names a random key; the row keeps
its SHA-256. A session ends when its row goes: logging out, logging it out
from the account page, a password change (the others), or a timeout — after
SESSION_IDLE_MINUTES without a request, or SESSION_LIFETIME_HOURS after its
login, whichever comes first. Every end is audited on the account ("user").

A timed-out session is refused by the user loader at once; its row is removed
(and the timeout audited) by the first request that still carries it, or by
the `flask workflows tick` job, whichever comes first.

The cookie is emptied at each login and logout (so nothing set before a login
rides into the account's session), all but the language the browser chose
(`LANGUAGE_KEY`, read by app.select_locale). An account remembers the language
its user last chose (`User.lang`) and a login applies it, unless the language
was picked on the login pages just before (then that is remembered instead).
"""
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _, refresh as refresh_locale
from flask_login import current_user, logout_user
from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy import inspect as sa_inspect

from .. import clock
from ..audit.chain import lock_chain, record
from ..driver import DriverSelect, built_once, loaded
from ..engine import SYSTEM_ACTOR
from ..extensions import db
from ..i18n import N_
from .models import User, UserSession

LOGOUT = "logout"
TIMEOUT = "session_timeout"

# Why sessions were ended ("cause", recorded with their logouts and with the
# step that ended them): shown by these labels in the history.
CAUSES = {
    "deactivated": N_("The account was deactivated"),
    "password_set": N_("An administrator set a new password"),
    "password_changed": N_("The password was changed"),
    "logout_one": N_("Logged out from the account page"),
    "logout_others": N_("All other sessions logged out"),
    "second_factor_on": N_("Two-step verification turned on"),
    "second_factor_moved": N_("Two-step verification moved to a new phone"),
    "second_factor_reset": N_("Two-step verification reset by an administrator"),
    "second_factor_needed": N_("Two-step verification now needed for this session"),
}
# Why a session timed out ("after"; expiry()).
ENDED_AFTER = {"idle": N_("Idle too long"), "lifetime": N_("Longest session length reached")}


LANGUAGE_KEY = "lang"
# Set when the language is picked by a browser not signed in (on the login
# pages): the login that follows keeps it and remembers it on the account.
PICKED_KEY = "lang_picked"


def choose_language(code: str) -> None:
    """The browser's choice of language (one of LANGUAGES): for this browser,
    and remembered on the signed-in account (committed by the caller)."""
    session[LANGUAGE_KEY] = code
    if current_user.is_authenticated:
        if current_user.lang != code:
            current_user.lang = code
    else:
        session[PICKED_KEY] = True


def login_language(user: User) -> str | None:
    """The language a login of `user` goes on in: the one picked on the login
    pages (remembered on the account, committed with the login), else the
    account's own, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(LANGUAGE_KEY)
    if session.get(PICKED_KEY) and chosen in languages:
        user.lang = chosen
        return chosen
    return user.lang if user.lang in languages else chosen


def fresh_cookie(language: str | None = None) -> None:
    """Empty the cookie session (a login or logout starts from nothing: no
    fixation) but for the language: `language`, else the one it had. The
    rest of the request (its flashes) speaks that language."""
    language = language or session.get(LANGUAGE_KEY)
    session.clear()
    if language in current_app.config["LANGUAGES"]:
        session[LANGUAGE_KEY] = language
    refresh_locale()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_address() -> str:
    return request.remote_addr or "unknown"


def start(user: User, now: datetime | None = None, second_factor: str | None = None) -> UserSession:
    """A new session for `user` from this request's browser, in the caller's
    transaction; `user.get_id()` then names it for the login cookie.
    `second_factor` says how the login passed it (None: password alone)."""
    now = now or clock.now()
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, key_hash=key_hash(key), created_at=now, last_seen_at=now,
                      address=client_address()[:64], user_agent=request.headers.get("User-Agent", "")[:300],
                      second_factor=second_factor)
    db.session.add(row)
    db.session.flush()
    user.session_row, user.session_id, user.session_key = row, row.id, key
    user.session_second_factor = second_factor
    return row


def _limits() -> tuple[timedelta, timedelta]:
    c = current_app.config
    return timedelta(minutes=c["SESSION_IDLE_MINUTES"]), timedelta(hours=c["SESSION_LIFETIME_HOURS"])


def expiry(created_at: datetime, last_seen_at: datetime) -> tuple[datetime, str]:
    """When a session ends unless seen again, and why: "idle" or "lifetime"."""
    idle, lifetime = _limits()
    idle_end, lifetime_end = last_seen_at + idle, created_at + lifetime
    return (idle_end, "idle") if idle_end < lifetime_end else (lifetime_end, "lifetime")


def live(now: datetime):
    """SQL condition: the session has not timed out at `now`."""
    idle, lifetime = _limits()
    return and_(UserSession.last_seen_at > now - idle, UserSession.created_at > now - lifetime)


def live_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    now = now or clock.now()
    return list(db.session.execute(
        select(UserSession).where(UserSession.user_id == user.id, live(now))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).scalars())


def end(session_id: int, user_id: int, trigger: str, actor, *, data: dict | None = None) -> bool:
    """Remove a session and audit its end, in the caller's transaction; False
    when another request or runner ended it first. The DELETE comes first so
    that on SQLite the transaction takes the write lock before it reads."""
    lock_chain(db.session)  # the chain lock before the row's (app/audit/chain.py)
    removed = db.session.execute(delete(UserSession).where(UserSession.id == session_id)).rowcount
    if removed:
        record("user", user_id, trigger, actor, data={"session": session_id, **(data or {})})
    return bool(removed)


def _timeout_data(created_at: datetime, last_seen_at: datetime) -> dict:
    ended_at, after = expiry(created_at, last_seen_at)
    return {"after": after, "expired_at": ended_at.isoformat(timespec="seconds"),
            "last_seen": last_seen_at.isoformat(timespec="seconds")}


def end_expired(now: datetime | None = None) -> int:
    """Timer job: end every session that has timed out; returns how many."""
    now = now or clock.now()
    rows = db.session.execute(
        select(UserSession.id, UserSession.user_id, UserSession.created_at, UserSession.last_seen_at)
        .where(~live(now)).order_by(UserSession.id)
    ).all()
    ended = sum(end(r.id, r.user_id, TIMEOUT, SYSTEM_ACTOR, data=_timeout_data(r.created_at, r.last_seen_at))
                for r in rows)
    db.session.commit()
    return ended


class SessionRow(NamedTuple):
    """What a request needs of its session's row (`check_session`)."""
    id: int
    created_at: datetime
    last_seen_at: datetime
    second_factor: str | None


# The session's row and its account's columns in one statement, compiled once
# for each dialect and sent to the driver (app/driver.py): every request reads
# it, and SQLAlchemy's ORM query (its execution and joined load) cost several
# times what the database takes.
def _statement(dialect) -> tuple[DriverSelect, tuple[str, ...]]:
    account = [(prop.key, prop.columns[0]) for prop in sa_inspect(User).column_attrs]
    statement = (select(*(UserSession.__table__.c[name] for name in SessionRow._fields),
                        *(column for _, column in account))
                 .join(User, User.id == UserSession.user_id)
                 .where(UserSession.key_hash == bindparam("key_hash")))
    return DriverSelect(statement, dialect), tuple(key for key, _ in account)


def _read_session(key: str) -> tuple[SessionRow, dict] | None:
    """The live or timed-out session of `key` and its account's values."""
    connection = db.session.connection(bind_arguments={"mapper": sa_inspect(User)})
    select_, account_keys = built_once(connection.dialect, ("login session",), _statement)
    values = select_.first(connection, {"key_hash": key_hash(key)})
    if values is None:
        return None
    split = len(SessionRow._fields)
    return SessionRow(*values[:split]), dict(zip(account_keys, values[split:]))


def load_user(key: str) -> User | None:
    """Flask-Login's user loader: the account of a live session, else None.
    It only reads; a timed-out session is noted for `check_session`."""
    if not key or len(key) > 64:
        return None
    found = _read_session(key)
    if found is None:
        return None
    row, account = found
    if not account["active"]:
        return None
    ended_at, _after = expiry(row.created_at, row.last_seen_at)
    if clock.now() >= ended_at:
        g.timed_out_session = (row.id, account["id"], row.created_at, row.last_seen_at)
        return None
    user = loaded(db.session(), sa_inspect(User), account)
    user.session_row, user.session_id, user.session_key = row, row.id, key
    user.session_second_factor = row.second_factor
    return user


def check_session():
    """before_request, ahead of the login check: loads the session; ends and
    audits a timed-out one; writes "last seen" at most once per
    SESSION_TOUCH_SECONDS, so page views do not each write."""
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated:
        row, now = current_user.session_row, clock.now()
        if now - row.last_seen_at >= timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"]):
            _touch(row.id, now)
        return None
    timed_out = g.pop("timed_out_session", None)
    if timed_out is not None:
        _end_timed_out(*timed_out)
    return None


def _touch(session_id: int, now: datetime) -> None:
    # The loader's read transaction ends first, so that the UPDATE begins a
    # transaction of its own and on SQLite waits its turn for the write lock.
    db.session.commit()
    db.session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.last_seen_at < now)
                       .values(last_seen_at=now, address=client_address()[:64]))
    db.session.commit()


def _end_timed_out(session_id: int, user_id: int, created_at: datetime, last_seen_at: datetime) -> None:
    db.session.commit()
    end(session_id, user_id, TIMEOUT, SYSTEM_ACTOR, data=_timeout_data(created_at, last_seen_at))
    db.session.commit()
    logout_user()  # the cookie's dead key would otherwise be looked up on every request
    if expiry(created_at, last_seen_at)[1] == "idle":
        flash(_("You were logged out after %(minutes)s minutes without activity. Log in again to go on.",
                minutes=current_app.config["SESSION_IDLE_MINUTES"]), "info")
    else:
        flash(_("You were logged out: a session lasts at most %(hours)s hours. Log in again to go on.",
                hours=current_app.config["SESSION_LIFETIME_HOURS"]), "info")


def end_others(user: User, keep_id: int, cause: str) -> int:
    """End every other session of `user`, each audited as a logout (or as a
    timeout if it had already timed out); returns how many were still live."""
    return end_all(user, user, {"by_session": keep_id, "cause": cause}, keep_id=keep_id)


def end_all(user: User, actor, data: dict, keep_id: int | None = None) -> int:
    """End every session of `user` but `keep_id`: a live one audited as a
    logout by `actor` with `data`, one that had already timed out as the
    timeout it was (by the system); returns how many were still live."""
    now = clock.now()
    query = select(UserSession.id, UserSession.created_at, UserSession.last_seen_at).where(
        UserSession.user_id == user.id)
    if keep_id is not None:
        query = query.where(UserSession.id != keep_id)
    ended = 0
    for other in db.session.execute(query.order_by(UserSession.id)).all():
        if now >= expiry(other.created_at, other.last_seen_at)[0]:
            end(other.id, user.id, TIMEOUT, SYSTEM_ACTOR, data=_timeout_data(other.created_at, other.last_seen_at))
        else:
            ended += end(other.id, user.id, LOGOUT, actor, data=data)
    return ended
