"""What the engine says when it refuses a step. Each carries the HTTP status
a view should answer with and a message for the user."""
from flask_babel import lazy_gettext as _l


class Refused(Exception):
    status = 400

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(Refused):
    """The trigger does not exist from the entity's current state."""

    status = 409


class Forbidden(Refused):
    """The actor's role may not fire this trigger, or the entity is out of scope."""

    status = 403


class MissingData(Refused):
    status = 422


class GuardFailed(Refused):
    status = 422


class Conflict(Refused):
    """Someone else changed the entity since the actor loaded it (a case, a
    duty, a roster entry…: the message does not say which kind)."""

    status = 409

    def __init__(self, changed_by: str | None, changed_at):
        Exception.__init__(self, f"changed by {changed_by} at {changed_at}")
        self.field = None
        self.changed_by = changed_by
        self.changed_at = changed_at

    @property
    def message(self):
        from ..dates import moment_text

        return _l(
            "This was changed by %(who)s at %(when)s. Reload the page to see the change, then try again.",
            who=self.changed_by or _l("another user"),
            when=moment_text(self.changed_at) if self.changed_at else "?",
        )
