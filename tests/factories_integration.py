"""Helpers for the tests of what joins the domains (notifications, the
elders' invitations ending with the case, labels). Call inside an app context."""
from contextlib import contextmanager

from flask_babel import force_locale
from sqlalchemy import func, select

from app import engine
from app.audit.personal import open_all
from app.audit.models import AuditEvent
from app.engine.hooks import EFFECTS
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import text_of, url_of

LATE = "refused after the step's effects had run"


@contextmanager
def refused_late(monkeypatch, workflow: str, trigger: str):
    """Make the step refuse itself after every effect of it has run (as a
    failed flush or a later guard would): whatever the effects added, the
    notification included, must go with it."""
    def refuse(entity, actor, data, now):
        raise engine.GuardFailed(LATE)

    with monkeypatch.context() as patch:
        patch.setitem(EFFECTS, (workflow, trigger), [*EFFECTS[(workflow, trigger)], refuse])
        yield


def notes(user_id=None, kind=None) -> list[Notification]:
    query = select(Notification)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query.order_by(Notification.id)).scalars())


def recipients(kind: str) -> list[int]:
    return sorted(n.user_id for n in notes(kind=kind))


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def audit_count() -> int:
    return count(AuditEvent)


def read(app, note) -> tuple[str, str | None]:
    """The notification as its reader sees it in English: text and link."""
    with app.test_request_context(), force_locale("en"):
        return text_of(note), url_of(note)


def events_of(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.seq)).scalars())


def data_of(event) -> dict:
    """The data as recorded, personal values decrypted."""
    return open_all([event], db.session)[0]
