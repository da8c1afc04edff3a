"""Builders for the legal-opinion tests. Call them inside an app context."""
from sqlalchemy import select

from app.extensions import db
from app.org.models import Community
from app.rota import planning
from tests import factories as f
from tests import factories_rota as fr


def world(lawyers: int = 3):
    """Today is fr.TODAY (a Wednesday). One room of one seat, `lawyers`
    lawyers with logins and the first Saturday's duty published (one lawyer on
    duty); a mediator of the room's community with a case being mediated, and
    a mediator of another community."""
    coordinator, room, people = fr.rota_world(lawyers=lawyers, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    c1 = room.community
    c2 = db.session.execute(select(Community).where(Community.id != c1.id)).scalars().first()
    mediator = f.user("mediator", community=c1)
    other_mediator = f.user("mediator", community=c2)
    d = f.dispute(mediator, c1.grids[0])
    f.walk(d, mediator, "accept", "assign")
    return coordinator, people, mediator, other_mediator, d
