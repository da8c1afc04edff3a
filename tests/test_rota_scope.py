"""The rota's object scope (issue 13 item 7): a street's coordinators and
supervisors act within their street, a city-level coordinator (no street)
across the city. Two streets with a room each, a coordinator and a
supervisor of each, a city coordinator, and one pool of lawyers: every
route that takes a duty, swap, room, lawyer, holiday or consultation, every
list, and the services behind them."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.extensions import db
from app.rota import admin, planning
from app.rota.models import Consultation, Duty, Holiday, Lawyer, Room, SwapRequest
from app.rota.swaps import request_swap
from app.today import items_for
from tests import factories as f, factories_integration as fi, factories_rota as fr

ROLES = ("coord_a", "sup_a", "coord_b", "sup_b", "city")
LAST = fr.FIRST_SATURDAY + timedelta(weeks=4)          # the published month: five Saturdays
LATER = fr.FIRST_SATURDAY + timedelta(weeks=6)         # a planned seat of the lawyer who sits only in B
STREET_HOLIDAY = fr.FIRST_SATURDAY + timedelta(weeks=8)
CITY_HOLIDAY = fr.FIRST_SATURDAY + timedelta(weeks=9)


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def duty_in(room, day):
    return db.session.execute(select(Duty).where(Duty.room_id == room.id, Duty.day == day,
                                                 Duty.state.in_(("planned", "published")))).scalar_one()


def free_lawyer(people, day):
    """A lawyer (and login) of the pool who sits nowhere on that day."""
    return next((lw, u) for lw, u in people if not db.session.execute(
        select(Duty.id).where(Duty.lawyer_id == lw.id, Duty.day == day, Duty.state != "cancelled")).first())


def accepted_swap(duty, people):
    asker, asker_user = next((lw, u) for lw, u in people if lw.id == duty.lawyer_id)
    swap = request_swap(duty, asker, None, "", asker_user)
    engine.fire(swap, "accept", free_lawyer(people, duty.day)[1])
    return swap


def consultation(duty, topic):
    row = Consultation(duty_id=duty.id, lawyer_id=duty.lawyer_id, day=duty.day, service_type="consultation",
                       topic=topic, advice="建议先协商。", created_by_id=duty.lawyer.user_id, created_at=clock.now())
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def world(app):
    """Streets A and B with a room each; four lawyers with logins planned and
    published for a month in both rooms by the city coordinator; a lawyer
    who sits only in B (a planned seat) and one who sits nowhere; in each
    street a swap awaiting approval and a consultation; a holiday of B and
    one of the city. Returns plain values."""
    with app.app_context():
        fr.set_today()
        street_a, (ca, _), _ = f.org()
        street_b, (cb, _), _ = f.org()
        room_a, room_b = fr.room(ca, name="东关工作室"), fr.room(cb, name="西关工作室")
        people = [fr.lawyer_with_login(name=f"律师{chr(0x7532 + i)}") for i in range(4)]
        users = {"coord_a": f.user("coordinator", street=street_a), "sup_a": f.user("supervisor", street=street_a),
                 "coord_b": f.user("coordinator", street=street_b), "sup_b": f.user("supervisor", street=street_b),
                 "city": f.user("coordinator")}
        planning.generate(fr.FIRST_SATURDAY, LAST, users["city"])
        planning.publish(fr.FIRST_SATURDAY, LAST, users["city"])
        only_b = fr.lawyer(name="王律师", phone="13800001111")
        planning.set_seat(LATER, room_b, 1, only_b, users["city"])
        nobody = fr.lawyer(name="赵律师", phone="13900002222")
        duty_a, duty_b = duty_in(room_a, fr.FIRST_SATURDAY), duty_in(room_b, fr.FIRST_SATURDAY)
        second_a = duty_in(room_a, fr.FIRST_SATURDAY + timedelta(weeks=1))
        second_b = duty_in(room_b, fr.FIRST_SATURDAY + timedelta(weeks=1))
        swap_a = accepted_swap(duty_in(room_a, fr.FIRST_SATURDAY + timedelta(weeks=2)), people)
        swap_b = accepted_swap(duty_in(room_b, fr.FIRST_SATURDAY + timedelta(weeks=3)), people)
        cons_a, cons_b = consultation(duty_a, "东关咨询"), consultation(duty_b, "西关咨询")
        hol_b, _ = admin.add_holiday("西关闭馆", STREET_HOLIDAY, STREET_HOLIDAY, users["coord_b"])
        hol_city, _ = admin.add_holiday("全市假日", CITY_HOLIDAY, CITY_HOLIDAY, users["city"])
        w = {name: u.username for name, u in users.items()}
        w.update(room_a=room_a.id, room_b=room_b.id, community_a=ca.id, community_b=cb.id,
                 duty_a=duty_a.id, duty_b=duty_b.id, second_a=second_a.id, second_b=second_b.id,
                 swap_a=swap_a.id, swap_b=swap_b.id, cons_a=cons_a.id, cons_b=cons_b.id,
                 only_b=only_b.id, nobody=nobody.id, hol_b=hol_b.id, hol_city=hol_city.id,
                 lawyer=people[0][1].username, user_ids={name: u.id for name, u in users.items()})
        db.session.remove()
    return w


def client_of(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return client


def post(client, url, data=None):
    token = f.csrf(client.get("/rota/holidays").get_data(as_text=True))
    return client.post(url, data=dict(data or {}, csrf_token=token))


def events(app, **where) -> int:
    """Audit events other than the accounts' own (each client logs in)."""
    with app.app_context():
        return count(AuditEvent, AuditEvent.entity_type != "user",
                     *(getattr(AuditEvent, k) == v for k, v in where.items()))


def version_of(app, model, row_id):
    with app.app_context():
        return db.session.get(model, row_id).version


def state_of(app, model, row_id):
    with app.app_context():
        return db.session.get(model, row_id).state


# ---- role x route: each row a page that takes an id from the URL

PAGES = {
    # url template: expected status for coord_a, sup_a, coord_b, sup_b, city
    "/rota/duties/{duty_b}": (404, 404, 200, 200, 200),
    "/rota/duties/{duty_a}": (200, 200, 404, 404, 200),
    "/rota/consultations/{cons_b}": (404, 404, 200, 200, 200),
    "/rota/consultations/{cons_a}": (200, 200, 404, 404, 200),
    "/rota/rooms/{room_b}": (404, 403, 200, 403, 200),
    "/rota/rooms/{room_a}": (200, 403, 404, 403, 200),
    "/rota/lawyers/{only_b}": (404, 403, 200, 403, 200),
    "/rota/lawyers/{nobody}": (200, 403, 200, 403, 200),  # sits nowhere yet: the whole pool's
}


@pytest.mark.parametrize("template", PAGES)
def test_another_streets_rows_give_404(app, world, template):
    url = template.format(**world)
    got = tuple(client_of(app, world[role]).get(url).status_code for role in ROLES)
    assert got == PAGES[template], url


# ---- acting on another street's rows: 404 and nothing written


def test_another_streets_duty_cannot_be_cancelled(app, world):
    before = events(app)
    url = f"/rota/duties/{world['duty_b']}/fire/cancel"
    for role in ("coord_a", "sup_a"):
        assert post(client_of(app, world[role]), url, {"reason": "试试"}).status_code == 404
    assert state_of(app, Duty, world["duty_b"]) == "published" and events(app) == before
    assert post(client_of(app, world["coord_b"]), url,
                {"reason": "律师住院", "version": version_of(app, Duty, world["duty_b"])}).status_code == 302
    assert state_of(app, Duty, world["duty_b"]) == "cancelled"
    url = f"/rota/duties/{world['duty_a']}/fire/cancel"
    assert post(client_of(app, world["city"]), url,
                {"reason": "全市停办", "version": version_of(app, Duty, world["duty_a"])}).status_code == 302
    assert state_of(app, Duty, world["duty_a"]) == "cancelled"


@pytest.mark.parametrize("trigger", ["approve", "refuse"])
def test_another_streets_swap_cannot_be_decided(app, world, trigger):
    before = events(app)
    url = f"/rota/swaps/{world['swap_b']}/fire/{trigger}"
    assert post(client_of(app, world["coord_a"]), url, {"reason": "不同意"}).status_code == 404
    assert state_of(app, SwapRequest, world["swap_b"]) == "accepted" and events(app) == before
    assert post(client_of(app, world["coord_b"]), url,
                {"reason": "不同意", "version": version_of(app, SwapRequest, world["swap_b"])}).status_code == 302
    assert state_of(app, SwapRequest, world["swap_b"]) != "accepted"
    url = f"/rota/swaps/{world['swap_a']}/fire/{trigger}"
    assert post(client_of(app, world["city"]), url,
                {"reason": "不同意", "version": version_of(app, SwapRequest, world["swap_a"])}).status_code == 302
    assert state_of(app, SwapRequest, world["swap_a"]) != "accepted"


def test_the_engine_refuses_another_streets_duty_and_swap(app, world):
    with app.app_context():
        coord_a = db.session.get(User, world["user_ids"]["coord_a"])
        with pytest.raises(engine.Forbidden):
            engine.fire(db.session.get(Duty, world["duty_b"]), "cancel", coord_a, "试试")
        db.session.rollback()
        with pytest.raises(engine.Forbidden):
            engine.fire(db.session.get(SwapRequest, world["swap_b"]), "approve", coord_a)
        db.session.rollback()
        assert engine.available(db.session.get(SwapRequest, world["swap_b"]), coord_a) == []


def test_a_phone_is_revealed_only_within_reach(app, world):
    url = f"/rota/lawyers/{world['only_b']}/phone"
    assert post(client_of(app, world["coord_a"]), url).status_code == 404
    assert events(app, trigger="reveal") == 0
    answer = post(client_of(app, world["coord_b"]), url)
    assert answer.status_code == 200 and "13800001111" in answer.get_data(as_text=True)
    assert post(client_of(app, world["city"]), url).status_code == 200
    assert post(client_of(app, world["coord_a"]), f"/rota/lawyers/{world['nobody']}/phone").status_code == 200
    assert events(app, trigger="reveal") == 3


def test_another_streets_lawyer_cannot_be_edited(app, world):
    with app.app_context():
        version = db.session.get(Lawyer, world["only_b"]).version
    form = {"name": "王律师", "firm": "齐鲁律师事务所", "practice_areas": "", "phone": "", "user_id": 0,
            "unavailable": "", "version": version}
    before = events(app)
    assert post(client_of(app, world["coord_a"]), f"/rota/lawyers/{world['only_b']}", form).status_code == 404
    assert events(app) == before  # "active" unticked would have retired them


def test_another_streets_room_cannot_be_closed_nor_a_room_added_there(app, world):
    with app.app_context():
        room = db.session.get(Room, world["room_b"])
        form = {"name": room.name, "community_id": room.community_id, "seats": 1, "opens": "09:00",
                "closes": "12:00", "version": room.version}  # "active" unticked: closing it
    before = events(app)
    assert post(client_of(app, world["coord_a"]), f"/rota/rooms/{world['room_b']}", form).status_code == 404
    new = dict(form, name="新工作室", active="y")
    new.pop("version")
    assert post(client_of(app, world["coord_a"]), "/rota/rooms/new", new).status_code == 422
    assert events(app) == before
    with app.app_context():
        assert db.session.get(Room, world["room_b"]).active
        assert count(Room) == 2
        assert count(Duty, Duty.room_id == world["room_b"], Duty.state == "cancelled") == 0
    assert post(client_of(app, world["coord_b"]), "/rota/rooms/new", new).status_code == 302


def test_a_seat_of_another_streets_room_cannot_be_set(app, world):
    with app.app_context():
        duty = db.session.get(Duty, world["second_b"])
        day, lawyer_id = duty.day, duty.lawyer_id
    before = events(app)
    answer = post(client_of(app, world["coord_a"]), "/rota/plan/seat",
                  {"day": day.isoformat(), "room_id": world["room_b"], "seat": 1, "lawyer_id": world["nobody"],
                   "version": 0})
    assert answer.status_code == 404
    assert events(app) == before
    with app.app_context():
        assert db.session.get(Duty, world["second_b"]).lawyer_id == lawyer_id
        coord_a = db.session.get(User, world["user_ids"]["coord_a"])
        with pytest.raises(engine.Forbidden):
            planning.set_seat(day, db.session.get(Room, world["room_b"]), 1, db.session.get(Lawyer, world["nobody"]),
                              coord_a)


def test_a_streets_plan_and_publication_leave_the_other_street_alone(app, world):
    first, last = CITY_HOLIDAY + timedelta(weeks=1), CITY_HOLIDAY + timedelta(weeks=4)
    with app.app_context():
        coord_a, coord_b = (db.session.get(User, world["user_ids"][r]) for r in ("coord_a", "coord_b"))
        planning.generate(first, last, coord_b)
        mine_b = {d.id: d.lawyer_id for d in planning.live_duties(first, last, ("planned",))}
        assert mine_b and {d.room_id for d in planning.live_duties(first, last)} == {world["room_b"]}
        # B's coordinator puts someone else on one of B's planned seats by hand.
        duty = db.session.get(Duty, min(mine_b))
        planning.set_seat(duty.day, duty.room, 1, db.session.get(Lawyer, world["nobody"]), coord_b)
        mine_b[duty.id] = world["nobody"]
        result = planning.generate(first, last, coord_a)
        assert result.created == len(mine_b) and result.changed == result.cancelled == 0
        planned = planning.live_duties(first, last, ("planned",))
        assert {d.id: d.lawyer_id for d in planned if d.room_id == world["room_b"]} == mine_b
        # Nobody sits twice on a Saturday across the two streets.
        days = [(d.day, d.lawyer_id) for d in planned]
        assert len(days) == len(set(days))
        assert planning.publish(first, last, coord_a) == len(mine_b)
        assert {d.room_id for d in planning.live_duties(first, last, ("planned",))} == {world["room_b"]}
        assert verify() == []


def test_a_streets_holiday_closes_only_its_rooms(app, world):
    day = fr.FIRST_SATURDAY + timedelta(weeks=1)
    answer = post(client_of(app, world["coord_a"]), "/rota/holidays",
                  {"name": "东关活动", "first_day": day.isoformat(), "last_day": day.isoformat()})
    assert answer.status_code == 302
    assert state_of(app, Duty, world["second_a"]) == "cancelled"
    assert state_of(app, Duty, world["second_b"]) == "published"
    with app.app_context():
        holiday = db.session.execute(select(Holiday).where(Holiday.name == "东关活动")).scalar_one()
        assert holiday.street_id is not None
        # B's rota still has that Saturday; A's plan page skips it.
        assert planning.seat_problem(day + timedelta(weeks=10), db.session.get(Room, world["room_b"]), 1) is None
        assert planning.seat_problem(STREET_HOLIDAY, db.session.get(Room, world["room_b"]), 1)
        assert planning.seat_problem(STREET_HOLIDAY, db.session.get(Room, world["room_a"]), 1) is None
        street_a = db.session.get(Room, world["room_a"]).community.street.name
    # The month says what the day is: no duty in street A's rooms (a closure, not a holiday).
    month = client_of(app, world["city"]).get(f"/rota/month?m={day:%Y-%m}").get_data(as_text=True)
    badge = month.split(f'id="day-{day.isoformat()}"')[1].split("</div>")[0]
    assert f"{street_a}工作室暂停坐班：东关活动" in badge and "节假日" not in badge
    own = client_of(app, world["coord_a"]).get(f"/rota/month?m={day:%Y-%m}").get_data(as_text=True)
    assert "不坐班：东关活动" in own.split(f'id="day-{day.isoformat()}"')[1].split("</div>")[0]
    # The same days in the other street are no clash; the city's are.
    assert post(client_of(app, world["coord_a"]), "/rota/holidays",
                {"name": "东关闭馆", "first_day": STREET_HOLIDAY.isoformat(),
                 "last_day": STREET_HOLIDAY.isoformat()}).status_code == 302
    assert post(client_of(app, world["coord_a"]), "/rota/holidays",
                {"name": "重叠", "first_day": CITY_HOLIDAY.isoformat(),
                 "last_day": CITY_HOLIDAY.isoformat()}).status_code == 422


def test_holidays_are_listed_and_removed_within_scope(app, world):
    marker = 'data-holiday="{}"'
    for role, sees_b in (("coord_a", False), ("sup_a", False), ("coord_b", True), ("city", True)):
        page = client_of(app, world[role]).get("/rota/holidays").get_data(as_text=True)
        assert (marker.format(world["hol_b"]) in page) is sees_b, role
        assert marker.format(world["hol_city"]) in page, role
    before = events(app)
    assert post(client_of(app, world["coord_a"]), f"/rota/holidays/{world['hol_b']}/delete").status_code == 404
    assert post(client_of(app, world["coord_a"]), f"/rota/holidays/{world['hol_city']}/delete").status_code == 403
    assert events(app) == before
    with app.app_context():
        assert count(Holiday) == 2
    assert post(client_of(app, world["coord_b"]), f"/rota/holidays/{world['hol_b']}/delete").status_code == 302
    assert post(client_of(app, world["city"]), f"/rota/holidays/{world['hol_city']}/delete").status_code == 302


# ---- lists: another street's rows are simply not listed


def test_the_overview_lists_the_streets_swaps_and_seats(app, world):
    for role, mine, theirs in (("coord_a", "a", "b"), ("sup_a", "a", "b"), ("coord_b", "b", "a")):
        page = client_of(app, world[role]).get("/rota/").get_data(as_text=True)
        assert f'id="swap-{world["swap_" + mine]}"' in page, role
        assert f'id="swap-{world["swap_" + theirs]}"' not in page, role
        assert f'data-room="{world["room_" + theirs]}"' not in page, role
    page = client_of(app, world["city"]).get("/rota/").get_data(as_text=True)
    assert f'id="swap-{world["swap_a"]}"' in page and f'id="swap-{world["swap_b"]}"' in page


def test_the_month_shows_the_streets_rooms_to_staff_and_every_room_to_lawyers(app, world):
    month = f"/rota/month?m={fr.FIRST_SATURDAY:%Y-%m}"
    for role, rooms in (("coord_a", {"a"}), ("sup_b", {"b"}), ("city", {"a", "b"}), ("lawyer", {"a", "b"})):
        page = client_of(app, world[role]).get(month).get_data(as_text=True)
        assert {k for k in "ab" if f'data-room="{world["room_" + k]}"' in page} == rooms, role


def test_rooms_list_and_form_offer_the_streets_own(app, world):
    page = client_of(app, world["coord_a"]).get("/rota/rooms").get_data(as_text=True)
    assert f'data-room="{world["room_a"]}"' in page and f'data-room="{world["room_b"]}"' not in page
    form = client_of(app, world["coord_a"]).get("/rota/rooms/new").get_data(as_text=True)
    assert f'value="{world["community_a"]}"' in form and f'value="{world["community_b"]}"' not in form
    page = client_of(app, world["city"]).get("/rota/rooms").get_data(as_text=True)
    assert f'data-room="{world["room_b"]}"' in page


def test_the_roster_lists_the_pool_but_shows_phones_within_reach(app, world):
    page = client_of(app, world["coord_a"]).get("/rota/lawyers").get_data(as_text=True)
    assert "王律师" in page and "138****1111" not in page and f'/rota/lawyers/{world["only_b"]}"' not in page
    assert "139****2222" in page and f'/rota/lawyers/{world["nobody"]}"' in page
    page = client_of(app, world["coord_b"]).get("/rota/lawyers").get_data(as_text=True)
    assert "138****1111" in page and f'/rota/lawyers/{world["only_b"]}"' in page


def test_fairness_counts_the_streets_duties(app, world):
    with app.app_context():
        published = {k: count(Duty, Duty.room_id == world["room_" + k], Duty.state == "published") for k in "ab"}
    for role, k in (("sup_a", "a"), ("coord_b", "b")):
        page = client_of(app, world[role]).get(f"/rota/fairness?year={fr.FIRST_SATURDAY.year}")
        text = page.get_data(as_text=True)
        duties = [int(n) for n in re.findall(r'data-col="duties">(\d+)<', text)]
        assert sum(duties) == published[k], role
        assert (f'data-lawyer="{world["only_b"]}"' in text) is (k == "b"), role
    text = client_of(app, world["city"]).get(f"/rota/fairness?year={fr.FIRST_SATURDAY.year}").get_data(as_text=True)
    assert sum(int(n) for n in re.findall(r'data-col="duties">(\d+)<', text)) == sum(published.values())


def test_consultation_counts_are_the_streets(app, world):
    url = f"/rota/consultations?m={fr.FIRST_SATURDAY:%Y-%m}"
    cell = '<td class="text-end" data-type="consultation">{}</td>'
    for role, n in (("sup_a", 1), ("coord_b", 1), ("city", 2)):
        text = client_of(app, world[role]).get(url).get_data(as_text=True)
        assert cell.format(n) in text, role


def test_the_coordinators_today_and_notifications_are_the_streets(app, world):
    with app.app_context(), app.test_request_context():
        now = clock.now()
        for role, mine in (("coord_a", "swap_a"), ("coord_b", "swap_b")):
            user = db.session.get(User, world["user_ids"][role])
            urls = [i.url for i in items_for(user, now, now + timedelta(days=1)) if i.kind == "duty"]
            assert urls == [f"/rota/#swap-{world[mine]}"], role
        city = db.session.get(User, world["user_ids"]["city"])
        assert len([i for i in items_for(city, now, now + timedelta(days=1)) if i.kind == "duty"]) == 2
        ids = world["user_ids"]
        told = {n.entity_id: n.user_id for n in fi.notes(kind="swap_to_approve") if n.user_id == ids["coord_a"]}
        assert set(told) == {world["swap_a"]}
        assert {n.user_id for n in fi.notes(kind="swap_to_approve") if n.entity_id == world["swap_b"]} == {
            ids["coord_b"], ids["city"]}


# ---- two streets planning at once from one pool


def test_two_streets_planning_at_once_never_seat_a_lawyer_twice_a_day(app):
    """The two plans are of different rooms, so no seat clashes: the pool
    is what they share. The second plan must see the first's duties."""
    from tests.test_concurrency import run_together

    with app.app_context():
        fr.set_today()
        street_a, (ca, _), _ = f.org()
        street_b, (cb, _), _ = f.org()
        fr.room(ca), fr.room(cb)
        fr.lawyer(), fr.lawyer()  # two lawyers, two seats a Saturday: each sits once
        ids = [f.user("coordinator", street=s).id for s in (street_a, street_b)]
    last = fr.FIRST_SATURDAY + timedelta(weeks=3)

    def plan(user_id):
        def job():
            return planning.generate(fr.FIRST_SATURDAY, last, db.session.get(User, user_id)).created
        return job

    results = run_together(app, plan(ids[0]), plan(ids[1]))
    for kind, value in results:
        assert kind == "ok" or (isinstance(value, engine.Refused) and value.status == 409), value
    with app.app_context():
        live = db.session.execute(select(Duty.day, Duty.lawyer_id).where(Duty.state == "planned")).all()
        assert live and len(live) == len(set(live))
        assert verify() == []
