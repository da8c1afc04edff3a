"""The engine: binds the workflow definitions in workflows/ to database rows.

`fire()` is the one door for a state change (role, scope, stale form,
required data and guards checked; transition, deadline, effects, version-
checked UPDATE and audit event in one transaction), `create()` the door for
a new row, `available()` the actions to offer; field edits (edits.py),
deadline colours (deadlines.py), legal deadlines moved off a holiday
entered after they were set (holidays.py), the timer runner and its jobs
(timers.py) and the `flask workflows` CLI.

Imports only workflows/, the foundation and the audit core: it knows no
domain and no account model. Domains hand it their guards and effects
(hooks.Hooks, installed by their init_app), timer jobs (timers.install_job),
and the accounts package how to name a user (core.install_name_lookup).
"""
from .core import (MACHINES, SYSTEM_ACTOR, Refusal, available, create, fire, step_reason,  # noqa: F401
                   steps_and_refusals, why_not)
from .errors import Conflict, Forbidden, GuardFailed, MissingData, NotAllowed, Refused  # noqa: F401
from .mixin import UrgedMixin, WorkflowMixin  # noqa: F401
from .registry import register  # noqa: F401
from .writes import first_row  # noqa: F401
