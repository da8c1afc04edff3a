"""An administrator renames a department, changes its default periods and
deactivates or reactivates it, from its own page (its name on the list leads
there): each change audited in its transaction, a name another department of
the same area has refused, nothing deleted. A deactivated department is not
offered for new referrals nor to new liaisons; its open referrals stay listed
and answerable."""
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.auth import accounts
from app.auth.models import User
from app.extensions import db
from app.org.models import Department
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf
from tests.test_referrals_web import as_user, step

NOW = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def world(app):
    """The city's 住建 and a duplicate one added for a street by mistake; a
    case of that street referred to the duplicate, still open."""
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        city = fr.department("住建")
        duplicate = fr.department("住建", street=street)
        market = fr.department("市场监管", street=street)
        case = f.dispute(mediator, grids[0], now=NOW)
        open_one = fr.referral(case, duplicate, mediator, now=NOW)
        f.user("admin", username="boss")
        w = dict(street=street.id, city=city.id, duplicate=duplicate.id, market=market.id, case=case.id,
                 open_one=open_one.id, ack_by=open_one.ack_by, mediator=mediator.username, liaison=fr.liaison(duplicate).username)
        db.session.remove()
    clock.set_now(NOW)
    yield type("World", (), w)
    clock.set_now(None)


def department_events(app, department_id):
    with app.app_context():
        return [(e.trigger, json.loads(e.data) if e.data else None) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "department", AuditEvent.entity_id == department_id)
            .order_by(AuditEvent.id)).scalars()]


def department_row(app, department_id):
    with app.app_context():
        d = db.session.get(Department, department_id)
        return d.name, d.ack_hours, d.answer_days, d.active


def edit(client, department_id, **data):
    page = client.get(f"/referrals/departments/{department_id}").get_data(as_text=True)
    return client.post(f"/referrals/departments/{department_id}", data={"csrf_token": csrf(page), **data})


def set_active(client, department_id, active):
    page = client.get(f"/referrals/departments/{department_id}").get_data(as_text=True)
    return client.post(f"/referrals/departments/{department_id}/{'reactivate' if active else 'deactivate'}",
                       data={"csrf_token": csrf(page)}, follow_redirects=True)


def test_a_departments_name_leads_to_its_page_with_its_forms(client, world):
    as_user(client, "boss")
    listing = client.get("/referrals/departments").get_data(as_text=True)
    link = re.search(rf'<a href="/referrals/departments/{world.duplicate}" data-department-name="{world.duplicate}">'
                     r'([^<]+)</a>', listing)
    assert link and link.group(1) == "住建"
    page = client.get(f"/referrals/departments/{world.duplicate}").get_data(as_text=True)
    assert 'id="department-edit-form"' in page and 'value="住建"' in page
    assert 'id="department-deactivate-form"' in page and "data-confirm=" in page
    assert "deactivated rather than deleted" in page  # why there is no delete
    assert "(1 now)" in page  # its open referral


def test_rename_and_change_the_periods_audited_a_taken_name_refused(client, app, world):
    as_user(client, "boss")
    # The street has 市场监管 already: refused on the name, announced, nothing written.
    taken = edit(client, world.duplicate, name=" 市场监管 ", ack_hours=24, answer_days=7)
    assert taken.status_code == 422
    html = taken.get_data(as_text=True)
    assert "A department of this name already covers this area." in html
    assert "Please correct the marked fields." in html
    assert re.search(r'<input [^>]*autofocus[^>]*id="name"', html)
    assert department_row(app, world.duplicate) == ("住建", 24, 7, True)
    assert department_events(app, world.duplicate) == []
    # Bad periods: refused the same way.
    bad = edit(client, world.duplicate, name="住建", ack_hours=0, answer_days="")
    assert bad.status_code == 422 and "Give the days to answer, a whole number." in bad.get_data(as_text=True)
    assert department_events(app, world.duplicate) == []
    # The city's 住建 has the same name but covers another area: the street's may keep or take it.
    saved = edit(client, world.duplicate, name="住建（街道）", ack_hours=12, answer_days=5)
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "住建（街道） saved." in shown and "12 hours to acknowledge, 5 days to answer" in shown
    assert department_row(app, world.duplicate) == ("住建（街道）", 12, 5, True)
    assert department_events(app, world.duplicate) == [("department_changed", {"changes": {
        "name": ["住建", "住建（街道）"], "ack_hours": [24, 12], "answer_days": [7, 5]}})]
    # The referral sent before keeps its deadline; nothing changed is neither saved nor audited.
    with app.app_context():
        assert db.session.get(Referral, world.open_one).ack_by == world.ack_by
    same = edit(client, world.duplicate, name="住建（街道）", ack_hours=12, answer_days=5)
    assert "Nothing was changed." in client.get(same.headers["Location"]).get_data(as_text=True)
    assert len(department_events(app, world.duplicate)) == 1
    # The city's own department cannot take a name another city department has.
    with app.app_context():
        fr.department("环保")
    assert edit(client, world.city, name="环保", ack_hours=24, answer_days=7).status_code == 422
    assert department_row(app, world.city)[0] == "住建"


def test_a_deactivated_department_keeps_its_open_referrals_but_takes_no_new_ones(app, world):
    admin = as_user(app.test_client(), "boss")
    done = set_active(admin, world.duplicate, False)
    html = done.get_data(as_text=True)
    assert "is deactivated: it is no longer offered for new referrals nor to new liaisons" in html
    assert 'id="deactivated-note"' in html and 'id="department-reactivate-form"' in html
    assert 'id="add-liaison"' not in html and 'id="no-liaison"' not in html
    assert department_row(app, world.duplicate)[3] is False
    assert department_events(app, world.duplicate) == [("department_deactivated", {"open_referrals": 1})]
    listing = admin.get("/referrals/departments").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*><td><a href="/referrals/departments/{world.duplicate}".*?</tr>', listing, re.S).group(0)
    assert "Deactivated" in row
    # Twice: nothing more.
    assert "Nothing was changed." in set_active(admin, world.duplicate, False).get_data(as_text=True)
    assert len(department_events(app, world.duplicate)) == 1

    # Not offered to the case's mediator, and refused when sent anyway.
    mediator = as_user(app.test_client(), world.mediator)
    form = mediator.get(f"/referrals/cases/{world.case}/new").get_data(as_text=True)
    assert f'value="{world.duplicate}"' not in form and f'value="{world.city}"' in form
    refused = mediator.post(f"/referrals/cases/{world.case}/new", data={
        "csrf_token": csrf(form), "department_id": world.duplicate, "kind": "inspect", "request": "请核查"})
    assert refused.status_code == 422
    with app.app_context():
        assert len(db.session.execute(select(Referral)).scalars().all()) == 1

    # Its liaison still sees and answers the open referral.
    liaison = as_user(app.test_client(), world.liaison)
    assert f'data-referral="{world.open_one}"' in liaison.get("/referrals/").get_data(as_text=True)
    assert step(liaison, world.open_one, "acknowledge").status_code == 302
    with app.app_context():
        assert db.session.get(Referral, world.open_one).acknowledged_at is not None

    # Reactivated: offered again, audited.
    back = set_active(admin, world.duplicate, True).get_data(as_text=True)
    assert "is active again" in back and 'id="add-liaison"' in back
    assert [t for t, _d in department_events(app, world.duplicate)] == ["department_deactivated",
                                                                        "department_reactivated"]
    form = mediator.get(f"/referrals/cases/{world.case}/new").get_data(as_text=True)
    assert f'value="{world.duplicate}"' in form


def test_a_deactivated_department_takes_no_new_liaison_but_keeps_its_own(app, world):
    admin = as_user(app.test_client(), "boss")
    set_active(admin, world.duplicate, False)
    new = admin.get("/admin/users/new").get_data(as_text=True)
    departments = re.search(r'<select[^>]*name="department_id".*?</select>', new, re.S).group(0)
    assert f'value="{world.duplicate}"' not in departments and f'value="{world.market}"' in departments
    refused = admin.post("/admin/users/new", data={
        "csrf_token": csrf(new), "username": "zhao", "display_name": "赵联络", "role": "liaison", "street_id": 0,
        "community_id": 0, "grid_id": 0, "department_id": world.duplicate,
        "password": "a long new passphrase 2027", "confirm": "a long new passphrase 2027"})
    assert refused.status_code == 422  # not one of the list's choices: marked on the list
    assert re.search(r'<select [^>]*aria-invalid="true"[^>]*name="department_id"', refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "zhao")).scalar_one_or_none() is None
        # The accounts service (the CLI's way too) refuses it on its own, saying why.
        with pytest.raises(accounts.AccountProblem) as problem:
            accounts.create("zhao", accounts.Details(display_name="赵联络", role="liaison",
                                                     department_id=world.duplicate),
                            "a long new passphrase 2027", None, "cli")
        assert (problem.value.field, problem.value.code) == ("department", "inactive")
        assert "该部门已停用" in problem.value.message  # the default language, as the form shows it
        db.session.rollback()
        liaison = db.session.execute(select(User).where(User.username == world.liaison)).scalar_one()
        uid = liaison.id
    # The liaison it has keeps it: their page offers it, and saving their new name keeps it.
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert re.search(rf'<option [^>]*selected value="{world.duplicate}">', page)
    state = re.search(r'name="state" type="hidden" value="([0-9a-f]+)"', page).group(1)
    saved = admin.post(f"/admin/users/{uid}", data={
        "csrf_token": csrf(page), "display_name": "新名字", "role": "liaison", "street_id": 0, "community_id": 0,
        "grid_id": 0, "department_id": world.duplicate, "state": state})
    assert saved.status_code == 302
    with app.app_context():
        kept = db.session.get(User, uid)
        assert (kept.display_name, kept.department_id) == ("新名字", world.duplicate)


def test_only_an_administrator_changes_a_department(app, world):
    mediator = as_user(app.test_client(), world.mediator)
    page = mediator.get("/today").get_data(as_text=True)
    for path, data in ((f"/referrals/departments/{world.duplicate}", {"name": "x", "ack_hours": 1, "answer_days": 1}),
                       (f"/referrals/departments/{world.duplicate}/deactivate", {})):
        assert mediator.post(path, data={"csrf_token": csrf(page), **data}).status_code == 403
    assert department_row(app, world.duplicate) == ("住建", 24, 7, True)
    assert department_events(app, world.duplicate) == []
