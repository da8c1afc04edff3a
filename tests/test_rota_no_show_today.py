"""The coordinator finds the no-shows they may still correct on the today
page: one item per Saturday of their street's rooms, naming the lawyers and
the window's last day, leading to the duty (one) or the plan page's day
(more); gone once corrected or once the window closes. Another street's
coordinator and the lawyers see none."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import engine
from app.engine.timers import tick
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty
from tests import factories as f, factories_rota as fr

FIRST = fr.FIRST_SATURDAY
SECOND = FIRST + timedelta(weeks=1)
REASON = "工作室签到簿上有该律师的签名"


def english(client):
    html = client.get("/rota/board").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(html), "next": "/today"})
    return client


def logged_in(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return english(client)


@pytest.fixture
def no_shows(app):
    """A room of two seats; two Saturdays published, nobody checked in: four
    no-shows, two a day. Today is the Tuesday after the second Saturday."""
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=4, seats=2)
        planning.generate(FIRST, SECOND, coordinator)
        planning.publish(FIRST, SECOND, coordinator)
        tick(now=fr.at_local(SECOND + timedelta(days=1), 0, 1))
        duties = list(db.session.execute(select(Duty).order_by(Duty.day, Duty.seat)).scalars())
        assert [d.state for d in duties] == ["no_show"] * 4
        _street, communities, _grids = f.org()
        other = f.user("coordinator", street=communities[0].street)
        lawyer_login = next(u for lw, u in people if lw.id == duties[0].lawyer_id)
        values = dict(coordinator=coordinator.username, other=other.username, lawyer=lawyer_login.username,
                      room=room.name, ids={d.day: [x.id for x in duties if x.day == d.day] for d in duties},
                      names={d.day: [x.lawyer.name for x in duties if x.day == d.day] for d in duties})
        fr.set_today(SECOND + timedelta(days=3))
        db.session.remove()
    return values


def plan_link(day):
    return f"/rota/plan?first_day={day}&amp;last_day={day}#day-{day}"


def correct(app, duty_id, who):
    with app.app_context():
        from app.auth.models import User
        user = db.session.execute(select(User).where(User.username == who)).scalar_one()
        engine.fire(db.session.get(Duty, duty_id), "correct_no_show", user, REASON)


def test_one_item_a_saturday_naming_the_lawyers_and_the_last_day_leading_to_the_day(app, no_shows):
    page = logged_in(app, no_shows["coordinator"]).get("/today").get_data(as_text=True)
    for day in (FIRST, SECOND):
        a, b = no_shows["names"][day]
        last = day + timedelta(days=30)
        assert page.count(plan_link(day)) == 1
        assert (f"2 lawyers did not check in and were recorded as no-shows ({a}, {b}). If they did come, it "
                f"can be corrected until {last:%b} {last.day}, {last.year}") in page
    assert no_shows["room"] in page


def test_a_correction_leaves_the_other_duty_which_the_item_then_leads_to(app, no_shows):
    first, second = no_shows["ids"][FIRST]
    correct(app, first, no_shows["coordinator"])
    page = logged_in(app, no_shows["coordinator"]).get("/today").get_data(as_text=True)
    assert plan_link(FIRST) not in page
    assert page.count(f'href="/rota/duties/{second}"') == 1
    assert f"1 lawyer did not check in and was recorded as a no-show ({no_shows['names'][FIRST][1]})" in page
    correct(app, second, no_shows["coordinator"])
    page = logged_in(app, no_shows["coordinator"]).get("/today").get_data(as_text=True)
    assert f"/rota/duties/{second}" not in page and plan_link(FIRST) not in page
    assert plan_link(SECOND) in page


def test_gone_once_the_window_closes_and_due_as_it_closes(app, no_shows):
    client = logged_in(app, no_shows["coordinator"])
    fr.set_today(FIRST + timedelta(days=30), hour=23)  # the first Saturday's last day: still listed, today's
    page = client.get("/today").get_data(as_text=True)
    assert plan_link(FIRST) in page.split('id="today-today"')[1].split("</section>")[0]
    assert plan_link(SECOND) in page.split('id="today-later"')[1]
    fr.set_today(FIRST + timedelta(days=31), hour=0)
    page = client.get("/today").get_data(as_text=True)
    assert plan_link(FIRST) not in page and plan_link(SECOND) in page
    fr.set_today(SECOND + timedelta(days=31), hour=0)
    assert "recorded as a no-show" not in client.get("/today").get_data(as_text=True)


def test_the_window_is_the_setting(app, no_shows):
    app.config["DUTY_NO_SHOW_CORRECTION_DAYS"] = 7  # today is the Tuesday after the second Saturday
    page = logged_in(app, no_shows["coordinator"]).get("/today").get_data(as_text=True)
    assert plan_link(FIRST) not in page and plan_link(SECOND) in page


@pytest.mark.parametrize("who", ["other", "lawyer"])
def test_another_streets_coordinator_and_the_lawyer_see_none(app, no_shows, who):
    page = logged_in(app, no_shows[who]).get("/today").get_data(as_text=True)
    assert "no-show" not in page
    assert all(plan_link(day) not in page for day in (FIRST, SECOND))


def test_the_duty_page_says_until_when_to_the_coordinator_and_to_the_lawyer(app, no_shows):
    duty = no_shows["ids"][FIRST][0]
    last = FIRST + timedelta(days=30)
    until = f"{last:%b} {last.day}, {last.year}"
    page = logged_in(app, no_shows["coordinator"]).get(f"/rota/duties/{duty}").get_data(as_text=True)
    said = page.split('id="correction-open">')[1].split("</p>")[0]
    assert no_shows["names"][FIRST][0] in said and f"record it here until {until}" in said
    lawyer = logged_in(app, no_shows["lawyer"]).get(f"/rota/duties/{duty}").get_data(as_text=True)
    said = lawyer.split('id="correction-open">')[1].split("</p>")[0]
    assert f"tell the coordinator: they can correct it until {until}" in said
    assert "/fire/correct_no_show" not in lawyer
    fr.set_today(last + timedelta(days=1), hour=0)
    for who in ("coordinator", "lawyer"):
        page = logged_in(app, no_shows[who]).get(f"/rota/duties/{duty}").get_data(as_text=True)
        assert 'id="correction-open"' not in page
    assert 'id="correction-closed"' in logged_in(app, no_shows["coordinator"]).get(
        f"/rota/duties/{duty}").get_data(as_text=True)
