"""The duty and swap workflows through the engine: check-in rules, the
timer's no-show, every path of a swap, and refusals that write nothing."""
from datetime import timedelta

import re
from contextlib import contextmanager

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty, DutyRelease, SwapRequest, Unavailable
from app.rota.swaps import request_swap
from tests import factories_rota as fr


@contextmanager
def raises_en(kind, pattern):
    """The engine's refusal, its message read in English (the catalog
    translates it to Chinese for users)."""
    with force_locale("en"), pytest.raises(kind) as caught:
        yield caught
    with force_locale("en"):
        assert re.search(pattern, str(caught.value.message)), str(caught.value.message)


def events() -> int:
    return db.session.execute(select(func.count(AuditEvent.id))).scalar()


@pytest.fixture
def world(ctx):
    """Four lawyers with logins, one room of one seat, a published month."""
    coordinator, room, people = fr.rota_world(lawyers=4, seats=1)
    last = fr.FIRST_SATURDAY + timedelta(weeks=4)
    planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    planning.publish(fr.FIRST_SATURDAY, last, coordinator)
    return coordinator, room, people


def duty_of(lawyer, after=None):
    query = select(Duty).where(Duty.lawyer_id == lawyer.id, Duty.state == "published").order_by(Duty.day)
    if after:
        query = query.where(Duty.day > after)
    return db.session.execute(query.limit(1)).scalar_one()


def owner(people, duty):
    return next((lw, u) for lw, u in people if lw.id == duty.lawyer_id)


def others(people, duty):
    return [(lw, u) for lw, u in people if lw.id != duty.lawyer_id]


# ---- the duty


def test_publishing_stamps_the_duties_and_sets_their_end_of_day(world):
    duty = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
    assert duty.state == "published" and duty.published_at is not None
    assert duty.due_at == fr.at_local(duty.day + timedelta(days=1), 0)  # midnight after the local day


def test_check_in_only_by_its_lawyer_and_only_on_that_day(world):
    _coordinator, _room, people = world
    duty = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
    lawyer, user = owner(people, duty)
    _other, other_user = others(people, duty)[0]
    before = events()

    with raises_en(engine.GuardFailed, "day of the duty"):
        engine.fire(duty, "check_in", user)  # today is the Wednesday before
    fr.set_today(duty.day, hour=9)
    with raises_en(engine.GuardFailed, "Only the lawyer on this duty"):
        engine.fire(duty, "check_in", other_user)
    assert events() == before and duty.state == "published"
    assert [t.trigger for t in engine.available(duty, other_user)] == []

    assert [t.trigger for t in engine.available(duty, user)] == ["check_in"]
    engine.fire(duty, "check_in", user)
    assert duty.state == "checked_in"
    engine.fire(duty, "complete", user)
    assert duty.state == "completed"
    assert verify() == []


def test_the_timer_marks_a_no_show_at_midnight_and_completes_a_forgotten_check_out(world):
    _coordinator, _room, people = world
    first, second = db.session.execute(select(Duty).order_by(Duty.day).limit(2)).scalars().all()
    fr.set_today(second.day, hour=10)
    engine.fire(second, "check_in", owner(people, second)[1])

    # Late on the first Saturday nothing is due yet; after midnight the no-show is fired.
    assert tick(now=fr.at_local(first.day, 23)).fired == []
    report = tick(now=fr.at_local(first.day + timedelta(days=1), 0, 1))
    assert ("lawyer_duty", first.id, "no_show") in report.fired
    db.session.refresh(first)
    assert first.state == "no_show"
    assert second.state == "checked_in"
    report = tick(now=fr.at_local(second.day + timedelta(days=1), 0, 1))
    assert ("lawyer_duty", second.id, "complete") in report.fired
    db.session.refresh(second)
    assert second.state == "completed"
    row = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "lawyer_duty",
                                                      AuditEvent.entity_id == first.id,
                                                      AuditEvent.trigger == "no_show")).scalar_one()
    assert row.actor_role == "system" and row.from_state == "published"
    assert verify() == []


def test_an_unpublished_plan_lapses_after_its_day(ctx):
    coordinator, _room, _people = fr.rota_world(lawyers=2)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = db.session.execute(select(Duty)).scalar_one()
    tick(now=fr.at_local(duty.day + timedelta(days=1), 0, 5))
    db.session.refresh(duty)
    assert duty.state == "cancelled" and duty.live_seat is None


def test_cancelling_needs_a_reason_and_frees_the_seat(world):
    coordinator, _room, _people = world
    duty = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
    with pytest.raises(engine.MissingData):
        engine.fire(duty, "cancel", coordinator)
    engine.fire(duty, "cancel", coordinator, "工作室停电")
    assert duty.state == "cancelled" and duty.live_seat is None and duty.sequence == 1


# ---- swaps


def test_named_swap_accepted_and_approved_hands_the_seat_over(world):
    coordinator, _room, people = world
    duty = db.session.execute(select(Duty).order_by(Duty.day.desc())).scalars().first()
    asker, asker_user = owner(people, duty)
    taker, taker_user = next((lw, u) for lw, u in others(people, duty)
                             if not db.session.execute(select(Duty).where(Duty.lawyer_id == lw.id,
                                                                          Duty.day == duty.day)).first())

    swap = request_swap(duty, asker, taker, "孩子生病", asker_user)
    assert swap.state == "requested" and swap.expires_at == fr.at_local(duty.day, 0)
    engine.fire(swap, "accept", taker_user)
    assert swap.state == "accepted" and swap.taker_id == taker.id
    assert duty.lawyer_id == asker.id  # nothing changes before the coordinator approves
    engine.fire(swap, "approve", coordinator)

    db.session.refresh(duty)
    assert swap.state == "approved"
    assert duty.lawyer_id == taker.id and duty.sequence == 1 and duty.state == "published"
    release = db.session.execute(select(DutyRelease).where(DutyRelease.duty_id == duty.id)).scalar_one()
    assert release.lawyer_id == asker.id
    swapped = db.session.execute(select(AuditEvent).where(
        AuditEvent.entity_type == "lawyer_duty", AuditEvent.entity_id == duty.id,
        AuditEvent.trigger == "swapped")).scalar_one()
    assert f'"lawyer_id":[{asker.id},{taker.id}]' in swapped.data
    steps = db.session.execute(select(AuditEvent.trigger).where(
        AuditEvent.entity_type == "duty_swap", AuditEvent.entity_id == swap.id).order_by(AuditEvent.id)).scalars()
    assert list(steps) == ["create", "accept", "approve"]
    assert verify() == []


def test_an_open_request_is_taken_by_anyone_free_that_day(world):
    coordinator, _room, people = world
    duty = duty_of(people[0][0])
    asker, asker_user = owner(people, duty)
    swap = request_swap(duty, asker, None, "", asker_user)
    with raises_en(engine.GuardFailed, "your own duty"):
        engine.fire(swap, "accept", asker_user)
    _lw, colleague = others(people, duty)[0]
    engine.fire(swap, "accept", colleague)
    engine.fire(swap, "approve", coordinator)
    db.session.refresh(duty)
    assert duty.lawyer_id == _lw.id


def test_decline_refuse_and_withdraw(world):
    coordinator, _room, people = world
    duty = duty_of(people[0][0])
    asker, asker_user = owner(people, duty)
    (named, named_user), (third, third_user) = others(people, duty)[:2]

    declined = request_swap(duty, asker, named, "", asker_user)
    with pytest.raises(engine.Forbidden):
        engine.fire(declined, "accept", third_user)  # asked by name: nobody else sees it
    with pytest.raises(engine.Forbidden):
        engine.fire(declined, "decline", third_user)
    engine.fire(declined, "decline", named_user)
    assert declined.state == "declined"

    refused = request_swap(duty, asker, named, "", asker_user)
    engine.fire(refused, "accept", named_user)
    with pytest.raises(engine.MissingData):
        engine.fire(refused, "refuse", coordinator)
    engine.fire(refused, "refuse", coordinator, "该律师本月值班已多")
    assert refused.state == "refused"

    withdrawn = request_swap(duty, asker, None, "", asker_user)
    with pytest.raises(engine.GuardFailed):
        engine.fire(withdrawn, "withdraw", named_user)
    engine.fire(withdrawn, "withdraw", asker_user)
    assert withdrawn.state == "withdrawn"
    db.session.refresh(duty)
    assert duty.lawyer_id == asker.id and duty.sequence == 0
    assert db.session.execute(select(func.count(DutyRelease.id))).scalar() == 0
    assert verify() == []


def test_swaps_to_an_unavailable_inactive_or_busy_colleague_are_refused_with_nothing_written(world):
    _coordinator, _room, people = world
    duty = duty_of(people[0][0])
    asker, asker_user = owner(people, duty)
    (away, _u1), (gone, _u2), (busy, _u3) = others(people, duty)[:3]
    db.session.add(Unavailable(lawyer_id=away.id, day=duty.day))
    gone.active = False
    db.session.commit()
    # `busy` already sits that Saturday (a second room for the test).
    other_room = fr.room(duty.room.community)
    planning.set_seat(duty.day, other_room, 1, busy, _coordinator)
    before = (events(), db.session.execute(select(func.count(SwapRequest.id))).scalar())

    for target, message in ((away, "unavailable"), (gone, "not active"), (busy, "already sits"),
                            (asker, "not yourself")):
        with raises_en(engine.Refused, message):
            request_swap(duty, asker, target, "", asker_user)
    with raises_en(engine.Refused, "own duty"):
        request_swap(duty, busy, None, "", _u3)
    assert (events(), db.session.execute(select(func.count(SwapRequest.id))).scalar()) == before


def test_approval_is_refused_when_the_taker_can_no_longer_sit(world):
    coordinator, _room, people = world
    duty = duty_of(people[0][0])
    asker, asker_user = owner(people, duty)
    taker, taker_user = others(people, duty)[0]
    swap = request_swap(duty, asker, taker, "", asker_user)
    engine.fire(swap, "accept", taker_user)
    db.session.add(Unavailable(lawyer_id=taker.id, day=duty.day))
    db.session.commit()
    before = events()
    with raises_en(engine.GuardFailed, "unavailable"):
        engine.fire(swap, "approve", coordinator)
    db.session.rollback()
    assert events() == before
    assert db.session.get(Duty, duty.id).lawyer_id == asker.id
    assert db.session.get(SwapRequest, swap.id).state == "accepted"


def test_only_one_open_request_per_duty_and_only_before_its_day(world):
    _coordinator, _room, people = world
    busiest = db.session.execute(select(Duty.lawyer_id).group_by(Duty.lawyer_id)
                                 .order_by(func.count(Duty.id).desc(), Duty.lawyer_id).limit(1)).scalar()
    duty = duty_of(next(lw for lw, _u in people if lw.id == busiest))
    asker, asker_user = owner(people, duty)
    request_swap(duty, asker, None, "", asker_user)
    with raises_en(engine.NotAllowed, "already"):
        request_swap(duty, asker, None, "", asker_user)
    later = duty_of(asker, after=duty.day)
    fr.set_today(later.day)
    with raises_en(engine.NotAllowed, "before the day"):
        request_swap(later, asker, None, "", asker_user)


def test_an_open_request_expires_when_the_day_begins(world):
    _coordinator, _room, people = world
    duty = duty_of(people[0][0])
    asker, asker_user = owner(people, duty)
    swap = request_swap(duty, asker, None, "", asker_user)
    report = tick(now=fr.at_local(duty.day, 0, 1))
    assert ("duty_swap", swap.id, "expire") in report.fired
    db.session.refresh(swap)
    assert swap.state == "expired"
