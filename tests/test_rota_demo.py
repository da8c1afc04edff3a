"""The rota's demo: its own holidays are the centre's extra closures only,
never a copy of the statutory holidays (those are the holiday calendar's,
listed beside them on the holidays page); planning leaves the statutory
holidays empty all the same."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, workdays
from app.extensions import db
from app.rota import demo
from app.rota.models import LIVE_STATES, Duty, Holiday
from tests import factories as f

NOW = datetime(2026, 9, 9, 2, 0)  # Wednesday 9 September 2026, 10:00 in Shanghai; 国庆节 is ahead
NATIONAL_DAY_SATURDAY = date(2026, 10, 3)


@pytest.fixture
def loaded(app):
    with app.app_context():
        street, communities, _grids = f.org(communities=5)
        coordinator = f.user("coordinator", street=street)
        f.user("lawyer", street=street)
        f.user("mediator", community=communities[0])
        clock.set_now(NOW)
        try:
            summary = demo.load(2026)
        finally:
            clock.set_now(None)
        yield dict(summary=summary, coordinator=coordinator.username)


def holiday_list(html: str, list_id: str) -> str:
    return re.search(rf'id="{list_id}".*?</ul>', html, re.S).group(0)


def test_the_demos_own_holiday_is_a_closure_not_a_statutory_day(app, loaded):
    statutory = workdays.statutory_holidays(date(2026, 1, 1), date(2027, 12, 31))
    assert NATIONAL_DAY_SATURDAY in statutory  # the holiday package knows the festival this test is about
    (closure,) = db.session.execute(select(Holiday)).scalars()
    assert closure.name == demo.CLOSURE and closure.first_day == closure.last_day
    assert closure.first_day.weekday() == 5 and closure.first_day not in statutory
    assert closure.first_day.isoformat() in loaded["summary"]
    # Planning closed both without a holiday of the rota's own for the statutory one: no duty on either,
    # the Saturdays around them planned.
    live = {d.day for d in db.session.execute(select(Duty).where(Duty.state.in_(LIVE_STATES))).scalars()}
    assert NATIONAL_DAY_SATURDAY not in live and closure.first_day not in live
    assert NATIONAL_DAY_SATURDAY + timedelta(weeks=1) in live and closure.first_day - timedelta(weeks=1) in live


def test_the_holidays_page_lists_each_once(app, loaded):
    festivals = {name for name, _first, _last in workdays.holiday_runs(date(2026, 1, 1), date(2027, 12, 31))}
    client = app.test_client()
    f.login(client, loaded["coordinator"])
    html = client.get("/rota/holidays").get_data(as_text=True)
    calendar, own = holiday_list(html, "calendar-holiday-list"), holiday_list(html, "holiday-list")
    assert "国庆节" in festivals and "国庆节" in calendar
    assert demo.CLOSURE in own and not [name for name in festivals if name in own]
    assert own.count("data-holiday=") == 1
