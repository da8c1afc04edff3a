"""Registering a new case: one service for the staff intake form and the
resident's report, so both keep the same guarantees."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import engine, uploads
from ..extensions import db
from . import files
from .models import Dispute


def by_submission(token: str | None) -> Dispute | None:
    """The case an intake form (identified by its one-time token) created."""
    if not token:
        return None
    return db.session.execute(select(Dispute).where(Dispute.submission_token == token)).scalar_one_or_none()


def register(dispute: Dispute, actor, data: dict, photo=None) -> tuple[Dispute, bool]:
    """Create the case through the engine, with its photo, in one transaction.
    Returns (case, created). A form sent twice, even at the same moment, gives
    back the case the first one created (created=False); the second photo's
    file is removed with its rolled-back row."""
    with uploads.Batch() as batch:
        try:
            engine.create(dispute, actor, data, commit=False)
            if photo:
                files.attach(batch, dispute, photo, actor)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            existing = by_submission(dispute.submission_token)
            if existing is None:
                raise
            return existing, False
        batch.done()
    return dispute, True
