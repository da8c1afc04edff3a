"""Builders for the rota's tests. Call them inside an app context."""
import itertools
from datetime import date, time, timedelta

from app import clock
from app.extensions import db
from app.rota.days import saturdays
from app.rota.models import Lawyer, Room, Unavailable
from tests import factories as f

_n = itertools.count(1)

# A Wednesday, so that "the Saturdays after today" start three days later.
TODAY = date(2027, 3, 3)
FIRST_SATURDAY = date(2027, 3, 6)


def at_local(day: date, hour: int = 10, minute: int = 0):
    """Naive UTC for a local (Asia/Shanghai) time: what clock.set_now takes."""
    return clock.at_local(day, time(hour, minute))


def set_today(day: date = TODAY, hour: int = 10) -> None:
    clock.set_now(at_local(day, hour))


def room(community, *, seats=1, name=None, opens=time(9, 0), closes=time(12, 0)) -> Room:
    r = Room(name=name or f"公共法律服务工作室{next(_n)}", community_id=community.id, seats=seats, opens=opens,
             closes=closes, active=True, changed_at=clock.now())
    db.session.add(r)
    db.session.commit()
    return r


def lawyer(*, name=None, firm="齐鲁律师事务所", user=None, unavailable=(), active=True, phone="13912345678") -> Lawyer:
    n = next(_n)
    lw = Lawyer(name=name or f"律师{n}", firm=firm, practice_areas="婚姻家庭", phone=phone, active=active,
                user_id=user.id if user else None, changed_at=clock.now())
    lw.unavailable = [Unavailable(day=d) for d in sorted(set(unavailable))]
    db.session.add(lw)
    db.session.commit()
    return lw


def lawyer_with_login(name=None, **kw):
    """A lawyer record and its login (role lawyer); returns (lawyer, user)."""
    u = f.user("lawyer")
    return lawyer(name=name or u.display_name, user=u, **kw), u


def rota_world(lawyers: int = 4, seats: int = 1):
    """An org, a coordinator, one room of `seats` seats and `lawyers`
    lawyers with logins. Today is TODAY (a Wednesday)."""
    set_today()
    _street, communities, _grids = f.org()
    coordinator = f.user("coordinator", street=communities[0].street)
    r = room(communities[0], seats=seats)
    people = [lawyer_with_login(name=f"律师{chr(0x7532 + i)}") for i in range(lawyers)]
    return coordinator, r, people


def quarter_end(first: date = FIRST_SATURDAY) -> date:
    return first + timedelta(weeks=13) - timedelta(days=1)


def year_saturdays(year: int) -> list[date]:
    return saturdays(date(year, 1, 1), date(year, 12, 31))
