"""What a walk through the coordinator's plan page and the pages around it
found: a range longer than a plan covers is refused at the form, not drawn;
the seats still to fill say what each is (not planned yet, to be
re-arranged, empty) with what to do; a holiday entered after publishing
tells each coordinator once per Saturday; the public board and its feed do
not name a lawyer who can no longer sit; the today page has one item per
Saturday with seats to re-arrange."""
import json
import re
from html import unescape
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.main.calendar_admin import add_entry
from app.notifications.models import Notification
from app.notifications.service import link_to
from app.rota import planning
from app.rota.models import Duty, Lawyer
from tests import factories as f, factories_rota as fr

FIRST = fr.FIRST_SATURDAY
WEEK = timedelta(weeks=1)


def english(client, page="/rota/board"):
    html = client.get(page).get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(html), "next": page})
    return client


def logged_in(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return english(client, "/rota/")


def plan_url(first, last):
    return f"/rota/plan?first_day={first}&last_day={last}"


def leave(app, *lawyer_ids):
    """Off the roster (the roster form's own path is test_rota_leaving's)."""
    with app.app_context():
        for lawyer_id in lawyer_ids:
            db.session.get(Lawyer, lawyer_id).active = False
        db.session.commit()


def counted(app, model, *where):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


# ---- 1. the range's length


@pytest.fixture
def planner(app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
        name = coordinator.username
        db.session.remove()
    return name


def test_a_range_longer_than_a_plan_covers_is_refused_at_the_form_and_not_drawn(app, planner):
    client = logged_in(app, planner)
    five_years = client.get(plan_url(FIRST, FIRST + timedelta(days=5 * 365)))
    assert five_years.status_code == 422
    html = five_years.get_data(as_text=True)
    assert "A plan covers at most 366 days: choose a last day no later than Mar 6, 2028" in html
    assert "Please correct the marked fields." in html
    assert 'aria-invalid="true"' in html.split('id="range-form"')[1].split("</form>")[0]
    assert 'id="rota-grid"' not in html and 'id="generate"' not in html and 'id="publish"' not in html
    # The longest range allowed is drawn.
    year = client.get(plan_url(FIRST, FIRST + timedelta(days=366)))
    assert year.status_code == 200 and 'id="rota-grid"' in year.get_data(as_text=True)
    backwards = client.get(plan_url(FIRST, FIRST - WEEK))
    assert backwards.status_code == 422 and "The last day is before the first day." in backwards.get_data(
        as_text=True)


def test_planning_or_publishing_a_range_too_long_writes_nothing(app, planner):
    client = logged_in(app, planner)
    token = f.csrf(client.get("/rota/plan").get_data(as_text=True))
    far = (FIRST + timedelta(days=3 * 365)).isoformat()
    for url in ("/rota/plan", "/rota/plan/publish"):
        answer = client.post(url, data={"csrf_token": token, "first_day": FIRST.isoformat(), "last_day": far})
        assert answer.status_code == 422
        assert "A plan covers at most 366 days" in answer.get_data(as_text=True)
    assert counted(app, Duty) == 0
    assert counted(app, AuditEvent, AuditEvent.entity_type == "rota_plan") == 0
    # A seat set with a hand-made range behind it: the page it falls back to is not drawn either.
    answer = client.post("/rota/plan/seat", data={"csrf_token": token, "day": FIRST.isoformat(), "room_id": 1,
                                                  "seat": 1, "lawyer_id": "", "first_day": FIRST.isoformat(),
                                                  "last_day": far})
    assert answer.status_code == 422 and 'id="rota-grid"' not in answer.get_data(as_text=True)


def test_the_longest_range_is_a_setting(app, planner):
    app.config["ROTA_PLAN_MAX_DAYS"] = 91
    client = logged_in(app, planner)
    assert client.get(plan_url(FIRST, FIRST + timedelta(days=91))).status_code == 200
    answer = client.get(plan_url(FIRST, FIRST + timedelta(days=92)))
    assert answer.status_code == 422
    assert "at most 91 days: choose a last day no later than Jun 5, 2027" in answer.get_data(as_text=True)


# ---- 2. what each seat still to fill is


@pytest.fixture
def three_seats(app):
    """A room of three seats, two lawyers: the first two Saturdays planned
    and published (a seat empty each), the next two not planned."""
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=2, seats=3)
        planning.generate(FIRST, FIRST + WEEK, coordinator)
        planning.publish(FIRST, FIRST + WEEK, coordinator)
        ids = dict(coordinator=coordinator.username, b=people[1][0].id, b_name=people[1][0].name)
        db.session.remove()
    return ids


def to_fill(html):
    part = html.split('id="unfilled"')[1].split("</ul>")[0]
    said = {day: unescape(re.sub(r"<[^>]+>", "", text)) for day, text in
            re.findall(r'<li data-day="([\d-]+)">(.*?)</li>', part, re.S)}
    return part, said


def test_each_seat_still_to_fill_says_what_it_is_and_what_to_do(app, three_seats):
    client = logged_in(app, three_seats["coordinator"])
    url = plan_url(FIRST, FIRST + 3 * WEEK)
    part, said = to_fill(client.get(url).get_data(as_text=True))
    later = [FIRST + 2 * WEEK, FIRST + 3 * WEEK]
    # Not planned yet: said once, with the plan's button, never "cannot be filled".
    assert "Not planned yet: Mar 20, 2027, Mar 27, 2027." in part
    assert 'id="plan-unplanned"' in part and 'action="/rota/plan"' in part
    assert set(said) == {FIRST.isoformat(), (FIRST + WEEK).isoformat()}
    assert all(d.isoformat() not in said for d in later)
    assert said[FIRST.isoformat()].endswith("1 empty seat cannot be filled: nobody else is available that Saturday.")
    # B leaves: their seat is to be re-arranged, and nobody is free to take it.
    leave(app, three_seats["b"])
    _part, said = to_fill(client.get(url).get_data(as_text=True))
    assert ("1 seat to be re-arranged (its lawyer can no longer sit), and nobody else is free that Saturday: "
            "cancel the duty on its page.") in said[FIRST.isoformat()]
    assert "cannot be filled" in said[FIRST.isoformat()]  # the empty seat, still
    # A new lawyer: the seat's own list, and the empty seat may be filled.
    with app.app_context():
        fr.lawyer(name="律师新")
    _part, said = to_fill(client.get(url).get_data(as_text=True))
    assert ("1 seat to be re-arranged (its lawyer can no longer sit): choose another lawyer in the seat's list "
            "below.") in said[FIRST.isoformat()]
    assert ("1 empty seat, and 1 lawyer(s) could still sit: choose one in the seat's list below, or make the "
            "plan again.") in said[FIRST.isoformat()]
    assert "cannot be filled" not in said[FIRST.isoformat()]


# ---- 3. a holiday entered after publishing


MAY_1 = date(2027, 5, 1)


def test_a_holiday_entered_after_publishing_tells_each_coordinator_once_a_saturday(app):
    with app.app_context():
        coordinator, room, _people = fr.rota_world(lawyers=4, seats=2)
        second = fr.room(room.community, seats=1, name="第二工作室")
        city = f.user("coordinator")
        planning.generate(FIRST, MAY_1 + WEEK, coordinator)
        planning.publish(FIRST, MAY_1 + WEEK, coordinator)
        assert counted(app, Duty, Duty.day == MAY_1) == 3
        entered = add_entry("劳动节", MAY_1, MAY_1 + WEEK, [], f.user("admin"))
        assert entered.said == ["律师值班表中有 6 个值班恰逢上述节假日：已通知负责的协调员决定取消或保留。"]
        rows = list(db.session.execute(select(Notification).where(Notification.kind == "duty_on_holiday")
                                       .order_by(Notification.user_id, Notification.entity_id)).scalars())
        # One a coordinator (the street's, the city's) and Saturday (1 and 8 May): not one a seat.
        assert [(n.user_id, n.entity_type, n.entity_id) for n in rows] == [
            (coordinator.id, "rota_day", MAY_1.toordinal()), (coordinator.id, "rota_day", (MAY_1 + WEEK).toordinal()),
            (city.id, "rota_day", MAY_1.toordinal()), (city.id, "rota_day", (MAY_1 + WEEK).toordinal())]
        data = json.loads(rows[0].data)
        assert data["count"] == 3 and data["rooms"] == [room.name, second.name]
        username, room_name, note_day, reader = coordinator.username, room.name, rows[0].entity_id, rows[0].user_id
        db.session.remove()
    client = logged_in(app, username)
    page = client.get("/notifications/").get_data(as_text=True)
    # The rooms listed as the reader's language lists them.
    assert f"The Saturday duties on May 1, 2027 (3: {room_name}, 第二工作室) fall on Labour Day" in page
    # Its link leads to the day on the plan page, where the day is decided.
    with app.test_request_context():
        assert link_to("rota_day", note_day) == f"/rota/plan?first_day={MAY_1}&last_day={MAY_1}#day-{MAY_1}"
    # Deciding the day answers its notice; the other Saturday's stays unread.
    plan = plan_url(MAY_1, MAY_1)
    token = f.csrf(client.get(plan).get_data(as_text=True))
    assert client.post(f"/rota/holiday-days/{MAY_1}", data={"csrf_token": token, "decision": "cancel",
                                                          "reason": "放假", "next": plan}).status_code == 302
    with app.app_context():
        unread = db.session.execute(select(Notification.user_id, Notification.entity_id).where(
            Notification.kind == "duty_on_holiday", Notification.read_at.is_(None))
            .order_by(Notification.user_id, Notification.entity_id)).all()
    assert [day for user, day in unread if user == reader] == [(MAY_1 + WEEK).toordinal()]
    assert len(unread) == 3  # the city's coordinator still has both


# ---- 4 and 5. a lawyer who can no longer sit: the board, its feed, the today page


@pytest.fixture
def leavers(app):
    """A room of two seats, three lawyers, three Saturdays published; A and B
    leave."""
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=3, seats=2)
        planning.generate(FIRST, FIRST + 2 * WEEK, coordinator)
        planning.publish(FIRST, FIRST + 2 * WEEK, coordinator)
        gone = [people[0][0], people[1][0]]
        by_day = {}
        for duty in db.session.execute(select(Duty).where(Duty.lawyer_id.in_([lw.id for lw in gone]))
                                       .order_by(Duty.day, Duty.room_id, Duty.seat)).scalars():
            by_day.setdefault(duty.day, []).append(duty.lawyer.name)
        ids = dict(coordinator=coordinator.username, gone=[lw.id for lw in gone], names=[lw.name for lw in gone],
                   stayer=people[2][0].name, by_day=by_day)
        db.session.remove()
    leave(app, *ids["gone"])
    return ids


def test_the_public_board_and_its_feed_do_not_name_a_lawyer_who_can_no_longer_sit(app, leavers):
    client = app.test_client()
    assert '<span class="text-muted small seat-to-arrange">待安排</span>' in client.get(
        f"/rota/board?m={FIRST:%Y-%m}").get_data(as_text=True)
    english(client)
    board = client.get(f"/rota/board?m={FIRST:%Y-%m}")
    assert board.status_code == 200
    html = board.get_data(as_text=True)
    grid = html.split('id="rota-grid"')[1]
    assert all(name not in grid for name in leavers["names"])
    assert leavers["stayer"] in grid
    seats = sum(len(names) for day, names in leavers["by_day"].items())
    assert grid.count('class="text-muted small seat-to-arrange">to be arranged</span>') == seats
    feed = client.get("/rota/board.ics").get_data().decode()
    assert all(name not in feed for name in leavers["names"])
    assert "Lawyer on duty: to be arranged" in feed.replace("\r\n ", "")


def test_the_today_page_has_one_item_a_saturday_with_seats_to_re_arrange(app, leavers):
    client = logged_in(app, leavers["coordinator"])
    today = client.get("/today").get_data(as_text=True)
    for day, names in leavers["by_day"].items():
        link = f"/rota/plan?first_day={day}&amp;last_day={day}#day-{day}"
        assert today.count(link) == 1, day
        if len(names) == 2:
            assert f"2 seats whose lawyers can no longer sit ({names[0]}, {names[1]})" in today
        else:
            assert f"1 seat whose lawyer can no longer sit ({names[0]})" in today
    assert len(leavers["by_day"]) == 3


def test_a_holiday_notice_written_one_a_seat_before_still_reads(app):
    """Rows written before the notice became one a day keep their sentence."""
    from app.notifications.service import notify

    with app.app_context():
        coordinator, room, _people = fr.rota_world(lawyers=1, seats=1)
        notify(coordinator, "duty_on_holiday", entity_type="lawyer_duty", entity_id=1,
               data={"day": MAY_1.isoformat(), "room": room.name, "holiday": "劳动节"})
        db.session.commit()
        username, room_name = coordinator.username, room.name
        db.session.remove()
    page = logged_in(app, username).get("/notifications/").get_data(as_text=True)
    assert f"The Saturday duty on May 1, 2027 at {room_name} falls on Labour Day" in page
