"""Builders for the council of elders' tests. Call them inside an app context."""
import itertools
from datetime import datetime, timedelta

from app import clock
from app.elders import steps
from app.elders.models import Elder, ElderRelation, ElderUnavailability
from app.extensions import db
from tests import factories as f

_counter = itertools.count(1)


def elder(community, *, name=None, category="teacher", expertise=("neighbour",), grid=None, address=None,
          phone=None, id_number=None, max_concurrent=2, active=True, user=None, relations=(), unavailable=()):
    """An elder of the community's street, on the roster as a coordinator would put them."""
    now = clock.now()
    e = Elder(name=name or f"老{next(_counter)}号", category=category, street_id=community.street_id,
              community_id=community.id, grid_id=grid.id if grid is not None else None, address=address,
              phone=phone, id_number=id_number, expertise=list(expertise), max_concurrent=max_concurrent, active=active,
              user_id=user.id if user is not None else None, created_at=now, changed_at=now)
    for r in relations:
        e.relations.append(ElderRelation(**r))
    for start, end in unavailable:
        e.unavailable.append(ElderUnavailability(start_on=start, end_on=end))
    db.session.add(e)
    db.session.commit()
    return e


def elder_with_login(community, **kw):
    """An elder linked to a login with the elder role; returns (elder, user)."""
    u = f.user("elder", community=community)
    return elder(community, user=u, **kw), u


def case_in_mediation(mediator, grid, **kw):
    """A neighbour dispute of the mediator's community, assigned to them."""
    d = f.dispute(mediator, grid, **kw)
    return f.walk(d, mediator, "accept", "assign")


def tomorrow_at(hour=9, now=None):
    """Naive UTC of tomorrow (Asia/Shanghai) at `hour` local time."""
    now = now or clock.now()
    local = now + timedelta(hours=8)
    return datetime(local.year, local.month, local.day, hour) + timedelta(days=1) - timedelta(hours=8)


def invite(dispute, e, mediator, *, session_at=None, **kw):
    return steps.invite(dispute, e, mediator, session_at=session_at or tomorrow_at(), **kw)


def soon(minutes=30):
    """A planned session this close ahead may already be started (rules.START_EARLY)."""
    return clock.now() + timedelta(minutes=minutes)
