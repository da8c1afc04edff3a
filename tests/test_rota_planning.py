"""Plans stored through the engine: generate, publish, re-plan keeping what
was published, seats adjusted by hand, holidays and rooms."""
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.extensions import db
from app.rota import admin, planning
from app.rota.days import saturdays
from app.rota.models import Duty, Holiday, Unavailable
from tests import factories_rota as fr


@contextmanager
def raises_en(kind, pattern):
    with force_locale("en"), pytest.raises(kind) as caught:
        yield caught
    with force_locale("en"):
        assert re.search(pattern, str(caught.value.message)), str(caught.value.message)


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def live(*states):
    return list(db.session.execute(select(Duty).where(Duty.state.in_(states)).order_by(Duty.day, Duty.seat)).scalars())


def test_a_quarter_is_planned_fairly_and_published_in_one_step(ctx):
    coordinator, room, people = fr.rota_world(lawyers=6, seats=2)
    last = fr.quarter_end()
    result = planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    days = saturdays(fr.FIRST_SATURDAY, last)
    assert result.created == 2 * len(days) and result.unfilled == []
    planned = live("planned")
    per_lawyer = {}
    for d in planned:
        per_lawyer[d.lawyer_id] = per_lawyer.get(d.lawyer_id, 0) + 1
    assert max(per_lawyer.values()) - min(per_lawyer.values()) <= 1
    assert count(AuditEvent, AuditEvent.trigger == "plan_generated") == 1

    assert planning.publish(fr.FIRST_SATURDAY, last, coordinator) == len(planned)
    assert live("planned") == [] and len(live("published")) == len(planned)
    assert count(AuditEvent, AuditEvent.trigger == "publish") == len(planned)
    assert count(AuditEvent, AuditEvent.trigger == "plan_published") == 1
    assert verify() == []


def test_the_same_roster_gives_the_same_plan(ctx):
    coordinator, room, people = fr.rota_world(lawyers=5, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.quarter_end(), coordinator)
    first = [(d.day, d.seat, d.lawyer_id) for d in live("planned")]
    again = planning.generate(fr.FIRST_SATURDAY, fr.quarter_end(), coordinator)
    assert (again.created, again.changed, again.cancelled) == (0, 0, 0)
    assert [(d.day, d.seat, d.lawyer_id) for d in live("planned")] == first


def test_re_planning_after_publication_keeps_published_and_past_duties(ctx):
    coordinator, room, people = fr.rota_world(lawyers=4, seats=1)
    last = fr.quarter_end()
    planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=4), coordinator)
    published = {(d.id, d.lawyer_id) for d in live("published")}
    # A month later, the first duties are in the past; a lawyer marks the rest of the quarter unavailable.
    fr.set_today(fr.FIRST_SATURDAY + timedelta(weeks=2, days=4))
    away = people[0][0]
    for day in saturdays(fr.FIRST_SATURDAY, last):
        db.session.add(Unavailable(lawyer_id=away.id, day=day))
    db.session.commit()

    result = planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    assert {(d.id, d.lawyer_id) for d in live("published")} == published  # untouched, even the away lawyer's
    assert result.kept == len([d for d, _ in published
                               if db.session.get(Duty, d).day > fr.FIRST_SATURDAY + timedelta(weeks=2)])
    assert all(d.lawyer_id != away.id for d in live("planned"))
    assert verify() == []


def test_more_seats_than_lawyers_leaves_them_empty_and_says_when(ctx):
    coordinator, room, people = fr.rota_world(lawyers=2, seats=3)
    result = planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=1), coordinator)
    assert {u.day for u in result.unfilled} == {fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=1)}
    assert len(result.unfilled) == 2
    for day in (fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=1)):
        ids = [d.lawyer_id for d in live("planned") if d.day == day]
        assert len(ids) == 2 == len(set(ids))  # nobody twice


def test_a_seat_set_by_hand(ctx):
    coordinator, room, people = fr.rota_world(lawyers=3, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = live("planned")[0]
    other = next(lw for lw, _u in people if lw.id != duty.lawyer_id)
    planning.set_seat(duty.day, room, 1, other, coordinator, expected_version=duty.version)
    db.session.refresh(duty)
    assert duty.lawyer_id == other.id
    assert count(AuditEvent, AuditEvent.trigger == "assigned", AuditEvent.entity_id == duty.id) == 1

    with pytest.raises(engine.Conflict):
        planning.set_seat(duty.day, room, 1, people[0][0], coordinator, expected_version=duty.version - 1)
    away = next(lw for lw, _u in people if lw.id != duty.lawyer_id)
    db.session.add(Unavailable(lawyer_id=away.id, day=duty.day))
    db.session.commit()
    before = count(AuditEvent)
    with raises_en(engine.GuardFailed, "unavailable"):
        planning.set_seat(duty.day, room, 1, away, coordinator)
    with raises_en(engine.GuardFailed, "seat"):
        planning.set_seat(duty.day, room, 2, away, coordinator)
    with raises_en(engine.GuardFailed, "Saturdays"):
        planning.set_seat(duty.day + timedelta(days=1), room, 1, away, coordinator)
    assert count(AuditEvent) == before


def test_moving_a_published_duty_leaves_a_release_for_the_lawyer_who_leaves(ctx):
    coordinator, room, people = fr.rota_world(lawyers=3, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = live("published")[0]
    leaving = duty.lawyer_id
    other = next(lw for lw, _u in people if lw.id != leaving)
    planning.set_seat(duty.day, room, 1, other, coordinator)
    db.session.refresh(duty)
    assert duty.lawyer_id == other.id and duty.sequence == 1
    from app.rota.models import DutyRelease

    assert [r.lawyer_id for r in db.session.execute(select(DutyRelease)).scalars()] == [leaving]


def test_a_holiday_cancels_its_duties_and_is_skipped_by_the_next_plan(ctx):
    coordinator, room, people = fr.rota_world(lawyers=3, seats=1)
    last = fr.FIRST_SATURDAY + timedelta(weeks=3)
    planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    planning.publish(fr.FIRST_SATURDAY, last, coordinator)
    holiday_day = fr.FIRST_SATURDAY + timedelta(weeks=1)
    holiday, cancelled = admin.add_holiday("清明节", holiday_day - timedelta(days=1), holiday_day + timedelta(days=1),
                                           coordinator)
    assert cancelled == 1
    gone = db.session.execute(select(Duty).where(Duty.day == holiday_day)).scalar_one()
    assert gone.state == "cancelled" and gone.live_seat is None
    planning.generate(fr.FIRST_SATURDAY, last, coordinator)
    assert count(Duty, Duty.day == holiday_day, Duty.state != "cancelled") == 0
    assert verify() == []


def test_overlapping_holidays_are_refused_with_nothing_written(ctx):
    coordinator, room, people = fr.rota_world(lawyers=1)
    admin.add_holiday("劳动节", date(2027, 5, 1), date(2027, 5, 5), coordinator)
    before = (count(Holiday), count(AuditEvent))
    with raises_en(engine.GuardFailed, "overlaps the holiday"):
        admin.add_holiday("调休", date(2027, 5, 5), date(2027, 5, 8), coordinator)
    with raises_en(engine.GuardFailed, "before the first day"):
        admin.add_holiday("倒序", date(2027, 6, 5), date(2027, 6, 1), coordinator)
    with raises_en(engine.GuardFailed, "at most"):
        admin.add_holiday("太长", date(2027, 7, 1), date(2027, 9, 1), coordinator)
    assert (count(Holiday), count(AuditEvent)) == before


def test_closing_a_room_or_removing_seats_cancels_the_duties_in_them(ctx):
    coordinator, room, people = fr.rota_world(lawyers=4, seats=2)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=1), coordinator)
    values = {"name": room.name, "community_id": room.community_id, "seats": 1, "opens": room.opens,
              "closes": room.closes, "active": True}
    _room, cancelled = admin.save_room(room, values, coordinator, expected_version=room.version)
    assert cancelled == 2 and all(d.seat == 1 for d in live("planned"))
    _room, cancelled = admin.save_room(room, dict(values, active=False), coordinator, expected_version=room.version)
    assert cancelled == 2 and live("planned") == []
    with pytest.raises(engine.Conflict):
        admin.save_room(room, dict(values, seats=3), coordinator, expected_version=room.version - 1)


def test_plan_ranges_are_checked(ctx):
    fr.rota_world(lawyers=1)
    with force_locale("en"):
        assert "before the first" in planning.check_range(date(2027, 4, 1), date(2027, 3, 1))
        assert "at most 366 days: choose a last day no later than Apr 1, 2028" in planning.check_range(
            date(2027, 4, 1), date(2028, 6, 1))
        assert "over" in planning.check_range(date(2027, 1, 1), date(2027, 2, 1))
        assert planning.check_range(date(2027, 3, 1), date(2027, 6, 1)) is None
