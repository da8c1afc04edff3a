"""A no-show corrected: the lawyer came but never checked in, and the
coordinator of the duty's street records it, with what shows they came,
within DUTY_NO_SHOW_CORRECTION_DAYS of the day. The duty is then completed
(in the fairness table and the lawyer's own history), the step is audited
with its reason, and the lawyer is told. Nobody else may take the step, nor
anyone after the window, nor without a reason."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.notifications.models import Notification
from app.rota import planning
from app.rota.models import Duty
from tests import factories as f, factories_rota as fr
from workflows.diagram import mermaid
from workflows.lawyer_duty import LAWYER_DUTY

REASON = "工作室签到簿上有该律师的签名，当天接待了两位来访群众"


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


@pytest.fixture
def world(app):
    """A published month in a room of street A; the first Saturday's duty
    marked a no-show by the timer; a coordinator of another street. Plain values."""
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=3, seats=1)
        last = fr.FIRST_SATURDAY + timedelta(weeks=4)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        duty = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
        tick(now=fr.at_local(duty.day + timedelta(days=1), 0, 1))
        db.session.refresh(duty)
        assert duty.state == "no_show"
        _street, communities, _grids = f.org()
        other = f.user("coordinator", street=communities[0].street)
        supervisor = f.user("supervisor", street=room.community.street)
        owner_lawyer, owner = next((lw, u) for lw, u in people if lw.id == duty.lawyer_id)
        fr.set_today(duty.day + timedelta(days=3))  # the Tuesday after
        values = dict(coordinator=coordinator.username, other=other.username, supervisor=supervisor.username,
                      owner=owner.username, owner_id=owner.id, lawyer=owner_lawyer.name, lawyer_id=owner_lawyer.id,
                      duty=duty.id, day=duty.day, version=duty.version)
        db.session.remove()
    return values


def logged_in(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return client


def page_and_post(client, url, data):
    token = f.csrf(client.get(f"/rota/duties/{url}").get_data(as_text=True))
    return client.post(f"/rota/duties/{url}/fire/correct_no_show", data=dict(data, csrf_token=token))


def duty_state(app, duty_id) -> str:
    with app.app_context():
        return db.session.get(Duty, duty_id).state


def corrections(app, duty_id) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "lawyer_duty", AuditEvent.entity_id == duty_id,
            AuditEvent.trigger == "correct_no_show")).scalars())
        db.session.expunge_all()
        return rows


def fairness_row(client, lawyer_id) -> dict:
    page = client.get("/rota/fairness").get_data(as_text=True)
    row = re.search(rf'<tr data-lawyer="{lawyer_id}".*?</tr>', page, re.S).group(0)
    return dict(re.findall(r'data-col="(\w+)">(\d+)<', row))


def test_the_workflow_spec_stays_valid_and_no_show_leads_on_only_by_the_coordinator():
    LAWYER_DUTY.validate()
    assert not LAWYER_DUTY.state("no_show").terminal and not LAWYER_DUTY.state("no_show").timeout
    [t] = LAWYER_DUTY.outgoing("no_show")
    assert (t.trigger, t.dest, t.roles, t.reason_required) == ("correct_no_show", "completed", ("coordinator",), True)
    diagram = mermaid(LAWYER_DUTY, lambda text: text)
    assert "no_show --> completed: Record that the lawyer came" in diagram and "no_show --> [*]" not in diagram


def test_the_street_coordinator_corrects_it_audited_figures_and_history_follow_and_the_lawyer_is_told(app, world):
    coordinator = logged_in(app, world["coordinator"])
    before = fairness_row(coordinator, world["lawyer_id"])
    assert before["no_shows"] == "1"
    page = coordinator.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/rota/duties/\d+/fire/correct_no_show".*?</form>', page, re.S)
    assert form, "the coordinator is offered the correction on the duty's page"
    # It asks first, naming the lawyer and the day; the reason box says what it wants.
    assert re.search(r'data-confirm="[^"]*' + re.escape(world["lawyer"]), form.group(0))
    assert 'name="reason" required' in form.group(0)

    answer = page_and_post(coordinator, world["duty"], {"version": world["version"], "reason": REASON})
    assert answer.status_code == 302
    assert duty_state(app, world["duty"]) == "completed"
    [event] = corrections(app, world["duty"])
    assert (event.from_state, event.to_state, event.reason, event.actor_role) == (
        "no_show", "completed", REASON, "coordinator")

    after = fairness_row(coordinator, world["lawyer_id"])
    assert after["no_shows"] == "0" and int(after["completed"]) == int(before["completed"]) + 1
    assert after["duties"] == before["duties"]
    with app.app_context():
        [notice] = db.session.execute(select(Notification).where(
            Notification.user_id == world["owner_id"], Notification.kind == "no_show_corrected")).scalars().all()
        assert notice.entity_type == "lawyer_duty" and notice.entity_id == world["duty"]
        assert verify() == []

    lawyer = logged_in(app, world["owner"])
    mine = lawyer.get("/rota/mine").get_data(as_text=True)
    assert 'data-state="no_show"' not in mine and 'data-state="completed"' in mine
    # Once corrected, no second correction is offered.
    again = coordinator.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    assert "/fire/correct_no_show" not in again


def test_without_a_reason_it_is_refused_with_the_reason_box_marked(app, world):
    coordinator = logged_in(app, world["coordinator"])
    answer = page_and_post(coordinator, world["duty"], {"version": world["version"], "reason": "   "})
    assert answer.status_code == 422
    assert 'id="step-sent-back"' in answer.get_data(as_text=True)
    assert duty_state(app, world["duty"]) == "no_show" and corrections(app, world["duty"]) == []


@pytest.mark.parametrize("who, status", [("other", 404), ("owner", 403), ("supervisor", 403)])
def test_another_streets_coordinator_the_lawyer_and_a_supervisor_may_not(app, world, who, status):
    client = logged_in(app, world[who])
    if who != "other":
        page = client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
        assert "/fire/correct_no_show" not in page
    token = f.csrf(client.get("/rota/mine" if who == "owner" else "/rota/").get_data(as_text=True))
    answer = client.post(f"/rota/duties/{world['duty']}/fire/correct_no_show",
                         data={"version": world["version"], "reason": REASON, "csrf_token": token})
    assert answer.status_code == status
    assert duty_state(app, world["duty"]) == "no_show" and corrections(app, world["duty"]) == []


def test_after_the_window_it_is_refused_and_the_page_says_until_when(app, world):
    coordinator = logged_in(app, world["coordinator"])
    fr.set_today(world["day"] + timedelta(days=30), hour=23)  # the window's last day: still offered
    assert "/fire/correct_no_show" in coordinator.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    fr.set_today(world["day"] + timedelta(days=31), hour=0)
    page = coordinator.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    assert "/fire/correct_no_show" not in page and 'id="correction-closed"' in page
    token = f.csrf(page)
    answer = coordinator.post(f"/rota/duties/{world['duty']}/fire/correct_no_show",
                              data={"version": world["version"], "reason": REASON, "csrf_token": token})
    assert answer.status_code == 422  # the engine's guard: GuardFailed
    assert duty_state(app, world["duty"]) == "no_show" and corrections(app, world["duty"]) == []


def test_the_window_is_a_setting(app, world):
    app.config["DUTY_NO_SHOW_CORRECTION_DAYS"] = 2  # today is the third day after
    coordinator = logged_in(app, world["coordinator"])
    page = coordinator.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    assert "/fire/correct_no_show" not in page
    app.config["DUTY_NO_SHOW_CORRECTION_DAYS"] = 3
    assert "/fire/correct_no_show" in coordinator.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)


def test_the_engine_refuses_without_a_reason_and_for_another_role(ctx):
    coordinator, _room, people = fr.rota_world(lawyers=2, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = db.session.execute(select(Duty)).scalar_one()
    tick(now=fr.at_local(duty.day + timedelta(days=1), 0, 1))
    db.session.refresh(duty)
    owner = next(u for lw, u in people if lw.id == duty.lawyer_id)
    before = count(AuditEvent)
    with pytest.raises(engine.MissingData):
        engine.fire(duty, "correct_no_show", coordinator, "  ")
    with pytest.raises(engine.Forbidden):
        engine.fire(duty, "correct_no_show", owner, REASON)
    with pytest.raises(engine.Forbidden):
        engine.fire(duty, "correct_no_show", engine.SYSTEM_ACTOR, REASON)
    assert count(AuditEvent) == before and duty.state == "no_show"
    engine.fire(duty, "correct_no_show", coordinator, REASON)
    assert duty.state == "completed" and duty.due_at is None
    assert verify() == []
