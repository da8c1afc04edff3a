"""A lawyer whose login is deactivated can no longer take or decline a swap
asked of them by name: the system declines it in the deactivation's own
transaction, and the colleague who asked is told and may ask another. Their
own requests go on (a colleague may still take the duty), and so do the
requests open to anyone. Reactivating brings nothing back."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification
from app.rota import planning
from app.rota.models import Duty, SwapRequest
from app.rota.swaps import request_swap
from tests import factories_rota as fr

LAST = fr.FIRST_SATURDAY + timedelta(weeks=7)
REASON = "The colleague's account was deactivated: the swap request was declined automatically"


@pytest.fixture
def world(app):
    """Three published duties of three different lawyers: A asks B by name,
    B asks anyone, C asks anyone. Then B's login is to be deactivated."""
    with app.app_context():
        fr.set_today()
        coordinator, _room, people = fr.rota_world(lawyers=3, seats=1)
        planning.generate(fr.FIRST_SATURDAY, LAST, coordinator)
        planning.publish(fr.FIRST_SATURDAY, LAST, coordinator)
        firsts = {}
        for duty in db.session.execute(select(Duty).order_by(Duty.day)).scalars():
            firsts.setdefault(duty.lawyer_id, duty)
        (a, a_user), (b, b_user), (c, c_user) = people
        asked = request_swap(firsts[a.id], a, b, "家里有事", a_user)
        own = request_swap(firsts[b.id], b, None, "", b_user)
        anyone = request_swap(firsts[c.id], c, None, "", c_user)
        ids = dict(asked=asked.id, own=own.id, anyone=anyone.id, a_user=a_user.id, b_user=b_user.id,
                   b_username=b_user.username)
        db.session.remove()
    return ids


def states(app, world):
    with app.app_context():
        return {k: db.session.get(SwapRequest, world[k]).state for k in ("asked", "own", "anyone")}


def kinds(app, user_id, unread_only=False):
    with app.app_context():
        query = select(Notification.kind).where(Notification.user_id == user_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return list(db.session.execute(query.order_by(Notification.id)).scalars())


def test_deactivating_declines_the_swaps_asked_of_them_by_name_only(app, world):
    assert "swap_asked" in kinds(app, world["b_user"], unread_only=True)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "deactivate", world["b_username"]])
    assert out.exit_code == 0, out.output
    assert "1 duty swap asked of them by name was declined" in out.output
    assert states(app, world) == {"asked": "declined", "own": "requested", "anyone": "requested"}
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "duty_swap", AuditEvent.entity_id == world["asked"],
            AuditEvent.trigger == "decline")).scalar_one()
        assert (event.actor_role, event.reason) == ("system", REASON)
        assert verify() == []
    assert kinds(app, world["a_user"])[-1] == "swap_declined"  # the one who asked may ask another
    assert "swap_asked" not in kinds(app, world["b_user"], unread_only=True)
    back = runner.invoke(args=["users", "reactivate", world["b_username"]])
    assert back.exit_code == 0
    with app.app_context():
        assert db.session.get(User, world["b_user"]).active
    assert states(app, world) == {"asked": "declined", "own": "requested", "anyone": "requested"}


def test_a_lawyer_still_cannot_decline_a_swap_asked_of_another(app, world):
    """The system may decline for anyone; a lawyer still only for themself."""
    from app import engine
    from app.engine.errors import Refused

    with app.app_context():
        swap = db.session.get(SwapRequest, world["asked"])
        stranger = db.session.get(User, world["a_user"])
        with pytest.raises(Refused):
            engine.fire(swap, "decline", stranger)
        db.session.rollback()
        assert db.session.get(SwapRequest, world["asked"]).state == "requested"
