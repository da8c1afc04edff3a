from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class WorkflowMixin:
    """Columns every workflow entity carries. `state` is written only by the
    engine; `version` makes concurrent writers detect each other."""

    __workflow__ = None  # a workflows.spec.Workflow
    __entity_type__ = None  # the name used in the audit log
    # Columns the log must rebuild, checked by verify (columns.py); child
    # rows kept with the entity's events: a tuple of columns.Children.
    __audited__: tuple[str, ...] = ()
    __audited_children__: tuple = ()

    state: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    state_entered_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    deadline_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the deadline turns yellow (see deadlines.py); set with due_at by the
    # engine, so that lists can filter and sort by colour in SQL.
    warn_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by_id: Mapped[int | None] = mapped_column(Integer)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    def visible_to(self, user) -> bool:  # overridden by each domain
        return False


class UrgedMixin:
    """For a workflow model with an `urge` step (督办) that keeps the state:
    when the newest urging standing on the row was made, None when none
    stands. The log tells it too (urgings.py); this copy lets a list order
    by it without asking the log of every row. Written only by the engine
    (urgings.keep_urged, from fire()): the urge step sets it and the row's
    next step clears it, in the step's own UPDATE. Not audited: like
    warn_at, it follows from what the log holds."""

    urged_at: Mapped[datetime | None] = mapped_column(DateTime)
