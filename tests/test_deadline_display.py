"""A legal deadline is stored as the midnight after its last day
(`clock.day_end`); the pages show it as the end of that last day, not as the
next day's 00:00, which reads a day later than the period ends."""
import re
from datetime import date, datetime
from pathlib import Path

from app import clock
from app.extensions import db
from app.labels import field_value
from tests import factories as f
from tests.factories import csrf, login

ACCEPTED_AT = datetime(2026, 3, 6, 2)  # 10:00 on Friday 6 March 2026 in Shanghai


def test_a_legal_deadline_reads_as_the_end_of_its_last_day(app, client):
    with app.app_context():
        _street, communities, grids = f.org()
        mediator = f.user("mediator", community=communities[0])
        case = f.walk(f.dispute(mediator, grids[0], now=ACCEPTED_AT), mediator, "accept", now=ACCEPTED_AT)
        db.session.commit()
        # Thirty days from 6 March: Sunday 5 April, in the Qingming holidays (4-6 April), so the
        # mediation limit ends with the next working day, Tuesday 7 April (Civil Code art. 203).
        assert clock.to_local(case.due_at).replace(tzinfo=None) == datetime(2026, 4, 8, 0, 0)
        assert clock.last_day(case.due_at) == date(2026, 4, 7)
        case_id, username = case.id, mediator.username
    login(client, username)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<dd class=\"col-sm-9\">2026/4/7 24:00</dd>" in page and "2026/4/8 00:00" not in page
    listed = client.get("/cases/").get_data(as_text=True)  # the community's list
    assert "截止 2026/4/7 24:00" in listed
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/cases/"})
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "end of Apr 7, 2026" in page and "12:00\u202fAM" not in page and "12:00 AM" not in page


def test_a_deadline_at_another_time_reads_as_that_time(app):
    with app.test_request_context():
        at_five = datetime(2026, 4, 1, 9)  # 17:00 in Shanghai
        assert app.jinja_env.from_string("{{ t|deadlineformat }}").render(t=at_five) == "2026/4/1 17:00"
        assert field_value("due_at", at_five.isoformat(), "zh_Hans_CN") == "2026/4/1 17:00"
        assert field_value("due_at", datetime(2026, 4, 1, 16).isoformat(), "en") == "end of Apr 1, 2026"
        assert field_value("due_at", "not a moment", "en") == "not a moment"
        assert field_value("answer_by", datetime(2026, 4, 1, 16).isoformat(), "en") == "end of Apr 1, 2026"
        assert field_value("answer_by", datetime(2026, 4, 1, 16).isoformat(), "zh_Hans_CN") == "2026/4/1 24:00"
        assert field_value("visit_by", "2026-04-01", "en") == "2026-04-01"  # a day, not a moment: not shifted
        assert app.jinja_env.from_string("[{{ t|deadlineformat }}]").render(t=None) == "[]"  # never "now"


def test_no_template_shows_a_deadline_as_a_plain_moment():
    """Every page says a deadline by the rule above (deadlineformat, or the today page's due_text)."""
    templates = Path(__file__).resolve().parent.parent / "app" / "templates"
    plain = re.compile(r"\.(due_at|ack_by|answer_by|visit_by|period_ends_at)\s*\|\s*datetimeformat")
    found = [f"{path.relative_to(templates)}: {match.group(0)}" for path in sorted(templates.rglob("*.html"))
             for match in plain.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
