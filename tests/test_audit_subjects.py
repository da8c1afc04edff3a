"""What the audit log's events are about, as a supervisor reads them: the rows
of a case (a referral, a follow-up, an elder's invitation) named by the case's
file number, not by their own ids ("部门交办 #3"), and linked to their page
when the reader may open it; read a page at a time in one statement a kind of
row, none per event. And the case file's print and its PDF told apart."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.followups.models import FollowUp
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_followups as ff
from tests import factories_referrals as fr
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_opinions_web import english
from tests.test_statement_budgets import counted

AGREED = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        mediator, grid = fs.user_named(w.m_a1), fs.grid(w.grid_a1)
        market = fr.department("市场监管")
        agreed = ff.agreed_case(mediator, grid, AGREED)  # accepted: a file number; a follow-up planned
        w.agreed, w.file_no = agreed.id, agreed.file_no
        w.followup = db.session.execute(select(FollowUp.id).where(FollowUp.dispute_id == agreed.id)).scalars().first()
        unaccepted = f.dispute(mediator, grid)
        w.unaccepted = unaccepted.id
        w.referral = fr.referral(unaccepted, market, mediator).id
        w.elder_case = fe.case_in_mediation(mediator, grid)
        w.assignment = fe.invite(w.elder_case, fe.elder(mediator.community), mediator).id
        w.elder_case = w.elder_case.id
        db.session.remove()
    yield w
    clock.set_now(None)


def subject(html: str, entity: str) -> str:
    """The "what" cell of the first event about `entity` ("referral:3")."""
    row = re.search(rf'data-entity="{entity}".*?</tr>', html, re.S).group(0)
    return re.search(r'<td role="cell" class="event-what">(.*?)</td>', row, re.S).group(1)


def test_the_rows_of_a_case_are_named_by_the_case_and_linked_to_their_pages(client, world):
    login(client, world.sup_a)
    english(client)
    html = client.get("/audit/").get_data(as_text=True)
    assert subject(html, f"followup:{world.followup}") == \
        f'Follow-up visit <a href="/followups/{world.followup}">{world.file_no}</a>'
    assert subject(html, f"referral:{world.referral}") == \
        f'Referral to a department <a href="/referrals/{world.referral}">case #{world.unaccepted} · 市场监管</a>'
    # An elder's invitation has no page for the staff: its case's page lists it.
    assert f'<a href="/supervision/cases/{world.elder_case}">' in subject(html, f"elder_assignment:{world.assignment}")
    assert subject(html, f"dispute:{world.agreed}").endswith(
        f'<a href="/supervision/cases/{world.agreed}">{world.file_no}</a>')
    # The links lead where they say.
    for path in (f"/followups/{world.followup}", f"/referrals/{world.referral}", f"/supervision/cases/{world.agreed}"):
        assert client.get(path).status_code == 200, path


def test_a_row_the_reader_may_not_open_is_named_without_a_link(app, client, world):
    """Street B's supervisor reads the events of street A's mediator only through a filter they may not
    use; the administrator, who may open accounts, gets the account's link where a supervisor has none."""
    login(client, world.sup_a)  # a login: an event about the supervisor's account
    english(client)
    html = client.get("/audit/").get_data(as_text=True)
    account = subject(html, f"user:{world.sup_a_id}")
    assert "<a " not in account  # the accounts' pages are the administrator's
    admin = app.test_client()
    login(admin, world.admin)
    english(admin)
    admin_html = admin.get("/audit/").get_data(as_text=True)
    assert f'href="/admin/users/{world.sup_a_id}"' in subject(admin_html, f"user:{world.sup_a_id}")
    assert f'href="/referrals/{world.referral}"' in subject(admin_html, f"referral:{world.referral}")
    # A street supervisor who may not see the case: named, not linked (the page would refuse them).
    with app.test_request_context():
        from app.audit.models import AuditEvent
        from app.supervision.audit_subjects import subjects

        events = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type.in_(
            ("referral", "followup", "dispute")))).scalars().all()
        about = subjects(events, "en", [{} for _ in events], fs.user_named(world.sup_b))
        assert about and all(s.url is None for s in about.values())
        assert {s.name for e, s in ((e, about[e.id]) for e in events) if e.entity_type == "followup"} == {world.file_no}


def test_the_subjects_cost_no_statement_per_event(app, client, world):
    app.config["SUPERVISION_PER_PAGE"] = 500  # every event on the page, before and after: the same kinds
    login(client, world.sup_a)

    def statements():
        client.get("/audit/")  # warm
        with counted(app) as sent:
            assert client.get("/audit/").status_code == 200
        return len(sent)

    before = statements()
    with app.app_context():
        mediator, grid = fs.user_named(world.m_a1), fs.grid(world.grid_a1)
        market = db.session.execute(select(fr.Department)).scalars().first()
        for _ in range(3):
            fr.referral(f.dispute(mediator, grid), market, mediator)
            ff.agreed_case(mediator, grid, AGREED)
        db.session.remove()
    assert statements() == before


def test_printing_the_case_file_and_downloading_its_pdf_read_apart(app, client, world):
    from app.supervision import casefile

    login(client, world.sup_a)
    english(client)
    assert client.get(f"/supervision/cases/{world.agreed}/casefile").status_code == 200
    with app.app_context():
        try:
            casefile.font_path()
            font = True
        except casefile.FontMissing:
            font = False
    pdf = font and client.get(f"/supervision/cases/{world.agreed}/casefile.pdf").status_code == 200
    html = client.get("/audit/?trigger=export").get_data(as_text=True)
    actions = re.findall(r'class="event-action"><strong>([^<]*)</strong>', html)
    assert actions == (["Case file downloaded as PDF"] if pdf else []) + ["Case file printed"]
    # The case's own history says it alike.
    case_page = client.get(f"/supervision/cases/{world.agreed}").get_data(as_text=True)
    assert "Case file printed" in case_page


def test_a_swap_is_named_by_its_saturday_and_lawyers_and_linked_to_its_duty(app, client):
    from datetime import timedelta

    from app.rota import planning
    from app.rota.models import Duty
    from app.rota.swaps import request_swap
    from tests import factories_rota as frota

    with app.app_context():
        frota.set_today()
        coordinator, _room, people = frota.rota_world(lawyers=2, seats=1)
        last = frota.FIRST_SATURDAY + timedelta(weeks=3)
        planning.generate(frota.FIRST_SATURDAY, last, coordinator)
        planning.publish(frota.FIRST_SATURDAY, last, coordinator)
        (a, a_user), (b, _b_user) = people
        duty = db.session.execute(select(Duty).where(Duty.lawyer_id == a.id).order_by(Duty.day)).scalars().first()
        swap = request_swap(duty, a, b, "家里有事", a_user)
        ids, day, names = (swap.id, duty.id), duty.day, (a.name, b.name)
        admin = f.user("admin").username
        db.session.remove()
    login(client, admin)
    english(client)
    what = subject(client.get("/audit/").get_data(as_text=True), f"duty_swap:{ids[0]}")
    assert f'<a href="/rota/duties/{ids[1]}">' in what
    assert f"{day.year}" in what and f"{names[0]} → {names[1]}" in what and f"#{ids[0]}" not in what
