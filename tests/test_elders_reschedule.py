"""Moving an elder's planned session (reschedule): the case's mediator moves
the time and place of an invitation not yet in session, checked as when
inviting, audited with the old and new plan; the elder is told of both in
their language; what depends on the time (when the session can be started,
the due times) follows the new one. And "did not come" waits for the planned
time, also for a session started up to an hour before it.
Services first, then through the web client."""
import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.elders import steps
from app.elders.models import ElderAssignment, ElderUnavailability
from app.elders.rules import START_EARLY
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import text_of
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login
from tests.test_opinions_web import english


@pytest.fixture
def world(ctx):
    _street, (c1, c2), grids = f.org()
    mediator = f.user("mediator", community=c1)
    other = f.user("mediator", community=c2)  # works no case of c1
    d = fe.case_in_mediation(mediator, grids[0])
    return dict(c1=c1, c2=c2, mediator=mediator, other=other, dispute=d)


@pytest.fixture(autouse=True)
def clock_back():
    yield
    clock.set_now(None)


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (AuditEvent, Notification, ElderAssignment))


def events(a):
    return db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "elder_assignment",
                                                       AuditEvent.entity_id == a.id)
                              .order_by(AuditEvent.seq)).scalars().all()


def refused(call, match):
    before = counts()
    with force_locale("en"), pytest.raises(engine.Refused, match=match):
        call()
    db.session.rollback()
    assert counts() == before, "a refused step wrote something"


def minute(moment):
    return moment.replace(second=0, microsecond=0)


def accepted(world, session_at=None, **kw):
    e, u = fe.elder_with_login(world["c1"], **kw)
    a = fe.invite(world["dispute"], e, world["mediator"], session_at=session_at, session_place="社区调解室")
    return steps.act(a, "accept", u), u


def test_the_mediator_moves_an_accepted_session_audited_and_the_elder_told(world):
    a, elder_user = accepted(world)
    old_at, new_at = a.session_at, fe.tomorrow_at(15) + timedelta(days=2)
    steps.reschedule(a, world["mediator"], session_at=new_at, session_place=" 幸福里活动室 ", reason="当事人出差")
    assert (a.state, a.session_at, a.session_place) == ("accepted", new_at, "幸福里活动室")
    assert a.due_at == new_at and a.warn_at <= new_at  # the accepted row is due at its session
    last = events(a)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.actor_id, last.reason) == (
        "reschedule", "accepted", "accepted", world["mediator"].id, "当事人出差")
    data = json.loads(last.data)
    assert data["session_at"] == clock.to_local(new_at).isoformat(timespec="minutes")
    assert data["previous_session_at"] == clock.to_local(old_at).isoformat(timespec="minutes")
    assert (data["session_place"], data["previous_session_place"]) == ("幸福里活动室", "社区调解室")
    assert data["_row"]["session_place"] == "幸福里活动室"
    assert verify() == []
    note = db.session.execute(select(Notification).where(Notification.user_id == elder_user.id,
                                                         Notification.kind == "elder_session_moved")).scalar_one()
    assert (note.entity_type, note.entity_id) == ("elder_assignment", a.id)
    with force_locale("en"):
        english_text = text_of(note)
    assert "was moved to" in english_text and "幸福里活动室" in english_text and "社区调解室" in english_text
    assert "15:00" in english_text  # the new time, in the centre's time
    assert "09:00" in english_text  # and the old one (fe.tomorrow_at's 9 o'clock)
    chinese = text_of(note)  # the default language
    assert "已改到" in chinese and "原定为" in chinese and "幸福里活动室" in chinese


def test_an_accepted_session_put_off_on_the_day_may_still_be_moved(world):
    """Its planned time passed without a start: the elder did answer, so it is
    not "expired without an answer"; the mediator moves it to a new time."""
    a, _elder_user = accepted(world)
    clock.set_now(a.session_at + timedelta(hours=2))
    new_at = minute(clock.now()) + timedelta(days=3)
    steps.reschedule(a, world["mediator"], session_at=new_at, session_place="社区调解室", reason="当事人当天未到")
    assert (a.state, a.session_at, a.due_at) == ("accepted", new_at, new_at)


def test_a_place_left_open_is_told_in_the_readers_language(world):
    a, elder_user = accepted(world)
    steps.reschedule(a, world["mediator"], session_at=fe.tomorrow_at(10), session_place="")
    assert a.session_place is None
    note = db.session.execute(select(Notification).where(Notification.kind == "elder_session_moved")).scalar_one()
    with force_locale("en"):
        assert "place to be told by the mediator" in text_of(note)
    assert "地点待调解员通知" in text_of(note) and "社区调解室" in text_of(note)


def test_an_invitation_keeps_its_answer_clock_never_past_the_new_session(world):
    e = fe.elder(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"], session_at=clock.now() + timedelta(days=5))
    answer_by = a.due_at
    steps.reschedule(a, world["mediator"], session_at=clock.now() + timedelta(days=9))
    assert a.state == "invited" and a.due_at == answer_by  # later: the answer is due when it was
    sooner = minute(clock.now() + timedelta(hours=5))
    steps.reschedule(a, world["mediator"], session_at=sooner)
    assert a.due_at == sooner  # never waits past the session
    steps.reschedule(a, world["mediator"], session_at=clock.now() + timedelta(days=4))
    assert a.due_at == answer_by
    assert verify() == []
    # No login: nobody is sent a notice.
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "elder_session_moved")) == 0


def test_moves_refused_and_nothing_written(world):
    a, elder_user = accepted(world)
    m = world["mediator"]
    refused(lambda: steps.reschedule(a, m, session_at=clock.now() - timedelta(hours=1)), "must be in the future")
    refused(lambda: steps.reschedule(a, m, session_at=clock.now() + timedelta(days=91)), "at most 90 days")
    refused(lambda: steps.reschedule(a, m, session_at=a.session_at, session_place="社区调解室"),
            "already planned for this time and place")
    refused(lambda: steps.reschedule(a, world["other"], session_at=fe.tomorrow_at(16)),
            "outside your area|Only the mediators working on this case")
    refused(lambda: steps.reschedule(a, elder_user, session_at=fe.tomorrow_at(16)), "may not do")
    day = clock.local_date(fe.tomorrow_at(9)) + timedelta(days=3)
    db.session.add(ElderUnavailability(elder_id=a.elder_id, start_on=day, end_on=day, note="住院"))
    db.session.commit()
    refused(lambda: steps.reschedule(a, m, session_at=fe.tomorrow_at(9) + timedelta(days=3)), "unavailable")


def test_no_move_once_the_session_started_or_the_invitation_ended(world):
    a, _ = accepted(world, session_at=minute(fe.soon(30)))
    steps.act(a, "start_session", world["mediator"])
    refused(lambda: steps.reschedule(a, world["mediator"], session_at=fe.tomorrow_at(10)), "not possible in the state")
    b = fe.invite(world["dispute"], fe.elder(world["c1"]), world["mediator"])
    steps.act(b, "withdraw", world["mediator"], "另请他人")
    refused(lambda: steps.reschedule(b, world["mediator"], session_at=fe.tomorrow_at(10)), "not possible in the state")


def test_the_start_and_the_report_follow_the_new_time(world):
    a, elder_user = accepted(world, session_at=minute(fe.soon(30)))
    assert engine.why_not(a, "start_session", elder_user) is None  # within the hour before
    later = fe.tomorrow_at(14)
    steps.reschedule(a, world["mediator"], session_at=later)
    with force_locale("en"):
        assert "can be started from" in str(engine.why_not(a, "start_session", elder_user))
    refused(lambda: steps.act(a, "start_session", elder_user), "can be started from")
    # Moved back to soon: it can be started again, and the report is due three days after the new time.
    soon = minute(fe.soon(40))
    steps.reschedule(a, world["mediator"], session_at=soon)
    assert engine.why_not(a, "start_session", elder_user) is None
    steps.act(a, "start_session", elder_user)
    assert a.due_at == soon + timedelta(days=3)
    assert verify() == []


def test_did_not_come_waits_for_the_planned_time_in_a_session_started_early(world):
    a, _ = accepted(world, session_at=minute(fe.soon(50)))
    assert START_EARLY > timedelta(minutes=50)
    steps.act(a, "start_session", world["mediator"])
    assert "record_no_show" not in {t.trigger for t in engine.available(a, world["mediator"])}
    refused(lambda: steps.act(a, "record_no_show", world["mediator"]), "record after it whether the elder came")
    clock.set_now(a.session_at + timedelta(minutes=1))
    steps.act(a, "record_no_show", world["mediator"], "未到")
    assert a.state == "no_show"


# Through the web client ------------------------------------------------------

@pytest.fixture
def site(app):
    with app.app_context():
        _street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        d = fe.case_in_mediation(mediator, grids[0])
        e, u = fe.elder_with_login(c1, name="王德厚")
        a = steps.act(fe.invite(d, e, mediator, session_place="社区调解室"), "accept", u)
        w = dict(case=d.id, a=a.id, mediator=mediator.username, elder_user=u.username, elder_user_id=u.id)
        db.session.remove()
    return w


def post_move(client, page, a_id, when, place="", reason=""):
    prefix = f"a{a_id}-reschedule"
    version = re.search(rf'name="{prefix}-version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/elders/assignments/{a_id}/reschedule", data={
        "csrf_token": csrf(page), f"{prefix}-version": version, f"{prefix}-session_at": when,
        f"{prefix}-session_place": place, f"{prefix}-reason": reason})


def test_the_mediator_moves_the_session_from_the_case_page(app, client, site):
    login(client, site["mediator"])
    english(client)
    page = client.get(f"/cases/{site['case']}").get_data(as_text=True)
    form = page[page.index(f'id="elder-step-{site["a"]}-reschedule"'):]
    form = form[:form.index("</form>")]
    assert "Move the session" in form and 'value="社区调解室"' in form
    with app.app_context():
        planned = clock.to_local(db.session.get(ElderAssignment, site["a"]).session_at)
    assert planned.strftime("%Y-%m-%dT%H:%M") in form  # the planned time filled in
    new = (planned + timedelta(days=2)).replace(hour=15, minute=30)
    answer = post_move(client, page, site["a"], new.strftime("%Y-%m-%dT%H:%M"), "幸福里活动室", "场地冲突")
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{site['case']}#elders")
    shown = client.get(answer.location).get_data(as_text=True)
    assert "Session moved to" in shown and "the elder is notified" in shown
    with app.app_context():
        a = db.session.get(ElderAssignment, site["a"])
        assert (clock.to_local(a.session_at).replace(tzinfo=None), a.session_place) == (
            new.replace(tzinfo=None), "幸福里活动室")
        assert events(a)[-1].trigger == "reschedule" and verify() == []


def test_a_past_time_is_refused_on_its_field(app, client, site):
    login(client, site["mediator"])
    english(client)
    page = client.get(f"/cases/{site['case']}").get_data(as_text=True)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    past = clock.to_local(clock.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    answer = post_move(client, page, site["a"], past)
    assert answer.status_code == 422
    assert "The planned session must be in the future." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_move_to_the_same_plan_comes_back_open_with_the_refusal_in_its_form(app, client, site):
    """On a phone the top of the case page is far from the closed form: the
    refusal of what was sent (here the plan the session already has) is said
    in the form, open with what was typed, and the top message leads to it."""
    login(client, site["mediator"])
    english(client)
    page = client.get(f"/cases/{site['case']}").get_data(as_text=True)
    with app.app_context():
        planned = clock.to_local(db.session.get(ElderAssignment, site["a"]).session_at)
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    answer = post_move(client, page, site["a"], planned.strftime("%Y-%m-%dT%H:%M"), "社区调解室", "再确认一次")
    assert answer.status_code == 422
    shown = answer.get_data(as_text=True)
    element = f'elder-step-{site["a"]}-reschedule'
    details = re.search(rf'<details[^>]*id="{element}"[^>]*>', shown).group(0)
    assert " open" in details
    form = shown[shown.index(f'id="{element}"'):]
    form = form[:form.index("</form>")]
    assert "already planned for this time and place: give another time or place" in form
    assert "再确认一次" in form  # what was typed is kept
    assert f'href="#{element}"' in shown  # the top message leads to the form
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_elder_cannot_move_the_session(app, client, site):
    login(client, site["elder_user"])
    page = client.get(f"/elders/invitations/{site['a']}").get_data(as_text=True)
    assert "reschedule" not in page
    with app.app_context():
        version = db.session.get(ElderAssignment, site["a"]).version
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    answer = client.post(f"/elders/assignments/{site['a']}/reschedule", data={
        "csrf_token": csrf(page), f"a{site['a']}-reschedule-version": version,
        f"a{site['a']}-reschedule-session_at": fe_local_tomorrow()})
    assert answer.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def fe_local_tomorrow():
    return clock.to_local(fe.tomorrow_at(16)).strftime("%Y-%m-%dT%H:%M")
