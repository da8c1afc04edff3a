"""Whether an elder who accepted came to the session: the mediator records
that they took part or did not come (no_show, with an optional note), once
the session has come, also after the case moved on; the case's end leaves
it to them (the system records neither); the closing form lists such an
elder with the two steps at hand; the load table and the today page count
and list them. An elder's login deactivated keeps them on the council and
their invitations open for the mediator to record. The elder's own page
takes its past invitations from the database 30 at most.
Through the web client; the services' side is in test_elders_workflow.py."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.elders import steps
from app.elders.models import Elder, ElderAssignment
from app.extensions import db
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login
from tests.test_opinions_web import english


def events(a_id):
    return db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "elder_assignment",
                                                       AuditEvent.entity_id == a_id)
                              .order_by(AuditEvent.seq)).scalars().all()


@pytest.fixture
def later():
    """The clock moved on past a session; set back after the test."""
    def move(delta):
        clock.set_now(clock.now() + delta)
    yield move
    clock.set_now(None)


@pytest.fixture
def world(app):
    """A case in mediation with two elders who accepted a session in two
    hours: one without a login (recorded by the mediator), one with."""
    with app.app_context():
        _street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        bystander = f.user("mediator", community=c1)  # same community, not on the case
        other = f.user("mediator", community=c2)
        coordinator = f.user("coordinator", street=c1.street)
        d = fe.case_in_mediation(mediator, grids[0])
        f.walk(d, mediator, "start_mediation")
        soon = clock.now() + timedelta(hours=2)
        no_login = fe.elder(c1, name="李淑珍", max_concurrent=3)
        with_login, elder_user = fe.elder_with_login(c1, name="王德厚", max_concurrent=3)
        a = steps.act(fe.invite(d, no_login, mediator, session_at=soon), "record_accept", mediator)
        b = steps.act(fe.invite(d, with_login, mediator, session_at=soon), "accept", elder_user)
        db.session.commit()
        w = dict(case=d.id, a=a.id, b=b.id, mediator=mediator.username, mediator_id=mediator.id,
                 bystander=bystander.username, other=other.username, coordinator=coordinator.username,
                 elder_user=elder_user.username, elder_user_id=elder_user.id, no_login=no_login.id,
                 with_login=with_login.id)
        db.session.remove()
    return w


def step(client, page, a_id, trigger, note=None, **extra):
    version = re.search(rf'name="a{a_id}-{trigger}-version" type="hidden" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf(page), f"a{a_id}-{trigger}-version": version, **extra}
    if note is not None:
        data[f"a{a_id}-{trigger}-reason"] = note
    return client.post(f"/elders/assignments/{a_id}/{trigger}", data=data)


def card_of(page, a_id):
    """An invitation's row in the case's section, up to the next row or the section's end."""
    card = page[page.index(f'data-assignment-id="{a_id}"'):]
    card = card[:card.index("</section>")]
    return card.split('id="elder-invitation-')[0]


def test_after_the_session_the_mediator_records_that_the_elder_did_not_come(app, client, world, later):
    w = world
    login(client, w["mediator"])
    english(client)
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    # Before the session: took part may be recorded (a session held early), did not come not yet.
    assert "record_no_show" not in card_of(page, w["a"])
    later(timedelta(hours=3))
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    offered = re.findall(r'data-trigger="(\w+)"', card_of(page, w["a"]))
    assert "record_participation" in offered and "record_no_show" in offered
    assert "What you know of why the elder did not come" in card_of(page, w["a"])
    answer = step(client, page, w["a"], "record_no_show", "电话未接通，当天未到")
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{w['case']}#elders")
    with app.app_context():
        a = db.session.get(ElderAssignment, w["a"])
        assert a.state == "no_show"
        last = events(w["a"])[-1]
        assert (last.trigger, last.from_state, last.to_state, last.actor_id, last.actor_role, last.reason) == (
            "record_no_show", "accepted", "no_show", w["mediator_id"], "mediator", "电话未接通，当天未到")
        assert verify() == []
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    card = card_of(page, w["a"])
    assert 'data-state="no_show">Did not come<' in card and "电话未接通，当天未到" in card
    assert "data-trigger=" not in card  # a terminal state: no step left
    # The elder with a login is recorded the same way, without a note.
    assert step(client, page, w["b"], "record_no_show", "").status_code == 302
    with app.app_context():
        assert db.session.get(ElderAssignment, w["b"]).state == "no_show"
        assert events(w["b"])[-1].reason is None
    # Neither took part: the case page offers the next elder of the street.
    with app.app_context():
        nxt = fe.elder(db.session.get(f.Dispute, w["case"]).community, name="赵明理").id
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    assert f'id="next-candidate" data-elder-id="{nxt}"' in page


def test_did_not_come_is_refused_before_the_session_and_nothing_is_written(app, client, world):
    w = world
    login(client, w["mediator"])
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    with app.app_context():
        before = len(events(w["a"]))
        version = db.session.get(ElderAssignment, w["a"]).version
    english(client)
    answer = client.post(f"/elders/assignments/{w['a']}/record_no_show",
                         data={"csrf_token": csrf(page), f"a{w['a']}-record_no_show-version": version})
    assert answer.status_code in (403, 409, 422)
    assert "withdraw the invitation" in answer.get_data(as_text=True)
    with app.app_context():
        assert len(events(w["a"])) == before and db.session.get(ElderAssignment, w["a"]).state == "accepted"


def test_who_may_not_record_that_an_elder_did_not_come(app, client, world, later):
    w = world
    later(timedelta(hours=3))
    with app.app_context():
        before = len(events(w["b"]))
        version = db.session.get(ElderAssignment, w["b"]).version

    def post_as(username, a_id):
        c = app.test_client()
        login(c, username)
        english(c)
        page = c.get("/account").get_data(as_text=True)
        return c.post(f"/elders/assignments/{a_id}/record_no_show",
                      data={"csrf_token": csrf(page), f"a{a_id}-record_no_show-version": version})

    assert post_as(w["elder_user"], w["b"]).status_code == 403  # the elder themselves: not their step
    refused = post_as(w["bystander"], w["b"])  # a mediator not working the case: the engine's guard
    assert refused.status_code == 422 and "Only the mediators working on this case" in refused.get_data(as_text=True)
    assert post_as(w["other"], w["b"]).status_code == 404  # another community's: not even shown
    assert post_as(w["coordinator"], w["b"]).status_code == 403  # not a mediator's role
    with app.app_context():  # nothing written of the invitation (the logins are audited)
        assert len(events(w["b"])) == before and db.session.get(ElderAssignment, w["b"]).state == "accepted"


def close_ready(app, w, later):
    """The parties agreed after the session and performed: the case may be closed."""
    later(timedelta(hours=3))
    with app.app_context():
        d = db.session.get(f.Dispute, w["case"])
        m = db.session.get(f.User, w["mediator_id"])
        f.walk(d, m, "agree", "start_performance", "fulfil")
        db.session.remove()


def test_the_case_moving_on_leaves_them_accepted_and_the_closing_form_offers_the_two_steps(app, client, world, later):
    w = world
    close_ready(app, w, later)
    with app.app_context():
        # Nothing recorded for them by the system.
        for a_id in (w["a"], w["b"]):
            assert db.session.get(ElderAssignment, a_id).state == "accepted"
            assert events(a_id)[-1].trigger in ("record_accept", "accept")
    login(client, w["mediator"])
    english(client)
    page = client.get(f"/cases/{w['case']}?step=close").get_data(as_text=True)
    ends = page[page.index('id="loose-ends"'):page.index('id="closing-effects"')]
    assert "李淑珍" in ends and "王德厚" in ends and "Did the elder come to the session?" in ends
    assert ends.count('data-trigger="record_participation"') == 2 and ends.count('data-trigger="record_no_show"') == 2
    assert f'href="/cases/{w["case"]}#elder-invitation-{w["a"]}"' in ends
    assert f'id="elder-invitation-{w["a"]}"' in page  # where the link leads
    # The steps' forms are not inside the closing form (forms do not nest).
    close_form = page[page.index(f'action="/cases/{w["case"]}/fire/close"'):]
    assert "record_no_show" not in close_form[:close_form.index("</form>")]
    # The form fetched alone is one element holding the list and the form.
    fetched = client.get(f"/cases/{w['case']}/steps/close").get_data(as_text=True)
    assert fetched.lstrip().startswith("<div data-form-fragment>") and "record_participation" in fetched
    # A step from the list comes back to the closing form.
    answer = step(client, page, w["a"], "record_participation", back_to_step="close")
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{w['case']}?step=close#act-close")
    answer = step(client, page, w["b"], "record_no_show", back_to_step="close")
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(ElderAssignment, w["a"]).state == "took_part"
        assert db.session.get(ElderAssignment, w["b"]).state == "no_show"
        assert events(w["b"])[-1].actor_id == w["mediator_id"]
    page = client.get(f"/cases/{w['case']}?step=close").get_data(as_text=True)
    assert 'id="loose-ends"' not in page
    # back_to_step names only a step of the case: anything else goes to the case's section.
    with app.app_context():
        assert verify() == []


def test_back_to_step_leads_only_to_a_step_of_the_case(app, client, world, later):
    w = world
    later(timedelta(hours=3))
    login(client, w["mediator"])
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    answer = step(client, page, w["a"], "record_participation", back_to_step="//evil.example")
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{w['case']}#elders")


def test_the_load_table_and_the_today_page_count_and_list_them(app, client, world, later):
    w = world
    later(timedelta(hours=3))
    # The mediator's today page asks for the record of both.
    login(client, w["mediator"])
    english(client)
    today = client.get("/today").get_data(as_text=True)
    assert "Record whether 李淑珍 came to the session" in today and "Record whether 王德厚 came" in today
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    assert step(client, page, w["a"], "record_participation").status_code == 302
    assert step(client, page, w["b"], "record_no_show").status_code == 302
    today = client.get("/today").get_data(as_text=True)
    assert "Record whether" not in today
    coordinator = app.test_client()
    login(coordinator, w["coordinator"])
    english(coordinator)
    table = coordinator.get("/elders/load").get_data(as_text=True)

    def row(elder_id):
        r = table[table.index(f'data-elder-id="{elder_id}"'):]
        r = r[:r.index("</tr>")]
        return (re.search(r'class="load-done">(\d+)<', r).group(1), re.search(r'class="load-no-show">(\d+)<', r).group(1))

    assert row(w["no_login"]) == ("1", "0")  # took part
    assert row(w["with_login"]) == ("0", "1")  # did not come: not counted as done
    assert "Did not come" in table


def test_a_deactivated_elder_stays_on_the_council_and_the_mediator_records_for_them(app, client, world):
    """Deactivating the login (the users page) ends the login only: the invitation stays, the case page says
    the mediator records for the elder, and the roster page shows the login deactivated."""
    from tests.test_users_admin import post_form, state_of

    w = world
    with app.app_context():
        d = db.session.get(f.Dispute, w["case"])
        m = db.session.get(f.User, w["mediator_id"])
        elder = db.session.get(Elder, w["with_login"])
        waiting = fe.invite(fe.case_in_mediation(m, d.grid), elder, m).id
        admin = f.user("admin")
        db.session.commit()
        admin_name = admin.username
        before = len(events(waiting))
    admin_client = app.test_client()
    login(admin_client, admin_name)
    english(admin_client)
    uid = w["elder_user_id"]
    answer = post_form(admin_client, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate",
                       {"reason": "离开中心", "state": state_of(admin_client, uid)})
    assert answer.status_code == 302
    said = admin_client.get(answer.location).get_data(as_text=True)
    assert "2 open invitations of the council of elders stay" in said
    with app.app_context():
        assert db.session.get(ElderAssignment, waiting).state == "invited" and len(events(waiting)) == before
        assert db.session.get(ElderAssignment, w["b"]).state == "accepted"
    login(client, w["mediator"])
    english(client)
    with app.app_context():
        case2 = db.session.get(ElderAssignment, waiting).dispute_id
    page = client.get(f"/cases/{case2}").get_data(as_text=True)
    card = card_of(page, waiting)
    assert "login account is deactivated, but they are still on the council" in card
    assert re.findall(r'data-trigger="(\w+)"', card)[:2] == ["record_accept", "record_decline"]
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "was deactivated, but they are still on the council" in inbox
    assert step(client, page, waiting, "record_accept", "电话告知：愿意参加").status_code == 302
    with app.app_context():
        assert db.session.get(ElderAssignment, waiting).state == "accepted"
    coordinator = app.test_client()
    login(coordinator, w["coordinator"])
    english(coordinator)
    roster_page = coordinator.get(f"/elders/roster/{w['with_login']}").get_data(as_text=True)
    assert 'id="login-deactivated"' in roster_page and "still on the council" in roster_page
    # Their other details are still edited, the deactivated login kept linked.
    edit = coordinator.get(f"/elders/roster/{w['with_login']}/edit").get_data(as_text=True)
    with app.app_context():
        e = db.session.get(Elder, w["with_login"])
        form = {"csrf_token": csrf(edit), "version": e.version, "name": e.name, "category": e.category,
                "community_id": e.community_id, "grid_id": "", "address": "", "phone": "",
                "expertise": list(e.expertise), "languages": "", "max_concurrent": str(e.max_concurrent),
                "active": "y", "user_id": str(uid), "notes": "腿脚不便，电话联系"}
    assert coordinator.post(f"/elders/roster/{w['with_login']}/edit", data=form).status_code == 302
    with app.app_context():
        e = db.session.get(Elder, w["with_login"])
        assert (e.notes, e.user_id, e.active) == ("腿脚不便，电话联系", uid, True)


def test_the_cli_deactivation_says_the_same(app, world):
    out = app.test_cli_runner().invoke(args=["users", "deactivate", world["elder_user"]])
    assert out.exit_code == 0, out.output
    assert "1 open invitation of the council of elders stays" in out.output
    with app.app_context():
        assert db.session.get(ElderAssignment, world["b"]).state == "accepted"


def test_the_elders_page_takes_its_past_invitations_30_at_most_from_the_database(app, client):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        d = fe.case_in_mediation(mediator, grids[0])
        elder, user = fe.elder_with_login(c1, max_concurrent=5)
        ids = []
        for _ in range(33):
            ids.append(steps.act(fe.invite(d, elder, mediator), "decline", user, "那天有事").id)
        waiting = fe.invite(d, elder, mediator).id
        db.session.commit()
        username = user.username
        db.session.remove()
    login(client, username)
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get("/elders/me").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    past = page[page.index('id="past-invitations"'):]
    shown = [int(i) for i in re.findall(r'data-assignment-id="(\d+)"', past)]
    assert shown == sorted(ids, reverse=True)[:30]  # the latest 30, the latest first
    opened = page[page.index('id="open-invitations"'):page.index('id="upcoming-sessions"')]
    assert re.findall(r'data-assignment-id="(\d+)"', opened) == [str(waiting)]
    assert any("elder_assignments" in s and "LIMIT" in s.upper() for s in statements)
