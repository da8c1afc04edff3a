"""Calendar feeds (RFC 5545, written with icalendar).

Two feeds:
- a lawyer's private feed, at a URL with a secret token: their published
  duties, and the ones that left them (swapped away, moved by the
  coordinator) as cancelled events, so a calendar app removes them;
- the public board's feed: every published duty with the lawyer's name and
  firm, exactly what the public board shows (no phones). A whole-rota feed
  for the coordinator would show nothing more, so there is no third token.

Each duty is one event with a stable UID (duty-<id>@<CALENDAR_UID_DOMAIN>,
board-duty-<id>@... on the board), a SEQUENCE that the duty's changes bump,
DTSTAMP and LAST-MODIFIED at the duty's last change, and times in
Asia/Shanghai with the VTIMEZONE that defines them.

Tokens: 32 random bytes, URL-safe. Only their SHA-256 is stored and a
request is answered by looking the hash up, so neither a copy of the
database nor the time a comparison takes tells anything about a token.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from .. import clock
from ..audit.chain import record
from ..extensions import db
from .leaving import is_stranded
from .models import Duty, DutyRelease, Lawyer

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
PRODID = "-//Community Mediation Centre//Lawyer rota//ZH"
FEED_PAST_DAYS = 180
FEED_FUTURE_DAYS = 400


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lawyer_for_token(token: str) -> Lawyer | None:
    """The lawyer whose feed the token opens; none once their login is
    deactivated (they left the centre: the link they took with them stops)."""
    if not TOKEN_RE.match(token or ""):
        return None
    lawyer = db.session.execute(
        select(Lawyer).where(Lawyer.feed_token_hash == token_hash(token))).scalar_one_or_none()
    if lawyer is not None and lawyer.user is not None and not lawyer.user.active:
        return None
    return lawyer


def issue_token(lawyer: Lawyer, actor) -> str:
    """A new token (the old one stops working); returned once, never stored."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    try:
        lawyer.feed_token_hash = token_hash(token)
        lawyer.feed_issued_at = now
        record("rota_lawyer", lawyer.id, "feed_issued", actor, at=now, data={})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return token


def revoke_token(lawyer: Lawyer, actor) -> None:
    try:
        lawyer.feed_token_hash = None
        lawyer.feed_issued_at = None
        record("rota_lawyer", lawyer.id, "feed_revoked", actor, data={})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _window():
    today = clock.today()
    return today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _event(duty: Duty, uid_prefix: str, summary: str, description: str, cancelled: bool, changed: datetime):
    zone = clock.zone()
    event = Event()
    event.add("uid", f"{uid_prefix}-{duty.id}@{current_app.config['CALENDAR_UID_DOMAIN']}")
    event.add("dtstamp", _utc(changed))
    event.add("last-modified", _utc(changed))
    event.add("sequence", duty.sequence or 0)
    event.add("dtstart", datetime.combine(duty.day, duty.room.opens, tzinfo=zone))
    event.add("dtend", datetime.combine(duty.day, duty.room.closes, tzinfo=zone))
    event.add("summary", summary)
    event.add("location", f"{duty.room.name}（{duty.room.community.name}）")
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(clock.zone()))
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    return cal


def _published(query, first, last):
    return query.where(Duty.published_at.is_not(None), Duty.day >= first, Duty.day <= last)


def lawyer_feed(lawyer: Lawyer) -> bytes:
    first, last = _window()
    cal = _calendar(_("My Saturday duties · %(name)s", name=lawyer.name))
    duties = db.session.execute(_published(select(Duty).where(Duty.lawyer_id == lawyer.id), first, last)
                                .order_by(Duty.day, Duty.id)).scalars()
    for duty in duties:
        cal.add_component(_event(duty, "duty", _("Legal aid duty · %(room)s", room=duty.room.name),
                                 _("Seat %(seat)s, volunteer lawyers' Saturday rota.", seat=duty.seat),
                                 duty.state == "cancelled", duty.changed_at))
    released = db.session.execute(
        _published(select(Duty, DutyRelease.released_at).join(DutyRelease, DutyRelease.duty_id == Duty.id)
                   .where(DutyRelease.lawyer_id == lawyer.id, Duty.lawyer_id != lawyer.id), first, last)
        .order_by(Duty.day, Duty.id, DutyRelease.released_at.desc())).all()
    seen = set()
    for duty, released_at in released:
        if duty.id in seen:
            continue
        seen.add(duty.id)
        cal.add_component(_event(duty, "duty", _("Legal aid duty · %(room)s", room=duty.room.name),
                                 _("Handed over to %(name)s.", name=duty.lawyer.name),
                                 True, max(duty.changed_at, released_at)))
    cal.add_missing_timezones()
    return cal.to_ical()


def board_feed() -> bytes:
    first, last = _window()
    cal = _calendar(_("Volunteer lawyers' Saturday rota"))
    duties = db.session.execute(_published(select(Duty), first, last).order_by(Duty.day, Duty.room_id, Duty.seat))
    for duty in duties.scalars():
        # As the board: a lawyer who can no longer sit is not named (leaving.py).
        summary = (_("Lawyer on duty: to be arranged") if is_stranded(duty) else
                   _("Lawyer on duty: %(name)s (%(firm)s)", name=duty.lawyer.name, firm=duty.lawyer.firm))
        cal.add_component(_event(duty, "board-duty", summary,
                                 _("Free legal consultation, %(room)s.", room=duty.room.name),
                                 duty.state == "cancelled", duty.changed_at))
    cal.add_missing_timezones()
    return cal.to_ical()
