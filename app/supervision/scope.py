"""What part of the city a supervisor's pages, statistics and exports cover.

A street supervisor (督导 with a street) sees that street; a city supervisor
(no street) and the administrator see the whole city. The rule for a case is
the disputes' scope table (app/disputes/scope.py); this module offers the
places a user may filter by, and turns a place named in a URL into a SQL
condition, refusing (404) a place outside the user's scope, so that asking
for another street's figures gives nothing at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from ..auth.models import User
from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..extensions import db
from ..org.models import Area, Community, Grid, Street


def is_city_level(user) -> bool:
    return user.role == "admin" or (user.role == "supervisor" and not user.street_id)


@dataclass
class Place:
    """The filters of place, each an id the user may see (or None)."""

    street_id: int | None = None
    area_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None
    mediator_id: int | None = None

    def link_args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


def _narrowed(model, street_id, near_community, row_id=None):
    """The condition putting `model`'s rows in the street given, or in the
    street of the community `near_community` (one statement with the list),
    or the one row `row_id`; None for none of them."""
    if isinstance(row_id, int):
        return model.id == row_id
    if isinstance(street_id, int):
        return model.street_id == street_id
    if isinstance(near_community, int):
        return model.street_id == select(Community.street_id).where(Community.id == near_community).scalar_subquery()
    return None


class Scope:
    def __init__(self, user):
        self.user = user
        self.city = is_city_level(user)

    # --- choices for the filter forms
    def streets(self) -> list[Street]:
        query = select(Street).order_by(Street.id)
        if not self.city:
            query = query.where(Street.id == self.user.street_id)
        return list(db.session.execute(query).scalars())

    def areas(self, street_id=None, near_community=None, area_id=None, limit=None) -> list[tuple[int, str]]:
        """(id, name) of the 片区 in scope, narrowed as communities() is;
        the first `limit` only."""
        query = select(Area.id, Area.name).order_by(Area.street_id, Area.id)
        if not self.city:
            query = query.where(Area.street_id == self.user.street_id)
        return self._listed(query, _narrowed(Area, street_id, near_community, area_id), limit)

    def communities(self, street_id=None, near_community=None, community_id=None, limit=None) -> list[tuple[int, str]]:
        """(id, name) of the communities in scope: of one street when
        given, else of the street of `near_community`, or the one community
        `community_id`; the first `limit` only."""
        query = select(Community.id, Community.name).order_by(Community.street_id, Community.id)
        if not self.city:
            query = query.where(Community.street_id == self.user.street_id)
        return self._listed(query, _narrowed(Community, street_id, near_community, community_id), limit)

    def grids(self, street_id=None, community_id=None, grid_id=None, limit=None) -> list[tuple[int, str]]:
        """(id, "community · grid") of the grids in scope, narrowed to a
        street, a community or one grid when given; the first `limit` only."""
        query = (select(Grid.id, Community.name, Grid.name).join(Community)
                 .order_by(Community.street_id, Community.id, Grid.id))
        if not self.city:
            query = query.where(Community.street_id == self.user.street_id)
        for column, value in ((Community.street_id, street_id), (Community.id, community_id), (Grid.id, grid_id)):
            if isinstance(value, int):
                query = query.where(column == value)
        if limit is not None:
            query = query.limit(limit)
        return [(gid, f"{cname} · {gname}") for gid, cname, gname in db.session.execute(query)]

    def mediators(self, street_id=None, near_community=None, mediator_id=None, limit=None) -> list[tuple[int, str]]:
        """(id, name) of the mediators in scope, narrowed as communities()
        is, or the one mediator `mediator_id`; the first `limit` only."""
        query = select(User.id, User.display_name).where(User.role == "mediator").order_by(User.display_name, User.id)
        if not self.city:
            query = query.where(User.street_id == self.user.street_id)
        return self._listed(query, _narrowed(User, street_id, near_community, mediator_id), limit)

    @staticmethod
    def _listed(query, street, limit) -> list[tuple[int, str]]:
        if street is not None:
            query = query.where(street)
        if limit is not None:
            query = query.limit(limit)
        return [(row_id, name) for row_id, name in db.session.execute(query)]

    # --- a place named in a request
    def _street_of(self, model, row_id) -> int | None:
        row = db.session.get(model, row_id)
        if row is None:
            return None
        if model is Street:
            return row.id
        if model is Grid:
            return row.community.street_id
        return row.street_id

    def check(self, place: Place) -> Place:
        """Each id must exist and lie within the scope: else 404, as for
        another street's case."""
        for model, value in ((Street, place.street_id), (Area, place.area_id), (Community, place.community_id),
                             (Grid, place.grid_id)):
            if value is None:
                continue
            street = self._street_of(model, value)
            if street is None or (not self.city and street != self.user.street_id):
                abort(404)
        if place.mediator_id is not None:
            mediator = db.session.get(User, place.mediator_id)
            if mediator is None or mediator.role != "mediator" or (
                    not self.city and mediator.street_id != self.user.street_id):
                abort(404)
        return place

    def clauses(self, place: Place, model=Dispute) -> list:
        """SQL conditions on `model` (a table with street_id and community_id,
        and grid_id for Dispute) for the scope and the chosen place."""
        if model is Dispute:
            where = [scope_clause(self.user)]
        else:
            where = [] if self.city else [model.street_id == self.user.street_id]
        if place.street_id is not None:
            where.append(model.street_id == place.street_id)
        if place.area_id is not None:
            where.append(model.community_id.in_(select(Community.id).where(Community.area_id == place.area_id)))
        if place.community_id is not None:
            where.append(model.community_id == place.community_id)
        if place.grid_id is not None and model is Dispute:
            where.append(Dispute.grid_id == place.grid_id)
        if place.mediator_id is not None and model is Dispute:
            where.append(Dispute.assignee_id == place.mediator_id)
        return where
