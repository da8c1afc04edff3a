"""The plan page warns, and so does its publish question, when the range
reaches a year whose public holidays the calendar does not know (neither
the chinesecalendar package nor a notice the admin entered): its festivals'
Saturdays would be planned like any other."""
from datetime import date

import pytest
from sqlalchemy import select

from app import workdays
from app.auth.models import User
from app.extensions import db
from app.main.calendar_admin import add_entry
from app.rota import planning
from tests import factories as f, factories_rota as fr

# The rota's tests live in 2027; the package's last year is 2026 (app.workdays.library_years).
NOTICE_2027 = [("元旦", date(2027, 1, 1), date(2027, 1, 3)), ("春节", date(2027, 2, 6), date(2027, 2, 12)),
               ("清明节", date(2027, 4, 3), date(2027, 4, 5)), ("劳动节", date(2027, 5, 1), date(2027, 5, 5)),
               ("端午节", date(2027, 6, 9), date(2027, 6, 11)), ("中秋节", date(2027, 9, 15), date(2027, 9, 17)),
               ("国庆节", date(2027, 10, 1), date(2027, 10, 7))]


@pytest.fixture
def world(app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=3, seats=1)
        planning.generate(fr.FIRST_SATURDAY, date(2027, 5, 29), coordinator)
        assert 2027 not in workdays.library_years(), "the test needs a year the package does not know"
        names = dict(coordinator=coordinator.username, admin=f.user("admin").username)
        db.session.remove()
    return names


def page(app, username, first, last):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return client.get(f"/rota/plan?first_day={first}&last_day={last}").get_data(as_text=True)


def test_a_range_in_a_year_without_holidays_warns_on_the_page_and_in_the_question(app, world):
    html = page(app, world["coordinator"], fr.FIRST_SATURDAY, date(2027, 5, 29))
    assert 'id="unknown-holidays"' in html
    warning = html.split('id="unknown-holidays">')[1].split("</div>")[0]
    assert "2027" in warning
    question = html.split('action="/rota/plan/publish" data-confirm="')[1].split('"')[0]
    assert "2027" in question


def test_no_warning_once_the_year_is_entered(app, world):
    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == world["admin"])).scalar_one()
        for name, first, last in NOTICE_2027:
            add_entry(name, first, last, [], admin)
    html = page(app, world["coordinator"], fr.FIRST_SATURDAY, date(2027, 5, 29))
    assert 'id="unknown-holidays"' not in html


def test_a_year_entered_in_part_names_the_festivals_still_to_enter(app, world):
    """The admin entered 元旦 and 春节: the page no longer says the year is not entered at all."""
    with app.app_context():
        admin = db.session.execute(select(User).where(User.username == world["admin"])).scalar_one()
        for name, first, last in NOTICE_2027[:2]:
            add_entry(name, first, last, [], admin)
    html = page(app, world["coordinator"], fr.FIRST_SATURDAY, date(2027, 5, 29))
    warning = html.split('id="unknown-holidays">')[1].split("</div>")[0]
    assert "2027年的法定节假日已部分录入：尚待录入清明节、劳动节、端午节、中秋节、国庆节" in warning
    assert "尚未录入" not in warning and "春节" not in warning
    question = html.split('action="/rota/plan/publish" data-confirm="')[1].split('"')[0]
    assert "尚待录入清明节" in question
