"""The history and the audit browser name the people and rows a step
recorded by id: who asked for a recusal (a party, or the mediator), the
known people who took part in a sweep, a duty's room, a liaison's
department. An id that names no row (a value recorded wrong, a row gone)
is shown as its number, "#id", never as a Python list."""
import re
from datetime import datetime

import pytest

from app import clock, engine
from app.audit.chain import record
from app.auth.models import User
from app.auth.accounts import Details, create
from app.extensions import db
from app.labels import field_value, names_for
from app.rota.models import Duty
from app.sweeps.models import Sweep
from tests import factories as f
from tests import factories_referrals as fr
from tests import factories_rota as frota
from tests.factories import login
from tests.test_statement_budgets import statements_of
from tests.test_sweep_alliance import record as record_sweep

NOW = datetime(2026, 3, 12, 2, 0)  # Thursday 12 March 2026, 10:00 Shanghai
UNKNOWN = 987654


def shown(html: str) -> str:
    """The page's text, tags dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def recused(app):
    """A case whose lead stepped aside at its applicant's request, then a
    co-mediator at the mediator's own."""
    with app.app_context():
        clock.set_now(NOW)
        street, (c1, _), grids = f.org()
        lead, other, third = (f.user("mediator", community=c1) for _ in range(3))
        d = f.walk(f.dispute(lead, grids[0]), lead, "accept", "assign", "start_mediation")
        applicant = d.parties[0]
        engine.fire(d, "recuse", lead, "申请人认为调解员与被申请人是亲属",
                    recused_mediator_id=lead.id, requested_by=str(applicant.id))
        engine.fire(d, "assign", other, mediator_id=other.id, co_mediator_ids=[third.id])
        engine.fire(d, "recuse", other, "调解员与申请人系同学", recused_mediator_id=third.id, requested_by="mediator")
        w = dict(case=d.id, applicant=applicant.id, applicant_name=applicant.name, mediator=other.username,
                 sup=f.user("supervisor", street=street).username)
        db.session.remove()
    yield w
    clock.set_now(None)


def test_the_case_history_names_the_party_who_asked_for_a_recusal(app, client, recused):
    login(client, recused["mediator"])
    text = shown(client.get(f"/cases/{recused['case']}").get_data(as_text=True))
    assert f"回避申请人：{recused['applicant_name']}" in text
    assert "回避申请人：调解员本人" in text
    assert f"回避申请人：{recused['applicant']}" not in text and "回避申请人：mediator" not in text
    # The case's parties are loaded for the page already: naming them asks for nothing more.
    statements = statements_of(app, client, f"/cases/{recused['case']}")
    assert not [s for s in statements if re.match(r"SELECT parties\.id, parties\.name\b", s)]


def test_the_supervisor_and_the_audit_browser_name_them_too(app, client, recused):
    login(client, recused["sup"])
    for path in (f"/supervision/cases/{recused['case']}", f"/audit/?entity_type=dispute&entity_id={recused['case']}"):
        text = shown(client.get(path).get_data(as_text=True))
        assert f"回避申请人：{recused['applicant_name']}" in text and "回避申请人：调解员本人" in text, path


def test_in_english_too(app, recused):
    with app.test_request_context():
        names = names_for([{"requested_by": str(recused["applicant"])}])
        assert field_value("requested_by", str(recused["applicant"]), "en", names) == recused["applicant_name"]
        assert field_value("requested_by", "mediator", "en", names) == "The mediator"
        assert field_value("requested_by", "mediator", "zh_Hans_CN", names) == "调解员本人"


def test_a_party_id_that_names_no_party_shows_as_its_number(app, client, recused):
    with app.app_context():
        actor = db.session.execute(db.select(User).filter_by(username=recused["mediator"])).scalar_one()
        record("dispute", recused["case"], "edit", actor, at=NOW,
               data={"changes": {"requested_by": [str(recused["applicant"]), str(UNKNOWN)]}})
        db.session.commit()
    login(client, recused["mediator"])
    text = shown(client.get(f"/cases/{recused['case']}").get_data(as_text=True))
    assert f"回避申请人：{recused['applicant_name']} → #{UNKNOWN}" in text


@pytest.fixture
def swept(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        gw = f.user("gridworker", grid=grids[0])
        police = fr.liaison(fr.department("公安"))
        gw.display_name, police.display_name = "王网格", "李民警"
        db.session.commit()
        w = dict(mediator=mediator.username, c1=c1.id, gw=gw.id, gw_name=gw.display_name, police=police.id,
                 police_name=police.display_name, sup=f.user("supervisor", street=street).username)
        db.session.remove()
    clock.set_now(NOW)
    yield w
    clock.set_now(None)


def test_a_sweeps_recorded_data_names_the_known_people_who_took_part(app, client, swept):
    """(A sweep's own page lists its people; its steps' data is shown by the audit browser.)"""
    login(client, swept["mediator"])
    assert record_sweep(client, swept["c1"], "2026-03-10", [swept["gw"], swept["police"]]).status_code == 302
    with app.app_context():
        sweep_id = db.session.execute(db.select(Sweep.id).where(Sweep.state == "done")).scalar_one()
    sup = app.test_client()
    login(sup, swept["sup"])
    text = shown(sup.get(f"/audit/?entity_type=sweep&entity_id={sweep_id}").get_data(as_text=True))
    listed = re.search(r"参加人员（系统内人员）：(\S+)", text).group(1)
    assert sorted(listed.split("、")) == sorted([swept["gw_name"], swept["police_name"]])


def test_a_user_id_that_names_nobody_shows_as_its_number(app, client, swept):
    login(client, swept["mediator"])
    assert record_sweep(client, swept["c1"], "2026-03-10", [swept["gw"]]).status_code == 302
    with app.app_context():
        sweep = db.session.execute(db.select(Sweep).where(Sweep.state == "done")).scalar_one()
        # A value recorded wrong (or by a version that kept other ids): shown by its number, not hidden.
        record("sweep", sweep.id, "edit", sweep.recorded_by, at=NOW,
               data={"changes": {"participant_ids": [[swept["gw"]], [swept["gw"], UNKNOWN]]}})
        db.session.commit()
        sweep_id = sweep.id
    sup = app.test_client()
    login(sup, swept["sup"])
    text = shown(sup.get(f"/audit/?entity_type=sweep&entity_id={sweep_id}").get_data(as_text=True))
    assert f"参加人员（系统内人员）：{swept['gw_name']} → {swept['gw_name']}、#{UNKNOWN}" in text


def test_the_audit_browser_names_every_sweeps_people_in_one_statement(app, swept):
    """However many sweeps the page lists, their people are named by one
    statement (the actors' names have one of their own)."""
    client = app.test_client()
    login(client, swept["mediator"])
    assert record_sweep(client, swept["c1"], "2026-03-10", [swept["gw"]]).status_code == 302
    sup = app.test_client()
    login(sup, swept["sup"])
    users = re.compile(r"SELECT users\.id, users\.display_name \s*FROM users \s*WHERE users\.id IN")
    one = [s for s in statements_of(app, sup, "/audit/?entity_type=sweep") if users.match(s)]
    # Two earlier weeks' sweeps, recorded late, with other people.
    assert record_sweep(client, swept["c1"], "2026-03-03", [swept["police"]]).status_code == 302
    assert record_sweep(client, swept["c1"], "2026-02-24", [swept["gw"], swept["police"]]).status_code == 302
    more = [s for s in statements_of(app, sup, "/audit/?entity_type=sweep") if users.match(s)]
    assert len(more) == len(one) <= 2
    text = shown(sup.get("/audit/?entity_type=sweep").get_data(as_text=True))
    assert text.count("参加人员（系统内人员）：") == 3 and swept["police_name"] in text


def test_a_duty_names_its_room(app):
    """(A duty's page shows its room; the data its planning recorded is shown by the audit browser.)"""
    with app.app_context():
        coordinator, room, people = frota.rota_world(lawyers=2, seats=1)
        from app.rota import planning

        planning.generate(frota.FIRST_SATURDAY, frota.FIRST_SATURDAY, coordinator)
        duty = db.session.execute(db.select(Duty).order_by(Duty.day)).scalars().first()
        duty_id, room_name, username = duty.id, room.name, f.user("admin").username
        db.session.remove()
    client = app.test_client()
    login(client, username)
    text = shown(client.get(f"/audit/?entity_type=lawyer_duty&entity_id={duty_id}").get_data(as_text=True))
    assert f"工作室：{room_name}" in text and "工作室编号" not in text


def test_an_accounts_department_by_its_name_in_the_audit_browser(app):
    with app.app_context():
        street, _communities, _grids = f.org()
        police = fr.department("公安")
        admin = f.user("admin")
        create("liaison-police", Details(display_name="公安联络员", role="liaison", department_id=police.id),
               f.PASSWORD, admin, "web")
        db.session.commit()
        username = admin.username
        db.session.remove()
    client = app.test_client()
    login(client, username)
    text = shown(client.get("/audit/?entity_type=user").get_data(as_text=True))
    assert "部门：公安" in text
