"""A Saturday that became a holiday after its duties were published: its
seats read "holiday, to be decided" on the plan and month pages, the
coordinator's today page has one item for the day, and the coordinator
decides for the whole day with one reason: cancel them all (each duty's own
cancel step, through the engine) or keep them (recorded, audited)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.extensions import db
from app.main.calendar_admin import add_entry
from app.notifications.models import Notification
from app.rota import planning
from app.rota.models import Duty, HolidayKeep
from tests import factories as f, factories_rota as fr

MAY_1 = date(2027, 5, 1)
PLAN = f"/rota/plan?first_day={MAY_1}&last_day={MAY_1}"


@pytest.fixture
def world(app):
    """A room of two seats published through 8 May 2027; then the admin
    enters 劳动节 (1–5 May) as a statutory holiday."""
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=4, seats=2)
        last = MAY_1 + timedelta(days=7)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        add_entry("劳动节", MAY_1, MAY_1 + timedelta(days=4), [], f.user("admin"))
        _street, others, _grids = f.org()
        outsider = f.user("coordinator", street=others[0].street)
        ids = dict(coordinator=coordinator.username, outsider=outsider.username, lawyer=people[0][1].username,
                   lawyer_users=[u.id for _lw, u in people])
        db.session.remove()
    return ids


def logged_in(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return client


def decide(client, decision, reason="劳动节放假，本日值班取消", page=PLAN):
    token = f.csrf(client.get(page).get_data(as_text=True))
    return client.post(f"/rota/holiday-days/{MAY_1}", data={"csrf_token": token, "decision": decision,
                                                          "reason": reason, "next": page})


def may_first(app, state=None):
    with app.app_context():
        query = select(func.count(Duty.id)).where(Duty.day == MAY_1)
        if state:
            query = query.where(Duty.state == state)
        return db.session.execute(query).scalar()


def audit(app, trigger):
    with app.app_context():
        return list(db.session.execute(select(AuditEvent).where(AuditEvent.trigger == trigger)).scalars())


def test_the_day_reads_to_be_decided_with_one_item_and_the_days_action(app, world):
    assert may_first(app, "published") == 2
    client = logged_in(app, world["coordinator"])
    plan = client.get(PLAN).get_data(as_text=True)
    assert plan.count("seat-holiday-pending") == 2 and plan.count('class="card-body py-2 border-bottom holiday-decision"') == 1
    month = client.get("/rota/month?m=2027-05").get_data(as_text=True)
    assert month.count("seat-holiday-pending") == 2 and "holiday-decision" in month
    today = client.get("/today").get_data(as_text=True)
    assert today.count(f"#day-{MAY_1}") == 1
    # The public board shows no decision form.
    assert "holiday-decision" not in app.test_client().get("/rota/board?m=2027-05").get_data(as_text=True)


def test_keeping_the_day_needs_a_reason_and_is_recorded(app, world):
    client = logged_in(app, world["coordinator"])
    assert decide(client, "keep", reason="  ").status_code == 302
    assert audit(app, "holiday_kept") == []
    assert decide(client, "keep").status_code == 302
    kept = audit(app, "holiday_kept")
    assert len(kept) == 2 and {e.reason for e in kept} == {"劳动节放假，本日值班取消"}
    assert may_first(app, "published") == 2
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(HolidayKeep)).scalar() == 2
        assert verify() == []
    assert "seat-holiday-pending" not in client.get(PLAN).get_data(as_text=True)
    assert f"#day-{MAY_1}" not in client.get("/today").get_data(as_text=True)
    decide(client, "cancel")  # decided already: nothing left, nothing written
    assert may_first(app, "published") == 2


def test_cancelling_the_day_fires_each_duty_s_cancel_step(app, world):
    client = logged_in(app, world["coordinator"])
    assert decide(client, "cancel").status_code == 302
    assert may_first(app, "cancelled") == 2
    cancels = [e for e in audit(app, "cancel") if e.entity_type == "lawyer_duty"]
    assert len(cancels) == 2 and {e.reason for e in cancels} == {"劳动节放假，本日值班取消"}
    with app.app_context():
        told = db.session.execute(select(func.count(Notification.id)).where(
            Notification.kind == "duty_cancelled")).scalar()
        assert told == 2
        assert verify() == []
    assert f"#day-{MAY_1}" not in client.get("/today").get_data(as_text=True)
    assert "holiday-decision" not in client.get(PLAN).get_data(as_text=True)


def test_only_the_coordinators_responsible_decide(app, world):
    decide(logged_in(app, world["outsider"]), "cancel", page="/rota/plan")
    assert may_first(app, "published") == 2
    lawyer = logged_in(app, world["lawyer"])
    token = f.csrf(lawyer.get("/rota/mine").get_data(as_text=True))
    answer = lawyer.post(f"/rota/holiday-days/{MAY_1}", data={"csrf_token": token, "decision": "cancel",
                                                              "reason": "x"})
    assert answer.status_code == 403
    assert may_first(app, "published") == 2
    bad = logged_in(app, world["coordinator"])
    token = f.csrf(bad.get(PLAN).get_data(as_text=True))
    assert bad.post("/rota/holiday-days/2027-13-01", data={"csrf_token": token, "decision": "keep",
                                                           "reason": "x"}).status_code == 404
    assert bad.post(f"/rota/holiday-days/{MAY_1}", data={"csrf_token": token, "decision": "maybe",
                                                        "reason": "x"}).status_code == 400
    assert bad.post(f"/rota/holiday-days/{MAY_1}", data={"decision": "keep", "reason": "x"}).status_code == 400
