"""A lawyer taken off the roster (or whose login is deactivated) keeps their
future duties, for the coordinator decides who sits instead: the change's
confirmation lists them, the seats read "to be re-arranged" on the rota,
the plan and the coordinator's today page, the coordinators responsible are
told once, and the swaps waiting on that lawyer's answer are declined by the
system through the engine."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification
from app.rota import planning
from app.rota.models import Duty, Lawyer, SwapRequest
from app.rota.swaps import request_swap
from tests import factories as f, factories_rota as fr

LAST = fr.FIRST_SATURDAY + timedelta(weeks=7)
REASON = "The colleague was taken off the roster: the swap request was declined automatically"


@pytest.fixture
def world(app):
    """Three lawyers sit a room of one seat for eight Saturdays, published;
    A has asked B by name to take one of A's duties. B is the one leaving."""
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=3, seats=1)
        planning.generate(fr.FIRST_SATURDAY, LAST, coordinator)
        planning.publish(fr.FIRST_SATURDAY, LAST, coordinator)
        (a, a_user), (b, b_user), (c, _c_user) = people
        first_of_a = db.session.execute(select(Duty).where(Duty.lawyer_id == a.id).order_by(Duty.day)).scalars().first()
        asked = request_swap(first_of_a, a, b, "家里有事", a_user)
        b_days = list(db.session.execute(select(Duty.day).where(Duty.lawyer_id == b.id).order_by(Duty.day)).scalars())
        # A coordinator of another street is not responsible for this room.
        _street, others, _grids = f.org()
        outsider = f.user("coordinator", street=others[0].street)
        ids = dict(coordinator=coordinator.username, coordinator_id=coordinator.id, outsider_id=outsider.id,
                   b=b.id, b_user=b_user.id, b_username=b_user.username, c=c.id, asked=asked.id, b_days=b_days,
                   room=room.id)
        db.session.remove()
    return ids


def logged_in(app, username, english=True):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    if english:
        page = client.get("/rota/").get_data(as_text=True)
        client.post("/language/en", data={"csrf_token": f.csrf(page), "next": "/rota/"})
    return client


def untick(app, client, lawyer_id):
    url = f"/rota/lawyers/{lawyer_id}"
    with app.app_context():
        lawyer = db.session.get(Lawyer, lawyer_id)
        form = {"name": lawyer.name, "firm": lawyer.firm, "practice_areas": "", "phone": "",
                "user_id": lawyer.user_id or 0, "unavailable": "", "version": lawyer.version}  # "active" unticked
    token = f.csrf(client.get(url).get_data(as_text=True))
    return client.post(url, data=dict(form, csrf_token=token), follow_redirects=True)


def notices(app, user_id, kind="lawyer_left_duties"):
    with app.app_context():
        return list(db.session.execute(select(Notification).where(
            Notification.user_id == user_id, Notification.kind == kind)).scalars())


def published_of(app, lawyer_id):
    with app.app_context():
        return db.session.execute(select(func.count(Duty.id)).where(
            Duty.lawyer_id == lawyer_id, Duty.state == "published")).scalar()


def test_taking_a_lawyer_off_the_roster_marks_their_seats_and_tells_the_coordinators(app, world):
    client = logged_in(app, world["coordinator"])
    answer = untick(app, client, world["b"])
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f"still holds {len(world['b_days'])} future duties" in html  # the confirmation lists them
    # Nothing cancelled: the coordinator decides.
    assert published_of(app, world["b"]) == len(world["b_days"])
    # The rota's empty seats count them, and no longer say every seat is filled.
    overview = client.get("/rota/").get_data(as_text=True)
    section = overview.split('id="empty-seats"')[1].split("</section>")[0]
    assert section.count('class="seat-stranded"') == len(world["b_days"])
    assert "Every seat is filled." not in section
    plan = client.get(f"/rota/plan?first_day={fr.FIRST_SATURDAY}&last_day={LAST}").get_data(as_text=True)
    assert plan.count('data-stranded="1"') == len(world["b_days"])
    assert plan.count("seat-stranded") == len(world["b_days"])
    month = client.get(f"/rota/month?m={world['b_days'][0]:%Y-%m}").get_data(as_text=True)
    assert "seat-stranded" in month
    # One today item per Saturday (a seat each here), leading to the plan of its day, by due date.
    today = client.get("/today").get_data(as_text=True)
    for day in world["b_days"]:
        assert f"/rota/plan?first_day={day}&amp;last_day={day}#day-{day}" in today
    # Told once, naming every day; the other street's coordinator is not.
    told = notices(app, world["coordinator_id"])
    assert len(told) == 1 and json.loads(told[0].data)["days"] == [d.isoformat() for d in world["b_days"]]
    assert notices(app, world["outsider_id"]) == []
    assert "can no longer sit" in client.get("/notifications/").get_data(as_text=True)
    # The swap asked of B by name is declined by the system, through the engine.
    with app.app_context():
        assert db.session.get(SwapRequest, world["asked"]).state == "declined"
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "duty_swap", AuditEvent.entity_id == world["asked"],
            AuditEvent.trigger == "decline")).scalar_one()
        assert (event.actor_role, event.reason) == ("system", REASON)
        assert verify() == []


def test_a_seat_given_to_another_lawyer_is_no_longer_to_be_re_arranged(app, world):
    client = logged_in(app, world["coordinator"])
    untick(app, client, world["b"])
    day = world["b_days"][0]
    with app.app_context():
        duty = db.session.execute(select(Duty).where(Duty.lawyer_id == world["b"], Duty.day == day)).scalar_one()
        version = duty.version
    plan = f"/rota/plan?first_day={day}&last_day={day}"
    token = f.csrf(client.get(plan).get_data(as_text=True))
    answer = client.post("/rota/plan/seat", data={
        "csrf_token": token, "day": day.isoformat(), "room_id": world["room"], "seat": 1, "version": version,
        "lawyer_id": world["c"], "first_day": day.isoformat(), "last_day": day.isoformat()})
    assert answer.status_code in (302, 303), answer.status_code
    assert "seat-stranded" not in client.get(plan).get_data(as_text=True)
    assert f"#day-{day}" not in client.get("/today").get_data(as_text=True)


def test_deactivating_the_login_lists_the_duties_and_tells_the_coordinators(app, world):
    out = app.test_cli_runner().invoke(args=["users", "deactivate", world["b_username"]])
    assert out.exit_code == 0, out.output
    assert f"still holds {len(world['b_days'])} future duties" in out.output
    assert published_of(app, world["b"]) == len(world["b_days"])
    assert len(notices(app, world["coordinator_id"])) == 1
    client = logged_in(app, world["coordinator"])
    overview = client.get("/rota/").get_data(as_text=True)
    assert overview.split('id="empty-seats"')[1].count('class="seat-stranded"') == len(world["b_days"])
    # Taking the roster entry off afterwards tells nobody again.
    untick(app, client, world["b"])
    assert len(notices(app, world["coordinator_id"])) == 1


def test_a_lawyer_without_future_duties_leaves_quietly(app, world):
    """C's duties are given back first: no sentence, no notice."""
    with app.app_context():
        coordinator = db.session.execute(select(User).where(User.username == world["coordinator"])).scalar_one()
        for duty in db.session.execute(select(Duty).where(Duty.lawyer_id == world["c"])).scalars().all():
            planning.set_seat(duty.day, duty.room, duty.seat, db.session.get(Lawyer, world["b"]), coordinator)
    client = logged_in(app, world["coordinator"])
    html = untick(app, client, world["c"]).get_data(as_text=True)
    assert "future dut" not in html and "Saved." in html
    assert notices(app, world["coordinator_id"]) == []
