"""Audited columns: what the log must be able to rebuild of each workflow row.

A workflow model names its audited columns (`__audited__`) and, for child
rows edited with the case (a dispute's parties), a `Children` spec in
`__audited_children__`. The engine then

- writes into every event it appends through `create()` and `fire()` the
  values the step gave those columns (`_row`: the row's audited columns
  changed by the step, all of them on creation; `_children`: the child rows
  created with the entity), so a step whose effects set a column (a lead
  mediator, a route, a follow-up's result, a deadline) keeps what it set;
- registers with the audit core, for each model, how an event sets the
  columns (`_row`, `_children`, an edit's `changes` {column: [before,
  after]}, a child's add/edit event) and how to read the stored rows, so
  that `flask audit verify` compares the two column by column.

Events written before `_row` existed say nothing of what a step set: after
such a creation or step the row's own columns are unknown again until an
event tells them (an edit, or a richer step), and verify compares only the
known ones. An edit's `changes` always tell.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ..audit.verify import ColumnReplay, replay_columns

ROW = "_row"
CHILDREN = "_children"


@dataclass(frozen=True)
class Children:
    """Child rows kept with their parent's events (e.g. a case's parties):
    created with the parent (`relationship`), added and corrected by events
    of the parent named `adds` / `edits`, whose data carries the child's id
    under `id_key` and its changes as {column: [before, after]}."""

    row_type: str  # the name verify gives these rows ("party")
    model: type
    relationship: str
    columns: tuple[str, ...]
    adds: tuple[str, ...] = ()
    edits: tuple[str, ...] = ()
    id_key: str = "id"


def audited(entity) -> tuple[str, ...]:
    return getattr(entity, "__audited__", ())


def _values(entity, columns) -> dict:
    """getattr(entity, name) for each column: a loaded column's value from the
    instance's dict (what the ORM's attribute would return, without its
    descriptor; a step reads its row's thirty-odd columns twice), any other
    through the attribute (which loads it)."""
    loaded = entity.__dict__
    return {name: loaded[name] if name in loaded else getattr(entity, name) for name in columns}


def snapshot(entity) -> dict | None:
    """The audited columns' values now (before a step), or None."""
    columns = audited(entity)
    return _values(entity, columns) if columns else None


def step_data(entity, data: dict, before: dict | None) -> dict:
    """The event's data: the submitted `data` plus what the step set."""
    if before is None:
        return data
    now = _values(entity, before)
    changed = {name: value for name, value in now.items() if value != before[name]}
    return {**data, ROW: changed}


def creation_data(entity, data: dict) -> dict:
    """The creation event's data: the submitted data, every audited column
    that is not empty, and the child rows made with the entity."""
    columns = audited(entity)
    if not columns:
        return data
    result = {**data, ROW: {name: value for name, value in _values(entity, columns).items() if value is not None}}
    children = {}
    for spec in getattr(entity, "__audited_children__", ()):
        rows = {str(child.id): {name: getattr(child, name) for name in spec.columns
                                if getattr(child, name) is not None}
                for child in getattr(entity, spec.relationship)}
        if rows:
            children[spec.row_type] = rows
    if children:
        result[CHILDREN] = children
    return result


# ---- reading the log back (verify) -------------------------------------

def _converter(column):
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    if kind is datetime:
        return lambda v: datetime.fromisoformat(v) if isinstance(v, str) else v
    if kind is date:
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else v
    if kind is Decimal:
        return lambda v: Decimal(str(v)) if isinstance(v, int | float | str) and not isinstance(v, bool) else v
    if kind is int:
        return lambda v: int(v) if isinstance(v, str) and v.strip().lstrip("-").isdigit() else v
    return None


def _converters(model, columns) -> dict:
    table = model.__table__
    return {name: _converter(table.c[name]) for name in columns}


def _typed(values: dict, converters: dict) -> dict:
    """Event values (JSON) as the stored column's Python type; columns that
    are not audited are left out."""
    typed = {}
    for name, value in values.items():
        if name not in converters:
            continue
        convert = converters[name]
        try:
            typed[name] = value if value is None or convert is None else convert(value)
        except (TypeError, ValueError, ArithmeticError):
            typed[name] = value  # cannot be the stored value: verify reports it
    return typed


def _after(changes) -> dict:
    return {name: pair[1] for name, pair in (changes or {}).items() if isinstance(pair, list) and len(pair) == 2}


class ModelReplay:
    """An entity type's audited columns, as the audit core's ColumnReplay."""

    def __init__(self, model):
        self.model = model
        self.entity_type = model.__entity_type__
        self.columns = tuple(model.__audited__)
        self._known = None

    # Read on first use: a model may name its children after its class is
    # defined (the child's class comes later in the module).
    @property
    def children(self) -> tuple[Children, ...]:
        return tuple(getattr(self.model, "__audited_children__", ()))

    def _specs(self):
        """(own converters, ((child spec, its converters, adds + edits), ...)),
        made once: settings() runs for every event verify reads."""
        if self._known is None:
            self._known = (_converters(self.model, self.columns),
                           tuple((spec, _converters(spec.model, spec.columns), frozenset(spec.adds + spec.edits))
                                 for spec in self.children))
        return self._known

    def settings(self, trigger, from_state, to_state, data, entity_id):
        """(row type, row id, values, replace): replace says the values are
        all that is known of the row (missing columns are empty, or unknown
        when `values` is None); otherwise they update what is known."""
        own = self.entity_type
        own_converters, children = self._specs()
        row = data.get(ROW)
        if row is not None and isinstance(row, dict):
            yield own, entity_id, _typed(row, own_converters) if row else {}, trigger == "create"
        elif to_state is not None or from_state is not None:
            yield own, entity_id, None, True  # an older event: what it set is not known
        for spec, converters, touching in children:
            made = data.get(CHILDREN)
            if made:
                for child_id, values in (made.get(spec.row_type) or {}).items():
                    yield spec.row_type, int(child_id), _typed(values, converters), True
            if trigger in touching:
                child_id = data.get(spec.id_key)
                if isinstance(child_id, int):
                    yield spec.row_type, child_id, _typed(_after(data.get("changes")), converters), trigger in spec.adds
                return
        changes = data.get("changes")
        if changes is not None and isinstance(changes, dict):
            yield own, entity_id, _typed(_after(changes), own_converters), False

    def tables(self):
        """(row type, Table, audited column names) of the entity's rows and its children's."""
        return ((self.entity_type, self.model.__table__, self.columns),
                *((spec.row_type, spec.model.__table__, spec.columns) for spec in self.children))

    def as_column_replay(self) -> ColumnReplay:
        return ColumnReplay(
            row_types=lambda: (self.entity_type, *(spec.row_type for spec in self.children)),
            settings=self.settings,
            tables=self.tables,
        )


def register_columns(model) -> None:
    if audited(model):
        replay_columns(model.__entity_type__, ModelReplay(model).as_column_replay())
