"""In-app notifications and where each user wants them e-mailed."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db


class Notification(db.Model):
    """A message to one user about a step that concerns them, written in the
    same transaction as the step. Its text is made when shown, in the
    reader's language, from `kind` and `data`."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The e-mail outbox: pending -> sending -> sent | failed (NULL: no e-mail).
    email_state: Mapped[str | None] = mapped_column(String(10), index=True)
    email_tries: Mapped[int] = mapped_column(Integer, default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # The notifications page: a user's notices, newest written first (the id breaks ties; migration 0037).
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )


class NotificationPref(db.Model):
    """Where a user wants notifications e-mailed, if anywhere."""

    __tablename__ = "notification_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    email: Mapped[str | None] = mapped_column(String(200))
    email_on: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
