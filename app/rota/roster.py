"""Who is who on the rota: the lawyer record behind a login."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Lawyer


def lawyer_of(user) -> Lawyer | None:
    """The roster record linked to this login, if any (only for lawyers)."""
    if getattr(user, "role", None) != "lawyer" or getattr(user, "id", None) is None:
        return None
    return db.session.execute(select(Lawyer).where(Lawyer.user_id == user.id)).scalar_one_or_none()
