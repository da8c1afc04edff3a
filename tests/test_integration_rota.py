"""The rota's notifications: the colleague asked to take a duty, the
coordinators when a swap waits for them, both lawyers when it is decided,
a lawyer whose published duty is cancelled. Each is written with its step
and gone with a refused one."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from app import engine
from app.audit.verify import verify
from app.extensions import db
from app.notifications.models import Notification
from app.rota import admin, notices, planning
from app.rota.models import Duty, Holiday, SwapRequest, Unavailable
from app.rota.swaps import request_swap
from tests import factories as f
from tests import factories_integration as fi
from tests import factories_rota as fr
from tests.factories import csrf, login


def publish_month(coordinator):
    last = fr.FIRST_SATURDAY + timedelta(weeks=4)
    planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    planning.publish(fr.FIRST_SATURDAY, last, coordinator)
    # The publication's own notices (tests/test_rota_notices.py) belong to the set-up, not to what these tests count.
    db.session.execute(delete(Notification).where(Notification.kind == "rota_published"))
    db.session.commit()


@pytest.fixture
def world(ctx):
    """Four lawyers with logins, one room of one seat, a published month; the
    room's street has a coordinator, another street one of its own, and the
    city one without a street."""
    coordinator, room, people = fr.rota_world(lawyers=4, seats=1)
    publish_month(coordinator)
    elsewhere = f.user("coordinator", street=f.org()[0])
    city = f.user("coordinator")
    return dict(coordinator=coordinator, elsewhere=elsewhere, city=city, room=room, people=people)


def first_duty():
    return db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()


def split(people, duty):
    """(the duty's lawyer and login, [the others])."""
    mine = next(p for p in people if p[0].id == duty.lawyer_id)
    return mine, [p for p in people if p[0].id != duty.lawyer_id and not db.session.execute(
        select(Duty.id).where(Duty.lawyer_id == p[0].id, Duty.day == duty.day)).first()]


# ---- asking a named colleague


def test_the_colleague_asked_by_name_is_told(world, app):
    duty = first_duty()
    (asker, asker_user), [(named, named_user), *_] = split(world["people"], duty)
    swap = request_swap(duty, asker, named, "孩子生病", asker_user)
    [note] = fi.notes(named_user.id)
    assert (note.kind, note.entity_type, note.entity_id) == ("swap_asked", "duty_swap", swap.id)
    text, url = fi.read(app, note)
    assert asker.name in text and world["room"].name in text and str(duty.day.year) in text
    assert url == f"/rota/duties/{duty.id}#swap-{swap.id}"
    assert fi.notes(asker_user.id) == []
    # A request open to anyone names nobody: nobody is told.
    engine.fire(swap, "withdraw", asker_user)
    request_swap(duty, asker, None, "", asker_user)
    assert len(fi.notes(kind="swap_asked")) == 1


def test_a_refused_request_tells_nobody(world, monkeypatch):
    duty = first_duty()
    (asker, asker_user), [(named, named_user), *_] = split(world["people"], duty)
    db.session.add(Unavailable(lawyer_id=named.id, day=duty.day))
    db.session.commit()
    with pytest.raises(engine.GuardFailed):  # the colleague is away that day
        request_swap(duty, asker, named, "", asker_user)
    db.session.execute(Unavailable.__table__.delete())
    db.session.commit()
    db.session.expire_all()
    before = fi.audit_count()

    real = notices.tell_asked_colleague

    def told_then_refused(swap, now):
        real(swap, now)
        raise engine.GuardFailed(fi.LATE)

    monkeypatch.setattr(notices, "tell_asked_colleague", told_then_refused)
    with pytest.raises(engine.GuardFailed, match="after"):
        request_swap(duty, asker, named, "", asker_user)
    assert fi.notes() == [] and fi.count(SwapRequest) == 0 and fi.audit_count() == before


# ---- accepted: the coordinators


def test_an_accepted_swap_tells_the_coordinators_of_the_rooms_street_and_the_city(world, monkeypatch):
    duty = first_duty()
    (asker, asker_user), [(named, named_user), (other, other_user), *_] = split(world["people"], duty)
    swap = request_swap(duty, asker, named, "", asker_user)
    with pytest.raises(engine.Forbidden):  # asked by name: another colleague may not take it
        engine.fire(swap, "accept", other_user)
    assert fi.notes(kind="swap_to_approve") == []
    with fi.refused_late(monkeypatch, "duty_swap", "accept"), pytest.raises(engine.GuardFailed):
        engine.fire(swap, "accept", named_user)
    db.session.refresh(swap)
    assert swap.state == "requested" and fi.notes(kind="swap_to_approve") == []

    engine.fire(swap, "accept", named_user)
    assert fi.recipients("swap_to_approve") == sorted([world["coordinator"].id, world["city"].id])
    note = fi.notes(world["coordinator"].id, "swap_to_approve")[0]
    assert (note.entity_type, note.entity_id) == ("duty_swap", swap.id)


def test_the_notice_of_an_accepted_swap_names_its_taker(world):
    """The swap's own effect records the taker before the notice is written."""
    duty = first_duty()
    (asker, asker_user), [(named, named_user), *_] = split(world["people"], duty)
    swap = request_swap(duty, asker, named, "", asker_user)
    engine.fire(swap, "accept", named_user)
    note = fi.notes(world["coordinator"].id, "swap_to_approve")[0]
    assert json.loads(note.data)["taker"] == named.name


def test_another_streets_coordinator_is_never_told_of_a_swap(ctx):
    """Issue 13 item 7: a coordinator acts within their street, so one of
    another street (who could neither open nor approve the swap) is not told,
    even when the room's street has no coordinator of its own."""
    coordinator, _room, people = fr.rota_world(lawyers=3, seats=1)
    publish_month(coordinator)
    coordinator.street_id = f.org()[0].id  # the only coordinator is now another street's
    db.session.commit()
    duty = first_duty()
    (asker, asker_user), [(named, named_user), *_] = split(people, duty)
    swap = request_swap(duty, asker, named, "", asker_user)
    engine.fire(swap, "accept", named_user)
    assert fi.recipients("swap_to_approve") == []


# ---- decided: both lawyers


@pytest.mark.parametrize("decision, kind", [("approve", "swap_approved"), ("refuse", "swap_refused")])
def test_a_decided_swap_tells_both_lawyers(world, app, monkeypatch, decision, kind):
    duty = first_duty()
    (asker, asker_user), [(named, named_user), *_] = split(world["people"], duty)
    swap = request_swap(duty, asker, named, "", asker_user)
    engine.fire(swap, "accept", named_user)
    reason = "本月值班已多" if decision == "refuse" else None
    with fi.refused_late(monkeypatch, "duty_swap", decision), pytest.raises(engine.GuardFailed):
        engine.fire(swap, decision, world["coordinator"], reason)
    db.session.refresh(swap)
    db.session.refresh(duty)
    assert (swap.state, duty.lawyer_id) == ("accepted", asker.id) and fi.notes(kind=kind) == []
    with pytest.raises(engine.Conflict):  # a stale form
        engine.fire(swap, decision, world["coordinator"], reason, expected_version=swap.version - 1)
    assert fi.notes(kind=kind) == []

    engine.fire(swap, decision, world["coordinator"], reason)
    assert fi.recipients(kind) == sorted([asker_user.id, named_user.id])
    text, url = fi.read(app, fi.notes(asker_user.id, kind)[0])
    assert asker.name in text and url == f"/rota/duties/{duty.id}#swap-{swap.id}"
    if decision == "approve":
        assert named.name in text
    assert verify() == []


# ---- cancelled duties


def test_a_holiday_tells_the_lawyers_whose_published_duties_it_cancels(world, app, monkeypatch):
    duty = first_duty()
    lawyer_user_id = next(u.id for lw, u in world["people"] if lw.id == duty.lawyer_id)
    with fi.refused_late(monkeypatch, "lawyer_duty", "cancel"), pytest.raises(engine.GuardFailed):
        admin.add_holiday("清明节", duty.day, duty.day, world["coordinator"])
    assert fi.notes() == [] and fi.count(Holiday) == 0
    db.session.refresh(duty)
    assert duty.state == "published"

    admin.add_holiday("清明节", duty.day, duty.day, world["coordinator"])
    [note] = fi.notes(lawyer_user_id)
    assert (note.kind, note.entity_type, note.entity_id) == ("duty_cancelled", "lawyer_duty", duty.id)
    text, url = fi.read(app, note)
    assert world["room"].name in text and url == f"/rota/duties/{duty.id}"


def test_closing_a_room_tells_its_lawyers(world):
    room = world["room"]
    ahead = db.session.execute(select(Duty).where(Duty.state == "published")).scalars().all()
    values = dict(name=room.name, community_id=room.community_id, seats=room.seats, opens=room.opens,
                  closes=room.closes, active=False)
    _room, cancelled = admin.save_room(room, values, world["coordinator"], expected_version=room.version)
    assert cancelled == len(ahead) > 0
    lawyers = {d.lawyer.user_id for d in ahead}
    assert set(fi.recipients("duty_cancelled")) == lawyers
    assert len(fi.notes(kind="duty_cancelled")) == len(ahead)


def test_a_planned_duty_given_back_by_replanning_tells_nobody(ctx):
    coordinator, _room, _people = fr.rota_world(lawyers=2)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = db.session.execute(select(Duty)).scalar_one()
    engine.fire(duty, "cancel", coordinator, "工作室装修")
    assert duty.state == "cancelled" and fi.notes() == []


# ---- on the web


@pytest.fixture
def web(app):
    """Built in a context of its own, so that requests do not share it."""
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=3, seats=1)
        publish_month(coordinator)
        duty = first_duty()
        (asker, asker_user), [(named, named_user), *_] = split(people, duty)
        swap = request_swap(duty, asker, named, "", asker_user)
        ids = dict(named=named_user.username, duty=duty.id, swap=swap.id)
        db.session.remove()
    return ids


def test_the_colleague_opens_the_request_from_the_notification(client, web):
    login(client, web["named"])
    listing = client.get("/notifications/").get_data(as_text=True)
    [note_id] = re.findall(r'data-notification="(\d+)" data-read="no"', listing)
    opened = client.post(f"/notifications/{note_id}/open", data={"csrf_token": csrf(listing)})
    assert opened.status_code == 302
    assert opened.location.endswith(f"/rota/duties/{web['duty']}#swap-{web['swap']}")
    page = client.get(opened.location.split("#")[0]).get_data(as_text=True)
    assert f'id="swap-{web["swap"]}"' in page
    assert f'/rota/swaps/{web["swap"]}/fire/accept' in page  # the colleague can take it from there


def test_a_colleague_who_declines_tells_the_asker(world, app, monkeypatch):
    duty = first_duty()
    (asker, asker_user), [(named, named_user), *_] = split(world["people"], duty)
    swap = request_swap(duty, asker, named, "", asker_user)
    with fi.refused_late(monkeypatch, "duty_swap", "decline"), pytest.raises(engine.GuardFailed):
        engine.fire(swap, "decline", named_user)
    assert fi.notes(kind="swap_declined") == []
    engine.fire(swap, "decline", named_user)
    [note] = fi.notes(kind="swap_declined")
    assert note.user_id == asker_user.id
    text, url = fi.read(app, note)
    assert named.name in text and url == f"/rota/duties/{duty.id}#swap-{swap.id}"
