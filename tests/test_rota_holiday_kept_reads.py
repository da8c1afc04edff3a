"""A Saturday that became a holiday after publishing is not a day off until
the coordinator cancels its duties: while undecided its header says the
rooms' opening is still to be decided, once kept that they open as planned,
on the plan and month pages and on the public board alike; the print view
and the export list the kept duties, and their lawyers are told, with the
reason. Cancelled, the day reads 不坐班 again."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import text_of
from app.main.calendar_admin import add_entry
from app.rota import planning
from app.rota.models import Duty
from tests import factories as f, factories_rota as fr

MAY_1 = date(2027, 5, 1)
PLAN = f"/rota/plan?first_day={MAY_1}&last_day={MAY_1}"
PAGES = (PLAN, "/rota/month?m=2027-05", "/rota/board?m=2027-05")
UNDECIDED = "whether the rooms open is still to be decided"
KEPT = "the rooms open as planned"


@pytest.fixture
def world(app):
    """A room of two seats published through 8 May 2027; then the admin
    enters 劳动节 (1–5 May)."""
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=4, seats=2)
        last = MAY_1 + timedelta(days=7)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        add_entry("劳动节", MAY_1, MAY_1 + timedelta(days=4), [], f.user("admin"))
        duties = list(db.session.execute(select(Duty).where(Duty.day == MAY_1)).scalars())
        values = dict(coordinator=coordinator.username, names=[d.lawyer.name for d in duties],
                      lawyers={d.lawyer.user_id: d.id for d in duties})
        db.session.remove()
    return values


def english(client):
    html = client.get("/rota/board").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(html), "next": "/rota/board"})
    return client


def logged_in(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return english(client)


def header(html):
    return html.split(f'id="day-{MAY_1}"')[1].split("</div>")[0]


def decide(client, decision):
    token = f.csrf(client.get(PLAN).get_data(as_text=True))
    return client.post(f"/rota/holiday-days/{MAY_1}", data={"csrf_token": token, "decision": decision,
                                                          "reason": "劳动节工作室照常开放", "next": PLAN})


def test_undecided_then_kept_the_day_is_not_said_to_be_off(app, world):
    coordinator, public = logged_in(app, world["coordinator"]), english(app.test_client())
    for page in PAGES:
        html = header((public if "board" in page else coordinator).get(page).get_data(as_text=True))
        assert UNDECIDED in html and "No duty" not in html, page
    assert decide(coordinator, "keep").status_code == 302
    for page in PAGES:
        html = (public if "board" in page else coordinator).get(page).get_data(as_text=True)
        assert KEPT in header(html) and "No duty" not in header(html), page
        assert all(name in html.split(f'id="day-{MAY_1}"')[1] for name in world["names"]), page
    sheet = coordinator.get("/rota/month/print?m=2027-05").get_data(as_text=True)
    may_first = [row for row in sheet.split("<tr") if f'data-day="{MAY_1}"' in row]
    assert len(may_first) == 2 and all("No duty" not in row for row in may_first)
    assert {name for name in world["names"] if any(name in row for row in may_first)} == set(world["names"])
    export = coordinator.get("/rota/month/export.csv?m=2027-05").get_data().decode("utf-8-sig")
    lines = [line for line in export.splitlines() if line.startswith(MAY_1.isoformat())]
    assert len(lines) == 2 and all("No duty" not in line for line in lines)


def test_cancelled_the_day_reads_no_duty_again(app, world):
    coordinator = logged_in(app, world["coordinator"])
    assert decide(coordinator, "cancel").status_code == 302
    for page in PAGES:
        html = header(coordinator.get(page).get_data(as_text=True))
        assert "No duty" in html and KEPT not in html and UNDECIDED not in html, page
    sheet = coordinator.get("/rota/month/print?m=2027-05").get_data(as_text=True)
    may_first = [row for row in sheet.split("<tr") if f'data-day="{MAY_1}"' in row]
    assert len(may_first) == 1 and "No duty" in may_first[0]


def test_the_lawyers_of_a_kept_day_are_told_with_the_reason(app, world):
    coordinator = logged_in(app, world["coordinator"])
    assert decide(coordinator, "keep").status_code == 302
    with app.app_context():
        notes = list(db.session.execute(select(Notification).where(
            Notification.kind == "duty_kept_on_holiday")).scalars())
        assert {(n.user_id, n.entity_id) for n in notes} == set(world["lawyers"].items())
        text = text_of(notes[0])
        assert "劳动节" in text and "劳动节工作室照常开放" in text


def test_a_cancelled_day_tells_of_the_cancellation_not_of_a_keep(app, world):
    coordinator = logged_in(app, world["coordinator"])
    assert decide(coordinator, "cancel").status_code == 302
    with app.app_context():
        kinds = set(db.session.execute(select(Notification.kind).where(
            Notification.user_id.in_(list(world["lawyers"])))).scalars())
        assert "duty_cancelled" in kinds and "duty_kept_on_holiday" not in kinds


def test_a_kept_duty_not_published_yet_tells_its_lawyer_nothing_until_published(app):
    """A planned duty's lawyer hears of it when the plan is published (it may
    still be re-planned before): keeping the day tells them nothing yet."""
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=4, seats=2)
        planning.generate(fr.FIRST_SATURDAY, MAY_1, coordinator)
        add_entry("劳动节", MAY_1, MAY_1 + timedelta(days=4), [], f.user("admin"))
        assert {d.state for d in db.session.execute(select(Duty).where(Duty.day == MAY_1)).scalars()} == {"planned"}
        username = coordinator.username
        db.session.remove()
    assert decide(logged_in(app, username), "keep").status_code == 302
    with app.app_context():
        assert db.session.execute(select(Notification).where(
            Notification.kind == "duty_kept_on_holiday")).scalars().all() == []
        kept = db.session.execute(select(Duty).where(Duty.day == MAY_1)).scalars().all()
        assert kept and {d.state for d in kept} == {"planned"}
