"""Statements sent straight to the driver: compiled once for a dialect by
SQLAlchemy, then run on the DBAPI cursor of a connection, in its transaction,
without SQLAlchemy's execution machinery, which costs more per statement than
the database takes to run it. For the few statements on every step: the
audit append and the chain's reads (app/audit/chain.py, reader.py) and a
step's direct write (app/engine/writes.py); figures in the README,
"Benchmark: engine throughput". And for the reads of every request: the
login session with its account (app/auth/sessions.py) and a row by its id
(`get`, for the views that load one), made objects of the session as the
ORM's loader makes them (`loaded`); and the engine's re-read of a case
expired by the last COMMIT (`row_values`, app/engine/core.py).

Values go through their types' bind processors, as SQLAlchemy's execution
sends them, and errors are wrapped as SQLAlchemy wraps them (StatementError
for a value its type cannot take, the DBAPIError classes for the driver's).
The engine's before/after_cursor_execute listeners are told of each
statement (`cursor_events`), so that instrumentation and the tests'
statement budgets see them; SQLAlchemy's echo log does not.

Foundation layer: imports SQLAlchemy only.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict


@dataclass(frozen=True)
class DriverStatement:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order the driver takes them
    positional: bool
    to_db: tuple  # per name: its type's bind processor for the dialect, or None
    fixed: dict  # values the statement carries itself (a LIMIT's, a bindparam given a value)

    @classmethod
    def compile(cls, statement, dialect, **options) -> DriverStatement:
        compiled = statement.compile(dialect=dialect, **options)
        names = tuple(compiled.positiontup if compiled.positional else compiled.bind_names.values())
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        fixed = {name: bind.value for name, bind in binds.items() if not bind.required}
        to_db = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        return cls(compiled.string, names, compiled.positional, to_db, fixed)

    def params(self, values: dict):
        """The driver's parameters for `values` (name -> value)."""
        if self.fixed:
            values = {**self.fixed, **values}
        try:  # every value through its processor, None too, as SQLAlchemy's execution does
            args = tuple(values[name] if convert is None else convert(values[name])
                         for name, convert in zip(self.names, self.to_db))
        except Exception as error:
            raise StatementError(f"({type(error).__module__}.{type(error).__name__}) {error}", self.sql, values,
                                 error) from error
        return args if self.positional else dict(zip(self.names, args))

    def execute(self, connection, values: dict) -> tuple[int, int | None, tuple | None]:
        """Run on `connection` (a SQLAlchemy Connection): the rows it matched,
        the new row's id where the driver tells it, and its first row or None."""
        return self._on_cursor(connection, values, lambda cursor: (
            cursor.rowcount, getattr(cursor, "lastrowid", None), cursor.fetchone() if cursor.description else None))

    def run(self, connection, values: dict):
        """Run on `connection`: its first row, if any."""
        return self.execute(connection, values)[2]

    def first(self, connection, values: dict) -> tuple[tuple | None, tuple | None]:
        """Run a SELECT on `connection`: its first row, if any, and the
        cursor's description of the columns."""
        return self._on_cursor(connection, values, lambda cursor: (cursor.fetchone(), cursor.description))

    def _on_cursor(self, connection, values: dict, read):
        params = self.params(values)
        dialect = connection.dialect
        dbapi = dialect.loaded_dbapi
        cursor = connection.connection.cursor()
        try:
            with cursor_events(connection, cursor, self.sql, params):
                cursor.execute(self.sql, params)
            return read(cursor)
        except dbapi.Error as error:
            raise DBAPIError.instance(self.sql, params, error, dbapi.Error, dialect=dialect) from error
        finally:
            cursor.close()


class DriverSelect:
    """A SELECT compiled once for a dialect and sent to the driver, its
    row's values converted as SQLAlchemy's result converts them (each
    column type's result processor: SQLite returns a DateTime as text)."""

    def __init__(self, statement, dialect):
        self.columns = tuple(statement.selected_columns)
        self.statement = DriverStatement.compile(statement, dialect)
        self.dialect = dialect
        self.processors = None  # from the first result's description (PostgreSQL's type codes)

    def first(self, connection, values: dict) -> list | None:
        """Run on `connection`: its first row's values, or None."""
        row, description = self.statement.first(connection, values)
        if self.processors is None and description is not None:
            self.processors = tuple(column.type._cached_result_processor(self.dialect, described[1])
                                    for column, described in zip(self.columns, description))
        if row is None:
            return None
        return [value if convert is None or value is None else convert(value)
                for convert, value in zip(self.processors, row)]


def loaded(session, mapper, values: dict):
    """A row read past the ORM as an object of `session`, as the ORM's
    loader gives it: the session's own object for that row if it holds one
    (its values kept), else a new one with `values` (attribute key ->
    value, every column attribute) loaded and its relationships read when
    first used. As with the loader, the class's __init__ is not called."""
    identity = mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(column).key] for column in mapper.primary_key])
    found = session.identity_map.get(identity)
    if found is not None:
        return found
    obj = mapper.class_manager.new_instance()
    instance_dict(obj).update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


_BUILT: dict[tuple, object] = {}


def built_once(dialect, key: tuple, build):
    """`build(dialect)`, called once for each kind of dialect (its class and
    its paramstyle) and `key`, then kept for the life of the process: the
    statements sent to the driver are compiled once, not on every use. A
    key names a fixed statement (a model, a query); never a value."""
    found = _BUILT.get((type(dialect), dialect.paramstyle, key))
    if found is None:
        found = _BUILT[(type(dialect), dialect.paramstyle, key)] = build(dialect)
    return found


def row_values(connection, mapper, key: tuple) -> dict | None:
    """The row of `mapper`'s table with primary key `key` (its values in
    the primary key's column order) as attribute key -> value, every
    one-column attribute as the ORM's loader reads it, or None if there is
    none: one statement built once per dialect and sent to the driver."""
    select_, keys = built_once(connection.dialect, ("row by key", mapper), lambda dialect: _by_key(mapper, dialect))
    values = select_.first(connection, {f"pk{i}": value for i, value in enumerate(key)})
    return None if values is None else dict(zip(keys, values))


def _by_key(mapper, dialect) -> tuple[DriverSelect, tuple[str, ...]]:
    props = [prop for prop in mapper.column_attrs if len(prop.columns) == 1]
    statement = select(*(prop.columns[0] for prop in props)).where(
        and_(*(column == bindparam(f"pk{i}") for i, column in enumerate(mapper.primary_key))))
    return DriverSelect(statement, dialect), tuple(prop.key for prop in props)


def get(session, model, row_id):
    """`session.get(model, row_id)` for a model with a one-column primary
    key: the row read by `row_values` and made an object of the session
    (`loaded`). A row the session holds already is left to `session.get`,
    which knows its state (expired, deleted...), and so are the models that
    `loaded` does not make: those that inherit or are inherited from (the
    row's class is the loader's choice), or have a primary key of several
    columns."""
    mapper = sa_inspect(model)
    if (mapper.inherits is not None or mapper.polymorphic_on is not None or len(mapper.primary_key) != 1
            or mapper.identity_key_from_primary_key([row_id]) in session.identity_map):
        return session.get(model, row_id)
    values = row_values(session.connection(bind_arguments={"mapper": mapper}), mapper, (row_id,))
    return None if values is None else loaded(session, mapper, values)


@contextmanager
def cursor_events(connection, cursor, sql: str, params):
    """Around a statement sent past SQLAlchemy's execution: its Engine's
    before_cursor_execute and after_cursor_execute listeners, as the
    execution would call them (without an execution context; a listener's
    return value is not used). Nothing to do when there is none."""
    events = connection.dispatch
    if events.before_cursor_execute:
        events.before_cursor_execute(connection, cursor, sql, params, None, False)
    yield
    if events.after_cursor_execute:
        events.after_cursor_execute(connection, cursor, sql, params, None, False)
