"""The sweeps on the today page (installed by the package's init_app)."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..dates import day_text
from ..engine.deadlines import colour
from ..extensions import db
from ..i18n import translate
from ..today import TodayItem
from .models import Sweep
from .scope import COMMUNITY_STAFF, STREET_STAFF

# How far back a missed sweep still shows as work: it can be recorded late.
MISSED_SWEEPS_SHOWN = timedelta(days=35)


def sweeps_due(user, now, until) -> list[TodayItem]:
    """The sweeps this user records that are due this week or were missed
    lately; a supervisor also sees the communities' missed sweeps."""
    if user.role in COMMUNITY_STAFF and user.community_id:
        mine = and_(Sweep.level == "community", Sweep.community_id == user.community_id)
    elif user.role in STREET_STAFF and user.street_id:
        mine = and_(Sweep.level == "street", Sweep.street_id == user.street_id)
    else:
        return []
    watched = mine
    if user.role == "supervisor":
        watched = or_(mine, and_(Sweep.street_id == user.street_id, Sweep.state == "missed"))
    query = select(Sweep).where(watched, or_(
        and_(Sweep.state == "planned", Sweep.due_at < until),
        and_(Sweep.state == "missed", Sweep.period_ends_at >= now - MISSED_SWEEPS_SHOWN),
    )).options(joinedload(Sweep.community), joinedload(Sweep.street))
    rows = db.session.execute(query.order_by(Sweep.period_start, Sweep.id).limit(200)).scalars()
    return [TodayItem(kind="sweep", title=_("Sweep of %(place)s", place=row.place_name), due_at=row.period_ends_at,
                      colour=colour(row, now), url=url_for("sweeps.show", sweep_id=row.id),
                      detail=_("%(state)s · %(first)s to %(last)s", state=translate(
                          row.__workflow__.state(row.state).label), first=day_text(row.period_start),
                          last=day_text(row.period_end)),
                      )
            for row in rows]
