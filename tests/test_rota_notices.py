"""Lawyers are told (issue 16, item 6): when a plan is published (once per
lawyer, naming their Saturdays), when a coordinator moves their published
duty by hand (both lawyers), when their swap request expires unanswered;
in-app, and by e-mail when the installation sends e-mail."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.engine.timers import tick
from app.extensions import db
from app.notifications.models import NotificationPref
from app.rota import planning
from app.rota.models import Duty
from app.rota.swaps import request_swap
from tests import factories_integration as fi
from tests import factories_rota as fr

LAST = fr.FIRST_SATURDAY + timedelta(weeks=3)


@pytest.fixture
def world(ctx):
    coordinator, room, people = fr.rota_world(lawyers=3, seats=1)
    planning.generate(fr.FIRST_SATURDAY, LAST, coordinator)
    return dict(coordinator=coordinator, room=room, people=people)


def duties():
    return list(db.session.execute(select(Duty).order_by(Duty.day)).scalars())


def test_publishing_tells_each_lawyer_once_with_their_saturdays(world, app):
    assert fi.notes() == []  # a plan not yet published tells nobody
    planning.publish(fr.FIRST_SATURDAY, LAST, world["coordinator"])
    by_lawyer = {}
    for duty in duties():
        by_lawyer.setdefault(duty.lawyer.user_id, []).append(duty.day)
    assert sorted(fi.recipients("rota_published")) == sorted(by_lawyer)
    for user_id, days in by_lawyer.items():
        [note] = fi.notes(user_id, "rota_published")
        text, url = fi.read(app, note)
        assert text.startswith("The rota was published: you sit on ")
        assert text.count("2027") == len(days)
        assert url.startswith("/rota/duties/")


def test_publishing_nothing_tells_nobody(world):
    planning.publish(fr.FIRST_SATURDAY, LAST, world["coordinator"])
    before = len(fi.notes())
    assert planning.publish(fr.FIRST_SATURDAY, LAST, world["coordinator"]) == 0
    assert len(fi.notes()) == before


def test_a_published_duty_moved_by_hand_tells_both_lawyers(world, app):
    planning.publish(fr.FIRST_SATURDAY, LAST, world["coordinator"])
    duty = duties()[0]
    leaving = duty.lawyer
    free = next(lw for lw, _u in world["people"] if lw.id != leaving.id and not db.session.execute(
        select(Duty.id).where(Duty.lawyer_id == lw.id, Duty.day == duty.day)).first())
    planning.set_seat(duty.day, duty.room, duty.seat, free, world["coordinator"], expected_version=duty.version)
    [to_new] = fi.notes(free.user_id, "duty_moved_to_you")
    [to_old] = fi.notes(leaving.user_id, "duty_moved_away")
    assert fi.read(app, to_new)[0].startswith("The coordinator put you on the Saturday duty")
    assert fi.read(app, to_old)[1] == f"/rota/duties/{duty.id}"


def test_a_planned_duty_moved_by_hand_tells_nobody_yet(world):
    duty = duties()[0]
    other = next(lw for lw, _u in world["people"] if lw.id != duty.lawyer_id and not db.session.execute(
        select(Duty.id).where(Duty.lawyer_id == lw.id, Duty.day == duty.day)).first())
    planning.set_seat(duty.day, duty.room, duty.seat, other, world["coordinator"])
    assert fi.notes() == []  # the publication will tell them


def test_an_expired_swap_request_tells_the_requester(world, app):
    planning.publish(fr.FIRST_SATURDAY, LAST, world["coordinator"])
    duty = duties()[0]
    asker = duty.lawyer
    request_swap(duty, asker, None, "", db.session.get(type(world["coordinator"]), asker.user_id))
    tick(now=clock.day_start(duty.day) + timedelta(minutes=1))
    [note] = fi.notes(asker.user_id, "swap_expired")
    assert "expired" in fi.read(app, note)[0]


def test_the_notice_goes_by_e_mail_when_the_installation_sends_e_mail(world, app):
    app.config["MAIL_ENABLED"] = True
    duty = duties()[0]
    db.session.add(NotificationPref(user_id=duty.lawyer.user_id, email="lawyer@example.org", email_on=True,
                                    changed_at=clock.now()))
    db.session.commit()
    planning.publish(fr.FIRST_SATURDAY, LAST, world["coordinator"])
    [note] = fi.notes(duty.lawyer.user_id, "rota_published")
    assert note.email_state == "pending"
    others = [n for n in fi.notes(kind="rota_published") if n.user_id != duty.lawyer.user_id]
    assert others and all(n.email_state is None for n in others)
