"""The integrators' rows: clients and their tokens, what each submitted,
the webhook outbox, and the IoT devices with their folded alarms."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..disputes.models import Dispute
from ..extensions import db
from ..org.models import Grid
from ..sealed import SealedString

SCOPES = ("disputes:write", "disputes:read", "iot:write", "rota:read", "stats:read")


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from SCOPES
    channel: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # Sealed (app/sealed.py), and read only when a delivery is signed: not opened by every API call's client.
    webhook_secret: Mapped[str | None] = mapped_column(SealedString(80, "api_clients.webhook_secret"), deferred=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    per_minute: Mapped[int] = mapped_column(Integer, default=120)  # its own rate limit
    created_at: Mapped[datetime] = mapped_column(DateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes.split()


class ApiSubmission(db.Model):
    """A case a client sent: the only cases it may read back."""

    __tablename__ = "api_submissions"
    __table_args__ = (UniqueConstraint("client_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), unique=True)
    external_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    client: Mapped[ApiClient] = relationship()
    dispute: Mapped[Dispute] = relationship()


class WebhookDelivery(db.Model):
    """The outbox: one event for one client, written in the step's own
    transaction and sent by `flask workflows tick` with retries."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    client: Mapped[ApiClient] = relationship()


class IotDevice(db.Model):
    __tablename__ = "iot_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(80), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    grid: Mapped[Grid] = relationship()


class IotCandidate(db.Model):
    """Repeated alarms of one device within the window, folded into one
    candidate case that a grid worker confirms (a case) or dismisses."""

    __tablename__ = "iot_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("iot_devices.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    kind: Mapped[str] = mapped_column(String(20))
    alarm_count: Mapped[int] = mapped_column(Integer, default=1)
    max_value: Mapped[float] = mapped_column(db.Float)
    threshold: Mapped[float] = mapped_column(db.Float)
    place: Mapped[str] = mapped_column(String(200), default="")
    first_at: Mapped[datetime] = mapped_column(DateTime)
    last_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open, confirmed, dismissed
    reason: Mapped[str | None] = mapped_column(Text)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    device: Mapped[IotDevice] = relationship()

    __mapper_args__ = {"version_id_col": version}
