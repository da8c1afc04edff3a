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


TAKEN_REASON = ("The account of the colleague who took the duty was deactivated: the swap was declined "
                "automatically before the coordinator decided")


@pytest.fixture
def taken(app):
    """Four lawyers: A asks B by name and B accepts; C asks anyone and B
    takes it; D asks anyone and A takes it. All three wait for the
    coordinator. Then B's login is to be deactivated."""
    from app import engine

    with app.app_context():
        fr.set_today()
        coordinator, _room, people = fr.rota_world(lawyers=4, seats=1)
        planning.generate(fr.FIRST_SATURDAY, LAST, coordinator)
        planning.publish(fr.FIRST_SATURDAY, LAST, coordinator)
        firsts = {}
        for duty in db.session.execute(select(Duty).order_by(Duty.day)).scalars():
            firsts.setdefault(duty.lawyer_id, duty)
        (a, a_user), (b, b_user), (c, c_user), (d, d_user) = people
        named = request_swap(firsts[a.id], a, b, "家里有事", a_user)
        engine.fire(named, "accept", b_user)
        anyone = request_swap(firsts[c.id], c, None, "", c_user)
        engine.fire(anyone, "accept", b_user)
        other = request_swap(firsts[d.id], d, None, "", d_user)
        engine.fire(other, "accept", a_user)
        ids = dict(named=named.id, anyone=anyone.id, other=other.id, a_user=a_user.id, b_user=b_user.id,
                   c_user=c_user.id, coordinator=coordinator.id, b_username=b_user.username)
        db.session.remove()
    return ids


def taken_states(app, ids):
    with app.app_context():
        return {k: db.session.get(SwapRequest, ids[k]).state for k in ("named", "anyone", "other")}


def test_deactivating_declines_the_swaps_they_took_that_wait_for_the_coordinator(app, taken):
    assert taken_states(app, taken) == {"named": "accepted", "anyone": "accepted", "other": "accepted"}
    assert kinds(app, taken["coordinator"], unread_only=True).count("swap_to_approve") == 3
    out = app.test_cli_runner().invoke(args=["users", "deactivate", taken["b_username"]])
    assert out.exit_code == 0, out.output
    assert "2 duty swaps they had taken, awaiting the coordinator, were declined" in out.output
    # Another lawyer's taking is not touched.
    assert taken_states(app, taken) == {"named": "declined", "anyone": "declined", "other": "accepted"}
    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "duty_swap", AuditEvent.trigger == "decline")
            .order_by(AuditEvent.seq)).scalars().all()
        assert [(e.entity_id, e.from_state, e.to_state, e.actor_role, e.reason) for e in events] == [
            (taken["named"], "accepted", "declined", "system", TAKEN_REASON),
            (taken["anyone"], "accepted", "declined", "system", TAKEN_REASON)]
        assert verify() == []
    # Each asker is told and may ask another; the coordinator has only the other swap left to approve.
    assert kinds(app, taken["a_user"])[-1] == "swap_declined"
    assert kinds(app, taken["c_user"])[-1] == "swap_declined"
    with app.app_context():
        told = db.session.execute(select(Notification).where(
            Notification.user_id == taken["c_user"], Notification.kind == "swap_declined")).scalar_one()
        assert told.entity_id == taken["anyone"]
    assert kinds(app, taken["coordinator"], unread_only=True).count("swap_to_approve") == 1


def test_a_declined_taken_swap_can_no_longer_be_approved(app, taken):
    from app import engine
    from app.engine.errors import NotAllowed

    app.test_cli_runner().invoke(args=["users", "deactivate", taken["b_username"]])
    with app.app_context():
        swap = db.session.get(SwapRequest, taken["named"])
        duty_lawyer = swap.duty.lawyer_id
        with pytest.raises(NotAllowed):
            engine.fire(swap, "approve", db.session.get(User, taken["coordinator"]))
        db.session.rollback()
        swap = db.session.get(SwapRequest, taken["named"])
        assert (swap.state, swap.duty.lawyer_id) == ("declined", duty_lawyer)


def test_only_the_system_declines_a_taken_swap(app, taken):
    """A lawyer (even its taker) or a coordinator may not decline a swap
    once taken: the coordinator refuses it, the asker withdraws it."""
    from app import engine
    from app.engine.errors import Forbidden

    with app.app_context():
        for user_id in (taken["b_user"], taken["a_user"], taken["coordinator"]):
            swap = db.session.get(SwapRequest, taken["named"])
            with pytest.raises(Forbidden):
                engine.fire(swap, "decline", db.session.get(User, user_id), "no")
            db.session.rollback()
        assert db.session.get(SwapRequest, taken["named"]).state == "accepted"
        count = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "decline")).all()
        assert count == []


def test_the_system_gives_a_reason_to_decline_a_taken_swap(app, taken):
    from app import engine
    from app.engine.errors import MissingData

    with app.app_context():
        swap = db.session.get(SwapRequest, taken["named"])
        with pytest.raises(MissingData):
            engine.fire(swap, "decline", engine.SYSTEM_ACTOR)
        db.session.rollback()
        assert db.session.get(SwapRequest, taken["named"]).state == "accepted"
