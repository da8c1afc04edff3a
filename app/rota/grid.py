"""The rota laid out by Saturday, room and seat: for the month view, the
public board and the plan preview."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .days import saturdays
from .holiday_days import kept_ids
from .leaving import is_stranded
from .models import HELD_STATES, Duty, Lawyer, Room
from .planning import closures
from .scope import CITY, duties_clause, rooms_clause


@dataclass
class SeatRow:
    room: Room
    seat: int
    duty: Duty | None = None
    # Held on a day that became a holiday after it was planned, neither
    # cancelled nor kept yet (holiday_days.py).
    holiday_pending: bool = False

    @property
    def stranded(self) -> bool:
        """Held by a lawyer who can no longer sit: to be re-arranged."""
        return self.duty is not None and is_stranded(self.duty)


@dataclass
class DayRow:
    day: date
    holiday: str | None
    seats: list[SeatRow] = field(default_factory=list)
    # Streets' own holidays that day, when the grid shows several streets:
    # (street name, holiday name); their rooms have no seats that day.
    closed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> list[SeatRow]:
        return [s for s in self.seats if s.duty is None]

    @property
    def holiday_pending(self) -> list[SeatRow]:
        return [s for s in self.seats if s.holiday_pending]

    @property
    def stranded(self) -> list[SeatRow]:
        return [s for s in self.seats if s.stranded]

    @property
    def vacant(self) -> list[SeatRow]:
        """The seats that need a lawyer: empty, or to be re-arranged."""
        return [s for s in self.seats if s.duty is None or s.stranded]


def grid(first: date, last: date, states, street_id: int | None = CITY) -> list[DayRow]:
    """Every Saturday of the range: each open room's seats (of a street, or
    CITY: of the whole city) with the duty (in one of `states`) that fills
    it, plus seats of duties kept in rooms since closed or shrunk. A holiday
    of the city, or of the one street shown, marks the whole day; another
    street's holiday closes only that street's rooms."""
    duties = list(db.session.execute(
        select(Duty).where(Duty.day >= first, Duty.day <= last, Duty.state.in_(states), duties_clause(street_id))
        .options(selectinload(Duty.lawyer).selectinload(Lawyer.user), selectinload(Duty.room))
        .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars())
    rooms = list(db.session.execute(
        select(Room).where(Room.active.is_(True), rooms_clause(street_id))
        .options(selectinload(Room.community)).order_by(Room.id)).scalars())
    holidays = closures(first, last, street_id)
    by_seat = {(d.day, d.room_id, d.seat): d for d in duties}
    rows = []
    for day in saturdays(first, last):
        row = DayRow(day, holidays.on(day, street_id))
        if row.holiday is None:
            for r in rooms:
                closed = holidays.on(day, r.community.street_id)
                if closed:
                    if (r.community.street.name, closed) not in row.closed:
                        row.closed.append((r.community.street.name, closed))
                    continue
                row.seats.extend(SeatRow(r, n, by_seat.pop((day, r.id, n), None)) for n in range(1, r.seats + 1))
        rows.append(row)
    index = {r.day: r for r in rows}
    kept = None
    for (day, _room, _seat), duty in sorted(by_seat.items()):  # seats that exist no more, or closed since
        if day in index:
            row = index[day]
            pending = False
            if duty.state in HELD_STATES and (
                    row.holiday or holidays.on(day, duty.room.community.street_id)):
                kept = kept_ids(d.id for d in duties) if kept is None else kept
                pending = duty.id not in kept
            row.seats.append(SeatRow(duty.room, duty.seat, duty, holiday_pending=pending))
    return rows
