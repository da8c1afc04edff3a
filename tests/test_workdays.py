"""Statutory holidays and 调休 working days (app/workdays.py): legal periods
that end on a rest day run on to the next working day (Civil Code art. 203),
the admin's hand-entered notice for a year the package lags on, and the
rota's Saturdays."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app import clock, engine, workdays
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.agreement import confirmation_window
from app.engine.timers import tick
from app.extensions import db
from app.main.calendar_admin import EntryRefused, add_entry
from app.rota import planning
from tests import factories as f
from tests import factories_rota as fr
from tests.factories import csrf, login


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


# ---- the calendar itself (the package's 2026 notice)

@pytest.mark.parametrize("last_day, ends", [
    (date(2026, 10, 6), date(2026, 10, 8)),    # National Day holiday (1–7 October): the next working day
    (date(2026, 10, 1), date(2026, 10, 8)),
    (date(2026, 10, 8), date(2026, 10, 8)),    # a working Thursday stays
    (date(2026, 10, 10), date(2026, 10, 10)),  # a 调休 Saturday is a working day
    (date(2026, 11, 28), date(2026, 11, 30)),  # an ordinary Saturday: Monday
    (date(2026, 2, 15), date(2026, 2, 24)),    # the Spring Festival (15–23 February)
])
def test_a_period_ending_on_a_rest_day_ends_on_the_next_working_day(app, last_day, ends):
    with app.app_context():
        assert workdays.legal_last_day(last_day) == ends


def test_the_package_names_holidays_and_swapped_saturdays(app):
    with app.app_context():
        calendar = workdays.load(date(2026, 10, 1), date(2026, 10, 31))
        assert calendar.holiday_name(date(2026, 10, 3)) == "国庆节"
        assert calendar.is_swapped_workday(date(2026, 10, 10))
        assert not calendar.is_rest_day(date(2026, 10, 10))
        assert calendar.is_rest_day(date(2026, 10, 3))


# ---- legal periods of a case

def _agreed_case(world_lead, grid, *, accepted, agreed, form="written"):
    d = f.dispute(world_lead, grid, now=accepted)
    f.walk(d, world_lead, "accept", "assign", "start_mediation", now=accepted)
    if form == "written":
        f.walk(d, world_lead, "agree", now=agreed)
    else:
        engine.fire(d, "agree", world_lead, form="oral", terms="当面道歉", now=agreed)
    return d


def test_the_confirmation_window_ending_on_6_october_ends_on_8_october(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        # Drafted 5 September, signed Sunday 6 September (Shanghai): 30 days later is 6 October.
        d = _agreed_case(lead, grids[0], accepted=datetime(2026, 9, 1, 2), agreed=datetime(2026, 9, 5, 2))
        clock.set_now(datetime(2026, 9, 7, 2))
        f.walk(d, lead, "sign", now=datetime(2026, 9, 6, 2))
        assert d.signed_on == date(2026, 9, 6)
        assert d.due_at == datetime(2026, 10, 8, 16, 0)  # midnight in Shanghai after Thursday 8 October
        window = confirmation_window(d, now=datetime(2026, 10, 6, 2))
        assert window.took_effect == date(2026, 9, 6) and window.last_day == date(2026, 10, 8)
        assert window.is_open and window.days_left == 2
        # The timer closes it only once 8 October is over.
        case_id = d.id
        assert [x for x in tick(now=datetime(2026, 10, 8, 15, 59), only={"dispute"}, jobs=False).fired
                if x[1] == case_id] == []
        assert [x[2] for x in tick(now=datetime(2026, 10, 8, 16, 0), only={"dispute"}, jobs=False).fired
                if x[1] == case_id] == ["confirmation_window_closed"]
        assert verify() == []


def test_an_oral_agreement_window_also_moves_off_a_holiday(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = _agreed_case(lead, grids[0], accepted=datetime(2026, 9, 1, 2), agreed=datetime(2026, 9, 6, 2),
                         form="oral")
        assert d.due_at == datetime(2026, 10, 8, 16, 0)
        assert confirmation_window(d, now=datetime(2026, 9, 7)).last_day == date(2026, 10, 8)


def test_the_mediation_limit_ending_in_the_national_day_holiday_runs_to_the_next_working_day(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = f.dispute(lead, grids[0], now=datetime(2026, 9, 6, 2))
        f.walk(d, lead, "accept", now=datetime(2026, 9, 6, 2))  # 10:00 on 6 September: +30 days is 6 October
        assert d.due_at == datetime(2026, 10, 8, 16, 0)
        f.walk(d, lead, "assign", "start_mediation", now=datetime(2026, 9, 8, 2))
        assert d.due_at == datetime(2026, 10, 8, 16, 0)  # the clock runs on from acceptance
        # On a working day the limit stays exactly 30 days after acceptance.
        other = f.dispute(lead, grids[0], now=datetime(2026, 9, 8, 2))
        f.walk(other, lead, "accept", now=datetime(2026, 9, 8, 2))
        assert other.due_at == datetime(2026, 10, 8, 2)


# ---- a year's notice entered by hand (2027: the package does not know it)

NATIONAL_DAY_2027 = ("国庆节", date(2027, 10, 1), date(2027, 10, 7), [date(2027, 9, 26), date(2027, 10, 9)])


def test_a_hand_entered_notice_counts_for_legal_periods_and_is_audited(app):
    with app.app_context():
        admin = f.user("admin")
        assert workdays.legal_last_day(date(2027, 10, 5)) == date(2027, 10, 5)  # unknown: a plain Tuesday
        add_entry(*NATIONAL_DAY_2027, admin)
        assert workdays.legal_last_day(date(2027, 10, 5)) == date(2027, 10, 8)
        assert workdays.legal_last_day(date(2027, 9, 26)) == date(2027, 9, 26)  # a 调休 Sunday works
        assert count(workdays.CalendarDay) == 9
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.trigger == "calendar_notice_added")).scalar_one()
        assert event.actor_id == admin.id
        assert verify() == []


def test_an_entry_overlapping_the_package_or_another_entry_is_refused_and_nothing_written(app):
    with app.app_context():
        admin = f.user("admin")
        with pytest.raises(EntryRefused, match="2026年10月1日"):  # days said as the pages say them
            add_entry("国庆节", date(2026, 10, 1), date(2026, 10, 3), [], admin)
        with pytest.raises(EntryRefused, match="2026年10月10日"):  # the package's 调休 Saturday
            add_entry("补班", date(2026, 12, 1), date(2026, 12, 1), [date(2026, 10, 10)], admin)
        db.session.rollback()
        assert count(workdays.CalendarDay) == 0
        add_entry(*NATIONAL_DAY_2027, admin)
        with pytest.raises(EntryRefused, match="国庆节"):
            add_entry("中秋节", date(2027, 10, 7), date(2027, 10, 8), [], admin)
        db.session.rollback()
        assert count(workdays.CalendarDay) == 9
        assert count(AuditEvent, AuditEvent.trigger == "calendar_notice_added") == 1


def _post(client, data):
    page = client.get("/admin/calendar")
    assert page.status_code == 200
    return client.post("/admin/calendar", data={"csrf_token": csrf(page.get_data(as_text=True)), **data})


def test_the_admin_page_adds_an_entry_and_refuses_bad_input_with_a_message(app, client):
    with app.app_context():
        admin, mediator = f.user("admin").username, f.user("mediator", community=f.org()[1][0]).username
    login(client, mediator)
    assert client.get("/admin/calendar").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, admin)
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})
    refused = _post(client, {"name": "国庆节", "first_day": "2026-10-01", "last_day": "2026-10-07"})
    assert refused.status_code == 409
    assert "already has Oct 1, 2026" in refused.get_data(as_text=True)
    for data, message in (
        ({"name": "国庆节", "first_day": "2027-10-07", "last_day": "2027-10-01"}, "cannot be before the first"),
        ({"name": "国庆节", "first_day": "2027-10-01", "last_day": "2027-10-07", "workdays": "9/26"},
         "YYYY-MM-DD"),
        ({"name": "国庆节", "first_day": "2027-10-01", "last_day": "2027-10-07", "workdays": "2027-09-28"},
         "Saturday or a Sunday"),
        ({"name": "", "first_day": "2027-10-01", "last_day": "2027-10-07"}, "This field is required"),
    ):
        answer = _post(client, data)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), message
    with app.app_context():
        assert count(workdays.CalendarDay) == 0
    done = _post(client, {"name": "国庆节", "first_day": "2027-10-01", "last_day": "2027-10-07",
                          "workdays": "2027-09-26, 2027-10-09"})
    assert done.status_code == 302
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert 'id="notice-list"' in page and "<strong>National Day</strong>" in page  # entered as 国庆节, said in English
    entry = date(2027, 10, 1).toordinal()
    removed = client.post(f"/admin/calendar/{entry}/remove", data={"csrf_token": csrf(page)})
    assert removed.status_code == 302
    with app.app_context():
        assert count(workdays.CalendarDay) == 0
        assert count(AuditEvent, AuditEvent.trigger == "calendar_notice_removed") == 1


# ---- the rota's Saturdays

def test_the_rota_skips_a_holiday_saturday_and_plans_a_swapped_working_saturday(app):
    with app.app_context():
        fr.rota_world(lawyers=2, seats=1)
        fr.set_today(date(2026, 9, 1))
        days = planning.plan_days(date(2026, 9, 1), date(2026, 10, 31))
        assert date(2026, 10, 3) not in days  # National Day
        assert date(2026, 10, 10) in days  # 调休: a working Saturday
        assert date(2026, 9, 26) not in days  # the Mid-autumn holiday, 25–27 September 2026
        assert date(2026, 9, 19) in days  # an ordinary Saturday
        assert planning.closures(date(2026, 9, 1), date(2026, 10, 31)).city[date(2026, 9, 26)] == "中秋"


def test_a_hand_entered_notice_closes_the_rota_too(app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
        add_entry(*NATIONAL_DAY_2027, f.user("admin"))
        days = planning.plan_days(date(2027, 9, 1), date(2027, 10, 31))
        assert date(2027, 10, 2) not in days and date(2027, 10, 9) in days
        result = planning.generate(date(2027, 9, 1), date(2027, 10, 31), coordinator)
        assert result.unfilled == []
        from app.rota.models import Duty
        planned = set(db.session.execute(select(Duty.day)).scalars())
        assert date(2027, 10, 2) not in planned and date(2027, 10, 9) in planned
