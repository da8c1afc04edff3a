"""A dangerous form sent by a browser that runs no script asks its question
on a page of its own before anything is done (app/confirm.py); with a
script, the browser's dialog asks and the form does not carry the question."""
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login



def question(case_id: int) -> str:
    """The reject step's question: the step, the case (no file number before acceptance) and what follows."""
    return f"对案件#{case_id}执行“不予受理”？案件将不予受理调解。此操作无法撤销。"


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (community, _other), grids = f.org()
        mediator = f.user("mediator", community=community)
        case = f.dispute(mediator, grids[0]).id
        return type("World", (), {"mediator": mediator.username, "case": case})


def events(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(AuditEvent.id))).scalar()


def state(app, case_id) -> str:
    with app.app_context():
        return db.session.get(Dispute, case_id).state


def reject_form(page: str) -> str:
    return re.search(r'<form method="post" action="/cases/\d+/fire/reject".*?</form>', page, re.S).group(0)


def hidden_fields(html: str) -> list[tuple[str, str]]:
    return [(name, unescape(value)) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)]


def sent_without_a_script(client, case_id, referer=None, **changes):
    page = client.get(f"/cases/{case_id}?step=reject").get_data(as_text=True)
    form = reject_form(page)
    # The question rides in <noscript>: only a browser running no script sends it.
    asked = re.search(r'<noscript><input type="hidden" name="_confirm" value="([^"]+)"></noscript>', form)
    assert asked and unescape(asked.group(1)) == question(case_id)
    version = re.search(r'name="reject-version" type="hidden" value="(\d+)"', form).group(1)
    data = {"reject-csrf_token": csrf(page), "reject-version": version, "reject-route": "court",
            "reject-reason": "重复登记 <b>", "_confirm": unescape(asked.group(1))}
    data = {key: value for key, value in dict(data, **changes).items() if value is not None}
    return client.post(f"/cases/{case_id}/fire/reject", data=data,
                       headers={"Referer": referer or f"http://localhost/cases/{case_id}"})


def test_the_step_is_asked_about_then_done_once_answered(app, client, world):
    login(client, world.mediator)
    before = events(app)
    asked = sent_without_a_script(client, world.case)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "请确认" in html and question(world.case) in html and "尚未执行任何操作。" in html
    assert state(app, world.case) == "submitted" and events(app) == before  # nothing done, nothing recorded
    # The page sends the same fields again, and the answer; the question is not sent again.
    form = re.search(r'<div class="py-3" id="confirm-page">.*?<form method="post" action="([^"]+)"(.*?)</form>', html, re.S)
    assert form.group(1) == f"/cases/{world.case}/fire/reject"
    fields = hidden_fields(form.group(2))
    assert ("reject-reason", "重复登记 <b>") in fields and ("reject-route", "court") in fields
    assert ("_confirmed", "1") in fields and "_confirm" not in dict(fields)
    assert "重复登记 &lt;b&gt;" in html and "重复登记 <b>" not in html  # what was typed is shown escaped
    assert re.search(rf'href="http://localhost/cases/{world.case}" id="confirm-no"', html)  # back to the case

    done = client.post(form.group(1), data=dict(fields))
    assert done.status_code == 302
    assert state(app, world.case) == "rejected"


def test_a_script_s_form_is_not_asked_again(app, client, world):
    """With a script the dialog has asked: the form has no question, and acts at once."""
    login(client, world.mediator)
    response = sent_without_a_script(client, world.case, _confirm=None)
    assert response.status_code == 302 and state(app, world.case) == "rejected"


def test_the_question_is_asked_after_the_csrf_check(app, client, world):
    """A forged form is refused as before, not echoed back with its fields as a page to confirm."""
    login(client, world.mediator)
    response = sent_without_a_script(client, world.case, **{"reject-csrf_token": "forged"})
    assert response.status_code == 400 and "请确认" not in response.get_data(as_text=True)
    assert state(app, world.case) == "submitted"


def test_back_leads_to_this_site_only(app, client, world):
    login(client, world.mediator)
    page = client.get(f"/cases/{world.case}?step=reject").get_data(as_text=True)
    response = client.post(f"/cases/{world.case}/fire/reject", headers={"Referer": "https://elsewhere.example/x"},
                           data={"reject-csrf_token": csrf(page), "_confirm": "<script>alert(1)</script>"})
    html = response.get_data(as_text=True)
    assert 'href="/" id="confirm-no"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_only_a_form_that_passed_the_csrf_check_is_asked_about(app, client, world):
    """Where no CSRF check ran (a path no view serves; the JSON API, exempt from it) a `_confirm` field
    is nobody's question: the request is answered as it would be, never with a page of ours echoing it."""
    unrouted = client.post("/nowhere", data={"_confirm": "假冒的问题"})
    assert unrouted.status_code == 404 and "假冒的问题" not in unrouted.get_data(as_text=True)
    api = client.post("/api/v1/disputes", data={"_confirm": "假冒的问题", "payload": "{}"},
                      content_type="multipart/form-data")
    assert api.status_code == 401 and api.mimetype == "application/problem+json"


def test_the_form_s_own_address_is_never_the_way_back(app, client, world):
    """A form sent back with its errors is shown at the address it posts to, which a GET does not serve:
    asked from there, the way back is the start page."""
    login(client, world.mediator)
    fire = f"/cases/{world.case}/fire/reject"
    assert sent_without_a_script(client, world.case, _confirmed="1", **{"reject-reason": ""}).status_code == 422
    assert client.get(fire).status_code == 405
    asked = sent_without_a_script(client, world.case, referer=f"http://localhost{fire}")
    assert 'href="/" id="confirm-no"' in asked.get_data(as_text=True)
    assert state(app, world.case) == "submitted"


def test_every_form_that_asks_with_a_script_asks_without_one_too():
    """A template's form marked data-confirm carries its question for a browser
    running no script (the macro ask_without_script), or it would act at once there."""
    templates = Path(__file__).resolve().parent.parent / "app" / "templates"
    unasked = []
    for path in sorted(templates.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for marked in re.finditer(r"data-confirm=", text):
            opening = text.rfind("<form", 0, marked.start())
            closing = text.find("</form>", marked.start())
            assert opening != -1 and closing != -1, f"{path.name}: data-confirm outside a form"
            if "ask_without_script(" not in text[opening:closing]:
                unasked.append(f"{path.relative_to(templates)}:{text.count(chr(10), 0, marked.start()) + 1}")
    assert unasked == []
