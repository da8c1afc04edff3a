"""All workflows the product runs, by name."""
from .dispute import DISPUTE
from .duty_swap import DUTY_SWAP
from .lawyer_duty import LAWYER_DUTY
from .spec import ROLES, SYSTEM, State, Transition, Workflow, WorkflowError

WORKFLOWS: dict[str, Workflow] = {wf.name: wf for wf in (DISPUTE, LAWYER_DUTY, DUTY_SWAP,)}

__all__ = ["DISPUTE", "ROLES", "SYSTEM", "State", "Transition", "Workflow", "WorkflowError", "WORKFLOWS"]
