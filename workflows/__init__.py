"""All workflows the product runs, by name."""
from .dispute import DISPUTE
from .spec import ROLES, SYSTEM, State, Transition, Workflow, WorkflowError

WORKFLOWS: dict[str, Workflow] = {wf.name: wf for wf in (DISPUTE,)}

__all__ = ["DISPUTE", "ROLES", "SYSTEM", "State", "Transition", "Workflow", "WorkflowError", "WORKFLOWS"]
