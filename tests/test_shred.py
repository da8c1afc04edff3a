"""Personal data in the audit log is encrypted with a per-case key, and
destroying the key at the end of retention (crypto-shredding) erases it for
good while the chain stays verifiable (issue 13, item 10)."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import LargeBinary, String, Text, func, select

from app import clock
from app.audit import record
from app.audit.models import AuditEvent, AuditKey
from app.audit.personal import ERASED, KeyDestroyed, open_all
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.disputes.parties import save_party
from app.disputes.retention import SHRED_JOB
from app.engine.timers import tick
from app.supervision.models import SignOff
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login

ID_NUMBER = "11010519491231002X"
NEW_ID = "110101199003077777"  # a correction, made later
PHONE = "13912345678"
NEW_PHONE = "13700002222"


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(g1=grids[0].id, m1=m1.username, m1_id=m1.id,
                 sup=f.user("supervisor", street=street).username)
        return type("World", (), w)


def intake(client, world):
    page = client.get("/cases/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/cases/new", data={
        "csrf_token": csrf(page), "submission_token": token, "channel": "walk_in", "dispute_type": "neighbour",
        "grid_id": str(world.g1), "facts": "邻居装修噪音扰民", "applicant_name": "赵六",
        "applicant_phone": PHONE, "applicant_id_number": ID_NUMBER, "risk": "low"})
    assert response.status_code == 302
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def correct_party(app, case_id, world):
    """A party edit: the audit event keeps the ID number and phone before and after."""
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        mediator = db.session.get(f.User, world.m1_id)
        save_party(d, mediator, {"id_number": NEW_ID, "phone": NEW_PHONE}, party=d.parties[0])


def close(app, case_id, world):
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        f.walk(d, db.session.get(f.User, world.m1_id), *fs.ON_SPOT_PATH)
        return clock.local_date(d.closed_at).year


def secrets_in_database(*secrets) -> list[str]:
    """Every text (and binary) column of every table that holds one of `secrets`."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                for secret in secrets:
                    if db.session.execute(select(func.count()).select_from(table)
                                          .where(column.contains(secret))).scalar():
                        found.append(f"{table.name}.{column.name} holds {secret}")
            elif isinstance(column.type, LargeBinary):
                for value in db.session.execute(select(column)).scalars():
                    for secret in secrets:
                        if value is not None and secret.encode() in bytes(value):
                            found.append(f"{table.name}.{column.name} holds {secret}")
    return found


def case_events(case_id):
    return list(db.session.execute(select(AuditEvent).where(
        AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case_id).order_by(AuditEvent.seq)).scalars())


@pytest.fixture
def case(app, client, world):
    login(client, world.m1)
    case_id = intake(client, world)
    correct_party(app, case_id, world)
    return case_id


def test_personal_data_is_encrypted_at_rest_and_read_back_while_the_key_exists(app, client, world, case):
    with app.app_context():
        # Nowhere in the audit table in the clear (the parties' live row keeps it: that is the record).
        assert not [hit for hit in secrets_in_database(ID_NUMBER, PHONE, NEW_ID, NEW_PHONE)
                    if hit.startswith("audit_events.")]
        events = case_events(case)
        assert '"enc":"v1"' in events[0].data and '"enc":"v1"' in events[1].data
        created, edited = open_all(events[:2], db.session)
        assert created["applicant_id_number"] == ID_NUMBER and created["applicant_phone"] == PHONE
        assert created["facts"] == "邻居装修噪音扰民"  # what is not personal stays as it was
        assert edited["changes"] == {"id_number": [ID_NUMBER, NEW_ID], "phone": [PHONE, NEW_PHONE]}
        assert db.session.execute(select(func.count(AuditKey.id)).where(
            AuditKey.subject_type == "dispute", AuditKey.subject_id == case)).scalar() == 1
        assert verify() == []
    # The timeline shows them masked; the reveal shows them in full, and is audited.
    page = client.get(f"/cases/{case}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "1101**********002X" in timeline and "1101**********7777" in timeline and "137****2222" in timeline
    assert ID_NUMBER not in page and NEW_PHONE not in page
    with app.app_context():
        party_id = db.session.get(Dispute, case).parties[0].id
    revealed = client.post(f"/cases/{case}/parties/{party_id}/reveal", data={"csrf_token": csrf(page)})
    assert revealed.status_code == 200 and NEW_ID in revealed.get_data(as_text=True)
    with app.app_context():
        assert case_events(case)[-1].trigger == "reveal"
    # The supervisors' audit browser decrypts and masks the same way.
    client.post("/logout", data={"csrf_token": csrf(page)})
    login(client, world.sup)
    browser = client.get(f"/audit/?entity_type=dispute&entity_id={case}").get_data(as_text=True)
    assert "1101**********7777" in browser and NEW_ID not in browser


def test_verify_says_so_when_the_data_keys_do_not_open_with_the_configured_key(app, world, case):
    with app.app_context():
        assert verify() == []
        app.config["AUDIT_DATA_KEY"] = "another installation's key"
        problems = verify()
    assert any(p.startswith(f"dispute #{case}: its data key does not open with this installation's AUDIT_DATA_KEY")
               for p in problems), problems


def test_a_ciphertext_does_not_open_under_another_case(app, client, world, case):
    with app.app_context():
        other = f.dispute(db.session.get(f.User, world.m1_id), db.session.get(f.Grid, world.g1))
        stolen = case_events(case)[0].data
        moved = type("Event", (), {"entity_type": "dispute", "entity_id": other.id, "data": stolen})
        record("dispute", other.id, "reveal", None, data={"phone": "13800000000"})  # the other case gets a key
        db.session.commit()
        assert open_all([moved], db.session)[0]["applicant_id_number"] is ERASED


def test_shredding_one_case_by_the_cli(app, client, world, case):
    year = close(app, case, world)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "shred", str(case)]).exit_code == 2  # no reason: refused
    assert runner.invoke(args=["audit", "shred", "999999", "--reason", "x"]).exit_code == 1
    assert runner.invoke(args=["audit", "shred", "--due", str(case)]).exit_code == 2
    out = runner.invoke(args=["audit", "shred", str(case), "--reason", "当事人申请删除"])
    assert out.exit_code == 0 and f"shredded dispute #{case}" in out.output, out.output

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "audit log intact" in verified.output
    with app.app_context():
        assert secrets_in_database(ID_NUMBER, PHONE, NEW_ID, NEW_PHONE) == []
        party = db.session.get(Dispute, case).parties[0]
        assert (party.name, party.id_number, party.phone) == ("赵六", None, None)  # the name stays
        key = db.session.execute(select(AuditKey).where(AuditKey.subject_type == "dispute",
                                                      AuditKey.subject_id == case)).scalar_one()
        assert key.wrapped is None and key.destroyed_at is not None
        events = case_events(case)
        shred = events[-1]
        assert (shred.trigger, shred.actor_role, shred.reason) == ("shred", "system", "当事人申请删除")
        data = open_all([shred], db.session)[0]
        review = db.session.execute(select(SignOff.id).where(SignOff.dispute_id == case)).scalar_one()
        # the case's key, and those of its related rows (here its closure review)
        assert data["party_ids"] == [party.id] and data["keys_destroyed"] == [f"dispute#{case}", f"signoff#{review}"]
        created = open_all(events[:1], db.session)[0]
        assert created["applicant_id_number"] is ERASED and created["facts"] == "邻居装修噪音扰民"
        # No personal data can be recorded for it again; nothing is written.
        count = db.session.execute(select(func.count(AuditEvent.id))).scalar()
        with pytest.raises(KeyDestroyed):
            record("dispute", case, "edit_party", None, data={"changes": {"phone": [None, PHONE]}})
        db.session.rollback()
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar() == count
    again = runner.invoke(args=["audit", "shred", str(case), "--reason", "again"])
    assert again.exit_code == 0 and "shredded already" in again.output

    # The pages still open: the timeline says "erased", the replay shows the case.
    page = client.get(f"/cases/{case}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "已删除" in timeline and "个人信息已删除" in timeline and "1101**" not in page
    client.post("/logout", data={"csrf_token": csrf(page)})
    login(client, world.sup)
    when = (datetime(year, 12, 31)).strftime("%Y-%m-%dT%H:%M")
    replay = client.get(f"/supervision/cases/{case}/as-of?at={when}")
    assert replay.status_code == 200 and ID_NUMBER not in replay.get_data(as_text=True)
    assert client.get(f"/audit/?entity_type=dispute&entity_id={case}").status_code == 200


def test_the_timer_shreds_cases_whose_retention_ended(app, client, world, case):
    still_open = intake(client, world)  # same ID number, never closed: kept
    year = close(app, case, world)
    retention = app.config["RETENTION_YEARS"]
    # Kept to the end of the centre's year `year + retention`, erased from the next one.
    last_day = clock.day_start(datetime(year + retention, 12, 31).date()) + timedelta(hours=23)
    first_day = clock.day_start(datetime(year + retention + 1, 1, 1).date()) + timedelta(minutes=30)
    with app.app_context():
        assert tick(now=last_day).jobs[SHRED_JOB] == 0
        report = tick(now=first_day)
        assert report.jobs[SHRED_JOB] == 1 and report.failed == []
        assert tick(now=first_day + timedelta(minutes=1)).jobs[SHRED_JOB] == 0  # once
        assert verify() == []
        shred = case_events(case)[-1]
        assert (shred.trigger, shred.actor_role, shred.at) == ("shred", "system", first_day)
        # The shredded case's data is gone; the open case's is still there (and still readable).
        assert db.session.get(Dispute, case).parties[0].id_number is None
        assert open_all(case_events(still_open)[:1], db.session)[0]["applicant_id_number"] == ID_NUMBER
        assert [hit for hit in secrets_in_database(ID_NUMBER) if not hit.startswith("parties.")] == []


def test_the_cli_shreds_what_is_due(app, client, world, case):
    close(app, case, world)
    runner = app.test_cli_runner()
    none_due = runner.invoke(args=["audit", "shred", "--due"])
    assert none_due.exit_code == 0 and "0 dispute(s) shredded" in none_due.output
    app.config["RETENTION_YEARS"] = -1  # the case's retention ended last year
    out = runner.invoke(args=["audit", "shred", "--due"])
    assert out.exit_code == 0 and f"shredded dispute #{case}" in out.output and "1 dispute(s)" in out.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        assert secrets_in_database(ID_NUMBER, PHONE, NEW_ID, NEW_PHONE) == []
