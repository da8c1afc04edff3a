"""E-mail copies of notifications, sent by the timer runner after the step
that made them has committed (an outbox): a rolled-back step never sends
mail, and a slow mail server never holds a database lock or a page.

Each pending row is claimed with a conditional UPDATE (pending -> sending)
and committed before the SMTP conversation, so two runners never send the
same row; a claim older than STALE (a runner that died mid-send) is taken
again. A failed send is retried on later runs, MAIL_MAX_TRIES times in all.
Off unless MAIL_ENABLED; the standard library's smtplib does the sending.
"""
from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, request, url_for
from flask_babel import force_locale, gettext as _
from sqlalchemy import and_, or_, select, update

from .. import clock
from ..extensions import db
from .models import Notification, NotificationPref
from .service import text_of, url_of

STALE = timedelta(minutes=10)
BATCH = 50


def _connect():
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT_SECONDS", 20)
    security = config.get("MAIL_SECURITY", "starttls")
    if security == "ssl":
        server = smtplib.SMTP_SSL(config["MAIL_HOST"], config["MAIL_PORT"], timeout=timeout)
    else:
        server = smtplib.SMTP(config["MAIL_HOST"], config["MAIL_PORT"], timeout=timeout)
        if security == "starttls":
            server.starttls()
    if config.get("MAIL_USERNAME"):
        server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return server


def _claimable(now):
    return or_(Notification.email_state == "pending",
               and_(Notification.email_state == "sending", Notification.email_claimed_at < now - STALE))


def _claim(note_id: int, now) -> bool:
    claimed = db.session.execute(
        update(Notification).where(Notification.id == note_id, _claimable(now))
        .values(email_state="sending", email_claimed_at=now, email_tries=Notification.email_tries + 1)
    ).rowcount
    db.session.commit()
    return claimed == 1


def compose(note: Notification, to: str) -> EmailMessage:
    """The e-mail for a notification, in the installation's default language;
    links are absolute when BASE_URL is set."""
    config = current_app.config
    base = config.get("BASE_URL", "").rstrip("/")
    # A request context for url_for (and the locale) outside any request: the tick runs from cron.
    with current_app.test_request_context("/", base_url=base or "http://localhost"), \
            force_locale(config["BABEL_DEFAULT_LOCALE"]):
        text = text_of(note)
        centre = _("Community Mediation Centre")
        path = url_of(note)
        host = request.host_url.rstrip("/")  # url_for's paths already carry BASE_URL's own path, if any
        link = host + path if path and base else ""
        settings = host + url_for("notifications.settings") if base else _("your notification settings")
        footer = _("You receive this because you asked for e-mail notifications; change that at %(url)s.",
                   url=settings)
    message = EmailMessage()
    message["Subject"] = f"[{centre}] {text}"
    message["From"] = formataddr((centre, config["MAIL_FROM"]))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content("\n\n".join(part for part in (text, link, footer) if part) + "\n")
    return message


def send_pending(now=None) -> int:
    """Send the queued e-mail copies; returns how many went out."""
    if not current_app.config.get("MAIL_ENABLED"):
        return 0
    now = now or clock.now()
    ids = db.session.execute(
        select(Notification.id).where(_claimable(now)).order_by(Notification.id).limit(BATCH)
    ).scalars().all()
    db.session.rollback()
    if not ids:
        return 0
    sent = 0
    server = None
    try:
        for note_id in ids:
            if not _claim(note_id, now):
                continue  # another runner has it
            note = db.session.get(Notification, note_id)
            pref = db.session.get(NotificationPref, note.user_id)
            if pref is None or not pref.email_on or not pref.email:
                note.email_state = None  # the user turned e-mail off since
                db.session.commit()
                continue
            try:
                # An address the form let through can still be one the e-mail
                # library refuses in a header: a failed send like any other.
                message = compose(note, pref.email)
                server = server or _connect()
                server.send_message(message)
            except (smtplib.SMTPException, OSError, ValueError, TypeError, AttributeError) as error:
                # The class only: an SMTP refusal's text repeats the address (personal data).
                current_app.logger.warning("e-mail of notification %s failed: %s %s", note_id,
                                           error.__class__.__name__, getattr(error, "smtp_code", ""))
                note.email_state = "failed" if note.email_tries >= current_app.config["MAIL_MAX_TRIES"] else "pending"
                db.session.commit()
                server = _close(server)
                continue
            note.email_state, note.emailed_at = "sent", now
            db.session.commit()
            sent += 1
    finally:
        _close(server)
    return sent


def _close(server):
    if server is not None:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None
