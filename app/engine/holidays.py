"""Legal deadlines set before a holiday was known, moved off it.

A legal period whose last day is a rest day ends at the end of the next
working day (Civil Code art. 203, `core.legal_end` and `end_of_whole_days`).
When a year's notice is entered by hand (app/main/calendar_admin.py) after
such a deadline was set, the deadline was counted with that day as a working
day: it ends a day or more too early. `move_off_holidays` moves every such
deadline of a row in a legal-period state to where it would have been, each
move audited on its row ("deadline_moved", its `changes` as an edit's, which
`flask audit verify` replays) in the caller's transaction.

The same for a holiday that became known otherwise (a newer `chinesecalendar`
installed): the timer runner's job (`known_holidays_job`, installed by
app/housekeeping.py) moves, as the system, the deadlines ending on a holiday
of the coming year; a deadline set while its holiday was known never ends on
it, so the job finds only those set before.

A deadline is only ever moved later: a weekend day the notice makes a 调休
working day does not shorten a period the parties have been told of, nor
does removing an entry give back days.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from .. import clock, workdays
from ..audit.chain import lock_chain, record
from ..extensions import db
from .deadlines import warn_time
from .registry import registered_models

TRIGGER = "deadline_moved"
# How far ahead the timer's job looks: every holiday of the coming year (a legal period runs 30 days).
LOOK_AHEAD = timedelta(days=400)


def move_off_holidays(holidays, actor, notice: str, now=None) -> list[tuple[str, int, datetime, datetime]]:
    """Move the deadlines whose last day is one of `holidays` (holidays of
    the calendar as the caller's transaction sees it: days just entered are
    flushed) to the end of the next working day, under the chain lock; each
    event's reason names the notice (the festival). Returns (entity type,
    row id, before, after) for each row moved."""
    days = set(holidays)
    if not days:
        return []
    lock_chain(db.session)  # before any row's lock, as every writer takes them (app/audit/chain.py)
    now = now or clock.now()
    low, high = clock.day_start(min(days)), clock.day_end(max(days))
    moved = []
    for entity_type, model in registered_models():
        states = [s.code for s in model.__workflow__.states if s.legal_period or s.whole_days]
        if not states:
            continue
        rows = db.session.execute(select(model).where(model.state.in_(states), model.due_at >= low,
                                                      model.due_at <= high).order_by(model.id)).scalars().all()
        for row in rows:
            ends = clock.last_day(row.due_at)
            if ends not in days:
                continue
            after = clock.day_end(workdays.legal_last_day(ends))
            if after <= row.due_at:
                continue
            before = row.due_at
            row.due_at = after
            row.warn_at = warn_time(after, row.deadline_started_at or row.state_entered_at or now)
            row.changed_at, row.changed_by_id = now, actor.id
            db.session.flush()  # the version-checked UPDATE
            record(entity_type, row.id, TRIGGER, actor, at=now, reason=notice,
                   data={"changes": {"due_at": [before, after]}})
            moved.append((entity_type, row.id, before, after))
    return moved


def known_holidays_job(now=None) -> int:
    """Move the deadlines ending on any holiday from today to LOOK_AHEAD,
    festival by festival, as the system; commits. Returns how many moved."""
    from .core import SYSTEM_ACTOR

    now = now or clock.now()
    today = clock.local_date(now)
    moved = 0
    for name, first, last in workdays.holiday_runs(today, today + LOOK_AHEAD):
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        moved += len(move_off_holidays(days, SYSTEM_ACTOR, name, now=now))
    db.session.commit()
    return moved
