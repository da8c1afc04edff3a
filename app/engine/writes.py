"""A step's flush, written straight to the session's connection when it is
plain: what `session.flush()` would send, without the unit of work.

Every step flushes its row (the version-checked UPDATE) and, for some steps,
a row an effect made (urging a case plans a follow-up: an INSERT). For one
or two rows the unit of work (dependency actions for each writable
relationship of the row's class, the sort, the statement's execution through
SQLAlchemy's machinery, the bookkeeping after it) costs several times what
the database takes; it was the largest part of a step's time in
bench/engine.py. So `flush(session)` writes the pending rows itself when
each one is plain, and hands everything else to `session.flush()`.

Plain means, for every row the flush would write:
- a mapped class of one table, no inheritance, no delete-orphan parents, and
  no listeners the unit of work would call for the row (before/after
  insert/update, refresh_flush; asked at every flush);
- an UPDATE whose changes are all plain column values (no SQL expression, no
  writable relationship changed), or an INSERT whose writable relationships
  are untouched, whose primary key is the table's autoincrement integer and
  still unset, and whose unset columns have no default but a constant one;
- no row to delete, no session listener after the flush.
Anything else (creating a case with its parties, a domain form's edits
through relationships) takes the unit of work, as before.

What stays the same as the unit of work's flush (tests/test_engine_writes.py
holds it): the session's before_flush listeners run first, on the same
pending rows (the statistics counters' UPSERT, app/supervision/counters.py);
the UPDATE sets only the changed columns and the version, `WHERE pk AND
version = the loaded version`, and a row not matched raises StaleDataError;
an INSERT sends every column (None where unset, the constant default where
there is one) with version 1; the rows are written in the order of the
tables' foreign keys, in a table its changed rows by key, then its new rows
in the order they were added; afterwards each row is persistent with its new key,
version and defaults, its history reset, and known to the transaction (a
rollback expires or expunges it). All or nothing: a statement that fails
rolls the transaction back, and the session refuses to commit until the
caller rolls back. The statements are compiled once per table, columns
and dialect and sent to the DBAPI cursor of the session's connection, as the
audit append's are (app/driver.py: errors wrapped as SQLAlchemy wraps them;
the engine's cursor listeners told of them, not in SQLAlchemy's echo log).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam
from sqlalchemy.orm import scoped_session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.unitofwork import UOWTransaction
from sqlalchemy.sql.elements import ClauseElement

from ..driver import DriverStatement


def _listened(mapper) -> bool:
    """Whether the unit of work would call listeners for this class's rows
    (mapper events, and refresh_flush after a versioned write). Asked at
    every flush, not cached: a listener may be added at any time."""
    events = mapper.dispatch
    return bool(events.before_insert or events.after_insert or events.before_update or events.after_update
                or mapper.class_manager.dispatch.refresh_flush)


class _Shape:
    """What the direct write needs to know of a mapped class (its structure,
    which does not change once mapped), or plain=False."""

    def __init__(self, mapper):
        self.plain = False
        table = mapper.local_table
        if (mapper.inherits is not None or mapper.polymorphic_on is not None or len(mapper.tables) != 1
                or mapper._delete_orphans):
            return
        pk = table.primary_key.columns
        if len(pk) != 1 or table.autoincrement_column is not list(pk)[0]:
            return
        self.pk = list(pk)[0]
        # prop key -> column, for the columns of this table mapped one to one
        self.columns: dict[str, object] = {}
        for prop in mapper.column_attrs:
            if len(prop.columns) != 1 or prop.columns[0].table is not table:
                return
            self.columns[prop.key] = prop.columns[0]
        if {id(c) for c in self.columns.values()} != {id(c) for c in table.columns}:
            return  # a column the class does not map (or maps twice)
        for column in table.columns:
            if column.onupdate is not None or column.server_onupdate is not None or column.computed is not None:
                return
            if column is not self.pk and column.identity is not None:
                return
            if column.default is not None and not column.default.is_scalar:
                return  # a callable or SQL default: the unit of work evaluates it
        # Left unset, these take the database's default (the unit of work leaves them out).
        self.server_defaulted = frozenset(
            mapper._columntoproperty[column].key for column in table.columns
            if column.server_default is not None and column.default is None and column is not self.pk)
        if mapper._insert_cols_evaluating_none[table]:
            return
        self.pk_key = mapper._columntoproperty[self.pk].key
        self.version = mapper.version_id_col
        if self.version is not None and (self.version.table is not table or mapper.version_id_generator is False):
            return
        self.version_key = None if self.version is None else mapper._columntoproperty[self.version].key
        self.generator = mapper.version_id_generator
        # Writable relationships: a change of one needs the unit of work's
        # dependency actions (foreign keys, secondary rows, cascades).
        self.related = frozenset(rel.key for rel in mapper.relationships if not rel.viewonly)
        # Inserted columns, prop key first: every column but the key.
        self.insert_keys = tuple(key for key, col in self.columns.items() if col is not self.pk)
        self.table = table
        self.mapper = mapper
        self.order = table.metadata.sorted_tables.index(table)  # the table's place in the foreign keys' order
        self.plain = True


_SHAPES: dict = {}


def _shape(mapper) -> _Shape:
    shape = _SHAPES.get(mapper)
    if shape is None:
        # Stored only once complete: another thread of the worker may look it up meanwhile.
        shape = _SHAPES[mapper] = _Shape(mapper)
    return shape


_STATEMENTS: dict = {}
_MAX_STATEMENTS = 512  # shapes of UPDATE are few (the columns steps set); a bound all the same


def _statement(key, build, dialect) -> DriverStatement:
    found = _STATEMENTS.get(key)
    if found is None:
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        found = _STATEMENTS[key] = DriverStatement.compile(build(), dialect)
    return found


def first_row(session, statement, params: dict):
    """The first row of a prebuilt SELECT (built once, at import) run on the
    DBAPI cursor of the session's connection, in its transaction, or None:
    the driver's own row, its values as the driver gives them (no result
    types applied), for existence checks and plain integer or text columns
    on a step's path, where SQLAlchemy's execution costs several times the
    query. Every parameter is a named bindparam (one with a value is fixed;
    an IN list of constants as a list of bindparams, not an expanding one).
    No autoflush: the caller's pending rows are not flushed first."""
    connection = session.connection()
    dialect = connection.dialect
    return _statement((statement, dialect), lambda: statement, dialect).run(connection, params)


def _insert(shape: _Shape, dialect) -> DriverStatement:
    table = shape.table
    returning = dialect.name != "sqlite"

    def build():
        statement = table.insert().values(
            {shape.columns[key]: bindparam(f"v_{key}", type_=shape.columns[key].type) for key in shape.insert_keys})
        return statement.returning(shape.pk) if returning else statement

    return _statement((table, "insert", dialect), build, dialect)


def _update(shape: _Shape, keys: tuple, dialect) -> DriverStatement:
    table = shape.table

    def build():
        where = [shape.pk == bindparam("w_pk", type_=shape.pk.type)]
        if shape.version is not None:
            where.append(shape.version == bindparam("w_version", type_=shape.version.type))
        return table.update().where(and_(*where)).values(
            {shape.columns[key]: bindparam(f"v_{key}", type_=shape.columns[key].type) for key in keys})

    return _statement((table, keys, dialect), build, dialect)


# Values that are never SQL expressions (checked first: most values are these).
_PLAIN_VALUES = frozenset({str, int, float, bool, type(None), datetime, date, Decimal})


def _sql(value) -> bool:
    """A SQL expression as a column's value (the unit of work renders it)."""
    return isinstance(value, ClauseElement) or hasattr(value, "__clause_element__")


def _plan(session):
    """[(shape, state, None for an INSERT or the changed keys of an UPDATE)]
    in the unit of work's order (tables in the order of their foreign keys;
    in a table its UPDATEs by key, then its INSERTs in the order the rows
    were added), or None when a row is not plain."""
    if session._deleted:
        return None
    plan = []
    for state in session._new:
        shape = _shape(state.mapper)
        dict_ = state.dict
        if (not shape.plain or _listened(state.mapper) or dict_.get(shape.pk_key) is not None
                or shape.related.intersection(dict_)):
            return None
        if any(dict_.get(key) is None for key in shape.server_defaulted):
            return None
        if any(type(value) not in _PLAIN_VALUES and _sql(value) for value in dict_.values()):
            return None
        plan.append((shape.order, 1, state.insert_order, shape, state, None))
    for state in session.identity_map._modified:
        if state in session._new:
            continue
        shape = _shape(state.mapper)
        if (not shape.plain or _listened(state.mapper) or state.key is None
                or shape.related.intersection(state.committed_state)):
            return None
        dict_, committed = state.dict, state.committed_state
        if shape.version_key is not None and shape.version_key not in dict_ and shape.version_key not in committed:
            return None  # the loaded version is not known here: the unit of work reads it
        changed = []
        for key in committed:
            column = shape.columns.get(key)
            if column is None:
                continue  # a viewonly relationship: the unit of work writes nothing for it
            if key not in dict_:
                return None  # set, then expired or deleted: the unit of work's to judge
            value = dict_[key]
            if type(value) not in _PLAIN_VALUES and _sql(value):
                return None
            if state.manager[key].impl.is_equal(value, committed[key]) is not True:
                changed.append(key)
        if shape.version_key in changed or shape.pk_key in changed:
            return None  # the version is the unit of work's to set; a new key is a key switch
        plan.append((shape.order, 0, state.key[1], shape, state, tuple(sorted(changed))))
    plan.sort(key=lambda item: item[:3])
    return [item[3:] for item in plan]


def flush(session) -> None:
    """session.flush(), written directly when every pending row is plain
    (see the module's docstring); otherwise by the unit of work."""
    if isinstance(session, scoped_session):
        session = session()
    if session._flushing or session._is_clean():
        return session.flush()  # nothing to write, or a flush inside a flush: the session's own answer
    if session.dispatch.after_flush or session.dispatch.after_flush_postexec or _plan(session) is None:
        return session.flush()
    session._flushing = True
    try:
        flush_context = UOWTransaction(session)
        if session.dispatch.before_flush:
            session.dispatch.before_flush(session, flush_context, None)
        plan = _plan(session)  # again: a listener may have added or changed rows
        connection = session.connection() if plan is not None else None
        if plan is None or not connection.dialect.supports_sane_rowcount:
            # A driver that does not report matched rows could not tell a lost update.
            _unit_of_work(session, flush_context)
            return
        # All or nothing, as the unit of work's flush: a statement that fails
        # rolls back the transaction (the rows written before it too), and the
        # session refuses to commit until the caller rolls back.
        transaction = session._autobegin_t()._begin()
        try:
            _write(session, connection, plan)
            transaction.commit()
        except BaseException:
            transaction.rollback(_capture_exception=True)
            raise
    finally:
        session._flushing = False


def _unit_of_work(session, flush_context) -> None:
    """The rest of Session._flush() after its before_flush listeners (which
    have run, and must not run twice: the counters would count the step
    twice), for rows a listener made that the direct write does not take.
    As SQLAlchemy 2.0's Session._flush, without `objects`."""
    deleted = set(session._deleted)
    new = set(session._new)
    dirty = set(session._dirty_states).difference(deleted)
    processed = set()
    for state in new.union(dirty).difference(deleted):
        is_orphan = state.mapper._is_orphan(state)
        is_persistent_orphan = is_orphan and state.has_identity
        if is_orphan and not is_persistent_orphan and state._orphaned_outside_of_session:
            session._expunge_states([state])
        else:
            flush_context.register_object(state, isdelete=is_persistent_orphan)
            processed.add(state)
    for state in deleted.difference(processed):
        flush_context.register_object(state, isdelete=True)
    if not flush_context.has_work:
        return
    flush_context.transaction = transaction = session._autobegin_t()._begin()
    try:
        flush_context.execute()
        session.dispatch.after_flush(session, flush_context)
        flush_context.finalize_flush_changes()
        session.dispatch.after_flush_postexec(session, flush_context)
        transaction.commit()
    except BaseException:
        transaction.rollback(_capture_exception=True)
        raise


def _write(session, connection, plan) -> None:
    dialect = connection.dialect
    written = set()
    for shape, state, changed in plan:
        dict_ = state.dict
        if changed is None:
            values = {}
            for key in shape.insert_keys:
                value = dict_.get(key)
                if value is None:
                    default = shape.columns[key].default
                    if default is not None:
                        value = dict_[key] = default.arg  # as the unit of work sets a prefetched default
                values[f"v_{key}"] = value
            if shape.version_key is not None:
                values[f"v_{shape.version_key}"] = dict_[shape.version_key] = shape.generator(None)
            statement = _insert(shape, dialect)
            _, lastrowid, row = statement.execute(connection, values)
            dict_[shape.pk_key] = row[0] if row is not None else lastrowid
        else:
            if not changed:
                written.add(state)  # no net change: no UPDATE and no new version, as the unit of work
                continue
            keys = changed + ((shape.version_key,) if shape.version_key is not None else ())
            values = {f"v_{key}": dict_[key] for key in changed}
            values["w_pk"] = state.key[1][0]
            if shape.version_key is not None:
                old = state.committed_state.get(shape.version_key, dict_.get(shape.version_key))
                values["w_version"] = old
                values[f"v_{shape.version_key}"] = new = shape.generator(old)
            matched, _, _ = _update(shape, keys, dialect).execute(connection, values)
            if matched != 1:
                raise StaleDataError(
                    f"UPDATE statement on table '{shape.table.name}' expected to update 1 row(s); "
                    f"{matched} were matched.")
            if shape.version_key is not None:
                dict_[shape.version_key] = new
        written.add(state)
    # As the unit of work ends: keys, identity map, history reset, the
    # transaction told which rows it wrote (a rollback expires or expunges them).
    session._register_persistent(written)

