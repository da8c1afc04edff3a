"""One intake for every new case, whatever the door it comes in by: the staff
form, a screening sweep, a resident's report, a lawyer's consultation, the
demo, the JSON API.

Each door keeps its own form and its own check of who may use it, then hands
the case over as a NewCase. The intake derives the street and community from
the grid (or the street from the community), normalises the parties (names
and phones trimmed, ID numbers upper-cased and checked), sets the channel the
door implies, creates the case through engine.create() with the door's
submitted data as the first audit event, stores the photos, and commits, all
in one transaction (the statistics counters follow on the same flush).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock, engine
from ..dates import deadline_text
from ..extensions import db
from ..org.models import Community, Grid
from ..uploads import Batch
from ..validators import id_number_valid
from . import codes, files
from .models import Dispute, Party, new_tracking_code

# door -> the channel it implies; None: the door chooses from codes.CHANNELS.
DOOR_CHANNELS = {
    "staff": None,
    "sweep": "sweep",
    "public": "photo",
    "consultation": "lawyer",
    "assistant": "assistant",  # a grid assistant's report (app/disputes/assistants.py)
    "demo": None,
    "api": None,  # the channel registered with the integrator's client
    "iot": "iot",  # a grid worker's confirmation of folded IoT alarms
}


class IntakeRefused(engine.MissingData):
    """The case cannot be made as given (a grid or community that does not
    exist or does not match, an invalid ID number): nothing is written."""


@dataclass(frozen=True)
class PartyDetails:
    role: str  # codes.PARTY_ROLES
    name: str
    phone: str | None = None
    id_number: str | None = None
    kind: str = "person"


@dataclass
class NewCase:
    """What a door knows of a new case. The place is a grid, or (for doors
    that do not know the grid) a community; given both, they must agree."""

    dispute_type: str
    facts: str
    parties: Sequence[PartyDetails] = field(default_factory=tuple)
    grid_id: int | None = None
    community_id: int | None = None
    place: str = ""
    arose_on: date | None = None
    amount: Decimal | None = None
    people_count: int | None = None
    risk: str = "low"
    sweep_id: int | None = None
    submission_token: str | None = None


@dataclass(frozen=True)
class Location:
    street_id: int
    community_id: int
    grid_id: int | None


class Opened(NamedTuple):
    case: Dispute
    created: bool  # False: the same form was sent before, and this is the case it made


def channel_for(door: str, chosen: str | None = None) -> str:
    """The channel of a case coming in by `door`: the one the door implies,
    or the one its user chose (from the code list)."""
    if door not in DOOR_CHANNELS:
        raise ValueError(f"unknown intake door {door!r}; use one of {sorted(DOOR_CHANNELS)}")
    fixed = DOOR_CHANNELS[door]
    if fixed is not None:
        if chosen not in (None, fixed):
            raise ValueError(f"the {door!r} door takes cases by the channel {fixed!r}, not {chosen!r}")
        return fixed
    if chosen not in codes.CHANNELS:
        raise ValueError(f"unknown channel {chosen!r}")
    return chosen


def locate(grid_id: int | None = None, community_id: int | None = None) -> Location:
    """The case's street, community and grid, from its grid (or its community).
    Every case is placed here, and nothing moves it out of its community
    afterwards (a case is given a grid, or another grid, of its own community
    only: forms.EditForm, bulk.chosen_in_row, the accept form): a grid's
    cases are its community's and its street's, which the case lists' grid
    filter and the grid map's figures rely on (they filter by grid alone)."""
    if grid_id is not None:
        grid = db.session.get(Grid, grid_id)
        if grid is None:
            raise IntakeRefused(_l("Choose a grid from the list."), field="grid_id")
        if community_id is not None and grid.community_id != community_id:
            raise IntakeRefused(_l("The grid must belong to the chosen community."), field="grid_id")
        return Location(grid.community.street_id, grid.community_id, grid.id)
    community = db.session.get(Community, community_id) if community_id is not None else None
    if community is None:
        raise IntakeRefused(_l("Choose the community where it happens."), field="community_id")
    return Location(community.street_id, community.id, None)


def party(details: PartyDetails) -> Party:
    """A party row as stored: trimmed, the ID number upper-cased and checked
    (taken as a resident ID, the only kind an intake asks for)."""
    name = (details.name or "").strip()
    if not name:
        raise ValueError("a party needs a name")  # every door's form requires it
    id_number = (details.id_number or "").strip().upper() or None
    if id_number is not None and not id_number_valid(id_number):
        raise IntakeRefused(_l("This ID number is not valid: check the digits (the last one may be X)."),
                            field=f"{details.role}_id_number")
    return Party(role=details.role, kind=details.kind, name=name, phone=(details.phone or "").strip() or None,
                 id_number=id_number, id_type="resident_id" if id_number else None)


def build(case: NewCase, door: str, actor, *, channel: str | None = None, now: datetime | None = None) -> Dispute:
    """The new case's row with its parties, not yet added to the session."""
    if door == "sweep" and case.sweep_id is None:
        raise ValueError("a case registered from a sweep names the sweep")
    where = locate(case.grid_id, case.community_id)
    dispute = Dispute(
        tracking_code=new_tracking_code(), channel=channel_for(door, channel), dispute_type=case.dispute_type,
        street_id=where.street_id, community_id=where.community_id, grid_id=where.grid_id,
        place=(case.place or "").strip(), arose_on=case.arose_on, facts=case.facts.strip(), amount=case.amount,
        people_count=case.people_count, risk=case.risk, sweep_id=case.sweep_id,
        created_by_id=getattr(actor, "id", None), created_at=now or clock.now(),
        submission_token=case.submission_token,
    )
    dispute.parties.extend(party(p) for p in case.parties)
    return dispute


def by_submission(token: str | None) -> Dispute | None:
    """The case an intake form (identified by its one-time token) created."""
    if not token:
        return None
    return db.session.execute(select(Dispute).where(Dispute.submission_token == token)).scalar_one_or_none()


def open_case(case: NewCase, door: str, actor, submitted: dict, *, channel: str | None = None, photo=None,
              photos: Sequence = (), now: datetime | None = None,
              also: Callable[[Dispute], None] | None = None) -> Opened:
    """Make the case and commit it, with its photo (the resident's form takes
    one) or photos (the staff's forms and the JSON API take several), in the order given, and whatever
    `also` adds to the same transaction (it may raise to undo everything).
    `submitted` is what the door's user sent, kept as the creation event's data.

    A form sent twice, even at the same moment, gives back the case the
    first one created (created=False); the second one's photo files are
    removed with their rolled-back rows."""
    now = now or clock.now()
    dispute = build(case, door, actor, channel=channel, now=now)
    kept = ([photo] if photo else []) + [p for p in photos if p]
    with Batch() as batch:
        try:
            engine.create(dispute, actor, submitted, now=now, commit=False)
            for file in kept:
                files.attach(batch, dispute, file, actor, now=now)
            if also is not None:
                also(dispute)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            existing = by_submission(case.submission_token)
            if existing is None:
                raise
            return Opened(existing, False)
        except Exception:
            db.session.rollback()
            raise
        batch.done()
    return Opened(dispute, True)


# Said to whoever registered a case (a grid worker on patrol, most often):
# who takes it next, whose the time limit shown on the case is, and that the
# parties follow it with its tracking code.
NEXT_AFTER_INTAKE = _l("Next the mediators of %(community)s decide whether to accept it, by %(deadline)s: the time "
                       "limit shown on the case is theirs. Give the parties the tracking code (print a slip for "
                       "them from the case page): with it they follow the case on the “Check progress” page.")


def next_after_intake(dispute: Dispute) -> str:
    """Who takes a new case next, in the request's language."""
    return str(NEXT_AFTER_INTAKE) % {"community": dispute.community.name, "deadline": deadline_text(dispute.due_at)}
