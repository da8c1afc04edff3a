"""Builders for the supervision tests. Call them inside an app context."""
from app import clock, engine
from app.extensions import db
from app.supervision.models import SignOff
from app.supervision.rules import latest_signoff
from tests import factories as f

AGREEMENT_PATH = ("accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close")
FAILED_PATH = ("accept", "assign", "start_mediation", "fail", "close")
ON_SPOT_PATH = ("resolve_on_spot", "close")


def closed_case(mediator, grid, path=AGREEMENT_PATH, *, now=None, steps_at=None, **fields):
    """A case registered (at `now`) and walked along `path`; each step at
    `steps_at` (a list of times, one per step) when given. Extra fields are
    set on the row before registration (type, channel, amount...)."""
    d = f.dispute(mediator, grid, now=now)
    if fields:
        for name, value in fields.items():
            setattr(d, name, value)
        db.session.commit()
    for i, trigger in enumerate(path):
        f.walk(d, mediator, trigger, now=steps_at[i] if steps_at else None)
    return d


def review_of(d) -> SignOff:
    return latest_signoff(d.id)


def sign_off(d, supervisor, comment=None, now=None):
    review = review_of(d)
    engine.fire(review, "sign_off", supervisor, now=now, comment=comment)
    return review


def return_case(d, supervisor, comment="请补充履行情况的证明材料后重新结案。", now=None):
    review = review_of(d)
    engine.fire(review, "return_case", supervisor, now=now, comment=comment)
    return review


def signed_off(d, now=None):
    """Sign the case's closure off as a supervisor of its street (created if
    the street has none): archiving waits for it."""
    from sqlalchemy import select

    from app.auth.models import User

    supervisor = db.session.execute(
        select(User).where(User.role == "supervisor", User.street_id == d.street_id).limit(1)
    ).scalar_one_or_none()
    if supervisor is None:
        supervisor = f.user("supervisor", street=d.community.street)
    sign_off(d, supervisor, now=now)
    return d


class World:
    """Two streets. Street A: communities A1, A2 with a mediator each, a
    street supervisor; street B: one community, its mediator and supervisor.
    Plus a city supervisor (no street) and the administrator. Attributes
    hold usernames (for logging in) and ids; `users` maps username -> id."""


def two_streets():
    a, (a1, a2), a_grids = f.org()
    b, (b1,), b_grids = f.org(communities=1)
    w = World()
    w.street_a, w.street_b = a.id, b.id
    w.a1, w.a2, w.b1 = a1.id, a2.id, b1.id
    w.grid_a1, w.grid_a2, w.grid_b1 = a_grids[0].id, a_grids[2].id, b_grids[0].id
    people = {
        "m_a1": f.user("mediator", community=a1), "m_a2": f.user("mediator", community=a2),
        "m_b1": f.user("mediator", community=b1), "sup_a": f.user("supervisor", street=a),
        "sup_b": f.user("supervisor", street=b), "sup_city": f.user("supervisor"), "admin": f.user("admin"),
        "gw_a1": f.user("gridworker", grid=a_grids[0]),
    }
    w.users = {}
    for key, user in people.items():
        setattr(w, key, user.username)
        setattr(w, key + "_id", user.id)
        w.users[user.username] = user.id
    return w


def world_with_a_closed_case(now):
    """The supervision pages' usual world at `now` (the clock is set; the app
    fixture resets it): two streets (two_streets) and a case of community a1
    closed by its mediator along AGREEMENT_PATH (w.case). Returns the world
    and the mediator."""
    clock.set_now(now)
    w = two_streets()
    mediator = user_named(w.m_a1)
    w.case = closed_case(mediator, grid(w.grid_a1)).id
    return w, mediator


def user_named(username):
    from sqlalchemy import select

    from app.auth.models import User

    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def grid(grid_id):
    from app.org.models import Grid

    return db.session.get(Grid, grid_id)
