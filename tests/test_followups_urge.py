"""A supervisor urges (督办) the mediators of an escalated follow-up
(已报督导): a step that keeps the state, told to the case's mediators, kept
in the log and told in words in the follow-up's and the case's history; only
a supervisor of the case's street or of the city, only on an escalated
follow-up, only with a note."""
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.notifications.models import Notification
from tests import factories as f
from tests import factories_followups as ff
from tests.factories import csrf, login

AGREED = datetime(2026, 3, 2, 2, 0)      # 10:00 on 2 March, Shanghai: the 7-day follow-up is planned
ESCALATED = datetime(2026, 3, 15, 2, 0)  # due on the 9th, overdue on the 12th, escalated on the 14th


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        co = f.user("mediator", community=c1)
        case = ff.agreed_case(lead, grids[0], AGREED)
        case.co_mediators.append(co)
        db.session.commit()
        tick(now=ESCALATED)
        late = next(x for x in ff.followups_of(case.id) if x.kind == "after_agreement")
        assert late.state == "escalated"
        other = ff.agreed_case(lead, grids[0], ESCALATED)
        fresh = next(x for x in ff.followups_of(other.id) if x.kind == "after_agreement")  # only scheduled
        w = dict(lead=lead.username, mediator_ids=[lead.id, co.id], mediator_names=[lead.display_name, co.display_name],
                 case=case.id, late=late.id, fresh=fresh.id,
                 sup=f.user("supervisor", street=street).username, city_sup=f.user("supervisor").username,
                 other_sup=f.user("supervisor", street=f.org()[0]).username,
                 liaison=f.user("liaison").username)
        db.session.remove()
    clock.set_now(ESCALATED)
    yield type("World", (), w)
    clock.set_now(None)


def urge(client, followup_id, note):
    page = client.get(f"/followups/{followup_id}").get_data(as_text=True)
    version = re.search(r'id="urge-form".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    return client.post(f"/followups/{followup_id}/urge",
                       data={"csrf_token": csrf(page), "version": version, "urging": note})


def written(app):
    with app.app_context():
        events = db.session.execute(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.entity_type == "followup")).scalar()
        return events, db.session.execute(select(func.count()).select_from(Notification)).scalar()


def state(app, followup_id):
    with app.app_context():
        return db.session.get(FollowUp, followup_id).state


def test_the_supervisor_urges_the_mediators_of_an_escalated_follow_up(app, world):
    client = app.test_client()
    login(client, world.sup)
    page = client.get(f"/followups/{world.late}").get_data(as_text=True)
    mediators = re.search(r'id="case-mediators">(.*?)</dd>', page, re.S).group(1)
    assert all(name in mediators for name in world.mediator_names)  # who to call
    assert ">督办调解员</button>" in page and 'id="visit-form"' not in page

    response = urge(client, world.late, "请本周五前完成电话回访并记录。")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "已督办，已通知案件调解员。" in page
    assert state(app, world.late) == "escalated"
    with app.app_context():
        event = ff.events("followup", world.late)[-1]
        assert (event.trigger, event.from_state, event.to_state, event.actor_role) == \
               ("urge", "escalated", "escalated", "supervisor")
        told = db.session.execute(select(Notification.user_id).where(
            Notification.kind == "followup_urged").order_by(Notification.user_id)).scalars().all()
        assert told == sorted(world.mediator_ids)
        # Nothing runs from an escalated follow-up: urged, it is not escalated again.
        assert all(fired[1] != world.late for fired in tick(now=ESCALATED.replace(day=28)).fired)
        assert [e.trigger for e in ff.events("followup", world.late)][-2:] == ["escalate", "urge"]
        assert verify() == []
    history = page.split('id="timeline"', 1)[1]
    assert "督办调解员" in history and "督办意见：请本周五前完成电话回访并记录。" in history
    assert "已报督导 → 已报督导" not in history
    mediator = app.test_client()
    login(mediator, world.lead)
    assert "请本周五前完成电话回访并记录。" in mediator.get(f"/cases/{world.case}").get_data(as_text=True)
    # The mediator can still record the visit.
    assert 'id="visit-form"' in mediator.get(f"/followups/{world.late}").get_data(as_text=True)


def test_a_city_supervisor_may_urge_and_one_of_another_street_gets_404(app, world):
    city = app.test_client()
    login(city, world.city_sup)
    assert urge(city, world.late, "市级督办").status_code == 302
    other = app.test_client()
    login(other, world.other_sup)
    assert other.get(f"/followups/{world.late}").status_code == 404
    before = written(app)
    token = csrf(other.get("/today").get_data(as_text=True))
    assert other.post(f"/followups/{world.late}/urge", data={"csrf_token": token, "urging": "越权"}).status_code == 404
    assert written(app) == before


@pytest.mark.parametrize("who", ["lead", "liaison"])
def test_a_mediator_or_a_liaison_cannot_urge(app, world, who):
    client = app.test_client()
    login(client, getattr(world, who))
    token = csrf(client.get("/today").get_data(as_text=True))
    before = written(app)
    response = client.post(f"/followups/{world.late}/urge", data={"csrf_token": token, "urging": "自己督办"})
    assert response.status_code == 403
    assert written(app) == before


def test_the_note_is_required_and_marked(app, world):
    client = app.test_client()
    login(client, world.sup)
    before = written(app)
    empty = urge(client, world.late, "  ")
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    f.assert_sent_back(html, "urging", "urge")
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="urging"', html)
    assert written(app) == before and state(app, world.late) == "escalated"


def test_urging_is_not_offered_on_a_follow_up_that_is_not_escalated(app, world):
    client = app.test_client()
    login(client, world.sup)
    page = client.get(f"/followups/{world.fresh}").get_data(as_text=True)
    assert 'id="urge-form"' not in page
    with app.app_context():
        version = db.session.get(FollowUp, world.fresh).version
    before = written(app)
    response = client.post(f"/followups/{world.fresh}/urge",
                           data={"csrf_token": csrf(page), "version": version, "urging": "提前督办"})
    assert response.status_code == 409
    assert written(app) == before and state(app, world.fresh) == "scheduled"


def test_an_urging_without_a_csrf_token_is_refused(app, world):
    client = app.test_client()
    login(client, world.sup)
    page = client.get(f"/followups/{world.late}").get_data(as_text=True)
    version = re.search(r'id="urge-form".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    before = written(app)
    response = client.post(f"/followups/{world.late}/urge", data={"version": version, "urging": "请回访"})
    assert response.status_code == 400
    assert written(app) == before


def test_only_the_supervisor_s_page_lists_the_mediators_to_call(app, world):
    client = app.test_client()
    login(client, world.lead)
    assert 'id="case-mediators"' not in client.get(f"/followups/{world.late}").get_data(as_text=True)
