"""Field edits: not state changes, but kept the same way — version checked,
before/after recorded in the audit log, in one transaction."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .. import clock
from ..audit.chain import record
from ..extensions import db
from .errors import Conflict, Forbidden, NotAllowed


def is_sealed(entity) -> bool:
    """Terminal (e.g. archived) and closed entities are read-only."""
    state = entity.__workflow__.state(entity.state)
    return state.terminal or entity.state == "closed"


def edit(entity, actor, changes: dict, *, expected_version=None, now=None) -> dict:
    """Apply `changes` (field → new value); returns {field: [before, after]}
    for the fields that really changed. Nothing is written when none did."""
    from .core import _name_of

    if not entity.visible_to(actor):
        raise Forbidden(_l("This case is outside your area."))
    if expected_version is not None and int(expected_version) != entity.version:
        raise Conflict(_name_of(entity.changed_by_id), entity.changed_at)
    if is_sealed(entity):
        raise NotAllowed(_l("This case is closed and sealed: it can no longer be changed."))
    forbidden = {"state", "version", "id"} & changes.keys()
    if forbidden:
        raise ValueError(f"edit() cannot change {sorted(forbidden)}: use engine.fire()")
    diff = {}
    for name, value in changes.items():
        before = getattr(entity, name)
        if before != value:
            diff[name] = [before, value]
    if not diff:
        return {}
    now = now or clock.now()
    session = db.session
    try:
        for name, (_, value) in diff.items():
            setattr(entity, name, value)
        entity.changed_at = now
        entity.changed_by_id = actor.id
        session.flush()
        record(entity.__entity_type__, entity.id, "edit", actor, data={"changes": diff}, at=now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return diff
