"""Asking a volunteer lawyer for a legal opinion, through the web client: the
request page (lawyers on duty next Saturday first, conflicts flagged), the
whole path (request, accept, answer, acknowledge) with its audit events,
notifications and case history, the other ways out (decline, withdraw,
expiry by the timer), who may do what, and bad input answered with the field
marked and nothing written."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.disputes.models import Dispute
from app.extensions import db
from app.notifications.models import Notification
from app.opinions.models import LegalOpinion
from app.engine.errors import Refused
from app.opinions.steps import act as act_service
from app.opinions.steps import ask as ask_service
from app.rota.models import Consultation, Duty, Lawyer
from tests import factories as f
from tests import factories_opinions as fo
from tests import factories_rota as fr
from tests.factories import assert_sent_back, csrf, login
from tests.test_statement_budgets import statements_of

ID_NUMBER = "370682195503150013"
PHONE = "13912340000"


@pytest.fixture
def world(app):
    with app.app_context():
        _coordinator, people, mediator, other_mediator, d = fo.world(lawyers=3)
        on_duty_id = db.session.execute(select(Duty.lawyer_id).where(Duty.day == fr.FIRST_SATURDAY)).scalar_one()
        on_duty = next((lw, u) for lw, u in people if lw.id == on_duty_id)
        free = [(lw, u) for lw, u in people if lw.id != on_duty_id]
        retired = fr.lawyer(name="退休律师", active=False)
        db.session.commit()
        ids = dict(case=d.id, mediator=mediator.username, mediator_id=mediator.id,
                   other_mediator=other_mediator.username,
                   on_duty=on_duty[0].id, on_duty_user=on_duty[1].username, on_duty_name=on_duty[0].name,
                   lawyer=free[0][0].id, lawyer_user=free[0][1].username, lawyer_user_id=free[0][1].id,
                   lawyer_name=free[0][0].name, other_lawyer_user=free[1][1].username, retired=retired.id,
                   party=d.parties[1].name)
        db.session.remove()
    return ids


def client_of(app, username):
    client = app.test_client()
    login(client, username)
    return client


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/account").get_data(as_text=True)),
                                      "next": "/account"})


def ask(client, case_id, lawyer_id, question="邻居装修损坏了楼下天花板，赔偿范围如何认定？", **fields):
    page = client.get(f"/opinions/cases/{case_id}/new")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), "lawyer_id": str(lawyer_id), "question": question}
    data.update(fields)
    return client.post(f"/opinions/cases/{case_id}/new", data=data)


def request_of(app, lawyer_id):
    with app.app_context():
        row = db.session.execute(select(LegalOpinion).where(LegalOpinion.lawyer_id == lawyer_id)
                                 .order_by(LegalOpinion.id.desc())).scalars().first()
        return (row.id, row.version, row.state) if row else None


def step(client, page_url, opinion_id, trigger, **fields):
    """Post a step's form from the page that shows it, with its own CSRF token and version."""
    html = client.get(page_url).get_data(as_text=True)
    prefix = f"o{opinion_id}-{trigger}"
    form = re.search(rf'<form method="post" action="/opinions/{opinion_id}/{trigger}".*?</form>', html, re.S)
    assert form, f"no {trigger} form on {page_url}"
    version = re.search(rf'name="{prefix}-version"[^>]*value="(\d+)"', form.group(0)).group(1)
    data = {f"{prefix}-csrf_token": csrf(form.group(0)), f"{prefix}-version": version}
    data.update({f"{prefix}-{k}": v for k, v in fields.items()})
    return client.post(f"/opinions/{opinion_id}/{trigger}", data=data)


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(LegalOpinion)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


def triggers_of(app, opinion_id):
    with app.app_context():
        return list(db.session.execute(
            select(AuditEvent.trigger).where(AuditEvent.entity_type == "legal_opinion",
                                             AuditEvent.entity_id == opinion_id).order_by(AuditEvent.id)).scalars())


def notes_of(app, user_id):
    with app.app_context():
        return list(db.session.execute(select(Notification.kind).where(Notification.user_id == user_id)
                                       .order_by(Notification.id)).scalars())


def test_the_request_page_offers_the_lawyers_on_duty_next_saturday_first_and_no_retired_one(app, world):
    mediator = client_of(app, world["mediator"])
    case = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert 'id="opinions"' in case and f'href="/opinions/cases/{world["case"]}/new"' in case
    html = mediator.get(f"/opinions/cases/{world['case']}/new").get_data(as_text=True)
    offered = [int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', html)]
    assert offered[0] == 0 and offered[1] == world["on_duty"]  # "Choose…", then the lawyer on duty
    assert world["lawyer"] in offered and world["retired"] not in offered
    assert html.index("<optgroup") < html.index(world["on_duty_name"]) < html.index(world["lawyer_name"])
    # Nobody flagged: no box for a reason to ask despite a conflict, nor a pointer to a list that is not there.
    assert 'name="override_reason"' not in html and 'id="lawyer-conflicts"' not in html


def test_the_whole_path_through_the_web_request_accept_answer_acknowledge(app, world):
    mediator = client_of(app, world["mediator"])
    response = ask(mediator, world["case"], world["lawyer"])
    assert response.status_code == 302 and response.location.endswith(f"/cases/{world['case']}#opinions")
    opinion_id, _v, state = request_of(app, world["lawyer"])
    assert state == "requested"
    assert notes_of(app, world["lawyer_user_id"]) == ["opinion_requested"]

    lawyer = client_of(app, world["lawyer_user"])
    inbox = lawyer.get("/notifications/").get_data(as_text=True)
    note_id = re.search(r'action="/notifications/(\d+)/open"', inbox).group(1)
    opened = lawyer.post(f"/notifications/{note_id}/open", data={"csrf_token": csrf(inbox)})
    assert opened.status_code == 302 and opened.location.endswith(f"/opinions/{opinion_id}")
    assert client_of(app, world["lawyer_user"]).get("/").location.endswith("/rota/mine")
    landing = lawyer.get("/rota/mine").get_data(as_text=True)
    assert 'id="nav-opinions-mine"' in landing and 'id="opinions-waiting"' in landing
    mine = lawyer.get("/opinions/mine").get_data(as_text=True)
    assert f'data-opinion-id="{opinion_id}"' in mine.split('id="open-requests"')[1]
    page = f"/opinions/{opinion_id}"
    assert f'href="{page}"' in lawyer.get("/today").get_data(as_text=True)  # on the lawyer's today page too
    assert step(lawyer, page, opinion_id, "accept").status_code == 302
    assert request_of(app, world["lawyer"])[2] == "accepted"
    response = step(lawyer, page, opinion_id, "answer", opinion="楼上住户应赔偿维修费用及合理损失。",
                    laws_cited="《民法典》第一千一百六十五条")
    assert response.status_code == 302 and response.location.endswith(page)
    assert request_of(app, world["lawyer"])[2] == "answered"
    assert "opinion_answered" in notes_of(app, world["mediator_id"])
    assert 'id="opinions-waiting"' not in lawyer.get("/rota/mine").get_data(as_text=True)

    case_page = f"/cases/{world['case']}"
    html = mediator.get(case_page).get_data(as_text=True)
    assert "楼上住户应赔偿维修费用及合理损失。" in html and "《民法典》第一千一百六十五条" in html
    assert step(mediator, case_page, opinion_id, "acknowledge").status_code == 302
    assert request_of(app, world["lawyer"])[2] == "acknowledged"
    assert triggers_of(app, opinion_id) == ["create", "request", "accept", "answer", "acknowledge"]
    with app.app_context():
        row = db.session.get(LegalOpinion, opinion_id)
        assert row.requested_by_id == world["mediator_id"] and row.answered_at and row.acknowledged_at
        assert verify() == []


def test_the_case_history_tells_each_step_in_words(app, world):
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    lawyer = client_of(app, world["lawyer_user"])
    step(lawyer, f"/opinions/{opinion_id}", opinion_id, "accept")
    step(lawyer, f"/opinions/{opinion_id}", opinion_id, "answer", opinion="可以请求赔偿。")
    english(mediator)
    html = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    history = html[html.index('id="timeline"'):] if 'id="timeline"' in html else html
    for words in ("Legal opinion request", "Ask for a legal opinion",
                  "Question for the lawyer", "Give the opinion", "可以请求赔偿。", world["lawyer_name"]):
        assert words in history, words
    assert "legal_opinion" not in history and "lawyer_id" not in history


def test_the_case_history_tells_the_request_as_its_first_step_and_the_audit_log_keeps_the_draft(app, world):
    """The row is created as a draft and the request takes it out at once (workflows/legal_opinion.py):
    the case history tells one step, the request, naming the lawyer; the audit log keeps both events."""
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    english(mediator)
    html = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    history = html[html.index('id="timeline"'):]
    history = history[:history.index("</ol>")]
    for hidden in ("Lawyer chosen for a legal opinion", "Being drafted"):
        assert hidden not in history, hidden
    entries = re.findall(r"\n\s*<li[^>]*>(.*?)\n\s*</li>", history, re.S)
    request = next(e for e in entries if "Ask for a legal opinion" in e)
    head = request.split("</div>")[0]
    assert re.search(r'<span class="text-muted"> → Opinion requested</span>', head), head
    # Who was asked, from the creation the request tells too, and what.
    assert world["lawyer_name"] in request and "赔偿范围如何认定" in request
    assert history.count("Legal opinion request") == 1
    # The case file prints the same history.
    casefile = mediator.get(f"/supervision/cases/{world['case']}/casefile").get_data(as_text=True)
    assert "Lawyer chosen for a legal opinion" not in casefile and "Being drafted" not in casefile
    assert "Ask for a legal opinion (Opinion requested)" in casefile
    # The audit log, the complete record, shows the creation into the draft.
    supervisor = app.test_client()
    with app.app_context():
        login(supervisor, f.user("supervisor").username)
    english(supervisor)
    log = supervisor.get(f"/audit/?entity_type=legal_opinion&entity_id={opinion_id}").get_data(as_text=True)
    assert re.findall(r'<tr data-trigger="(\w+)"', log) == ["request", "create"]
    created = re.search(r'<tr data-trigger="create".*?class="event-action">(.*?)</td>', log, re.S).group(1)
    assert "Lawyer chosen for a legal opinion" in created and "Being drafted" in created


def test_the_lawyers_page_shows_the_case_facts_with_personal_data_masked(app, world):
    with app.app_context():
        party = db.session.get(Dispute, world["case"]).parties[0]
        party.id_number, party.phone = ID_NUMBER, PHONE
        db.session.commit()
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    html = client_of(app, world["lawyer_user"]).get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert 'id="case-facts"' in html and "楼上漏水" in html and world["party"] in html
    assert ID_NUMBER not in html and PHONE not in html
    assert "3706**********0013" in html and "139****0000" in html
    assert 'id="opinion-question"' in html and "赔偿范围如何认定" in html


def test_the_lawyer_declines_with_a_reason_and_the_mediator_is_told(app, world):
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    lawyer = client_of(app, world["lawyer_user"])
    page = f"/opinions/{opinion_id}"
    before = counts(app)
    response = step(lawyer, page, opinion_id, "decline", reason="")
    assert response.status_code == 422 and counts(app) == before
    assert_sent_back(response.get_data(as_text=True), f"o{opinion_id}-decline-reason",
                     f"opinion-step-{opinion_id}-decline")
    assert step(lawyer, page, opinion_id, "decline", reason="本周出差，无法及时答复").status_code == 302
    assert request_of(app, world["lawyer"])[2] == "declined"
    assert "opinion_declined" in notes_of(app, world["mediator_id"])
    case = client_of(app, world["mediator"]).get(f"/cases/{world['case']}").get_data(as_text=True)
    assert "本周出差，无法及时答复" in case


def test_the_mediator_withdraws_a_request_not_yet_answered_and_the_lawyer_is_told(app, world):
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    case_page = f"/cases/{world['case']}"
    assert step(mediator, case_page, opinion_id, "withdraw", reason="双方已自行和解").status_code == 302
    assert request_of(app, world["lawyer"])[2] == "withdrawn"
    assert notes_of(app, world["lawyer_user_id"]) == ["opinion_requested", "opinion_withdrawn"]
    lawyer_page = client_of(app, world["lawyer_user"]).get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert 'id="case-hidden"' in lawyer_page and "楼上漏水" not in lawyer_page
    assert 'data-trigger=' not in lawyer_page


def test_an_unanswered_request_expires_by_the_tick_and_can_no_longer_be_answered(app, world):
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    lawyer = client_of(app, world["lawyer_user"])
    step(lawyer, f"/opinions/{opinion_id}", opinion_id, "accept")
    with app.app_context():
        due = db.session.get(LegalOpinion, opinion_id).due_at
        assert due - clock.now() == timedelta(days=7)  # accepting kept the request's due time
    clock.set_now(due - timedelta(minutes=1))
    assert app.test_cli_runner().invoke(args=["workflows", "tick"]).exit_code == 0
    assert request_of(app, world["lawyer"])[2] == "accepted"  # not due yet
    clock.set_now(due + timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["workflows", "tick"])
    assert result.exit_code == 0, result.output
    assert request_of(app, world["lawyer"])[2] == "expired"
    assert triggers_of(app, opinion_id)[-1] == "expire"
    assert "opinion_expired" in notes_of(app, world["mediator_id"])
    html = lawyer.get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert 'data-trigger="answer"' not in html


def test_another_lawyer_may_neither_see_nor_answer_the_request(app, world):
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id, version, _s = request_of(app, world["lawyer"])
    other = client_of(app, world["other_lawyer_user"])
    assert other.get(f"/opinions/{opinion_id}").status_code == 404
    assert f'data-opinion-id="{opinion_id}"' not in other.get("/opinions/mine").get_data(as_text=True)
    token = csrf(other.get("/opinions/mine").get_data(as_text=True))
    before = counts(app)
    response = other.post(f"/opinions/{opinion_id}/accept",
                          data={f"o{opinion_id}-accept-csrf_token": token, f"o{opinion_id}-accept-version": version})
    assert response.status_code == 404 and counts(app) == before
    # Answered as a request that does not exist is: which ids exist is not told.
    missing = other.post(f"/opinions/{opinion_id + 999}/accept",
                         data={f"o{opinion_id + 999}-accept-csrf_token": token,
                               f"o{opinion_id + 999}-accept-version": version})
    assert missing.status_code == 404
    assert (response.get_data(as_text=True).replace(f"/opinions/{opinion_id}/", "/opinions/N/")
            == missing.get_data(as_text=True).replace(f"/opinions/{opinion_id + 999}/", "/opinions/N/"))
    # Lawyers have no case pages and no request form.
    assert other.get(f"/cases/{world['case']}").status_code in (403, 404)
    assert other.get(f"/opinions/cases/{world['case']}/new").status_code == 403


def test_a_mediator_of_another_community_can_neither_ask_nor_see(app, world):
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id, version, _s = request_of(app, world["lawyer"])
    outsider = client_of(app, world["other_mediator"])
    assert outsider.get(f"/opinions/cases/{world['case']}/new").status_code == 404
    token = csrf(outsider.get("/cases/mine").get_data(as_text=True))
    before = counts(app)
    response = outsider.post(f"/opinions/cases/{world['case']}/new",
                             data={"csrf_token": token, "lawyer_id": world["lawyer"], "question": "问题"})
    assert response.status_code == 404
    assert outsider.get(f"/opinions/{opinion_id}").status_code == 404
    response = outsider.post(f"/opinions/{opinion_id}/withdraw",
                             data={f"o{opinion_id}-withdraw-csrf_token": token,
                                   f"o{opinion_id}-withdraw-version": version,
                                   f"o{opinion_id}-withdraw-reason": "无"})
    assert response.status_code == 404 and counts(app) == before


def test_a_closed_case_is_refused_and_nothing_is_written(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        mediator = d.assignee
        f.walk(d, mediator, "start_mediation", "fail")
        state = d.state
    assert state == "failed"
    client = client_of(app, world["mediator"])
    page = client.get(f"/opinions/cases/{world['case']}/new").get_data(as_text=True)
    assert 'id="case-closed"' in page
    assert 'id="ask-lawyer"' not in client.get(f"/cases/{world['case']}").get_data(as_text=True)
    before = counts(app)
    response = ask(client, world["case"], world["lawyer"])
    assert response.status_code == 422 and counts(app) == before


def test_an_empty_question_or_opinion_is_sent_back_with_the_field_marked(app, world):
    mediator = client_of(app, world["mediator"])
    before = counts(app)
    response = ask(mediator, world["case"], world["lawyer"], question="   ")
    assert response.status_code == 422 and counts(app) == before
    assert_sent_back(response.get_data(as_text=True), "question", "opinion-request")
    response = ask(mediator, world["case"], 999999)
    assert response.status_code == 422 and counts(app) == before

    ask(mediator, world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    lawyer = client_of(app, world["lawyer_user"])
    page = f"/opinions/{opinion_id}"
    step(lawyer, page, opinion_id, "accept")
    before = counts(app)
    response = step(lawyer, page, opinion_id, "answer", opinion="", laws_cited="《民法典》")
    assert response.status_code == 422 and counts(app) == before
    assert_sent_back(response.get_data(as_text=True), f"o{opinion_id}-answer-opinion",
                     f"opinion-step-{opinion_id}-answer")
    assert request_of(app, world["lawyer"])[2] == "accepted"


def test_a_conflicted_lawyer_needs_the_mediators_reason(app, world):
    with app.app_context():
        # The lawyer logged the Saturday consultation that became this case.
        duty = db.session.execute(select(Duty).where(Duty.day == fr.FIRST_SATURDAY)).scalar_one()
        lawyer = db.session.get(Lawyer, world["on_duty"])
        db.session.add(Consultation(duty_id=duty.id, lawyer_id=lawyer.id, day=duty.day,
                                    service_type="consultation", topic="漏水", advice="建议调解",
                                    dispute_id=world["case"], created_by_id=lawyer.user_id,
                                    created_at=clock.now()))
        # The other lawyer shares a party's name.
        db.session.get(Lawyer, world["lawyer"]).name = world["party"]
        db.session.commit()
    mediator = client_of(app, world["mediator"])
    html = mediator.get(f"/opinions/cases/{world['case']}/new").get_data(as_text=True)
    flagged = re.findall(r'<li data-lawyer-id="(\d+)"', html.split('id="lawyer-conflicts"')[1])
    assert 'name="override_reason"' in html
    assert sorted(map(int, flagged)) == sorted([world["on_duty"], world["lawyer"]])
    before = counts(app)
    response = ask(mediator, world["case"], world["on_duty"])
    assert response.status_code == 422 and counts(app) == before
    assert_sent_back(response.get_data(as_text=True), "override_reason", "opinion-request")
    response = ask(mediator, world["case"], world["lawyer"], override_reason="同名不同人，已核实")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(LegalOpinion, request_of(app, world["lawyer"])[0])
        assert row.override_reason == "同名不同人，已核实" and row.conflicts[0]["kind"] == "name"
        request_event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "legal_opinion", AuditEvent.trigger == "request")).scalar_one()
        assert json.loads(request_event.data)["override_reason"] == "同名不同人，已核实"


def test_the_case_ending_withdraws_the_requests_waiting_for_an_answer_but_keeps_a_given_opinion(app, world):
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    waiting = request_of(app, world["lawyer"])[0]
    ask(mediator, world["case"], world["on_duty"])
    answered = request_of(app, world["on_duty"])[0]
    on_duty = client_of(app, world["on_duty_user"])
    step(on_duty, f"/opinions/{answered}", answered, "accept")
    step(on_duty, f"/opinions/{answered}", answered, "answer", opinion="建议调解。")
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        f.walk(d, d.assignee, "start_mediation", "fail")
    assert request_of(app, world["lawyer"])[2] == "withdrawn"
    assert request_of(app, world["on_duty"])[2] == "answered"
    assert notes_of(app, world["lawyer_user_id"])[-1] == "opinion_withdrawn"
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "legal_opinion", AuditEvent.entity_id == waiting,
            AuditEvent.trigger == "withdraw")).scalar_one()
        assert event.actor_role == "system" and event.reason
        assert verify() == []
    # The mediator still acknowledges the opinion given.
    assert step(mediator, f"/cases/{world['case']}", answered, "acknowledge").status_code == 302


def test_a_step_sent_from_a_stale_page_is_refused_as_a_conflict(app, world):
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id, version, _s = request_of(app, world["lawyer"])
    lawyer = client_of(app, world["lawyer_user"])
    html = lawyer.get(f"/opinions/{opinion_id}").get_data(as_text=True)
    token = csrf(html)
    assert step(lawyer, f"/opinions/{opinion_id}", opinion_id, "accept").status_code == 302
    before = counts(app)
    response = lawyer.post(f"/opinions/{opinion_id}/decline",
                           data={f"o{opinion_id}-decline-csrf_token": token,
                                 f"o{opinion_id}-decline-version": version,
                                 f"o{opinion_id}-decline-reason": "没空"})
    assert response.status_code == 409 and counts(app) == before
    assert request_of(app, world["lawyer"])[2] == "accepted"


def test_the_case_page_sends_no_statement_per_request_it_lists(app, world):
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    one = len(statements_of(app, mediator, f"/cases/{world['case']}"))
    with app.app_context():
        d, me = db.session.get(Dispute, world["case"]), db.session.get(User, world["mediator_id"])
        for n in range(3):
            ask_service(d, fr.lawyer_with_login(name=f"另一律师{n}")[0], me, question="问题")
    page = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert page.count("data-opinion-id=") == 4
    assert len(statements_of(app, mediator, f"/cases/{world['case']}")) == one


@pytest.mark.parametrize("role", ["gridworker", "elder", "coordinator", "liaison", "assistant", "supervisor"])
def test_every_opinions_route_refuses_the_roles_that_take_no_step(app, world, role):
    """Every route of the blueprint, for a role that neither asks nor answers:
    no form, no step; a supervisor may read a request of their area, no more."""
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    opinion_id, version, _s = request_of(app, world["lawyer"])
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        community = d.community
        username = f.user(role, community=community if role != "coordinator" else None,
                          street=community.street if role == "coordinator" else None).username
    client = client_of(app, username)
    token = csrf(client.get("/account").get_data(as_text=True))
    before = counts(app)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("opinions."):
            continue
        url = (rule.rule.replace("<int:case_id>", str(world["case"])).replace("<int:opinion_id>", str(opinion_id))
               .replace("<trigger>", "withdraw"))
        if "GET" in rule.methods:
            allowed = role == "supervisor" and rule.endpoint == "opinions.show"
            assert client.get(url).status_code == (200 if allowed else 403), (role, rule.endpoint)
        if "POST" in rule.methods:
            response = client.post(url, data={"csrf_token": token, f"o{opinion_id}-withdraw-csrf_token": token,
                                              f"o{opinion_id}-withdraw-version": version,
                                              f"o{opinion_id}-withdraw-reason": "无", "question": "问题",
                                              "lawyer_id": world["lawyer"]})
            assert response.status_code == 403, (role, rule.endpoint)
        checked += 1
    assert checked == 4 and counts(app) == before
    assert 'id="nav-opinions-mine"' not in client.get("/account").get_data(as_text=True)


def test_the_same_lawyer_is_not_asked_twice_while_the_first_request_waits(app, world):
    mediator = client_of(app, world["mediator"])
    assert ask(mediator, world["case"], world["lawyer"]).status_code == 302
    before = counts(app)
    response = ask(mediator, world["case"], world["lawyer"], question="另一个问题")
    assert response.status_code == 422 and counts(app) == before
    asked = response.get_data(as_text=True).split('id="asked-before"')[1]
    assert f'data-lawyer-id="{world["lawyer"]}"' in asked
    opinion_id = request_of(app, world["lawyer"])[0]
    step(mediator, f"/cases/{world['case']}", opinion_id, "withdraw", reason="问题需要改写")
    assert ask(mediator, world["case"], world["lawyer"], question="改写后的问题").status_code == 302


def test_a_withdrawal_without_a_reason_is_sent_back_on_the_case_page(app, world):
    mediator = client_of(app, world["mediator"])
    ask(mediator, world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    before = counts(app)
    response = step(mediator, f"/cases/{world['case']}", opinion_id, "withdraw", reason=" ")
    assert response.status_code == 422 and counts(app) == before
    assert_sent_back(response.get_data(as_text=True), f"o{opinion_id}-withdraw-reason",
                     f"opinion-step-{opinion_id}-withdraw")
    assert request_of(app, world["lawyer"])[2] == "requested"


OPINION_TEXT = "楼上住户应承担全部维修费用及误工损失"


def answered(app, world, question="邻居装修损坏了楼下天花板，赔偿范围如何认定？"):
    """A request on the world's case, accepted and answered with OPINION_TEXT: its id."""
    assert ask(client_of(app, world["mediator"]), world["case"], world["lawyer"], question=question).status_code == 302
    opinion_id = request_of(app, world["lawyer"])[0]
    lawyer = client_of(app, world["lawyer_user"])
    assert step(lawyer, f"/opinions/{opinion_id}", opinion_id, "accept").status_code == 302
    assert step(lawyer, f"/opinions/{opinion_id}", opinion_id, "answer", opinion=OPINION_TEXT).status_code == 302
    return opinion_id


def test_a_grid_worker_who_sees_the_case_reads_neither_the_question_nor_the_opinion(app, world):
    question = "楼下住户的误工损失能否一并主张？"
    opinion_id = answered(app, world, question=question)
    with app.app_context():
        grid_worker = f.user("gridworker", grid=db.session.get(Dispute, world["case"]).grid).username
    client = client_of(app, grid_worker)
    assert client.get(f"/opinions/{opinion_id}").status_code in (403, 404)
    page = client.get(f"/cases/{world['case']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="opinions"' not in html  # the section
    assert OPINION_TEXT not in html and question not in html  # nor the timeline's entries
    assert world["lawyer_name"] not in html
    # The case's mediator still reads both, in the section and in the history.
    case = client_of(app, world["mediator"]).get(f"/cases/{world['case']}").get_data(as_text=True)
    assert 'id="opinions"' in case and case.count(OPINION_TEXT) >= 2 and question in case


def test_a_lawyer_whose_request_ended_reads_neither_the_question_nor_the_case(app, world):
    mediator = client_of(app, world["mediator"])
    question = "当事人张某的住址和病史细节对赔偿有何影响？"
    assert ask(mediator, world["case"], world["lawyer"], question=question).status_code == 302
    opinion_id = request_of(app, world["lawyer"])[0]
    assert step(mediator, f"/cases/{world['case']}", opinion_id, "withdraw", reason="不再需要").status_code == 302
    lawyer = client_of(app, world["lawyer_user"])
    english(lawyer)
    html = lawyer.get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert "The request was withdrawn before you answered it" in html and "不再需要" in html
    assert question not in html and 'id="opinion-question"' not in html
    assert "楼上漏水" not in html and world["party"] not in html
    mine = lawyer.get("/opinions/mine").get_data(as_text=True)
    assert f'data-opinion-id="{opinion_id}"' in mine and question not in mine
    assert "The request was withdrawn before you answered it" in mine


def test_once_the_case_is_closed_the_lawyer_keeps_their_opinion_and_the_parties_names_are_masked(app, world):
    question = "楼下住户的误工损失能否一并主张？"
    opinion_id = answered(app, world, question=question)
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        f.walk(d, d.assignee, "start_mediation", "fail", "close")
        assert d.state == "closed"
        parties = [p.name for p in d.parties]
    html = client_of(app, world["lawyer_user"]).get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert OPINION_TEXT in html and question in html
    assert 'id="case-closed"' in html and 'id="case-summary"' not in html
    assert "楼上漏水" not in html  # the facts
    for name in parties:
        assert name not in html and name[0] + "*" * (len(name) - 1) in html
    # The case's mediator still reads the whole case there.
    staff = client_of(app, world["mediator"]).get(f"/opinions/{opinion_id}").get_data(as_text=True)
    assert 'id="case-summary"' in staff and world["party"] in staff


def test_a_lawyer_without_an_active_account_is_listed_with_the_reason_but_not_offered(app, world):
    with app.app_context():
        no_login = fr.lawyer(name="无账号律师").id
        _lw, account = fr.lawyer_with_login(name="停用账号律师")
        account.active = False
        db.session.commit()
        disabled = _lw.id
    mediator = client_of(app, world["mediator"])
    english(mediator)
    html = mediator.get(f"/opinions/cases/{world['case']}/new").get_data(as_text=True)
    offered = [int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', html)]
    assert no_login not in offered and disabled not in offered and world["lawyer"] in offered
    listed = html[html.index('id="lawyers-without-account"'):]
    for lawyer_id, why in ((no_login, "no account yet (the coordinator can give one)"),
                           (disabled, "their account is turned off (an administrator can turn it on)")):
        item = re.search(rf'<li data-lawyer-id="{lawyer_id}"[^>]*>(.*?)</li>', listed).group(1)
        assert why in item
    assert "无账号律师" not in html.split("</title>")[0]  # the list is on the page, not in its title
    # No lawyer is chosen before the mediator chooses (the first may be flagged with a conflict).
    assert re.search(r'<select[^>]*name="lawyer_id"[^>]*><option selected value="0">', html)
    assert ask(mediator, world["case"], 0).status_code == 422
    # Posted anyway (a page left open): refused, nothing written.
    before = counts(app)
    assert ask(mediator, world["case"], no_login).status_code == 422 and counts(app) == before
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        with pytest.raises(Refused):
            ask_service(d, db.session.get(Lawyer, no_login), d.assignee, question="可否主张误工费？")
    assert counts(app) == before


def test_a_request_on_a_case_that_ended_since_it_was_read_is_refused(app, world):
    """The case read before the request (the page's load) is read again under
    the chain lock: a step that ended it meanwhile is seen by the guards."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer: the request's transaction reads the case under the write lock")
        d, lawyer = db.session.get(Dispute, world["case"]), db.session.get(Lawyer, world["lawyer"])
        me = d.assignee
        assert d.state == "assigned"
        with app.app_context():  # another user's request, its own session: ends the case and commits
            other = db.session.get(Dispute, world["case"])
            f.walk(other, other.assignee, "start_mediation", "fail")
        assert d.state == "assigned"  # what this request read before
        before = counts(app)
        with pytest.raises(Refused):
            ask_service(d, lawyer, me, question="可否主张误工费？")
    assert counts(app) == before


def test_a_lawyer_off_the_roster_can_neither_accept_nor_answer(app, world):
    mediator = client_of(app, world["mediator"])
    assert ask(mediator, world["case"], world["lawyer"]).status_code == 302
    assert ask(mediator, world["case"], world["on_duty"]).status_code == 302
    waiting, accepted = request_of(app, world["lawyer"])[0], request_of(app, world["on_duty"])[0]
    on_duty = client_of(app, world["on_duty_user"])
    assert step(on_duty, f"/opinions/{accepted}", accepted, "accept").status_code == 302
    lawyer = client_of(app, world["lawyer_user"])
    english(lawyer), english(on_duty)
    accept_page = lawyer.get(f"/opinions/{waiting}").get_data(as_text=True)
    answer_page = on_duty.get(f"/opinions/{accepted}").get_data(as_text=True)
    with app.app_context():  # behind the roster's back: the steps' own guard still refuses
        for lawyer_id in (world["lawyer"], world["on_duty"]):
            db.session.get(Lawyer, lawyer_id).active = False
        db.session.commit()
    before = counts(app)
    for client, page, opinion_id, trigger, fields in (
            (lawyer, accept_page, waiting, "accept", {}),
            (on_duty, answer_page, accepted, "answer", {"opinion": OPINION_TEXT})):
        prefix = f"o{opinion_id}-{trigger}"
        form = re.search(rf'<form method="post" action="/opinions/{opinion_id}/{trigger}".*?</form>', page, re.S)
        version = re.search(rf'name="{prefix}-version"[^>]*value="(\d+)"', form.group(0)).group(1)
        data = {f"{prefix}-csrf_token": csrf(form.group(0)), f"{prefix}-version": version}
        data.update({f"{prefix}-{k}": v for k, v in fields.items()})
        response = client.post(f"/opinions/{opinion_id}/{trigger}", data=data)
        assert response.status_code == 422
        assert "is no longer on the roster of volunteer lawyers" in response.get_data(as_text=True)
    assert counts(app) == before
    assert request_of(app, world["lawyer"])[2] == "requested" and request_of(app, world["on_duty"])[2] == "accepted"


def test_taking_a_lawyer_off_the_roster_withdraws_their_waiting_requests_and_tells_the_mediator(app, world):
    mediator = client_of(app, world["mediator"])
    assert ask(mediator, world["case"], world["lawyer"]).status_code == 302
    opinion_id = request_of(app, world["lawyer"])[0]
    with app.app_context():
        coordinator = db.session.execute(select(User).where(User.role == "coordinator")).scalars().first().username
        lw = db.session.get(Lawyer, world["lawyer"])
        form = {"name": lw.name, "firm": lw.firm, "practice_areas": lw.practice_areas or "", "phone": "",
                "user_id": lw.user_id, "unavailable": "", "version": lw.version}  # "active" unticked
    desk = client_of(app, coordinator)
    form["csrf_token"] = csrf(desk.get(f"/rota/lawyers/{world['lawyer']}").get_data(as_text=True))
    assert desk.post(f"/rota/lawyers/{world['lawyer']}", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Lawyer, world["lawyer"]).active is False
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "legal_opinion", AuditEvent.entity_id == opinion_id,
            AuditEvent.trigger == "withdraw")).scalar_one()
        assert event.actor_role == "system"
        assert verify() == []
    assert request_of(app, world["lawyer"])[2] == "withdrawn"
    assert "opinion_lawyer_left" in notes_of(app, world["mediator_id"])
    assert notes_of(app, world["lawyer_user_id"])[-1] == "opinion_withdrawn"
    english(mediator)
    case = mediator.get(f"/cases/{world['case']}").get_data(as_text=True)
    assert "The lawyer left the roster of volunteer lawyers" in case
    inbox = mediator.get("/notifications/").get_data(as_text=True)
    assert f"{world['lawyer_name']} left the roster of volunteer lawyers" in inbox


@pytest.mark.parametrize("party_name, party_phone", [
    ("LI MING", None),                       # the name in other letter case
    ("Ｌｉ　Ｍｉｎｇ", None),                  # full-width letters and space
    ("王某", "+86 139-1234-5678"),            # the mobile number with the country code
    ("王某", "0086 13912345678"),
])
def test_the_conflict_check_reads_names_and_phones_as_the_elders_check_does(app, world, party_name, party_phone):
    with app.app_context():
        lw = db.session.get(Lawyer, world["lawyer"])
        lw.name, lw.phone = "Li Ming", "13912345678"
        party = db.session.get(Dispute, world["case"]).parties[1]
        party.name, party.phone = party_name, party_phone
        db.session.commit()
    html = client_of(app, world["mediator"]).get(f"/opinions/cases/{world['case']}/new").get_data(as_text=True)
    flagged = html[html.index('id="lawyer-conflicts"'):]
    assert f'<li data-lawyer-id="{world["lawyer"]}">' in flagged


def test_the_closed_case_message_names_every_state_in_which_a_lawyer_can_be_asked(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        f.walk(d, d.assignee, "start_mediation", "fail")
    client = client_of(app, world["mediator"])
    english(client)
    page = client.get(f"/opinions/cases/{world['case']}/new").get_data(as_text=True)
    closed = re.search(r'id="case-closed">(.*?)</div>', page, re.S).group(1)
    assert ("A lawyer can be asked while the case is open (Accepted, Assigned, Mediating, Mediating (extended), "
            "Not performed); it is now “Mediation failed”") in closed.replace("&#34;", '"')
    assert 'id="opinion-request"' not in page  # no form that could only be refused
    # A request posted from a page read before the case ended: refused, the reason said once.
    refused = ask(client, world["case"], world["lawyer"])
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and body.count("A lawyer can be asked while the case is open") == 1


def test_a_lawyers_list_shows_every_open_request_and_the_30_latest_past_ones(app, world):
    """The past requests of a lawyer of many years are limited by the query:
    the 30 latest are listed, the older ones not, and every request still
    waiting for an answer is, however old."""
    with app.app_context():
        d = db.session.get(Dispute, world["case"])
        lawyer, mediator = db.session.get(Lawyer, world["lawyer"]), d.assignee
        oldest_open = ask_service(d, lawyer, mediator, question="最早的问题").id
        other_case = f.dispute(mediator, d.grid)
        f.walk(other_case, mediator, "accept", "assign")
        past = []
        for n in range(33):
            row = ask_service(other_case, lawyer, mediator, question=f"问题{n}")
            act_service(row, "withdraw", mediator, "已自行和解")
            past.append(row.id)
        third_case = f.dispute(mediator, d.grid)
        f.walk(third_case, mediator, "accept", "assign")
        newest_open = ask_service(third_case, lawyer, mediator, question="最新的问题").id
        db.session.remove()
    client = client_of(app, world["lawyer_user"])
    mine = client.get("/opinions/mine").get_data(as_text=True)
    open_part, past_part = mine.split('id="past-requests"')
    listed = [int(i) for i in re.findall(r'data-opinion-id="(\d+)"', past_part)]
    assert listed == past[::-1][:30]  # the latest first; the three oldest not listed
    assert re.findall(r'data-opinion-id="(\d+)"', open_part) == [str(newest_open), str(oldest_open)]
    # The database keeps the latest: the older past requests are not loaded to be dropped.
    reads = [s for s in statements_of(app, client, "/opinions/mine") if re.search(r"FROM legal_opinions\b", s)]
    assert any(re.search(r"\bLIMIT\b", s) for s in reads), reads


def unescaped(client, response) -> str:
    import html

    assert response.status_code == 302
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_each_step_says_what_comes_next_the_accepting_lawyer_their_deadline(app, world):
    from app.dates import deadline_text

    mediator = client_of(app, world["mediator"])
    english(mediator)
    ask(mediator, world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    lawyer = client_of(app, world["lawyer_user"])
    english(lawyer)
    page = f"/opinions/{opinion_id}"
    shown = unescaped(lawyer, step(lawyer, page, opinion_id, "accept"))
    with app.test_request_context():
        due = deadline_text(db.session.get(LegalOpinion, opinion_id).due_at, "en")
    assert f"Accepted: please give your opinion by {due}." in shown and "Done:" not in shown
    shown = unescaped(lawyer, step(lawyer, page, opinion_id, "answer", opinion="应赔偿维修费用。"))
    assert "Opinion sent: the case's mediators are told and will acknowledge it." in shown
    case_page = f"/cases/{world['case']}"
    shown = unescaped(mediator, step(mediator, case_page, opinion_id, "acknowledge"))
    assert "Opinion acknowledged: the request is complete." in shown
    assert request_of(app, world["lawyer"])[2] == "acknowledged"


def test_the_note_on_reaching_the_parties_is_for_the_lawyer_only(app, world):
    """"Ask the mediator to reach a party" is the lawyer's; staff reading the request do not get it."""
    ask(client_of(app, world["mediator"]), world["case"], world["lawyer"])
    opinion_id = request_of(app, world["lawyer"])[0]
    page = f"/opinions/{opinion_id}"
    html = client_of(app, world["lawyer_user"]).get(page).get_data(as_text=True)
    assert 'id="case-summary"' in html and 'id="lawyer-contact-note"' in html
    with app.app_context():
        community = db.session.get(Dispute, world["case"]).community
        supervisor = f.user("supervisor", community=community).username
        db.session.commit()
    for reader in (supervisor, world["mediator"]):
        response = client_of(app, reader).get(page)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="case-summary"' in html
        assert 'id="lawyer-contact-note"' not in html
