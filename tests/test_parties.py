"""Adding and correcting a case's parties from the case page: validation,
scope, sealed cases, stale forms, and the before/after audit event."""
import re

import pytest
from sqlalchemy import func, select, text

from app import engine
from app.audit.personal import open_all
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute, Party
from app.disputes.parties import save_party
from app.extensions import db
from tests import factories_supervision as fs
from tests import factories as f
from tests.factories import csrf, login

VALID_ID = "11010519491231002X"


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(
            m1=m1.username,
            m2=f.user("mediator", community=c2).username,
            gw=f.user("gridworker", grid=grids[0]).username,
            gw2=f.user("gridworker", grid=grids[1]).username,
            sup=f.user("supervisor", street=street).username,
            case=f.dispute(m1, grids[0]).id,
            other=f.dispute(m1, grids[2]).id,  # community 2
        )
        return type("World", (), w)


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})


def form_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return page, {"csrf_token": csrf(page), "version": version}


def add(client, case_id, **fields):
    _, data = form_page(client, f"/cases/{case_id}/parties/new")
    data.update({"role": "respondent", "kind": "person", "name": "王五", "sex": "male", "ethnicity": "汉族",
                 "age": "45", "id_type": "resident_id", "id_number": VALID_ID, "occupation": "个体户",
                 "address": "城厢街道幸福路1号", "phone": "13900001111"})
    data.update(fields)
    return client.post(f"/cases/{case_id}/parties/new", data=data)


def state_of(app, case_id):
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        events = db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case_id)).scalar()
        return d.version, len(d.parties), events


def last_event(app):
    with app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        # as recorded, its personal values decrypted (they are stored encrypted: test_shred.py)
        return event.trigger, open_all([event], db.session)[0], event.actor_role


def test_a_mediator_adds_a_party_with_every_field(app, client, world):
    login(client, world.m1)
    assert 'id="parties-actions"' in client.get(f"/cases/{world.case}").get_data(as_text=True)
    version, parties, events = state_of(app, world.case)
    response = add(client, world.case)
    assert response.status_code == 302 and response.location.endswith(f"/cases/{world.case}#parties")
    assert state_of(app, world.case) == (version + 1, parties + 1, events + 1)
    with app.app_context():
        p = db.session.get(Dispute, world.case).parties[-1]
        assert (p.role, p.kind, p.name, p.sex, p.ethnicity, p.age, p.id_type, p.id_number, p.occupation,
                p.address, p.phone) == ("respondent", "person", "王五", "male", "汉族", 45, "resident_id", VALID_ID,
                                        "个体户", "城厢街道幸福路1号", "13900001111")
    trigger, data, role = last_event(app)
    assert trigger == "add_party" and role == "mediator" and data["party_id"] == p.id
    assert data["changes"]["name"] == [None, "王五"] and data["changes"]["phone"] == [None, "13900001111"]
    # The case page masks ID numbers and phones, in the parties and in the history alike.
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert VALID_ID not in page and "13900001111" not in page
    history = page[page.index('id="timeline"'):]
    assert "1101**********002X" in history and "139****1111" in history
    with app.app_context():
        assert verify() == []


def test_a_grid_worker_adds_a_party_in_their_grid_only(app, client, world):
    login(client, world.gw)
    assert add(client, world.case, name="赵六", id_number="", phone="").status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.gw2)  # another grid of the same community
    assert client.get(f"/cases/{world.case}/parties/new").status_code == 404


@pytest.mark.parametrize("fields, message", [
    ({"id_number": "110105194912310021"}, "ID number is not valid"),
    ({"phone": "12345"}, "11 digits"),
    ({"age": "131"}, "between 0 and 130"),
    ({"age": "-1"}, "between 0 and 130"),
    ({"age": "forty"}, "integer"),
    ({"name": ""}, "required"),
    ({"name": "名" * 81}, "80"),
    ({"role": "judge"}, "Not a valid choice"),
    ({"kind": "robot"}, "Not a valid choice"),
    ({"id_type": "library_card"}, "Not a valid choice"),
])
def test_bad_party_input_is_refused_next_to_the_field(app, client, world, fields, message):
    login(client, world.m1)
    english(client)
    before = state_of(app, world.case)
    response = add(client, world.case, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state_of(app, world.case) == before


def test_a_party_sent_back_says_so_at_the_top_and_focuses_its_first_marked_field(app, client, world):
    """A page of its own: the message right above the form needs no link."""
    login(client, world.m1)
    before = state_of(app, world.case)
    response = add(client, world.case, name=" ", phone="1390000")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    f.assert_sent_back(html, "name")
    assert re.search(r'class="form-control is-invalid"[^>]*name="phone"', html)  # marked, without the focus
    assert state_of(app, world.case) == before


def test_the_id_checksum_applies_to_resident_id_cards_only(app, client, world):
    login(client, world.m1)
    assert add(client, world.case, id_type="passport", id_number="E12345678").status_code == 302
    with app.app_context():
        p = db.session.get(Dispute, world.case).parties[-1]
        assert (p.id_type, p.id_number) == ("passport", "E12345678")


def edit(client, case_id, party_id, **fields):
    page, data = form_page(client, f"/cases/{case_id}/parties/{party_id}/edit")
    for name in ("role", "kind", "sex", "id_type"):
        chosen = re.search(rf'<select[^>]*name="{name}".*?<option selected value="([^"]*)"', page, re.S)
        data[name] = chosen.group(1) if chosen else ""
    for name in ("name", "ethnicity", "age", "id_number", "occupation", "address", "phone"):
        value = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
        data[name] = value.group(1) if value else ""
    data.update(fields)
    return client.post(f"/cases/{case_id}/parties/{party_id}/edit", data=data)


def first_party(app, case_id):
    with app.app_context():
        return db.session.get(Dispute, case_id).parties[0].id


def test_editing_a_party_records_before_and_after_and_keeps_personal_data_masked(app, client, world):
    login(client, world.m1)
    party_id = first_party(app, world.case)
    page = client.get(f"/cases/{world.case}/parties/{party_id}/edit").get_data(as_text=True)
    assert "13812345678" not in page and 'placeholder="138****5678"' in page  # never shown unmasked
    version, parties, events = state_of(app, world.case)
    response = edit(client, world.case, party_id, name="当事人一", age="60")
    assert response.status_code == 302
    assert state_of(app, world.case) == (version + 1, parties, events + 1)
    trigger, data, _ = last_event(app)
    assert trigger == "edit_party" and data == {"party_id": party_id, "changes": {
        "name": ["当事人1", "当事人一"], "age": [None, 60]}}
    with app.app_context():
        assert db.session.get(Party, party_id).phone == "13812345678"  # left blank: kept
    # A new phone replaces the old; both are masked in the history.
    assert edit(client, world.case, party_id, phone="13900002222").status_code == 302
    _, data, _ = last_event(app)
    assert data["changes"] == {"phone": ["13812345678", "13900002222"]}
    history = client.get(f"/cases/{world.case}").get_data(as_text=True).split('id="timeline"')[1]
    assert "138****5678" in history and "139****2222" in history and "13900002222" not in history
    # Ticking "remove" clears it.
    assert edit(client, world.case, party_id, clear_phone="y").status_code == 302
    with app.app_context():
        assert db.session.get(Party, party_id).phone is None


def test_saving_an_unchanged_party_writes_nothing(app, client, world):
    login(client, world.m1)
    party_id = first_party(app, world.case)
    before = state_of(app, world.case)
    assert edit(client, world.case, party_id).status_code == 302
    assert state_of(app, world.case) == before


def test_changing_the_id_type_checks_the_kept_number(app, client, world):
    login(client, world.m1)
    english(client)
    assert add(client, world.case, id_type="passport", id_number="E12345678").status_code == 302
    with app.app_context():
        party_id = db.session.get(Dispute, world.case).parties[-1].id
    before = state_of(app, world.case)
    response = edit(client, world.case, party_id, id_type="resident_id")  # number left blank: kept
    assert response.status_code == 422 and "ID number is not valid" in response.get_data(as_text=True)
    assert state_of(app, world.case) == before


def test_a_stale_party_form_is_a_conflict_naming_who_changed_the_case(app, client, world):
    login(client, world.m1)
    english(client)
    _, stale = form_page(client, f"/cases/{world.case}/parties/new")
    with app.app_context():  # someone else acts on the case meanwhile
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        f.walk(db.session.get(Dispute, world.case), m1, "accept")
        who = m1.display_name
    before = state_of(app, world.case)
    stale.update(role="agent", kind="person", name="迟到的代理人")
    response = client.post(f"/cases/{world.case}/parties/new", data=stale)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert who in body and "Reload" in body
    assert state_of(app, world.case) == before


def test_a_concurrent_write_between_check_and_flush_is_a_conflict(app, world):
    with app.app_context():
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        d = db.session.get(Dispute, world.case)
        db.session().expire_on_commit = False
        db.session.commit()  # d stays loaded, at version 1, and the write lock is free
        with db.engine.begin() as conn:  # another writer gets in first
            conn.execute(text("UPDATE disputes SET version = version + 1 WHERE id = :id"), {"id": d.id})
        with pytest.raises(engine.Conflict):
            save_party(d, m1, {"role": "agent", "kind": "person", "name": "代理人"})
        db.session.expire_all()
        assert len(db.session.get(Dispute, world.case).parties) == 2


def test_a_sealed_case_refuses_party_changes(app, client, world):
    with app.app_context():
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        d = f.walk(db.session.get(Dispute, world.case), m1, "resolve_on_spot", "close")
        f.walk(fs.signed_off(d), m1, "archive")
    login(client, world.m1)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="parties-actions"' not in page
    party_id = first_party(app, world.case)
    assert client.get(f"/cases/{world.case}/parties/new").status_code == 302
    assert client.get(f"/cases/{world.case}/parties/{party_id}/edit").status_code == 302
    before = state_of(app, world.case)
    for url in (f"/cases/{world.case}/parties/new", f"/cases/{world.case}/parties/{party_id}/edit"):
        response = client.post(url, data={"csrf_token": csrf(page), "version": str(before[0]), "role": "agent",
                                          "kind": "person", "name": "篡改"})
        assert response.status_code == 409
    assert state_of(app, world.case) == before
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        with pytest.raises(engine.NotAllowed):
            save_party(d, m1, {"role": "agent", "kind": "person", "name": "篡改"})


def test_out_of_scope_and_wrong_role_are_refused(app, client, world):
    login(client, world.m2)  # another community
    page = client.get("/cases/").get_data(as_text=True)
    party_id = first_party(app, world.case)
    before = state_of(app, world.case)
    assert client.get(f"/cases/{world.case}/parties/new").status_code == 404
    assert client.post(f"/cases/{world.case}/parties/new",
                       data={"csrf_token": csrf(page), "version": "1", "role": "agent", "kind": "person",
                             "name": "越权"}).status_code == 404
    assert client.get(f"/cases/{world.case}/parties/{party_id}/edit").status_code == 404
    # A party of another case, reached through a case one may see: 404 too.
    assert client.get(f"/cases/{world.other}/parties/{party_id}/edit").status_code == 404
    client.post("/logout", data={"csrf_token": page and csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.sup)  # reads the case, may not change it
    assert client.get(f"/cases/{world.case}/parties/new").status_code == 403
    assert 'id="parties-actions"' not in client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert state_of(app, world.case) == before


def test_the_service_checks_role_and_scope_itself(app, world):
    with app.app_context():
        users = {u.username: u for u in db.session.execute(select(f.User)).scalars()}
        d = db.session.get(Dispute, world.case)
        for username in (world.sup, world.m2):
            with pytest.raises(engine.Forbidden):
                save_party(d, users[username], {"role": "agent", "kind": "person", "name": "越权"})
        with pytest.raises(ValueError):
            save_party(d, users[world.m1], {"state": "archived"})


def test_an_agent_names_the_party_they_act_for(app, client, world):
    login(client, world.m1)
    english(client)
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        applicant = next(p for p in d.parties if p.role == "applicant")
        applicant_id, applicant_name = applicant.id, applicant.name
        other_case_party = db.session.get(Dispute, world.other).parties[0].id
    before = state_of(app, world.case)
    # An agent for another case's party is refused and nothing is written.
    foreign = add(client, world.case, role="agent", name="律师甲", acts_for_id=str(other_case_party))
    assert foreign.status_code == 422 and "Not a valid choice" in foreign.get_data(as_text=True)
    assert state_of(app, world.case) == before
    assert add(client, world.case, role="agent", name="律师甲", id_number="", phone="",
               acts_for_id=str(applicant_id)).status_code == 302
    with app.app_context():
        agent = db.session.get(Dispute, world.case).parties[-1]
        assert (agent.role, agent.acts_for_id) == ("agent", applicant_id)
    trigger, data, _role = last_event(app)
    assert trigger == "add_party" and data["changes"]["acts_for_id"] == [None, applicant_id]
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert f"acts for {applicant_name}" in page
    # A respondent acts for no one, whatever the form says.
    assert add(client, world.case, name="赵六", id_number="", phone="",
               acts_for_id=str(applicant_id)).status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).parties[-1].acts_for_id is None
        assert verify() == []
