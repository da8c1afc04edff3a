"""Small SQL expressions that SQLite and PostgreSQL spell differently:
days between two timestamps, and the local month of a stored UTC time."""
from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal



class days_between(FunctionElement):
    """(end - start) in days, as a real number."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"
            " / 86400.0)")


class local_month(FunctionElement):
    """'YYYY-MM' of a stored (naive UTC) time, shifted by a fixed number of
    hours to the centre's time zone (Asia/Shanghai has no summer time)."""

    type = String()
    # The offset is written into the SQL, not bound: it is part of the statement's cache key, so that a
    # statement using this is compiled once per offset rather than on every execution (uncached).
    _traverse_internals = FunctionElement._traverse_internals + [("hours", InternalTraversal.dp_plain_obj)]
    inherit_cache = True
    name = "local_month"

    def __init__(self, column, hours: int):
        self.hours = int(hours)
        super().__init__(column)


@compiles(local_month, "sqlite")
def _month_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(column, **kw)}, '{element.hours:+d} hours')"


@compiles(local_month, "postgresql")
def _month_pg(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"to_char({compiler.process(column, **kw)} + interval '{element.hours:d} hours', 'YYYY-MM')"



class local_day(FunctionElement):
    """'YYYY-MM-DD' of a stored (naive UTC) time in the centre's time zone,
    shifted like local_month."""

    type = String()
    # The offset is written into the SQL, not bound: it is part of the statement's cache key, so that a
    # statement using this is compiled once per offset rather than on every execution (uncached).
    _traverse_internals = FunctionElement._traverse_internals + [("hours", InternalTraversal.dp_plain_obj)]
    inherit_cache = True
    name = "local_day"

    def __init__(self, column, hours: int):
        self.hours = int(hours)
        super().__init__(column)


@compiles(local_day, "sqlite")
def _day_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"strftime('%Y-%m-%d', {compiler.process(column, **kw)}, '{element.hours:+d} hours')"


@compiles(local_day, "postgresql")
def _day_pg(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"to_char({compiler.process(column, **kw)} + interval '{element.hours:d} hours', 'YYYY-MM-DD')"
