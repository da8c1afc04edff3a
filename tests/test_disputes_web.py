"""Dispute pages through the web client: intake, actions, bad input, scope."""
import io
from datetime import timedelta
import json
import re

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.engine.edits import edit
from app.extensions import db
from app.supervision.counters import StatCount
from tests import factories_supervision as fs
from tests import factories as f
from tests.factories import csrf, login
from tests.test_public import report, tracking_code
from tests.uploads_data import png


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        w = dict(
            c1=c1.id, c2=c2.id, g1=grids[0].id, g2=grids[1].id, g3=grids[2].id,
            m1=f.user("mediator", community=c1).username,
            m2=f.user("mediator", community=c2).username,
            gw=f.user("gridworker", grid=grids[0]).username,
            gw2=f.user("gridworker", grid=grids[1]).username,
            sup=f.user("supervisor", street=street).username,
        )
        m1 = db.session.execute(select(f.User).where(f.User.username == w["m1"])).scalar_one()
        w["m1_id"] = m1.id
        w["case"] = f.dispute(m1, grids[0]).id
        w["other_case"] = f.dispute(m1, grids[2]).id  # community 2
        return type("World", (), w)


def count_cases(app):
    with app.app_context():
        return db.session.execute(select(func.count(Dispute.id))).scalar()


def intake(client, world, **changes):
    page = client.get("/cases/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf(page), "submission_token": token, "channel": "walk_in",
            "dispute_type": "neighbour", "grid_id": str(world.g1), "facts": "邻居装修噪音扰民",
            "applicant_name": "赵六", "applicant_phone": "13912345678", "risk": "low"}
    data.update(changes)
    return client.post("/cases/new", data=data, content_type="multipart/form-data"), data


def case_page(client, case_id, step=None):
    """The case page; with `step`, the page with that step's form open (the
    page without scripts, or a link to it; in a browser the form is fetched)."""
    return client.get(f"/cases/{case_id}" + (f"?step={step}" if step else "")).get_data(as_text=True)


def action(client, case_id, trigger, page=None, version=None, **data):
    page = page or case_page(client, case_id, step=trigger)
    if version is None:
        version = re.search(rf'id="{trigger}-version" name="{trigger}-version" type="hidden" value="(\d+)"', page).group(1)
    form = {f"{trigger}-csrf_token": csrf(page), f"{trigger}-version": version}
    form.update({f"{trigger}-{k}": v for k, v in data.items()})
    return client.post(f"/cases/{case_id}/fire/{trigger}", data=form)


def test_mediator_registers_a_case(app, client, world):
    login(client, world.m1)
    before = count_cases(app)
    response, _ = intake(client, world)
    assert response.status_code == 302
    assert count_cases(app) == before + 1
    page = client.get(response.location).get_data(as_text=True)
    assert "邻居装修噪音扰民" in page and "139****5678" in page and "13912345678" not in page
    # The parties' tracking code stays on the case page (not only in the flash after registering),
    # with what was registered beside the facts.
    with app.app_context():
        d = db.session.execute(select(Dispute).order_by(Dispute.id.desc()).limit(1)).scalar_one()
        code = d.tracking_code
    assert f'<span class="font-monospace" id="tracking-code">{code}</span>' in page and "查询进度" in page
    assert re.search(r'id="case-risk">低<', page)


def test_double_submission_creates_one_case(app, client, world):
    login(client, world.m1)
    first, data = intake(client, world)
    before = count_cases(app)
    again = client.post("/cases/new", data=data)
    assert again.status_code == 302 and again.location == first.location
    assert count_cases(app) == before


def test_the_intake_form_chooses_no_type_for_the_user(app, client, world):
    """The type is chosen, never kept from the list's first entry (婚姻家庭) by whoever did not change it."""
    login(client, world.m1)
    page = client.get("/cases/new").get_data(as_text=True)
    types = page.split('name="dispute_type"')[1].split("</select>")[0]
    first = re.search(r"<option[^>]*>[^<]*</option>", types).group(0)
    assert 'value=""' in first and "请选择" in first and "婚姻家庭" in types and " selected" not in types
    before = count_cases(app)
    response, _ = intake(client, world, dispute_type="")
    assert response.status_code == 422 and count_cases(app) == before


@pytest.mark.parametrize("field, value, message", [
    ("applicant_phone", "12345", "11 digits"),
    ("applicant_id_number", "370682199001011234", "ID number is not valid"),
    ("arose_on", "2999-01-01", "in the future"),
    ("amount", "-5", "cannot be negative"),
    ("facts", "", "required"),
    ("grid_id", "999999", "Not a valid choice"),
])
def test_bad_intake_is_refused_next_to_the_field(app, client, world, field, value, message):
    login(client, world.m1)
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})
    before = count_cases(app)
    response, _ = intake(client, world, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_cases(app) == before


def test_valid_id_number_is_accepted_and_masked(app, client, world):
    login(client, world.m1)
    response, _ = intake(client, world, applicant_id_number="11010519491231002X")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "1101**********002X" in page and "11010519491231002X" not in page


def test_script_in_text_is_shown_as_text(client, world):
    login(client, world.m1)
    response, _ = intake(client, world, facts="<script>alert(1)</script>")
    page = client.get(response.location).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_grid_worker_can_only_register_in_their_grid(app, client, world):
    login(client, world.gw)
    page = client.get("/cases/new").get_data(as_text=True)
    assert f'value="{world.g3}"' not in page
    response, _ = intake(client, world, grid_id=str(world.g3))
    assert response.status_code == 422


def test_walk_a_case_through_the_web(app, client, world):
    login(client, world.m1)
    case = world.case
    assert action(client, case, "accept").status_code == 302
    assert action(client, case, "assign", mediator_id=str(world.m1_id)).status_code == 302
    assert action(client, case, "start_mediation", notice_given="y").status_code == 302
    incomplete = action(client, case, "agree", form="written", terms="十日内修复")
    assert incomplete.status_code == 422  # a written agreement needs its legal contents
    assert action(client, case, "agree", **WRITTEN).status_code == 302
    page = case_page(client, case)
    assert "达成协议" in page
    history = page[page.index('id="timeline"'):]
    assert "已告知权利义务：是" in history and "True" not in history  # values as a person reads them
    assert "协议形式：书面协议" in history
    with app.app_context():
        name = db.session.get(f.User, world.m1_id).display_name
    assert f"调解员：{name}" in history
    for word in ("受理", "指派调解员", "达成调解协议"):
        assert word in page
    with app.app_context():
        d = db.session.get(Dispute, case)
        assert d.state == "agreed" and d.agreement_terms == "十日内修复"
        triggers = db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case).order_by(AuditEvent.seq)).scalars().all()
        assert triggers == ["create", "accept", "assign", "start_mediation", "agree"]


WRITTEN = dict(form="written", terms="十日内修复", main_facts="楼上漏水", matters="维修费用",
               responsibilities="楼上住户负责", perform_how="自行修复", perform_where="楼下住户家中",
               # A month after the day the test runs: a deadline gone by is refused (app/disputes/rules.py).
               perform_by=(clock.today() + timedelta(days=30)).isoformat())


def test_an_oral_agreement_is_recorded_by_its_terms(app, client, world):
    login(client, world.m1)
    for trigger, data in (("accept", {}), ("assign", {"mediator_id": str(world.m1_id)}),
                          ("start_mediation", {"notice_given": "y"}), ("agree", {"form": "oral", "terms": "口头约定赔礼道歉"})):
        assert action(client, world.case, trigger, **data).status_code == 302, trigger
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.state, d.agreement_form, d.agreement_terms) == ("agreed", "oral", "口头约定赔礼道歉")


def test_the_lead_ticked_as_co_mediator_too_is_refused_with_nothing_written(app, client, world):
    """Ticked as both, the lead was dropped from the co-mediators while the history named them as one."""
    login(client, world.m1)
    assert action(client, world.case, "accept").status_code == 302
    response = action(client, world.case, "assign", mediator_id=str(world.m1_id), co_mediator_ids=str(world.m1_id))
    assert response.status_code == 422
    assert "是主办调解员，请不要同时勾选为协助调解员" in response.get_data(as_text=True)
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.state, d.assignee_id) == ("accepted", None)
        assert db.session.execute(select(func.count(AuditEvent.id)).where(AuditEvent.trigger == "assign")).scalar() == 0


def test_the_history_calls_a_note_a_note_and_a_reason_a_reason(app, client, world):
    """Accepting asks for a note (备注), rejecting for a reason (理由): the history says which it was."""
    with app.app_context():
        m1 = db.session.get(f.User, world.m1_id)
        second = f.dispute(m1, db.session.get(Dispute, world.case).grid).id
    login(client, world.m1)
    assert action(client, world.case, "accept", reason="材料齐全").status_code == 302
    assert action(client, second, "reject", route="court", reason="不属于调解范围").status_code == 302
    accepted = case_page(client, world.case).split('id="timeline"')[1]
    rejected = case_page(client, second).split('id="timeline"')[1]
    assert "备注：材料齐全" in accepted and "理由：材料齐全" not in accepted
    assert "理由：不属于调解范围" in rejected


def test_missing_reason_is_refused_with_nothing_written(app, client, world):
    login(client, world.m1)
    response = action(client, world.case, "reject", route="court", reason="")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "submitted"


def test_stale_form_gets_409_and_names_who_changed_it(app, client, world):
    login(client, world.m1)
    stale = case_page(client, world.case, step="accept")
    assert action(client, world.case, "accept", page=stale).status_code == 302
    response = action(client, world.case, "reject", page=stale, version="1", route="court", reason="重复")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Mediator" in body  # the display name of who changed it
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "accepted"


def test_wrong_state_and_wrong_role_are_refused(app, client, world):
    login(client, world.m1)
    response = action(client, world.case, "agree", version="1", form="written", terms="x")
    assert response.status_code == 409
    client.post("/logout", data={"csrf_token": csrf(case_page(client, world.case))})
    login(client, world.gw)
    response = action(client, world.case, "accept", page=case_page(client, world.case), version="1")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "submitted"


def test_another_communitys_case_is_invisible(app, client, world):
    login(client, world.m2)
    assert client.get(f"/cases/{world.case}").status_code == 404
    page = client.get("/cases/").get_data(as_text=True)
    assert f"/cases/{world.case}\"" not in page and f"/cases/{world.other_case}\"" in page
    token = csrf(page)
    response = client.post(f"/cases/{world.case}/fire/accept",
                           data={"accept-csrf_token": token, "accept-version": "1"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "submitted"


def test_supervisor_reads_but_does_not_act(client, world):
    login(client, world.sup)
    page = case_page(client, world.case)
    assert 'id="timeline"' in page and 'id="actions"' not in page


def test_revealing_personal_data_is_audited(app, client, world):
    login(client, world.m1)
    page = case_page(client, world.case)
    assert "13812345678" not in page and "138****5678" in page
    with app.app_context():
        party_id = db.session.get(Dispute, world.case).parties[0].id
    response = client.post(f"/cases/{world.case}/parties/{party_id}/reveal", data={"csrf_token": csrf(page)})
    assert response.status_code == 200 and "13812345678" in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert event.trigger == "reveal" and event.entity_id == world.case


def test_search_finds_cases_by_party_name(client, world):
    login(client, world.m1)
    assert f"/cases/{world.case}\"" in client.get("/cases/?q=当事人1").get_data(as_text=True)
    assert f"/cases/{world.case}\"" not in client.get("/cases/?q=nobody").get_data(as_text=True)
    assert client.get("/cases/?state=bogus&page=-3").status_code == 200


def test_case_page_shows_the_timeline_newest_first(app, client, world):
    login(client, world.m1)
    action(client, world.case, "accept")
    page = case_page(client, world.case)
    timeline = page[page.index('id="timeline"'):]
    assert timeline.index("受理") < timeline.index("登记")


def edit_form(client, case_id):
    page = client.get(f"/cases/{case_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return page, {"csrf_token": csrf(page), "version": version, "channel": "walk_in", "dispute_type": "neighbour",
                  "facts": "楼上漏水，双方就维修费用发生争执。", "risk": "low"}


def test_editing_details_records_before_and_after(app, client, world):
    login(client, world.m1)
    _, data = edit_form(client, world.case)
    data.update(facts="补充：漏水已持续三个月", amount="2000", arose_on="2026-11-03", people_count="4", risk="high")
    response = client.post(f"/cases/{world.case}/edit", data=data)
    assert response.status_code == 302
    # What was edited is shown on the case page, not only in its history.
    details = case_page(client, world.case).split('id="timeline"')[0]
    assert "发生日期" in details and "2026年11月3日" in details
    assert re.search(r"涉及人数</dt><dd[^>]*>4<", details) and re.search(r'id="case-risk">高<', details)
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert d.facts == "补充：漏水已持续三个月" and d.version == 2
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert event.trigger == "edit"
        assert '"facts":["楼上漏水，双方就维修费用发生争执。","补充：漏水已持续三个月"]' in event.data
        assert '"amount":[null,"2000.00"]' in event.data
    page = case_page(client, world.case)
    assert "补充：漏水已持续三个月" in page[page.index('id="timeline"'):]
    # Saving the same values again changes and records nothing.
    _, same = edit_form(client, world.case)
    same.update(facts="补充：漏水已持续三个月", amount="2000.00", arose_on="2026-11-03", people_count="4", risk="high")
    assert client.post(f"/cases/{world.case}/edit", data=same).status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).version == 2


def test_a_stale_edit_is_a_conflict(app, client, world):
    login(client, world.m1)
    _, data = edit_form(client, world.case)
    action(client, world.case, "accept")
    data["facts"] = "迟到的修改"
    response = client.post(f"/cases/{world.case}/edit", data=data)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Dispute, world.case).facts != "迟到的修改"


def test_an_archived_case_is_sealed(app, client, world):
    with app.app_context():
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        d = f.walk(db.session.get(Dispute, world.case), m1, "resolve_on_spot", "close")
        f.walk(fs.signed_off(d), m1, "archive")
    login(client, world.m1)
    page = case_page(client, world.case)
    assert 'id="actions"' not in page and f"/cases/{world.case}/edit" not in page
    assert client.get(f"/cases/{world.case}/edit").status_code == 302
    response = client.post(f"/cases/{world.case}/edit", data={"csrf_token": csrf(page), "version": "4",
                                                               "channel": "walk_in", "dispute_type": "other",
                                                               "facts": "篡改", "risk": "low"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).facts != "篡改"


def test_edit_of_another_communitys_case_is_404(client, world):
    login(client, world.m2)
    assert client.get(f"/cases/{world.case}/edit").status_code == 404


def grid_field(page: str) -> str:
    return re.search(r'<select[^>]*name="grid_id"[^>]*>.*?</select>', page, re.S).group(0)


def edit_events(app, case_id):
    with app.app_context():
        return [json.loads(data)["changes"] for data in db.session.execute(
            select(AuditEvent.data).where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case_id,
                                          AuditEvent.trigger == "edit").order_by(AuditEvent.seq)).scalars()]


def test_a_mediator_moves_a_case_to_another_grid_of_its_community(app, client, world):
    login(client, world.m1)
    english(client)
    page, data = edit_form(client, world.case)
    select_ = grid_field(page)
    assert f'<option selected value="{world.g1}">' in select_ and f'value="{world.g2}"' in select_
    assert f'value="{world.g3}"' not in select_ and 'value=""' not in select_  # placed: it cannot be unplaced
    data["grid_id"] = str(world.g2)
    response = client.post(f"/cases/{world.case}/edit", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "its former grid no longer does" in response.get_data(as_text=True)
    assert edit_events(app, world.case) == [{"grid_id": [world.g1, world.g2]}]
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.grid_id, d.community_id, d.version) == (world.g2, world.c1, 2)
        assert verify() == []
    # Who sees it follows the grid: the new grid's worker, no longer the old one's.
    for worker, status in ((world.gw, 404), (world.gw2, 200)):
        client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
        login(client, worker)
        assert client.get(f"/cases/{world.case}").status_code == status
        listed = client.get(f"/cases/?grid={world.g2}").get_data(as_text=True)
        assert (f'href="/cases/{world.case}"' in listed) == (status == 200)


@pytest.mark.parametrize("sent, message", [
    ("g3", "Choose one of the grids of the case's community."), ("999999", "Choose one of the grids of the case's "
                                                                "community."), ("", "Choose the grid.")])
def test_a_grid_outside_the_community_or_none_is_refused_with_a_field_message(app, client, world, sent, message):
    login(client, world.m1)
    english(client)
    _, data = edit_form(client, world.case)
    data.update(grid_id=str(getattr(world, sent, sent)), facts="改了事实")
    response = client.post(f"/cases/{world.case}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="grid_id-error1">{message}<' in page
    assert edit_events(app, world.case) == []
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.grid_id, d.facts, d.version) == (world.g1, "楼上漏水，双方就维修费用发生争执。", 1)


def test_a_stale_grid_change_is_a_conflict(app, client, world):
    login(client, world.m1)
    _, data = edit_form(client, world.case)
    action(client, world.case, "accept")
    data["grid_id"] = str(world.g2)
    assert client.post(f"/cases/{world.case}/edit", data=data).status_code == 409
    assert edit_events(app, world.case) == []
    with app.app_context():
        assert db.session.get(Dispute, world.case).grid_id == world.g1


def test_a_grid_worker_sees_the_grid_but_does_not_move_the_case(app, client, world):
    login(client, world.gw)
    english(client)
    page, data = edit_form(client, world.case)
    assert "disabled" in grid_field(page) and "A mediator of the community moves" in page
    moved = dict(data, grid_id=str(world.g2))
    response = client.post(f"/cases/{world.case}/edit", data=moved)
    assert response.status_code == 422 and 'id="grid_id-error1">A mediator of the community moves' in \
        response.get_data(as_text=True)
    # The disabled field is not sent: the other fields are saved, the grid stays.
    data["facts"] = "网格员补充的事实"
    assert client.post(f"/cases/{world.case}/edit", data=data).status_code == 302
    assert edit_events(app, world.case) == [{"facts": ["楼上漏水，双方就维修费用发生争执。", "网格员补充的事实"]}]
    with app.app_context():
        assert db.session.get(Dispute, world.case).grid_id == world.g1


def test_only_the_communitys_mediators_and_grid_workers_edit_a_case(app, client, world):
    login(client, world.m2)  # another community's mediator
    page = client.get("/cases/").get_data(as_text=True)
    assert client.post(f"/cases/{world.case}/edit", data={
        "csrf_token": csrf(page), "version": "1", "channel": "walk_in", "dispute_type": "neighbour",
        "facts": "x", "risk": "low", "grid_id": str(world.g3)}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf(page)})
    login(client, world.sup)
    assert client.get(f"/cases/{world.case}/edit").status_code in (302, 403)
    assert edit_events(app, world.case) == []
    with app.app_context():
        assert db.session.get(Dispute, world.case).grid_id == world.g1


def test_a_report_without_a_grid_is_placed_from_its_edit_page(app, client, world, resident_report):
    login(client, world.m1)
    page, data = edit_form(client, resident_report)
    assert 'value=""' in grid_field(page) and f'value="{world.g3}"' not in grid_field(page)
    data["dispute_type"] = "other"
    assert client.post(f"/cases/{resident_report}/edit", data=dict(data, grid_id="")).status_code == 302
    assert [c for c in edit_events(app, resident_report) if "grid_id" in c] == []  # left unplaced
    _, data = edit_form(client, resident_report)
    data["dispute_type"] = "other"
    assert client.post(f"/cases/{resident_report}/edit", data=dict(data, grid_id=str(world.g1))).status_code == 302
    assert edit_events(app, resident_report)[-1] == {"grid_id": [None, world.g1]}
    with app.app_context():
        assert db.session.get(Dispute, resident_report).grid_id == world.g1


def details_tag(page: str) -> str:
    """The opening tag of the intake form's "More details" section."""
    return re.search(r'<details[^>]*id="intake-details"[^>]*>', page).group(0)


def test_an_error_inside_more_details_opens_it_and_says_so_at_the_top(app, client, world):
    """A grid worker's bad respondent phone, hidden in the closed section: the
    section comes back open, the top message says so, the field has focus."""
    login(client, world.gw)
    assert " open" not in details_tag(client.get("/cases/new").get_data(as_text=True))
    before = count_cases(app)
    response, _ = intake(client, world, channel="patrol", respondent_name="钱七", respondent_phone="1370000")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert " open" in details_tag(page)
    assert '<div class="alert alert-danger" role="alert">请按提示更正标出的填写项。' in page
    assert re.search(r'<input[^>]*autofocus[^>]*name="respondent_phone"', page)
    assert count_cases(app) == before


def test_an_error_outside_more_details_leaves_it_closed(client, world):
    login(client, world.gw)
    response, _ = intake(client, world, channel="patrol", facts="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert " open" not in details_tag(page) and "请按提示更正标出的填写项。" in page


def test_a_photo_sent_with_an_error_is_asked_for_again(client, world):
    """The browser empties a file field on the page sent back: say so, and only
    when a file was sent."""
    login(client, world.gw)
    hint = "请重新选择照片或文件：出错后浏览器不会保留已选的文件。"
    response, _ = intake(client, world, channel="patrol", respondent_phone="1370000",
                         photo=(io.BytesIO(png(2, 2)), "现场.png"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert hint in page and 'aria-describedby="photo-again"' in page
    without_photo, _ = intake(client, world, channel="patrol", respondent_phone="1370000")
    assert hint not in without_photo.get_data(as_text=True)


def test_a_step_sent_back_with_errors_shows_them_and_leads_to_its_form(app, client, world):
    """The step's form comes back open with its field marked (it was shown
    unmarked before), the top message links to its panel, and the field has focus."""
    login(client, world.m1)
    response = action(client, world.case, "reject", route="court", reason="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'role="alert">请按提示更正标出的填写项。\s*<a class="alert-link" href="#act-reject">转到表单</a>',
                     page)
    assert re.search(r'<textarea[^>]*autofocus[^>]*class="form-control is-invalid"[^>]*name="reject-reason"', page)


def test_a_marked_field_is_heard_as_invalid_and_described_by_its_error(app, client, world):
    """A screen reader reads a sent-back field as invalid, with its message:
    the field points to its error (and hint) by ids that are in the page."""
    login(client, world.m1)
    page = action(client, world.case, "reject", route="court", reason="").get_data(as_text=True)
    field = re.search(r'<textarea[^>]*name="reject-reason"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert described and described[0].endswith("-error1")
    for element_id in described:
        assert re.search(rf'<div class="[^"]*" id="{element_id}">[^<]+</div>', page), element_id
    others = re.findall(r'<(?:input|select|textarea)[^>]*aria-invalid="true"[^>]*>', page)
    assert others == [field]  # only the marked field


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})


@pytest.fixture
def resident_report(app, client, world):
    """A resident's report in community 1: type "Other", no grid."""
    code = tracking_code(report(client, type("W", (), {"c1": world.c1}))[0])
    with app.app_context():
        return db.session.execute(select(Dispute.id).where(Dispute.tracking_code == code)).scalar_one()


def type_counts(app):
    with app.app_context():
        rows = db.session.execute(select(StatCount.key, func.sum(StatCount.registered)).where(
            StatCount.dim == "type").group_by(StatCount.key)).all()
        return {key: n for key, n in rows if n}


def test_accepting_a_residents_report_sets_its_type_and_grid(app, client, world, resident_report):
    login(client, world.m1)
    english(client)
    form = client.get(f"/cases/{resident_report}/steps/accept").get_data(as_text=True)
    assert 'name="accept-dispute_type"' in form and 'name="accept-grid_id"' in form
    assert "It came in as “Other”" in form
    assert f'value="{world.g3}"' not in form  # another community's grid is not offered
    before = type_counts(app)
    assert before.get("other") == 1
    # Not chosen: asked again, nothing changed.
    assert action(client, resident_report, "accept", dispute_type="", grid_id="").status_code == 422
    # Another community's grid, sent by hand: refused.
    assert action(client, resident_report, "accept", dispute_type="neighbour",
                  grid_id=str(world.g3)).status_code == 422
    with app.app_context():
        d = db.session.get(Dispute, resident_report)
        assert (d.state, d.dispute_type, d.grid_id) == ("submitted", "other", None)
    response = action(client, resident_report, "accept", dispute_type="neighbour", grid_id=str(world.g1))
    assert response.status_code == 302
    with app.app_context():
        d = db.session.get(Dispute, resident_report)
        assert (d.state, d.dispute_type, d.grid_id) == ("accepted", "neighbour", world.g1)
        events = db.session.execute(select(AuditEvent.trigger, AuditEvent.data).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id).order_by(AuditEvent.seq)).all()
        assert [e.trigger for e in events][-2:] == ["edit", "accept"]
        assert json.loads(events[-2].data)["changes"] == {"dispute_type": ["other", "neighbour"],
                                                          "grid_id": [None, world.g1]}
        assert verify() == []
    after = type_counts(app)
    assert "other" not in after and after["neighbour"] == before.get("neighbour", 0) + 1
    assert "Neighbours" in case_page(client, resident_report)


def test_a_stale_accept_form_changes_neither_type_nor_state(app, client, world, resident_report):
    login(client, world.m1)
    page = case_page(client, resident_report, step="accept")
    with app.app_context():
        d = db.session.get(Dispute, resident_report)
        edit(d, db.session.get(f.User, world.m1_id), {"place": "东门"})  # someone else corrected the place meanwhile
    response = action(client, resident_report, "accept", page=page, dispute_type="neighbour", grid_id=str(world.g1))
    assert response.status_code == 409
    with app.app_context():
        d = db.session.get(Dispute, resident_report)
        assert (d.state, d.dispute_type, d.grid_id) == ("submitted", "other", None)


def test_a_classified_case_is_accepted_without_those_fields(app, client, world):
    login(client, world.m1)
    form = client.get(f"/cases/{world.case}/steps/accept").get_data(as_text=True)
    assert "accept-dispute_type" not in form and "accept-grid_id" not in form
    assert action(client, world.case, "accept").status_code == 302


def test_the_place_is_in_the_main_part_of_the_intake_form(client, world):
    login(client, world.gw)
    page = client.get("/cases/new").get_data(as_text=True)
    assert page.index('name="place"') < page.index('id="intake-details"')


def test_after_registering_the_grid_worker_is_told_who_takes_it_and_gets_a_slip(app, client, world):
    login(client, world.gw)
    english(client)
    response, _ = intake(client, world, channel="patrol")
    case_id = int(response.location.rsplit("/", 1)[1])
    page = client.get(response.location).get_data(as_text=True)
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        code, community = d.tracking_code, d.community.name
    assert f"Next the mediators of {community} decide whether to accept it" in page
    assert "the time limit shown on the case is theirs" in page
    assert f'href="/cases/{case_id}/slip"' in page
    slip = client.get(f"/cases/{case_id}/slip")
    text = slip.get_data(as_text=True)
    assert slip.status_code == 200 and f'id="slip-code">{code}<' in text and "http://localhost/track" in text
    assert "13912345678" not in text and "赵六" not in text and "邻居装修噪音扰民" not in text
    for username, status in ((world.m2, 404), (world.sup, 403), (world.m1, 200)):  # m2: another community
        other = app.test_client()
        login(other, username)
        assert other.get(f"/cases/{case_id}/slip").status_code == status, username


def test_co_mediators_are_ticked_in_a_list_of_check_boxes(app, client, world):
    """A multiple-select list box lost every name but the one clicked on an old PC: each colleague is a check
    box with its own label, in a fieldset named by its legend, the user's own name in a group ahead."""
    with app.app_context():
        colleague = f.user("mediator", community=db.session.get(f.Community, world.c1))
        colleague_id, colleague_name = colleague.id, colleague.display_name
    login(client, world.m1)
    assert action(client, world.case, "accept").status_code == 302
    page = case_page(client, world.case, step="assign")
    box = page[page.index('<fieldset class="mb-2" id="assign-co_mediator_ids"'):]
    box = box[:box.index("</fieldset>")]
    assert "<legend" in box and "<select" not in box
    ticks = re.findall(r'<input class="form-check-input" type="checkbox" name="assign-co_mediator_ids"\s+'
                       r'id="([^"]+)" value="(\d+)"', box)
    assert {int(value) for _id, value in ticks} == {world.m1_id, colleague_id}
    for id_, _value in ticks:
        assert f'<label class="form-check-label" for="{id_}">' in box
    assert 'role="group"' in box and colleague_name in box
    response = action(client, world.case, "assign", mediator_id=str(world.m1_id), co_mediator_ids=[str(colleague_id)])
    assert response.status_code == 302
    with app.app_context():
        assert [u.id for u in db.session.get(Dispute, world.case).co_mediators] == [colleague_id]
