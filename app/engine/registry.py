"""Which model class carries which workflow, filled in as models are defined;
each is also handed to the audit core, whose verify replays its events
(states, and the audited columns the model declares: columns.py)."""
from sqlalchemy import Index

from workflows import WORKFLOWS, Workflow

from ..audit.verify import replay_entity_type
from .columns import register_columns

_MODELS: dict[str, type] = {}


def register(model: type) -> type:
    """Class decorator for a model that mixes in WorkflowMixin."""
    wf = model.__workflow__
    if WORKFLOWS.get(wf.name) is not wf:
        raise LookupError(f"workflow {wf.name!r} is not listed in workflows.WORKFLOWS")
    _MODELS[model.__entity_type__] = model
    table = model.__table__
    # The timer's claim (timers.py) reads the due rows of one state: an index
    # leading with the state finds them without stepping over every other
    # state's deadlines, as an index on due_at alone did.
    Index(f"ix_{table.name}_state_due", table.c.state, table.c.due_at)
    replay_entity_type(model.__entity_type__, wf, model)
    register_columns(model)
    return model


def registered_models() -> list[tuple[str, type]]:
    return sorted(_MODELS.items())


def model_for(entity_type: str) -> type | None:
    return _MODELS.get(entity_type)


def workflow_for_entity_type(entity_type: str) -> Workflow | None:
    model = _MODELS.get(entity_type)
    return model.__workflow__ if model else None
