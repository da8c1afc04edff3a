"""The coordinator's load table: who is busy, who has not been asked for
long, and how often each elder accepts or declines."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from .. import clock
from ..auth.access import roles_required
from ..extensions import db
from . import codes
from ..disputes import codes as dispute_codes
from .candidates import last_invited, loads
from .models import NO_SHOW, TOOK_PART, Elder, ElderAssignment
from .scope import street_clause

SORTS = ("waiting", "busy", "name")


@dataclass
class LoadRow:
    elder: Elder
    open: int
    last_invited_at: datetime | None
    days_waiting: int | None   # None: never asked
    invited: int               # invitations that were answered or ran out
    accepted: int
    declined: int
    expired: int
    done: int
    no_show: int = 0  # accepted, and did not come (as the mediator recorded)

    def rate(self, count) -> int | None:
        """A share of the answered invitations, in whole percent."""
        return round(100 * count / self.invited) if self.invited else None

    @property
    def busy(self) -> bool:
        return self.open >= self.elder.max_concurrent


def answers(elder_ids) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        select(ElderAssignment.elder_id, ElderAssignment.answer, func.count())
        .where(ElderAssignment.elder_id.in_(elder_ids), ElderAssignment.answer.is_not(None))
        .group_by(ElderAssignment.elder_id, ElderAssignment.answer)
    ).all()
    counted: dict[int, dict[str, int]] = {}
    for elder_id, answer, n in rows:
        counted.setdefault(elder_id, {})[answer] = n
    return counted


def ended_counts(elder_ids) -> tuple[dict[int, int], dict[int, int]]:
    """How many invitations of each elder ended with their part taken
    (done), and with their not coming: one statement for both."""
    done: dict[int, int] = {}
    no_show: dict[int, int] = {}
    rows = db.session.execute(
        select(ElderAssignment.elder_id, ElderAssignment.state, func.count())
        .where(ElderAssignment.elder_id.in_(elder_ids), ElderAssignment.state.in_((*TOOK_PART, NO_SHOW)))
        .group_by(ElderAssignment.elder_id, ElderAssignment.state)
    ).all()
    for elder_id, state, n in rows:
        counted = no_show if state == NO_SHOW else done
        counted[elder_id] = counted.get(elder_id, 0) + n
    return done, no_show


def load_rows(elders, now) -> list[LoadRow]:
    ids = [e.id for e in elders]
    open_, last, answered = loads(ids), last_invited(ids), answers(ids)
    done, no_show = ended_counts(ids)
    rows = []
    for e in elders:
        a = answered.get(e.id, {})
        when = last.get(e.id)
        rows.append(LoadRow(
            e, open_.get(e.id, 0), when, (now - when).days if when else None,
            sum(a.values()), a.get("accepted", 0), a.get("declined", 0), a.get("expired", 0), done.get(e.id, 0),
            no_show.get(e.id, 0),
        ))
    return rows


def sort_rows(rows: list[LoadRow], how: str) -> list[LoadRow]:
    if how == "busy":
        return sorted(rows, key=lambda r: (-r.open / r.elder.max_concurrent, -r.open, r.elder.name))
    if how == "name":
        return sorted(rows, key=lambda r: (r.elder.name, r.elder.id))
    # Waiting longest first; never asked at the very top.
    return sorted(rows, key=lambda r: (r.days_waiting is not None, -(r.days_waiting or 0), r.elder.name))


@roles_required("coordinator", "supervisor", "admin")
def load_table():
    how = request.args.get("sort", "waiting")
    how = how if how in SORTS else "waiting"
    clause = street_clause(Elder.street_id, current_user)
    elders = list(db.session.execute(select(Elder).where(clause, Elder.active.is_(True))).scalars())
    rows = sort_rows(load_rows(elders, clock.now()), how)
    return render_template("elders/load.html", rows=rows, sort=how, codes=codes, dcodes=dispute_codes)
