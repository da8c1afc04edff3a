"""Integrator clients: their tokens (random, shown once, stored as a hash),
scopes, and the actor each one is in the audit log."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from .. import clock
from ..audit.chain import record
from ..disputes import codes
from ..extensions import db
from ..org.models import Community
from .models import SCOPES, ApiClient

TOKEN_PREFIX = "mc_"


class ClientActor:
    """An integrator in the audit log: no user account, its name kept with
    every event it causes."""

    id = None
    role = "api_client"

    def __init__(self, client: ApiClient):
        self.username = self.display_name = f"api:{client.name}"
        self.client_id, self.client_name = client.id, client.name


class ClientError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    # 32 random bytes: 256 bits, as the brief of issue 14 asks.
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def by_token(token: str | None) -> ApiClient | None:
    if not token:
        return None
    digest = token_hash(token)
    client = db.session.execute(select(ApiClient).where(ApiClient.token_hash == digest)).scalar_one_or_none()
    if client is None or not client.active or not hmac.compare_digest(client.token_hash, digest):
        return None
    return client


def by_name(name: str) -> ApiClient | None:
    return db.session.execute(select(ApiClient).where(ApiClient.name == name)).scalar_one_or_none()


def create(name: str, scopes, actor, *, channel: str = "government", community_id: int | None = None,
           webhook_url: str | None = None, per_minute: int = 120) -> tuple[ApiClient, str]:
    """A new client and its token (returned once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ClientError("a client needs a name of at most 60 characters")
    if by_name(name) is not None:
        raise ClientError(f"a client named {name!r} exists already")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ClientError(f"unknown or no scope {unknown}; use some of {', '.join(SCOPES)}")
    if channel not in codes.CHANNELS:
        raise ClientError(f"unknown channel {channel!r}; use one of {', '.join(codes.CHANNELS)}")
    if community_id is not None and db.session.get(Community, community_id) is None:
        raise ClientError(f"no community {community_id}")
    if per_minute < 1:
        raise ClientError("the rate limit is at least one call a minute")
    token, now = new_token(), clock.now()
    client = ApiClient(name=name, token_hash=token_hash(token), scopes=" ".join(sorted(set(scopes))),
                       channel=channel, community_id=community_id, webhook_url=webhook_url or None,
                       webhook_secret=new_webhook_secret() if webhook_url else None, active=True,
                       per_minute=per_minute, created_at=now)
    db.session.add(client)
    db.session.flush()
    record("api_client", client.id, "create", actor, at=now, data={
        "client": name, "scopes": client.scopes, "channel": channel, "community_id": community_id,
        "webhook_url": client.webhook_url, "per_minute": per_minute})
    db.session.commit()
    return client, token


def new_webhook_secret() -> str:
    # The Standard Webhooks form: "whsec_" and the base64 of the key.
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def rotate(client: ApiClient, actor) -> str:
    """A new token; the old one stops working at once."""
    token, now = new_token(), clock.now()
    client.token_hash, client.rotated_at = token_hash(token), now
    record("api_client", client.id, "rotate", actor, at=now, data={"client": client.name})
    db.session.commit()
    return token


def revoke(client: ApiClient, actor) -> None:
    now = clock.now()
    client.active, client.revoked_at = False, now
    record("api_client", client.id, "revoke", actor, at=now, data={"client": client.name})
    db.session.commit()


def set_webhook(client: ApiClient, url: str | None, actor) -> None:
    client.webhook_url = url or None
    if url and not client.webhook_secret:
        client.webhook_secret = new_webhook_secret()
    record("api_client", client.id, "set_webhook", actor, data={"client": client.name, "webhook_url": url or None})
    db.session.commit()
