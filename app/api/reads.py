"""Read APIs for the other users' systems: the published Saturday rota of a
month (`rota:read`), and the monthly statistics of the client's place
(`stats:read`), computed by the same code as the statistics page."""
from __future__ import annotations

from datetime import date

from .. import clock
from ..disputes import codes
from ..extensions import db
from ..i18n import translate
from ..org.models import Community
from ..rota.days import month_bounds
from ..rota.grid import grid
from ..rota.models import SAT_STATES
from ..supervision.scope import Place, Scope
from ..supervision.stats import RATES, dashboard
from .problems import ApiProblem


def month_of(value: str | None) -> tuple[date, date]:
    today = clock.today()
    if not value:
        return month_bounds(today.year, today.month)
    year, month = (int(part) for part in value.split("-"))
    return month_bounds(year, month)


def rota(month: str | None) -> dict:
    """The published rota: every Saturday's seats with the lawyer's name and
    firm (as the public board shows them; no phones)."""
    first, last = month_of(month)
    days = []
    for row in grid(first, last, SAT_STATES):
        days.append({
            "date": row.day, "holiday": row.holiday,
            "seats": [{"room": s.room.name, "community": s.room.community.name, "seat": s.seat,
                       "lawyer": s.duty.lawyer.name if s.duty else None,
                       "firm": s.duty.lawyer.firm if s.duty else None} for s in row.seats],
        })
    return {"month": f"{first:%Y-%m}", "days": days}


class PlaceReader:
    """The statistics' scope as a street supervisor of the client's place sees it."""

    role = "supervisor"
    id = None

    def __init__(self, community: Community):
        self.street_id = community.street_id
        self.community_id = community.id
        self.grid_id = None


def _counts(counts) -> dict:
    # Each rate as the statistics page gives it: null (the page's "—") until a case it counts has concluded.
    return {"registered": counts.registered, "accepted": counts.accepted, "agreements": counts.agreements,
            "on_spot": counts.on_spot, **{rate: counts.shown(rate) for rate in RATES}}


def stats(client, month: str | None) -> dict:
    if client.community_id is None:
        raise ApiProblem(403, "This client has no place whose statistics it may read; ask the administrator.")
    community = db.session.get(Community, client.community_id)
    first, last = month_of(month)
    figures = dashboard(Scope(PlaceReader(community)), Place(community_id=community.id), first, last, clock.now())

    def labelled(rows, labels):
        return [{"code": key, "label": {"zh": translate(labels[key], "zh_Hans_CN"), "en": translate(labels[key], "en")}
                 if key in labels else None, **_counts(c)} for key, c in rows]

    return {
        "month": f"{first:%Y-%m}", "community_id": community.id, "community": community.name,
        "totals": _counts(figures.totals), "closed": figures.closed, "mean_days": figures.mean_days,
        "p90_days": figures.p90_days, "by_type": labelled(figures.by_type, codes.DISPUTE_TYPES),
        "by_channel": labelled(figures.by_channel, codes.CHANNELS),
    }
