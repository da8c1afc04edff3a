"""What an elder meets on their phone (walk-phone items 1, 2, 4, 7, 11): the
session cannot be started before its time, and starting asks first; the
report is due from the session, not from an early tap; an invitation without
a place says so and whom to ask; the case's file number on the elder's pages;
notices of an invitation already answered say so; leaving a case is named
and asked about as such, apart from the report; the folded menu's button
shows the unread count. New sentences are checked on the English pages (the
language switch): their Chinese comes with the lead's translations."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.elders import steps
from app.elders.models import ElderAssignment
from app.elders.rules import START_EARLY
from app.extensions import db
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login

REPORT_DAYS = timedelta(days=3)  # the in_session state's deadline (workflows/elder_assignment.py)


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        d = fe.case_in_mediation(mediator, grids[0])
        e, elder_user = fe.elder_with_login(c1, name="张德厚")
        ids = dict(case=d.id, title=d.title, elder=e.id, elder_user=elder_user.username, mediator=mediator.username,
                   mediator_name=mediator.display_name, community=c1.name, c1=c1.id)
        db.session.remove()
    return ids


def _invite(app, world, place=None, accept=True):
    with app.app_context():
        from app.disputes.models import Dispute
        from app.elders.models import Elder
        from app.auth.models import User

        d = db.session.get(Dispute, world["case"])
        m = db.session.execute(select(User).where(User.username == world["mediator"])).scalar_one()
        a = fe.invite(d, db.session.get(Elder, world["elder"]), m, session_place=place)
        if accept:
            steps.act(a, "accept", a.elder.user)
        a_id, session_at = a.id, a.session_at
        db.session.remove()
    return a_id, session_at


def _english(client, path):
    client.post("/language/en", data={"csrf_token": csrf(client.get(path).get_data(as_text=True)), "next": path})
    return client.get(path).get_data(as_text=True)


def _state(app, a_id):
    with app.app_context():
        a = db.session.get(ElderAssignment, a_id)
        return a.state, a.due_at, a.version


def _events(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


# ---- Item 1: the session starts at its time, not before -------------------


@pytest.mark.parametrize("who", ["elder", "mediator"])
def test_the_session_cannot_be_started_before_an_hour_before_it(ctx, who):
    _street, (c1, _c2), grids = f.org()
    m = f.user("mediator", community=c1)
    d = fe.case_in_mediation(m, grids[0])
    e, elder_user = fe.elder_with_login(c1)
    a = fe.invite(d, e, m)
    steps.act(a, "accept", elder_user)
    actor = elder_user if who == "elder" else m
    opens = a.session_at - START_EARLY
    clock.set_now(opens - timedelta(minutes=1))
    assert "start_session" not in [t.trigger for t in engine.available(a, actor)]
    with pytest.raises(engine.GuardFailed) as refused:
        steps.act(a, "start_session", actor)
    assert "起方可开始" in str(refused.value.message)  # "it can be started from …", in the default language
    db.session.refresh(a)
    assert a.state == "accepted" and a.session_started_at is None
    clock.set_now(opens)
    assert "start_session" in [t.trigger for t in engine.available(a, actor)]
    steps.act(a, "start_session", actor)
    assert a.state == "in_session"
    assert verify() == []


def test_the_report_is_due_from_the_session_when_it_was_started_early(ctx):
    _street, (c1, _c2), grids = f.org()
    m = f.user("mediator", community=c1)
    d = fe.case_in_mediation(m, grids[0])
    e, elder_user = fe.elder_with_login(c1)
    a = fe.invite(d, e, m)
    steps.act(a, "accept", elder_user)
    clock.set_now(a.session_at - timedelta(minutes=30))
    steps.act(a, "start_session", elder_user)
    assert a.session_started_at == a.session_at - timedelta(minutes=30)
    assert a.due_at == a.session_at + REPORT_DAYS
    assert a.deadline_started_at == a.session_at and a.session_at < a.warn_at < a.due_at
    assert verify() == []  # the deadline set by the step replays from its event


def test_the_report_is_due_from_the_start_when_it_was_started_late(ctx):
    _street, (c1, _c2), grids = f.org()
    m = f.user("mediator", community=c1)
    d = fe.case_in_mediation(m, grids[0])
    e, elder_user = fe.elder_with_login(c1)
    a = fe.invite(d, e, m)
    steps.act(a, "accept", elder_user)
    started = a.session_at + timedelta(hours=2)
    clock.set_now(started)
    steps.act(a, "start_session", elder_user)
    assert a.due_at == started + REPORT_DAYS


def test_the_page_says_when_the_session_can_start_and_asks_before_starting(app, client, world):
    a_id, session_at = _invite(app, world, place="社区调解室")
    login(client, world["elder_user"])
    page = _english(client, f"/elders/invitations/{a_id}")
    assert 'id="start-later"' in page and "you can press" in page
    assert 'data-trigger="start_session"' not in page
    mine = client.get("/elders/me").get_data(as_text=True)
    assert f'id="start-later-{a_id}"' in mine and 'data-trigger="start_session"' not in mine
    # Sent anyway (an old page): refused, nothing written.
    _s, _due, version = _state(app, a_id)
    before = _events(app)
    refused = client.post(f"/elders/assignments/{a_id}/start_session",
                          data={"csrf_token": csrf(page), f"a{a_id}-start_session-version": version})
    assert refused.status_code == 422
    assert "can be started from" in refused.get_data(as_text=True)
    assert _state(app, a_id)[0] == "accepted" and _events(app) == before
    # At the session: offered, with a question naming the case.
    clock.set_now(session_at)
    page = client.get(f"/elders/invitations/{a_id}").get_data(as_text=True)
    assert 'id="start-later"' not in page and 'data-trigger="start_session"' in page
    assert f'data-confirm="Start the mediation session of case {world["title"]} now?' in page
    assert 'name="_confirm"' in page  # asked without a script too
    done = client.post(f"/elders/assignments/{a_id}/start_session",
                       data={"csrf_token": csrf(page), f"a{a_id}-start_session-version": version},
                       follow_redirects=True)
    assert done.status_code == 200
    assert "Session started: please file your report by" in done.get_data(as_text=True)
    assert _state(app, a_id)[0] == "in_session"


# ---- Items 2 and 4: the place, whom to ask, the file number ----------------


def test_an_invitation_without_a_place_says_the_mediator_will_tell_it(app, client, world):
    a_id, _at = _invite(app, world, place=None, accept=False)
    login(client, world["elder_user"])
    page = _english(client, f"/elders/invitations/{a_id}")
    assert "place to be told by the mediator" in page
    assert f'id="case-file-no">{world["title"]}<' in page
    assert world["mediator_name"] in page and world["community"] in page  # invited by, of which community
    mine = client.get("/elders/me").get_data(as_text=True)
    assert "place to be told by the mediator" in mine and world["title"] in mine
    _s, _due, version = _state(app, a_id)
    accepted = client.post(f"/elders/assignments/{a_id}/accept",
                           data={"csrf_token": csrf(page), f"a{a_id}-accept-version": version},
                           follow_redirects=True).get_data(as_text=True)
    assert "the place is still to be decided" in accepted
    assert f"{world['mediator_name']} ({world['community']}), who invited you, will tell you" in accepted


def test_accepting_an_invitation_with_a_place_says_where_and_whom_to_contact(app, client, world):
    a_id, _at = _invite(app, world, place="东关社区调解室", accept=False)
    login(client, world["elder_user"])
    page = _english(client, f"/elders/invitations/{a_id}")
    assert "东关社区调解室" in page and "place to be told" not in page
    _s, _due, version = _state(app, a_id)
    accepted = client.post(f"/elders/assignments/{a_id}/accept",
                           data={"csrf_token": csrf(page), f"a{a_id}-accept-version": version},
                           follow_redirects=True).get_data(as_text=True)
    assert "Please come to 东关社区调解室 at" in accepted
    assert f"contact {world['mediator_name']} ({world['community']})" in accepted


def test_a_notice_of_an_answered_invitation_says_its_state_not_its_question(app, client, world):
    a_id, _at = _invite(app, world, accept=False)
    login(client, world["elder_user"])
    page = _english(client, "/notifications/")
    assert "Please accept or decline" in page and 'class="badge bg-light text-dark border notice-state"' in page
    assert "Now: Invited" in page
    _s, _due, version = _state(app, a_id)
    client.post(f"/elders/assignments/{a_id}/accept",
                data={"csrf_token": csrf(page), f"a{a_id}-accept-version": version})
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Please accept or decline" not in page
    assert f"You were invited to help mediate case {world['title']}" in page
    assert "Now: Accepted" in page


# ---- Item 7: leaving the case ----------------------------------------------


def test_the_elder_leaves_a_case_by_a_named_step_asked_about_apart_from_the_report(app, client, world):
    a_id, session_at = _invite(app, world)
    login(client, world["elder_user"])
    page = _english(client, f"/elders/invitations/{a_id}")
    leave = page[page.index('id="invitation-leave"'):]
    assert ">Leave this case</summary>" in leave and ">Leave this case</button>" in leave
    assert "the mediator is told and will invite someone else" in leave
    assert f'data-confirm="Leave case {world["title"]}? You will no longer take part in it' in leave
    assert 'data-trigger="withdraw"' not in page[:page.index('id="invitation-leave"')]
    # In session, the report's button and leaving are in separate blocks.
    clock.set_now(session_at)
    _s, _due, version = _state(app, a_id)
    client.post(f"/elders/assignments/{a_id}/start_session",
                data={"csrf_token": csrf(page), f"a{a_id}-start_session-version": version})
    page = client.get(f"/elders/invitations/{a_id}").get_data(as_text=True)
    work = page[page.index('id="invitation-actions"'):page.index('id="invitation-leave"')]
    assert 'data-step="file_report"' in work and 'data-step="withdraw"' not in work
    _s, _due, version = _state(app, a_id)
    left = client.post(f"/elders/assignments/{a_id}/withdraw",
                       data={"csrf_token": csrf(page), f"a{a_id}-withdraw-version": version,
                             f"a{a_id}-withdraw-reason": "家中有事"}, follow_redirects=True)
    assert f"You left case {world['title']}: the mediator is told" in left.get_data(as_text=True)
    assert _state(app, a_id)[0] == "withdrawn"


def test_the_mediator_still_withdraws_an_invitation_under_its_own_name(app, client, world):
    _invite(app, world)
    login(client, world["mediator"])
    page = _english(client, f"/cases/{world['case']}")
    assert "Leave this case" not in page
    assert 'data-step="withdraw"' in page
    # Nor can the mediator start the session yet: the row says from when.
    assert 'data-trigger="start_session"' not in page and "The session can be started from" in page


# ---- Item 11: the unread count on the folded menu's button -----------------


def test_the_menu_button_shows_the_unread_count(app, client, world):
    _invite(app, world, accept=False)
    login(client, world["elder_user"])
    page = _english(client, "/elders/me")
    toggler = page[page.index('class="navbar-toggler'):page.index("</button>", page.index('class="navbar-toggler'))]
    assert 'id="toggler-unread"' in toggler and ">1</span>" in toggler
    assert "(1 unread notifications)" in toggler  # its accessible name says it
    client.post("/notifications/read", data={"csrf_token": csrf(page)})
    page = client.get("/elders/me").get_data(as_text=True)
    assert 'id="toggler-unread"' not in page
