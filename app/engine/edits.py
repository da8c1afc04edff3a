"""Field edits: not state changes, but kept the same way — version checked,
before/after recorded in the audit log, in one transaction."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..audit.chain import lock_chain, record
from ..extensions import db
from .errors import Conflict, Forbidden, NotAllowed


SEALED = _l("This case is closed and sealed: it can no longer be changed.")


def is_sealed(entity) -> bool:
    """Terminal (e.g. archived) and closed entities are read-only."""
    state = entity.__workflow__.state(entity.state)
    return state.terminal or entity.state == "closed"


def check_editable(entity, actor, expected_version=None) -> None:
    """Scope, stale form and seal: what every change of a row's details checks."""
    from .core import name_of

    if not entity.visible_to(actor):
        raise Forbidden(_l("This case is outside your area."))
    if expected_version is not None and int(expected_version) != entity.version:
        raise Conflict(name_of(entity.changed_by_id), entity.changed_at)
    if is_sealed(entity):
        raise NotAllowed(SEALED)


def commit_change(entity, actor, trigger: str, apply, data, *, now=None, commit: bool = True) -> None:
    """Run `apply()` (which changes the entity or its children), bump the
    entity's version, append the audit event `trigger` with `data` (or
    `data()` once applied), and commit: all or nothing. A concurrent writer
    that got in first makes this a Conflict. With commit=False the change
    waits for the caller's step in the same transaction (any failure still
    rolls everything back)."""
    from .core import stale_conflict

    now = now or clock.now()
    session = db.session
    try:
        lock_chain(session)  # the chain lock before any row lock (app/audit/chain.py)
        apply()
        entity.changed_at = now
        entity.changed_by_id = actor.id
        flag_modified(entity, "changed_at")  # the row, and so its version, changes even at the same instant
        session.flush()  # UPDATE ... WHERE version = the loaded version
        record(entity.__entity_type__, entity.id, trigger, actor, data=data() if callable(data) else data, at=now)
        if commit:
            session.commit()
    except StaleDataError:
        raise stale_conflict(session, entity)
    except Exception:
        session.rollback()
        raise


def edit(entity, actor, changes: dict, *, expected_version=None, now=None, commit: bool = True) -> dict:
    """Apply `changes` (field → new value); returns {field: [before, after]}
    for the fields that really changed. Nothing is written when none did."""
    check_editable(entity, actor, expected_version)
    forbidden = {"state", "version", "id"} & changes.keys()
    if forbidden:
        raise ValueError(f"edit() cannot change {sorted(forbidden)}: use engine.fire()")
    diff = {name: [getattr(entity, name), value] for name, value in changes.items()
            if getattr(entity, name) != value}
    if not diff:
        return {}

    def apply():
        for name, (_, value) in diff.items():
            setattr(entity, name, value)

    commit_change(entity, actor, "edit", apply, {"changes": diff}, now=now, commit=commit)
    return diff
