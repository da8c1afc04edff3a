"""Found by a second reading: personal data only for those who work the case,
logout ends the session, and odd input gets a 4xx, never a 500."""
import pytest
from sqlalchemy import select

from app import engine
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login
from tests.test_public import report, tracking_code
from tests.test_disputes_web import action, case_page, intake, world  # noqa: F401  (fixture)
from tests.test_sessions import post_session, world as session_world  # noqa: F401  (fixture)


def reveal(client, case_id, party_id):
    page = case_page(client, case_id)
    return client.post(f"/cases/{case_id}/parties/{party_id}/reveal", data={"csrf_token": csrf(page)})


@pytest.fixture
def assigned(app, world):
    """world.case assigned to a mediator other than its registrar (world.m1)."""
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        lead = f.user("mediator", community=d.community)
        f.walk(d, lead, "accept")
        engine.fire(d, "assign", db.session.get(f.User, world.m1_id), mediator_id=lead.id)
        return lead.username, d.parties[0].id


def reveals(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "reveal")).scalars().all()


def test_only_those_who_work_the_case_may_reveal(app, client, world, assigned):
    lead, party_id = assigned
    with app.app_context():
        bystander = f.user("mediator", community=db.session.get(Dispute, world.case).community).username
        admin = f.user("admin").username
    for username, status in ((bystander, 403), (admin, 403), (lead, 200), (world.m1, 200)):
        login(client, username)
        page = case_page(client, world.case)
        assert ("/reveal" in page) == (status == 200), username
        response = reveal(client, world.case, party_id)
        assert response.status_code == status, username
        assert ("13812345678" in response.get_data(as_text=True)) == (status == 200)
        client.post("/logout", data={"csrf_token": csrf(page)})
    assert len(reveals(app)) == 2  # one event per reveal, none for the refusals


def test_the_grid_worker_who_registered_may_reveal(app, client, world):
    login(client, world.gw)
    response, _ = intake(client, world)
    case_id = int(response.location.rsplit("/", 1)[1])
    with app.app_context():
        party_id = db.session.get(Dispute, case_id).parties[0].id
    assert reveal(client, case_id, party_id).status_code == 200
    assert len(reveals(app)) == 1


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, world):
    login(client, world.m1)
    cookie = client.get_cookie("session").value
    page = client.get("/cases/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(page)})
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/cases/").status_code == 302


@pytest.mark.parametrize("version", ["²", "9" * 5000, "-1", "1e3", ""])
def test_odd_form_versions_are_stale_not_errors(app, client, world, version):
    login(client, world.m1)
    assert action(client, world.case, "accept", version=version).status_code == 409
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "submitted"


@pytest.mark.parametrize("url", ["/cases/100000000000000000000", "/cases/1/attachments/99999999999999999999",
                                 "/cases/99999999999/edit"])
def test_ids_too_large_for_the_database_are_not_found(client, world, url):
    login(client, world.m1)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("value", ["Infinity", "NaN", "sNaN", "1e30", "1000000000000"])
def test_amounts_the_database_cannot_hold_are_refused(app, client, world, value):
    login(client, world.m1)
    response, _ = intake(client, world, amount=value)
    assert response.status_code == 422


def test_a_session_in_year_one_is_refused(client, session_world):
    login(client, session_world.lead)
    assert post_session(client, session_world.case, held_at="0001-01-01T00:00").status_code == 422


@pytest.mark.parametrize("where", ["args", "form"])
def test_a_nul_character_is_refused_before_it_reaches_the_database(client, world, where):
    if where == "args":
        login(client, world.m1)
        assert client.get("/cases/?q=a%00b").status_code == 400
    else:
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={"csrf_token": csrf(page), "username": "a\x00", "password": "x"})
        assert response.status_code == 400


def test_while_no_one_leads_the_case_its_communitys_mediators_may_call_the_party_back(app, client, world):
    """Triage: a report waits for any mediator of its community, who calls the
    party before accepting it; each reveal is recorded. Not another community's
    mediator, not a grid worker who did not register it, not once a lead
    mediator is named or the case has ended."""
    code = tracking_code(report(client, type("W", (), {"c1": world.c1}))[0])
    with app.app_context():
        d = db.session.execute(select(Dispute).where(Dispute.tracking_code == code)).scalar_one()
        case_id, party_id = d.id, d.parties[0].id
        colleague = f.user("mediator", community=d.community).username
        grid_case = db.session.get(Dispute, world.case)  # registered by world.m1, in world.gw's grid
        grid_party = grid_case.parties[0].id
    for username, expected in ((world.m1, 200), (colleague, 200), (world.m2, 404)):
        login(client, username)
        if expected == 200:
            page = case_page(client, case_id)
            assert f"/cases/{case_id}/parties/{party_id}/reveal" in page, username
            response = reveal(client, case_id, party_id)
            assert response.status_code == 200 and "13987654321" in response.get_data(as_text=True)
        else:
            assert client.post(f"/cases/{case_id}/parties/{party_id}/reveal",
                               data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))}
                               ).status_code == 404
        client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
    assert len(reveals(app)) == 2
    login(client, world.gw)  # sees the grid's case, registered it not
    assert "/reveal" not in case_page(client, world.case)
    assert reveal(client, world.case, grid_party).status_code == 403
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        m1 = db.session.get(f.User, world.m1_id)
        other = db.session.execute(select(f.User).where(f.User.username == colleague)).scalar_one()
        f.walk(d, m1, "accept")
        assert d.may_reveal_to(other)  # accepted, waiting for its lead mediator
        engine.fire(d, "assign", m1, mediator_id=m1.id)
        assert not d.may_reveal_to(other)
        rejected = f.dispute(m1, db.session.get(Dispute, world.case).grid)
        engine.fire(rejected, "reject", m1, "不属于调解范围", route="court")
        assert not rejected.may_reveal_to(other)
