"""The rota's object scope as queries (the rule itself: scope_rule.py).

A street's coordinator or supervisor reads and acts on the rooms of their
street, the duties and swaps in those rooms and the consultations held
there; another street's row gives 404, as another street's case does, and
lists leave it out. A city-level account (no street) and the administrator
see the whole city.

Lawyers are one pool for the city. Every coordinator plans from the whole
pool, so the roster lists every lawyer by name and firm (as the public
board does); but a lawyer's personal details (the phone, even masked, and
its reveal) and their roster entry are within a street coordinator's reach
only while the lawyer sits, or has sat, in a room of that street, or sits
nowhere yet (a new volunteer any coordinator may call about a first duty).
"""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select, true

from ..auth.access import refuse
from ..extensions import db
from ..org.models import Community
from .models import LIVE_STATES, Duty, Lawyer, Room
from .scope_rule import CITY, is_city_level, sees_street, street_of

__all__ = ["CITY", "is_city_level", "sees_street", "street_of", "rooms_clause", "duties_clause", "room_ids",
           "load_room", "lawyer_streets", "lawyers_in_reach", "lawyer_in_reach", "load_lawyer"]


def room_ids(street_id: int):
    """A subquery: the ids of the rooms of this street."""
    return select(Room.id).join(Community, Community.id == Room.community_id).where(Community.street_id == street_id)


def rooms_clause(street_id: int | None):
    """SQL condition on Room for a street (true() for the whole city)."""
    if street_id is CITY:
        return true()
    return Room.community_id.in_(select(Community.id).where(Community.street_id == street_id))


def duties_clause(street_id: int | None, column=Duty.room_id):
    """SQL condition on a duty's room column for a street (true() for the city)."""
    if street_id is CITY:
        return true()
    return column.in_(room_ids(street_id))


def load_room(room_id: int) -> Room:
    """The room, if it lies in the current user's street (or they are
    city-level); otherwise 404."""
    room = db.session.get(Room, room_id)
    if room is None or not room.visible_to(current_user):
        refuse("room", room_id)
    return room


def lawyer_streets(lawyer_ids=None) -> dict[int, set[int]]:
    """For each lawyer (of `lawyer_ids`, or all): the streets of the rooms
    where they sit or have sat (a duty in LIVE_STATES)."""
    query = (select(Duty.lawyer_id, Community.street_id).distinct()
             .join(Room, Room.id == Duty.room_id).join(Community, Community.id == Room.community_id)
             .where(Duty.state.in_(LIVE_STATES)))
    if lawyer_ids is not None:
        query = query.where(Duty.lawyer_id.in_(list(lawyer_ids)))
    streets: dict[int, set[int]] = {}
    for lawyer_id, street_id in db.session.execute(query):
        streets.setdefault(lawyer_id, set()).add(street_id)
    return streets


def _within(street_id, streets: set[int]) -> bool:
    return street_id is CITY or not streets or street_id in streets


def lawyers_in_reach(user, lawyers) -> set[int]:
    """The ids among `lawyers` whose roster entry and phone the user may see."""
    own = street_of(user)
    ids = [lw.id for lw in lawyers]
    if own is CITY:
        return set(ids)
    streets = lawyer_streets(ids)
    return {i for i in ids if _within(own, streets.get(i, set()))}


def lawyer_in_reach(user, lawyer: Lawyer) -> bool:
    return bool(lawyers_in_reach(user, [lawyer]))


def load_lawyer(lawyer_id: int) -> Lawyer:
    """A lawyer's roster entry for the current (staff) user: 404 when it
    does not exist or the lawyer sits only in another street's rooms."""
    lawyer = db.session.get(Lawyer, lawyer_id)
    if lawyer is None or not lawyer_in_reach(current_user, lawyer):
        refuse("lawyer", lawyer_id)
    return lawyer
