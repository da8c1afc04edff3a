"""The council of elders through the web client: who sees what (an elder
only their own invitations, nothing under /cases), the suggestions page, the
invitation and its steps, and bad input answered with a message and nothing
written."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.elders.models import ElderAssignment
from app.extensions import db
from app.org.models import Community
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
PARTY_ID = "370682195503150013"


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        other_mediator = f.user("mediator", community=c2)
        d = fe.case_in_mediation(mediator, grids[0])
        d.parties[0].id_number = ID_NUMBER
        db.session.commit()
        best, best_user = fe.elder_with_login(c1, name="张德厚", expertise=("neighbour",))
        flagged, flagged_user = fe.elder_with_login(c1, name="李淑珍", expertise=("neighbour",),
                                                    relations=[{"name": d.parties[1].name, "relation": "relative"}])
        plain = fe.elder(c1, name="王建国", expertise=())
        ids = dict(case=d.id, best=best.id, flagged=flagged.id, plain=plain.id, mediator=mediator.username,
                   other_mediator=other_mediator.username, best_user=best_user.username,
                   flagged_user=flagged_user.username, party=d.parties[1].name, grid=grids[0].id, c1=c1.id)
        db.session.remove()
    return ids


def invite_form(client, case_id, elder_id, **fields):
    page = client.get(f"/elders/cases/{case_id}/suggest")
    assert page.status_code == 200
    when = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), f"e{elder_id}-session_at": when,
            f"e{elder_id}-session_place": "社区调解室"}
    data.update({f"e{elder_id}-{k}": v for k, v in fields.items()})
    return client.post(f"/elders/cases/{case_id}/invite/{elder_id}", data=data)


def rows(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(ElderAssignment)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


def assignment_of(app, elder_id):
    with app.app_context():
        a = db.session.execute(select(ElderAssignment).where(ElderAssignment.elder_id == elder_id)
                               .order_by(ElderAssignment.id.desc())).scalars().first()
        return a.id, a.version, a.state


def invited(app, world):
    """The mediator invites the best-suited elder: the mediator's client, the invitation's id and version."""
    mediator = app.test_client()
    login(mediator, world["mediator"])
    invite_form(mediator, world["case"], world["best"])
    a_id, version, _s = assignment_of(app, world["best"])
    return mediator, a_id, version


def test_the_mediator_sees_the_ranked_list_with_the_conflicted_elder_flagged(app, client, world):
    login(client, world["mediator"])
    html = client.get(f"/elders/cases/{world['case']}/suggest").get_data(as_text=True)
    cards = re.findall(r'data-elder-id="(\d+)"\s+data-rank="(\d+)" data-score="(\d+)" data-conflict="(\d)"', html)
    # The flagged elder scores above the plain one but is listed after every elder without a possible conflict.
    assert [(int(e), int(r), int(c)) for e, r, _s, c in cards] == [
        (world["best"], 1, 0), (world["plain"], 2, 0), (world["flagged"], 3, 1)]
    scores = {int(e): int(s) for e, _r, s, _c in cards}
    assert scores[world["flagged"]] > scores[world["plain"]]
    assert world["party"] in html  # the conflict names the party
    assert 'name="e%d-override_reason"' % world["flagged"] in html
    assert 'name="e%d-override_reason"' % world["best"] not in html


def test_an_elder_who_is_the_respondent_is_flagged(app, client, world):
    with app.app_context():
        c1 = db.session.get(Community, world["c1"])
        respondent = fe.elder(c1, name="赵明远", expertise=("neighbour",), id_number=PARTY_ID)
        respondent_id = respondent.id
        d = db.session.get(Dispute, world["case"])
        party = next(p for p in d.parties if p.role == "respondent")
        party.name, party.id_number = "赵明远", PARTY_ID
        db.session.commit()
    login(client, world["mediator"])
    html = client.get(f"/elders/cases/{world['case']}/suggest").get_data(as_text=True)
    cards = dict(re.findall(r'data-elder-id="(\d+)"\s+data-rank="\d+" data-score="\d+" data-conflict="(\d)"', html))
    assert cards[str(respondent_id)] == "1"
    assert "赵明远" in html and "证件号码相同" in html
    before = rows(app)
    response = invite_form(client, world["case"], respondent_id)
    assert response.status_code == 422 and rows(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ElderAssignment)
                                 .where(ElderAssignment.elder_id == respondent_id)) == 0


def test_inviting_a_flagged_elder_without_a_reason_writes_nothing(app, client, world):
    login(client, world["mediator"])
    before = rows(app)
    response = invite_form(client, world["case"], world["flagged"])
    assert response.status_code == 422
    assert rows(app) == before
    # The reason's box is marked under the flagged elder's open form, with the time and place kept.
    html = response.get_data(as_text=True)
    card = html[html.index(f'data-elder-id="{world["flagged"]}"'):]
    card = card[:card.index("</details>")]
    assert "<details open" in card and 'value="社区调解室"' in card
    assert re.search(r'<textarea[^>]*is-invalid[^>]*name="e%d-override_reason"' % world["flagged"], card) or \
        re.search(r'<textarea[^>]*name="e%d-override_reason"[^>]*aria-invalid="true"' % world["flagged"], card)
    response = invite_form(client, world["case"], world["flagged"], override_reason="双方都同意请李老来")
    assert response.status_code == 302 and response.location.endswith(f"/cases/{world['case']}#elders")
    page = client.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert 'id="elders"' in page and "双方都同意请李老来" in page and "已邀请" in page


@pytest.mark.parametrize("who, status", [("other_mediator", 404), ("best_user", 403)])
def test_others_cannot_ask_for_elders(app, client, world, who, status):
    login(client, world[who])
    assert client.get(f"/elders/cases/{world['case']}/suggest").status_code == status


def test_bad_invite_input_is_refused_with_a_message(app, client, world):
    login(client, world["mediator"])
    before = rows(app)
    past = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    response = invite_form(client, world["case"], world["best"], session_at=past)
    assert response.status_code == 422 and rows(app) == before
    response = invite_form(client, world["case"], world["best"], session_at="not a date")
    assert response.status_code == 422 and rows(app) == before
    assert invite_form(client, world["case"], 999999, ).status_code == 404
    assert rows(app) == before


def test_an_elder_sees_only_their_own_invitations_and_nothing_under_cases(app, client, world):
    mediator = app.test_client()
    login(mediator, world["mediator"])
    assert invite_form(mediator, world["case"], world["best"]).status_code == 302
    mine, _v, _s = assignment_of(app, world["best"])

    login(client, world["flagged_user"])
    assert client.get(f"/elders/invitations/{mine}").status_code == 404
    page = client.get("/elders/me").get_data(as_text=True)
    assert f'data-assignment-id="{mine}"' not in page
    assert client.get("/cases/").status_code == 403
    assert client.get(f"/cases/{world['case']}").status_code == 403
    assert client.get(f"/elders/cases/{world['case']}/suggest").status_code == 403

    owner = app.test_client()
    login(owner, world["best_user"])
    page = owner.get("/elders/me").get_data(as_text=True)
    assert f'data-assignment-id="{mine}"' in page
    summary = owner.get(f"/elders/invitations/{mine}").get_data(as_text=True)
    assert "楼上漏水" in summary and world["party"] in summary
    for private in (ID_NUMBER, ID_NUMBER[:4], PHONE, PHONE[:3] + "****"):
        assert private not in summary


def test_an_elder_acting_on_another_elders_invitation_is_told_and_nothing_is_written(app, client, world):
    _mediator, theirs, version = invited(app, world)
    login(client, world["flagged_user"])
    token = csrf(client.get("/elders/me").get_data(as_text=True))
    before = rows(app)
    response = client.post(f"/elders/assignments/{theirs}/accept",
                           data={"csrf_token": token, f"a{theirs}-accept-version": version})
    assert response.status_code == 403
    assert "只有其本人可以答复" in response.get_data(as_text=True)  # addressed to another elder
    assert rows(app) == before
    assert assignment_of(app, world["best"])[2] == "invited"


def test_the_elder_accepts_then_reports_and_the_mediator_confirms(app, client, world):
    mediator, a_id, version = invited(app, world)
    login(client, world["best_user"])
    page = client.get(f"/elders/invitations/{a_id}").get_data(as_text=True)
    token = csrf(page)
    response = client.post(f"/elders/assignments/{a_id}/accept",
                           data={"csrf_token": token, f"a{a_id}-accept-version": version})
    assert response.status_code == 302
    _a, version, state = assignment_of(app, world["best"])
    assert state == "accepted"
    with app.app_context():  # the session can be started once its time has come
        clock.set_now(db.session.get(ElderAssignment, a_id).session_at)
    client.post(f"/elders/assignments/{a_id}/start_session",
                data={"csrf_token": token, f"a{a_id}-start_session-version": version})
    _a, version, state = assignment_of(app, world["best"])
    assert state == "in_session"
    before = rows(app)
    bad = client.post(f"/elders/assignments/{a_id}/file_report",
                      data={"csrf_token": token, f"a{a_id}-file_report-version": version,
                            f"a{a_id}-file_report-work_done": "", f"a{a_id}-file_report-report_outcome": "settled"})
    assert bad.status_code == 422 and rows(app) == before
    good = client.post(f"/elders/assignments/{a_id}/file_report",
                       data={"csrf_token": token, f"a{a_id}-file_report-version": version,
                             f"a{a_id}-file_report-work_done": "与双方分别谈心，讲清相邻关系",
                             f"a{a_id}-file_report-advice": "建议写入书面协议",
                             f"a{a_id}-file_report-report_outcome": "settled"})
    assert good.status_code == 302
    _a, version, state = assignment_of(app, world["best"])
    assert state == "reported"
    case_page = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert "与双方分别谈心" in case_page and "确认完成" in case_page
    # The elder's report keeps its own word (the assistant's button shares the English "Report": 上报).
    assert re.search(r'class="fw-semibold">调解报告 · ', case_page)
    confirm = mediator.post(f"/elders/assignments/{a_id}/confirm",
                            data={"csrf_token": csrf(case_page), f"a{a_id}-confirm-version": version})
    assert confirm.status_code == 302
    assert assignment_of(app, world["best"])[2] == "done"


def test_a_stale_step_is_a_409_and_an_unknown_step_a_404(app, client, world):
    _mediator, a_id, version = invited(app, world)
    login(client, world["best_user"])
    token = csrf(client.get("/elders/me").get_data(as_text=True))
    client.post(f"/elders/assignments/{a_id}/accept", data={"csrf_token": token, f"a{a_id}-accept-version": version})
    before = rows(app)
    stale = client.post(f"/elders/assignments/{a_id}/withdraw",
                        data={"csrf_token": token, f"a{a_id}-withdraw-version": version,
                              f"a{a_id}-withdraw-reason": "身体原因"})
    assert stale.status_code == 409 and rows(app) == before
    assert client.post(f"/elders/assignments/{a_id}/fly", data={"csrf_token": token}).status_code == 404


def test_accepting_an_expired_invitation_is_refused(app, client, world):
    _mediator, a_id, version = invited(app, world)
    with app.app_context():
        clock.set_now(db.session.get(ElderAssignment, a_id).due_at + timedelta(seconds=1))
    login(client, world["best_user"])
    token = csrf(client.get(f"/elders/invitations/{a_id}").get_data(as_text=True))
    before = rows(app)
    response = client.post(f"/elders/assignments/{a_id}/accept",
                           data={"csrf_token": token, f"a{a_id}-accept-version": version})
    assert response.status_code == 422 and "过期未答复" in response.get_data(as_text=True)  # expired
    assert rows(app) == before


def test_a_session_time_out_of_range_is_refused_not_a_500(app, client, world):
    """Year 1 cannot be turned from Asia/Shanghai into UTC: a clear 422, nothing written."""
    login(client, world["mediator"])
    before = rows(app)
    for when in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = invite_form(client, world["case"], world["best"], session_at=when)
        assert response.status_code == 422, when
    assert rows(app) == before


def test_the_suggestions_for_a_chosen_day_open_on_a_leap_day(app, client, world):
    """On 29 February "a year ahead" has no 29 February: still a page, not a 500."""
    from datetime import date, datetime

    login(client, world["mediator"])
    clock.set_now(datetime(2028, 2, 29, 2, 0))  # 10:00 in Asia/Shanghai
    try:
        response = client.get(f"/elders/cases/{world['case']}/suggest?on={date(2028, 3, 2).isoformat()}")
        assert response.status_code == 200
    finally:
        clock.set_now(None)


def test_an_elder_step_sent_back_on_the_case_page_opens_and_leads_to_its_form(app, client, world):
    """The mediator withdraws an invitation from the case page without a
    reason: the case page again (answered by the elders' view), the step's
    <details> open with the reason marked, linked from the top message."""
    login(client, world["mediator"])
    assert invite_form(client, world["case"], world["best"]).status_code == 302
    a_id, version, _state = assignment_of(app, world["best"])
    page = client.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert re.search(rf'<details class="mb-2 w-100" id="elder-step-{a_id}-withdraw"\s+data-step', page)  # closed
    before = rows(app)
    answer = client.post(f"/elders/assignments/{a_id}/withdraw",
                         data={"csrf_token": csrf(page), f"a{a_id}-withdraw-version": version,
                               f"a{a_id}-withdraw-reason": " "})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, f"a{a_id}-withdraw-reason", f"elder-step-{a_id}-withdraw")
    assert re.search(rf'<details class="mb-2 w-100" id="elder-step-{a_id}-withdraw" open', html)
    assert "此项为必填项。" in html
    assert rows(app) == before


def test_an_invitation_sent_back_opens_the_elders_card(app, client, world):
    login(client, world["mediator"])
    before = rows(app)
    answer = invite_form(client, world["case"], world["best"], session_at="")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, f"e{world['best']}-session_at", f"elder-{world['best']}")
    card = re.search(rf'id="elder-{world["best"]}"(.*?)(?:id="elder-\d+"|</ol>)', html, re.S).group(1)
    assert "<details open>" in card and "请填写计划调解的日期和时间。" in card
    assert rows(app) == before


def test_an_elder_declining_without_a_reason_gets_the_forms_top_message_and_the_reason_marked(app, client, world):
    _mediator, a_id, version = invited(app, world)
    login(client, world["best_user"])
    page = client.get(f"/elders/invitations/{a_id}").get_data(as_text=True)
    before = rows(app)
    answer = client.post(f"/elders/assignments/{a_id}/decline",
                         data={"csrf_token": csrf(page), f"a{a_id}-decline-version": version,
                               f"a{a_id}-decline-reason": "  "})
    assert answer.status_code == 422 and rows(app) == before
    f.assert_sent_back(answer.get_data(as_text=True), f"a{a_id}-decline-reason", f"elder-step-{a_id}-decline")


def test_a_grid_worker_of_the_case_sees_neither_its_invitations_nor_their_history(app, world):
    """The invitation's own page refuses a grid worker (ElderAssignment.visible_to): the case page, which
    a grid worker of the case's grid may open, shows them neither the elders' section nor its history."""
    mediator, a_id, _version = invited(app, world)
    with app.app_context():
        grid_worker = f.user("gridworker", grid=db.session.get(Dispute, world["case"]).grid).username
    client = app.test_client()
    login(client, grid_worker)
    page = client.get(f"/cases/{world['case']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="elders"' not in html and "张德厚" not in html
    case = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert 'id="elders"' in case and case.count("张德厚") >= 2  # the section and the history


def test_the_closed_case_message_names_every_state_in_which_elders_can_be_asked(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        f.walk(d, d.assignee, "start_mediation", "fail")
    login(client, world["mediator"])
    page = client.get(f"/elders/cases/{world['case']}/suggest").get_data(as_text=True)
    closed = re.search(r'<div class="alert alert-warning">(.*?)</div>', page, re.S).group(1)
    assert "案件处于办理中（已受理、已指派、调解中、延期调解、未履行）时才能邀请五老" in closed, closed
