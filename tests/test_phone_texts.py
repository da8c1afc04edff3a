"""Texts a tester met walking the app on a phone in both languages: Chinese
left on English pages, a list joined with "、" in English, a heading that
said less than its list held, an address a resident could not open."""
import re
from datetime import datetime

import pytest

from app import clock
from app.extensions import db
from app.engine.timers import tick
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_followups as ff
from tests.factories import csrf, login

AGREED = datetime(2026, 3, 2, 2, 0)
DUE_DAY = datetime(2026, 3, 9, 2, 0)  # the 7-day follow-up of the agreement is due
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        fe.elder(c1, name="张德厚", expertise=("neighbour", "marriage_family"))
        case = ff.agreed_case(mediator, grids[0], AGREED)
        tick(now=DUE_DAY)
        w = dict(mediator=mediator.username, case=case.id, coordinator=f.user("coordinator", street=street).username,
                 admin=f.user("admin").username)
        db.session.remove()
    clock.set_now(DUE_DAY)
    yield type("World", (), w)
    clock.set_now(None)


def english(client, back="/login"):
    page = client.get(back).get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": back})


def test_the_today_heading_says_to_do_today_for_work_open_before_its_due_day(client, world):
    login(client, world.mediator)
    page = client.get("/today").get_data(as_text=True)
    section = page.split('id="today-today"')[1].split("</section>")[0]
    assert "今天要办" in section and "今天到期" not in section
    assert 'data-kind="followup"' in section
    english(client, "/today")
    section = client.get("/today").get_data(as_text=True).split('id="today-today"')[1].split("</section>")[0]
    assert "To do today" in section and "Due today" not in section


def test_the_public_report_page_has_one_heading_per_language(client, world):
    heading = re.compile(r'<h1 class="h4">([^<]*)</h1>')
    assert heading.search(client.get("/report").get_data(as_text=True)).group(1) == "群众随手拍"
    english(client)
    assert heading.search(client.get("/report").get_data(as_text=True)).group(1) == (
        "Report a problem to the mediation centre")


def test_the_case_page_gives_the_tracking_page_s_full_address_as_a_link(client, world):
    login(client, world.mediator)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert '<a href="http://localhost/track" id="track-link" class="text-break">http://localhost/track</a>' in page
    assert "当事人凭此码在“查询进度”页面查询案件" in page


def test_the_roster_joins_strengths_for_the_page_s_language(client, world):
    login(client, world.coordinator)
    assert "邻里、婚姻家庭" in client.get("/elders/roster").get_data(as_text=True)
    english(client, "/elders/roster")
    page = client.get("/elders/roster").get_data(as_text=True)
    assert "Neighbours, Marriage and family</td>" in page and "、" not in page


def test_the_calendar_admin_says_make_up_working_days_in_english(client, world):
    login(client, world.admin)
    assert "调休上班日" in client.get("/admin/calendar").get_data(as_text=True)
    english(client, "/admin/calendar")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "Make-up working days" in page and "调休 working" not in page


def test_the_api_document_names_the_state_a_dispute_enters_in_english(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    said = spec["paths"]["/api/v1/disputes"]["post"]["summary"]
    assert "`submitted`" in said and not CHINESE.search(said)
