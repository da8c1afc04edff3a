"""Webhooks back to the sender: a signed event (Standard Webhooks) reaches a
local test server when the case it sent is accepted, through the outbox and
`flask workflows tick`, and is retried after the receiver first answers 500."""
import base64
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from app import clock
from app.api import webhooks
from app.api.models import ApiClient, WebhookDelivery
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.factories_api import bearer, cli_client

START = datetime(2026, 3, 2, 2, 0)


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it receives and answers
    with the next status of `answers` (then 200)."""

    def __init__(self, *answers):
        self.answers, self.received = list(answers), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict, body: str) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, sig) for sig in headers["webhook-signature"].split())


@pytest.fixture
def sent_case(app, client, ctx):
    """A case sent by a client with a webhook, and the mediator who triages it."""
    def make(url):
        clock.set_now(START)
        street, communities, grids = f.org()
        mediator = f.user("mediator", community=communities[0])
        token = cli_client(app, "hotline", "disputes:write", "disputes:read", webhook_url=url)
        answer = client.post("/api/v1/disputes", headers={**bearer(token), "Idempotency-Key": "k1"},
                             json={"community_id": communities[0].id, "description": "噪声扰民", "external_ref": "W-1"})
        assert answer.status_code == 201
        return db.session.get(Dispute, answer.json["id"]), mediator

    return make


def tick(app):
    result = app.test_cli_runner().invoke(args=["workflows", "tick"])
    return result


def test_a_signed_event_is_received_when_the_case_is_accepted_after_a_retry(app, sent_case):
    with Receiver(500) as receiver:
        case, mediator = sent_case(receiver.url)
        assert db.session.execute(select(WebhookDelivery)).first() is None  # nothing before a step
        f.walk(case, mediator, "accept")
        first = tick(app)
        assert receiver.received and len(receiver.received) == 1  # answered 500
        delivery = db.session.execute(select(WebhookDelivery)).scalar_one()
        db.session.refresh(delivery)
        assert delivery.status == "pending" and delivery.last_status == 500 and delivery.attempts == 1
        assert delivery.next_attempt_at == START + timedelta(minutes=1)
        assert "failed" not in first.output or first.exit_code == 0

        tick(app)  # not yet due: nothing sent again
        assert len(receiver.received) == 1
        clock.set_now(START + timedelta(minutes=1))
        tick(app)
        assert len(receiver.received) == 2

    db.session.refresh(delivery)
    assert delivery.status == "sent" and delivery.last_status == 200 and delivery.attempts == 2
    headers, body = receiver.received[-1]
    headers = {k.lower(): v for k, v in headers.items()}
    secret = db.session.execute(select(ApiClient.webhook_secret)).scalar_one()
    assert verify(secret, headers, body)
    assert headers["webhook-id"] == delivery.message_id == {k.lower(): v for k, v in receiver.received[0][0].items()}[
        "webhook-id"]  # the retry carries the same id, so the receiver can drop a duplicate
    event = json.loads(body)
    assert event["type"] == "dispute.accepted" and event["data"]["external_ref"] == "W-1"
    assert event["data"]["file_no"] == case.file_no and event["data"]["state"] == "accepted"
    assert "噪声扰民" not in body  # no facts, no parties


def test_the_tick_reports_webhooks_sent(app, sent_case):
    with Receiver() as receiver:
        case, mediator = sent_case(receiver.url)
        f.walk(case, mediator, "accept")
        result = tick(app)
    assert result.exit_code == 0 and "webhooks sent" in result.output
    assert len(receiver.received) == 1


def test_a_loopback_address_is_refused_unless_allowed(app, sent_case):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    with Receiver() as receiver:
        case, mediator = sent_case(receiver.url)
        f.walk(case, mediator, "accept")
        tick(app)
    assert receiver.received == []
    delivery = db.session.execute(select(WebhookDelivery)).scalar_one()
    db.session.refresh(delivery)
    assert delivery.status == "failed" and "private" in delivery.last_error


def test_a_receiver_that_keeps_failing_is_given_up_after_the_back_off(app, sent_case):
    case, mediator = sent_case("http://127.0.0.1:9/nothing-listens")
    f.walk(case, mediator, "reject")
    now = START
    for _ in range(len(webhooks.BACKOFF_MINUTES) + 1):
        webhooks.send_pending(now)
        now += timedelta(hours=13)
    delivery = db.session.execute(select(WebhookDelivery)).scalar_one()
    db.session.refresh(delivery)
    assert delivery.event_type == "dispute.rejected"
    assert delivery.status == "failed" and delivery.attempts == len(webhooks.BACKOFF_MINUTES) + 1
