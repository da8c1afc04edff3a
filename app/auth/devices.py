"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
Cookies"): a successful login leaves the browser a cookie naming the account,
signed with the app's secret key and good for DEVICE_COOKIE_DAYS. At the next
login to that account the browser is judged by its own failures only
(app/auth/throttle.py), so the owner gets in while a guesser is locked out.

One browser may be shared (an office computer): the cookie holds one entry per
account, the latest few. Each entry carries a digest of the account's
credential generation (`User.session_token`), so a new password voids the
cookies issued before it.
"""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from .. import clock

COOKIE_NAME = "device"
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="auth.device-cookie")


def _generation(user) -> str:
    return hashlib.sha256(f"device:{user.session_token}".encode()).hexdigest()[:16]


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _entries() -> list[list]:
    """[user_id, nonce, issued (epoch seconds), generation] of each account
    this browser logged in to; [] for a missing, forged or garbled cookie."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 4
            and isinstance(e[0], int) and isinstance(e[1], str) and isinstance(e[2], int) and isinstance(e[3], str)]


def _fresh(entry, now: datetime) -> bool:
    return entry[2] > _epoch(now - timedelta(days=current_app.config["DEVICE_COOKIE_DAYS"]))


def known_device(user, now: datetime | None = None) -> str | None:
    """The nonce of this browser's valid device cookie for `user`, else None."""
    now = now or clock.now()
    for user_id, nonce, issued, generation in _entries():
        if user_id == user.id and generation == _generation(user) and _fresh((user_id, nonce, issued), now):
            return nonce
    return None


def issue(response, user, now: datetime | None = None) -> None:
    """Give the browser a new device cookie entry for `user` (a new nonce, so
    failures counted against an old one do not follow it)."""
    now = now or clock.now()
    others = [e for e in _entries() if e[0] != user.id and _fresh(e, now)]
    entries = [[user.id, secrets.token_hex(8), _epoch(now), _generation(user)]] + others[: MAX_ACCOUNTS - 1]
    response.set_cookie(
        COOKIE_NAME, _serializer().dumps(entries), max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400,
        path="/", secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
