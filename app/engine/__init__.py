"""Binds the workflow definitions in workflows/ to database rows."""
from .core import MACHINES, SYSTEM_ACTOR, available, create, fire  # noqa: F401
from .errors import Conflict, Forbidden, GuardFailed, MissingData, NotAllowed, Refused  # noqa: F401
from .mixin import WorkflowMixin  # noqa: F401
from .registry import register  # noqa: F401
