"""One page of a list, with a count that stops at a cap (as the case lists)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db

COUNT_CAP = 10_000


@dataclass
class Page:
    rows: list
    number: int
    per_page: int
    total: int
    capped: bool
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max((self.total + self.per_page - 1) // self.per_page, 1)


def page_of(query, order, number: int, per_page: int, options=()) -> Page:
    entity = query.column_descriptions[0]["entity"]
    limited = query.with_only_columns(entity.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    n = db.session.execute(select(func.count()).select_from(limited)).scalar()
    total, capped = min(n, COUNT_CAP), n > COUNT_CAP
    number = max(1, min(number, (total + per_page - 1) // per_page or 1))
    rows = db.session.execute(
        query.order_by(*order).options(*options).limit(per_page).offset((number - 1) * per_page)
    ).scalars().all()
    return Page(rows=rows, number=number, per_page=per_page, total=total, capped=capped)
