"""All workflows the product runs, by name: the state machines as plain data.

The lowest layer: it imports nothing of the application and no Flask; labels are
English message ids marked with workflows/i18n.py's no-op markers and translated
by the app through the gettext catalogue."""
from .dispute import DISPUTE
from .elder_assignment import ELDER_ASSIGNMENT
from .duty_swap import DUTY_SWAP
from .followup import FOLLOWUP
from .lawyer_duty import LAWYER_DUTY
from .legal_opinion import LEGAL_OPINION
from .referral import REFERRAL
from .sweep import SWEEP
from .signoff import SIGNOFF
from .spec import ROLES, SYSTEM, State, Transition, Workflow, WorkflowError

WORKFLOWS: dict[str, Workflow] = {wf.name: wf for wf in (DISPUTE, LAWYER_DUTY, DUTY_SWAP, FOLLOWUP, SWEEP, ELDER_ASSIGNMENT, SIGNOFF,
                                                   REFERRAL, LEGAL_OPINION)}

__all__ = ["DISPUTE", "ROLES", "SYSTEM", "State", "Transition", "Workflow", "WorkflowError", "WORKFLOWS"]
