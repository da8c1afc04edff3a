"""The rota laid out by Saturday, room and seat: for the month view, the
public board and the plan preview."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .days import saturdays
from .models import Duty, Room
from .planning import holiday_days


@dataclass
class SeatRow:
    room: Room
    seat: int
    duty: Duty | None = None


@dataclass
class DayRow:
    day: date
    holiday: str | None
    seats: list[SeatRow] = field(default_factory=list)

    @property
    def empty(self) -> list[SeatRow]:
        return [s for s in self.seats if s.duty is None]


def grid(first: date, last: date, states) -> list[DayRow]:
    """Every Saturday of the range: each open room's seats with the duty (in
    one of `states`) that fills it, plus seats of duties kept in rooms since
    closed or shrunk."""
    duties = list(db.session.execute(
        select(Duty).where(Duty.day >= first, Duty.day <= last, Duty.state.in_(states))
        .options(selectinload(Duty.lawyer), selectinload(Duty.room))
        .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())
    rooms = list(db.session.execute(select(Room).where(Room.active.is_(True)).order_by(Room.id)).scalars())
    holidays = holiday_days(first, last)
    by_seat = {(d.day, d.room_id, d.seat): d for d in duties}
    rows = []
    for day in saturdays(first, last):
        row = DayRow(day, holidays.get(day))
        if row.holiday is None:
            row.seats = [SeatRow(r, n, by_seat.pop((day, r.id, n), None)) for r in rooms for n in range(1, r.seats + 1)]
        rows.append(row)
    index = {r.day: r for r in rows}
    for (day, _room, _seat), duty in sorted(by_seat.items()):  # seats that exist no more
        if day in index:
            index[day].seats.append(SeatRow(duty.room, duty.seat, duty))
    return rows
