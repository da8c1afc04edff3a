"""Webhooks back to the sender (Standard Webhooks: `webhook-id`,
`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).

When a case a client sent is accepted, rejected, resolved on the spot,
closed or reopened, an effect of that step writes the event to the outbox in
the step's own transaction; `flask workflows tick` sends what is due (the job
"webhooks sent"), retrying with back-off. A URL whose host resolves to a
private, loopback, link-local or reserved address is refused unless
WEBHOOK_ALLOW_PRIVATE is set; redirects are never followed (they could lead
there all the same)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from .. import clock
from ..engine.hooks import Hooks
from ..extensions import db
from ..i18n import translate
from .models import ApiSubmission, WebhookDelivery

hooks = Hooks()

EVENTS = {
    "accept": "dispute.accepted",
    "reject": "dispute.rejected",
    "resolve_on_spot": "dispute.resolved",
    "close": "dispute.closed",
    "reopen": "dispute.reopened",
    # A returned on-the-spot closure goes back to on-the-spot work or to intake: reopened all the same.
    "reopen_on_spot": "dispute.reopened",
    "reopen_for_intake": "dispute.reopened",
}
# Minutes to wait after each failed attempt; after the last, the delivery fails for good.
BACKOFF_MINUTES = (1, 5, 30, 120, 360, 720)
BATCH = 50
LEASE = timedelta(minutes=5)  # a runner that died mid-send leaves the row to the next tick after this
TIMEOUT_SECONDS = 10


def queue(dispute, actor, data, now, *, trigger):
    submission = db.session.execute(
        select(ApiSubmission).where(ApiSubmission.dispute_id == dispute.id)).scalar_one_or_none()
    if submission is None or not submission.client.active or not submission.client.webhook_url:
        return
    label = dispute.__workflow__.state(dispute.state).label
    message_id = "msg_" + secrets.token_hex(16)
    payload = {
        "type": EVENTS[trigger],
        "timestamp": now.replace(tzinfo=UTC).isoformat(),
        "data": {
            "id": dispute.id, "tracking_code": dispute.tracking_code, "external_ref": submission.external_ref,
            "state": dispute.state,
            "state_label": {"zh": translate(label, "zh_Hans_CN"), "en": translate(label, "en")},
            "file_no": dispute.file_no, "outcome": dispute.outcome,
            "closed_at": dispute.closed_at.replace(tzinfo=UTC).isoformat() if dispute.closed_at else None,
        },
    }
    db.session.add(WebhookDelivery(
        message_id=message_id, client_id=submission.client_id, dispute_id=dispute.id, event_type=payload["type"],
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        url=submission.client.webhook_url, status="pending", attempts=0, next_attempt_at=now, created_at=now))


def _effect(trigger):
    def effect(dispute, actor, data, now):
        queue(dispute, actor, data, now, trigger=trigger)

    effect.__name__ = f"queue_webhook_on_{trigger}"
    return effect


for _trigger in EVENTS:
    hooks.effect("dispute", _trigger)(_effect(_trigger))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class Refused(Exception):
    """A delivery that must not be tried again (a forbidden address)."""


def check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("not an http(s) URL")
    if current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {parts.hostname}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise Refused(f"{parts.hostname} resolves to a private or reserved address")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def post(delivery: WebhookDelivery, now: datetime) -> int:
    """Send once; the receiver's status code (raises OSError when none came)."""
    check_address(delivery.url)
    timestamp = int(now.replace(tzinfo=UTC).timestamp())
    headers = {
        "Content-Type": "application/json", "User-Agent": "mediation-centre-webhooks",
        "webhook-id": delivery.message_id, "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(delivery.client.webhook_secret, delivery.message_id, timestamp,
                                       delivery.payload),
    }
    request = urllib.request.Request(delivery.url, data=delivery.payload.encode(), headers=headers, method="POST")
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _claim(delivery_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                                      WebhookDelivery.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1)
    ).rowcount
    db.session.commit()
    return claimed == 1


def send_pending(now=None) -> int:
    """Send the deliveries that are due; returns how many were received."""
    now = now or clock.now()
    ids = db.session.execute(
        select(WebhookDelivery.id).where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.id).limit(BATCH)).scalars().all()
    db.session.rollback()
    sent = 0
    for delivery_id in ids:
        if not _claim(delivery_id, now):
            continue  # another runner has it
        delivery = db.session.get(WebhookDelivery, delivery_id)
        try:
            status, error = post(delivery, now), None
        except Refused as refused:
            delivery.status, delivery.last_error = "failed", str(refused)[:200]
            db.session.commit()
            continue
        except (OSError, ValueError) as failure:  # no answer: timeout, refused connection, bad URL
            status, error = None, f"{failure.__class__.__name__}: {failure}"[:200]
        delivery.last_status = status
        if status is not None and 200 <= status < 300:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
            sent += 1
        else:
            delivery.last_error = error or f"answered {status}"
            if delivery.attempts > len(BACKOFF_MINUTES):
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = now + timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1])
        db.session.commit()
    return sent
