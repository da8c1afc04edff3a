"""A supervisor urges (督办) an escalated referral: a step that keeps the
state, told to the department's liaisons and the case's mediators, kept in
the log and told in words in the referral's and the case's history; only a
supervisor of the case's street or of the city may, only on an escalated
referral, and only with a note."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.engine.timers import tick
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import text_of
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf, login

SENT = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March, Shanghai
LATE = SENT + timedelta(hours=25)  # the 24 hours to acknowledge are over: escalated


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        env = fr.department("环保", ack_hours=24, answer_days=10)
        liaisons = [fr.liaison(env), fr.liaison(env)]
        case = f.dispute(mediator, grids[0], now=SENT)
        late = fr.referral(case, env, mediator, now=SENT)
        tick(now=LATE)
        fresh = fr.referral(case, env, mediator, now=LATE)  # sent just now: not escalated
        w = dict(mediator=mediator.username, mediator_id=mediator.id, case=case.id, late=late.id,
                 fresh=fresh.id, liaison=liaisons[0].username, liaison_ids=[u.id for u in liaisons],
                 liaison_names=[u.display_name for u in liaisons],
                 sup=f.user("supervisor", street=street).username,
                 city_sup=f.user("supervisor").username,
                 other_sup=f.user("supervisor", street=f.org()[0]).username)
        assert db.session.get(Referral, late.id).state == "ack_escalated"
        db.session.remove()
    clock.set_now(LATE)
    yield type("World", (), w)
    clock.set_now(None)


def page_of(client, referral_id):
    return client.get(f"/referrals/{referral_id}").get_data(as_text=True)


def urge(client, referral_id, note, **extra):
    page = page_of(client, referral_id)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/referrals/{referral_id}/urge",
                       data={"csrf_token": csrf(page), "version": version, "urging": note, **extra})


def urged_entry(page):
    """The first line of the urging's entry in the page's history (not a button or a notice elsewhere)."""
    history = page[page.index('id="timeline"'):]
    history = history[:history.index("</ol>")]
    return history[history.index("督办部门"):].split("</div>")[0]


def written(app):
    """(audit events of referrals, notifications): what a refused step must leave as it was."""
    with app.app_context():
        events = db.session.execute(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.entity_type == "referral")).scalar()
        return events, db.session.execute(select(func.count()).select_from(Notification)).scalar()


def notified(app, kind):
    with app.app_context():
        return db.session.execute(select(Notification.user_id, Notification.data).where(
            Notification.kind == kind).order_by(Notification.user_id)).all()


def test_the_supervisor_urges_an_escalated_referral_and_everyone_concerned_hears_of_it(app, world):
    client = app.test_client()
    login(client, world.sup)
    page = page_of(client, world.late)
    # Who to call: the department and its liaisons, by name; and the step with its note.
    assert "环保" in page
    liaisons = re.search(r'id="referral-liaisons">(.*?)</dd>', page, re.S).group(1)
    assert all(name in liaisons for name in world.liaison_names)
    assert 'id="do-urge"' in page and 'name="urging"' in page and ">督办部门</button>" in page

    response = urge(client, world.late, "请环保部门今日内签收并联系申请人。")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "已督办，已通知部门联络员和案件调解员。" in page
    with app.app_context():
        referral = db.session.get(Referral, world.late)
        assert referral.state == "ack_escalated"  # still the department's to acknowledge, still red
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "referral", AuditEvent.entity_id == world.late)
            .order_by(AuditEvent.seq.desc())).scalars().first()
        assert (event.trigger, event.from_state, event.to_state, event.actor_role) == \
               ("urge", "ack_escalated", "ack_escalated", "supervisor")
        assert verify() == []
    told = notified(app, "referral_urged")
    assert sorted(user_id for user_id, _ in told) == sorted(world.liaison_ids + [world.mediator_id])
    # The note is read on the page, not mailed; the message names the supervisor and the department.
    assert all("环保" in data and "请环保部门" not in data for _, data in told)

    # In words, in the referral's history and in the case's.
    history = page.split('id="timeline"', 1)[1]
    assert "督办部门" in history and "督办意见" in history and "请环保部门今日内签收并联系申请人。" in history
    mediator = app.test_client()
    login(mediator, world.mediator)
    case_page = mediator.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "督办部门" in case_page and "请环保部门今日内签收并联系申请人。" in case_page
    assert "→" not in urged_entry(case_page)  # a step that keeps the state: no "X → X"
    inbox = mediator.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        community = db.session.get(Referral, world.late).dispute.community.name
        sup_name = db.session.execute(select(User.display_name).where(User.username == world.sup)).scalar_one()
        with app.test_request_context("/"):  # the notice's sentence, in the page's language, as the lists name it
            note = db.session.execute(select(Notification).where(
                Notification.kind == "referral_urged", Notification.user_id == world.mediator_id)).scalar_one()
            said = text_of(note)
    assert sup_name in said and "环保" in said and community in said and said in inbox.replace("&#39;", "'")
    with app.app_context():
        note_id = db.session.execute(select(Notification.id).where(
            Notification.kind == "referral_urged", Notification.user_id == world.mediator_id)).scalar_one()
    opened = mediator.post(f"/notifications/{note_id}/open", data={"csrf_token": csrf(inbox)})
    assert opened.location.endswith(f"/referrals/{world.late}")  # where the note is read
    # The audit log names the step and, as the histories do, no "X → X" for a step that keeps the state.
    log = client.get(f"/audit/?entity_type=referral&entity_id={world.late}").get_data(as_text=True)
    row = re.search(r'<tr data-trigger="urge".*?</tr>', log, re.S).group(0)
    assert "督办部门" in row and "→" not in row.split('class="event-data"')[0]


def test_an_urging_reads_without_x_to_x_in_the_case_page_the_audit_log_and_the_case_file(app, world):
    with app.app_context():
        referral = db.session.get(Referral, world.late)
        sup = db.session.execute(select(User).where(User.username == world.sup)).scalar_one()
        engine.fire(referral, "urge", sup, now=LATE, urging="请尽快签收。")
        db.session.remove()
    mediator = app.test_client()
    login(mediator, world.mediator)
    case_page = mediator.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "→" not in urged_entry(case_page)
    # The steps that moved the state (the escalation before it) still say from what to what.
    assert re.search(r'<span class="text-muted">[^<]+ → [^<]+</span>', case_page[case_page.index('id="timeline"'):])
    supervisor = app.test_client()
    login(supervisor, world.sup)
    log = supervisor.get(f"/audit/?entity_type=referral&entity_id={world.late}").get_data(as_text=True)
    action = re.search(r'<tr data-trigger="urge".*?class="event-action">(.*?)</td>', log, re.S).group(1)
    assert "督办部门" in action and "→" not in action
    sent = re.search(r'<tr data-trigger="send".*?class="event-action">(.*?)</td>', log, re.S).group(1)
    assert "→" in sent  # a step that moved the state says from what to what
    casefile = supervisor.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True)
    lines = re.findall(r'<dd class="[^"]*prewrap">([^<]*)</dd>', casefile)
    urged = [line for line in lines if "督办部门" in line]
    assert len(urged) == 1 and "→" not in urged[0] and "(" not in urged[0], urged
    assert any(re.search(r"\(\S+ → \S+\)", line) for line in lines)


def test_an_urged_referral_is_not_escalated_again_and_the_liaison_can_still_act(app, world):
    with app.app_context():
        referral = db.session.get(Referral, world.late)
        sup = db.session.execute(select(User).where(User.username == world.sup)).scalar_one()
        engine.fire(referral, "urge", sup, now=LATE, urging="请尽快签收。")
        assert referral.state == "ack_escalated" and referral.due_at is None
        assert referral.answer_by == SENT + timedelta(days=10)  # no deadline moves: the figures count against it
        assert ("referral", world.late) not in {fired[:2] for fired in tick(now=LATE + timedelta(days=3)).fired}
        liaison = db.session.execute(select(User).where(User.username == world.liaison)).scalar_one()
        engine.fire(referral, "acknowledge", liaison, now=LATE + timedelta(days=3))
        assert referral.state == "acknowledged" and referral.due_at == referral.answer_by
        assert verify() == []


def test_a_city_supervisor_may_urge_and_one_of_another_street_gets_404(app, world):
    city = app.test_client()
    login(city, world.city_sup)
    assert urge(city, world.late, "市级督办：请立即签收。").status_code == 302
    other = app.test_client()
    login(other, world.other_sup)
    assert other.get(f"/referrals/{world.late}").status_code == 404
    before = written(app)
    token = csrf(other.get("/today").get_data(as_text=True))
    refused = other.post(f"/referrals/{world.late}/urge", data={"csrf_token": token, "urging": "越权督办"})
    assert refused.status_code == 404
    assert written(app) == before


@pytest.mark.parametrize("who", ["liaison", "mediator"])
def test_a_liaison_or_a_mediator_cannot_urge(app, world, who):
    client = app.test_client()
    login(client, getattr(world, who))
    page = page_of(client, world.late)
    assert 'id="do-urge"' not in page
    before = written(app)
    with app.app_context():
        version = db.session.get(Referral, world.late).version
    refused = client.post(f"/referrals/{world.late}/urge",
                          data={"csrf_token": csrf(page), "version": version, "urging": "自己督办自己"})
    assert refused.status_code == 403
    assert written(app) == before


def test_the_note_is_required_and_marked(app, world):
    client = app.test_client()
    login(client, world.sup)
    before = written(app)
    empty = urge(client, world.late, "   ")
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    f.assert_sent_back(html, "urging", "step-urge")
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="urging"', html)
    assert written(app) == before


def test_urging_is_not_offered_on_a_referral_that_is_not_escalated(app, world):
    client = app.test_client()
    login(client, world.sup)
    page = page_of(client, world.fresh)
    assert 'id="do-urge"' not in page
    assert 'id="referral-liaisons"' in page  # who to call is shown all the same
    before = written(app)
    with app.app_context():
        version = db.session.get(Referral, world.fresh).version
    refused = client.post(f"/referrals/{world.fresh}/urge",
                          data={"csrf_token": csrf(page), "version": version, "urging": "提前督办"})
    assert refused.status_code == 409
    assert written(app) == before


def test_an_urging_without_a_csrf_token_is_refused(app, world):
    client = app.test_client()
    login(client, world.sup)
    page = page_of(client, world.late)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    before = written(app)
    response = client.post(f"/referrals/{world.late}/urge", data={"version": version, "urging": "请签收"})
    assert response.status_code == 400
    assert written(app) == before


def test_before_the_case_has_a_mediator_the_one_who_referred_it_hears_and_not_who_registered_it(app):
    """A case a grid worker registered, referred by a mediator before anyone
    took it on: the timer's escalation and the urging reach that mediator, not
    the grid worker (who may not even open the referral)."""
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        worker = f.user("gridworker", grid=grids[0])
        mediator = f.user("mediator", community=c1)
        env = fr.department("环保", ack_hours=24, answer_days=10)
        liaison = fr.liaison(env)
        case = f.dispute(worker, grids[0], now=SENT)
        late = fr.referral(case, env, mediator, now=SENT)
        tick(now=LATE)
        sup = f.user("supervisor", street=street).username
        ids = dict(worker=worker.id, mediator=mediator.id, liaison=liaison.id, late=late.id)
        db.session.remove()
    clock.set_now(LATE)
    try:
        escalated = {user_id for user_id, _ in notified(app, "referral_not_acknowledged")}
        assert ids["mediator"] in escalated and ids["worker"] not in escalated
        client = app.test_client()
        login(client, sup)
        assert urge(client, ids["late"], "请今日内签收。").status_code == 302
        told = {user_id for user_id, _ in notified(app, "referral_urged")}
        assert told == {ids["liaison"], ids["mediator"]}
    finally:
        clock.set_now(None)
