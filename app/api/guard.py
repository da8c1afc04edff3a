"""Who is calling: the Bearer token names the client; its scopes and its
own rate limit decide whether the call goes on. Every refused call is an
audit event naming the client (or saying that none was recognised)."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import g, request

from ..audit.chain import record
from ..extensions import db
from ..ratelimit import note, over_limit
from . import clients
from .problems import ApiProblem

MINUTE = timedelta(minutes=1)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def refuse(client, status: int, detail: str, headers: dict | None = None):
    actor = clients.ClientActor(client) if client is not None else None
    record("api_client", getattr(client, "id", None), "api_refused", actor, data={
        "client": getattr(client, "name", None), "status": status, "method": request.method,
        "path": request.path[:200]})
    db.session.commit()
    raise ApiProblem(status, detail, headers=headers)


def current_client():
    return g.api_client


def current_actor() -> clients.ClientActor:
    return clients.ClientActor(g.api_client)


def client_required(scope: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            client = clients.by_token(bearer_token())
            if client is None:
                refuse(None, 401, "Send a valid client token as 'Authorization: Bearer <token>'.",
                       {"WWW-Authenticate": 'Bearer realm="api"'})
            if not client.has_scope(scope):
                refuse(client, 403, f"This client lacks the scope {scope!r}; ask the centre's administrator.")
            key = str(client.id)
            if over_limit("api", key, client.per_minute, MINUTE):
                refuse(client, 429, f"More than {client.per_minute} calls a minute: wait, then retry.",
                       {"Retry-After": "60"})
            note("api", key)
            db.session.commit()
            g.api_client = client
            return view(*args, **kwargs)

        wrapper._api_scope = scope
        return wrapper

    return decorate
