"""The admins are reminded to enter a year's holiday notice when the
chinesecalendar package does not know the year (app/main/holiday_notice.py):
an item on their today page, one notification per year from the tick, and a
warning on the holidays page, from CALENDAR_NOTICE_WARN_DAYS (60) before the
year begins until a day of it is entered."""
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from app import clock, engine, workdays
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.main.calendar_admin import NoticeForm, add_entry
from app.main.holiday_notice import KIND, REMINDER_JOB
from app.notifications.models import Notification
from app.rota import planning
from app.rota.models import Duty
from tests import factories as f
from tests import factories_rota as fr
from tests.factories import csrf, login
from tests.test_opinions_web import english

# The first year the package does not know (2027 with chinesecalendar 1.11.0), so that a newer
# release of the package moves these tests along with it.
YEAR = workdays.library_years().stop
DECEMBER = datetime(YEAR - 1, 12, 6, 2)       # 10:00 on 6 December in Shanghai: 26 days before the year
OCTOBER = datetime(YEAR - 1, 10, 1, 2)        # 92 days before: not yet
NOVEMBER_2 = datetime(YEAR - 1, 11, 1, 16)    # 00:00 on 2 November in Shanghai: the 60th day before
JANUARY = datetime(YEAR, 1, 10, 2)            # the year has begun, its notice still not entered
NEW_YEAR = ("元旦", date(YEAR, 1, 1), date(YEAR, 1, 1), [])
# The rest of a notice as an admin might enter it: one entry for two festivals, an English name.
REST_OF_NOTICE = [("春节", date(YEAR, 2, 6), date(YEAR, 2, 12), []), ("Tomb-sweeping Day", date(YEAR, 4, 5),
                  date(YEAR, 4, 5), []), ("劳动节", date(YEAR, 5, 1), date(YEAR, 5, 5), []),
                  ("端午节", date(YEAR, 6, 9), date(YEAR, 6, 9), []), ("中秋节、国庆节", date(YEAR, 10, 1),
                  date(YEAR, 10, 8), [])]


def enter_the_rest(admin) -> None:
    for entry in REST_OF_NOTICE:
        add_entry(*entry, admin)


@pytest.fixture
def people(app):
    with app.app_context():
        street, communities, _grids = f.org()
        admins = [f.user("admin").username, f.user("admin").username]
        f.user("admin", active=False)
        mediator = f.user("mediator", community=communities[0]).username
    return admins, mediator


def items_of(page: str, section: str) -> list[str]:
    part = page.split(f'id="today-{section}-items"')[1].split("</div>\n</section>")[0]
    return re.findall(r'data-kind="([a-z_]+)"', part)


def test_the_years_to_enter_are_those_neither_known_nor_entered(app):
    with app.app_context():
        admin = f.user("admin")
        assert YEAR - 1 in workdays.library_years()
        assert workdays.unentered_years(date(YEAR - 1, 12, 1), date(YEAR, 1, 30)) == [YEAR]
        assert workdays.unentered_years(date(YEAR - 1, 1, 1), date(YEAR - 1, 12, 31)) == []
        assert workdays.unentered_years(date(YEAR, 12, 1), date(YEAR + 1, 1, 30)) == [YEAR, YEAR + 1]
        assert workdays.notice_gaps(date(YEAR, 1, 1), date(YEAR, 1, 2)) == {
            YEAR: ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]}
        add_entry(*NEW_YEAR, admin)  # a notice entered in part is still to enter
        assert workdays.unentered_years(date(YEAR - 1, 12, 1), date(YEAR, 1, 30)) == [YEAR]
        assert workdays.notice_gaps(date(YEAR, 1, 1), date(YEAR, 1, 2)) == {
            YEAR: ["春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]}
        enter_the_rest(admin)
        assert workdays.unentered_years(date(YEAR - 1, 12, 1), date(YEAR, 1, 30)) == []
        assert workdays.unentered_years(date(YEAR, 12, 1), date(YEAR + 1, 1, 30)) == [YEAR + 1]


def test_a_new_year_holiday_beginning_in_december_is_the_next_years(app):
    """The 2023 notice's New Year ran from 31 December 2022: an entry of the
    next year's 元旦 reaching back into December does not enter this year's."""
    with app.app_context():
        admin = f.user("admin")
        enter_the_rest(admin)
        add_entry("元旦", date(YEAR, 12, 31), date(YEAR + 1, 1, 1), [], admin)
        assert workdays.notice_gaps(date(YEAR, 1, 1), date(YEAR + 1, 1, 2)) == {
            YEAR: ["元旦"], YEAR + 1: ["春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]}
        assert workdays.notice_year("元旦", date(YEAR, 12, 31)) == YEAR + 1
        assert workdays.notice_year("国庆节", date(YEAR, 12, 31)) == YEAR


def test_an_admin_has_it_on_the_today_page_from_the_warning_until_it_is_entered(app, client, people):
    admins, mediator = people
    login(client, mediator)
    clock.set_now(DECEMBER)
    assert KIND not in client.get("/today").get_data(as_text=True)  # the admins' work only
    client.post("/logout", data={"csrf_token": csrf(client.get("/today").get_data(as_text=True))})
    login(client, admins[0])
    clock.set_now(OCTOBER)
    assert f'data-kind="{KIND}"' not in client.get("/today").get_data(as_text=True)
    for moment in (NOVEMBER_2, DECEMBER):
        clock.set_now(moment)
        page = client.get("/today").get_data(as_text=True)
        assert items_of(page, "today") == [KIND], moment
        item = page.split(f'data-kind="{KIND}"')[0].rsplit("<a ", 1)[1]
        assert 'href="/admin/calendar"' in item and "deadline-yellow" in item
        assert str(YEAR) in page.split(f'data-kind="{KIND}"')[1].split("</a>")[0]
    clock.set_now(JANUARY)
    assert items_of(client.get("/today").get_data(as_text=True), "overdue") == [KIND]
    with app.app_context():
        add_entry(*NEW_YEAR, db.session.execute(select(f.User).where(f.User.username == admins[0])).scalar_one())
    page = client.get("/today").get_data(as_text=True)
    assert items_of(page, "overdue") == [KIND]
    assert "已录入部分：尚待录入春节、清明节、劳动节、端午节、中秋节、国庆节。" in page
    with app.app_context():
        enter_the_rest(db.session.execute(select(f.User).where(f.User.username == admins[0])).scalar_one())
    assert f'data-kind="{KIND}"' not in client.get("/today").get_data(as_text=True)


def test_the_tick_notifies_each_active_admin_once_and_the_note_opens_the_holidays_page(app, client, people):
    admins, _mediator = people
    with app.app_context():
        assert tick(now=OCTOBER).jobs[REMINDER_JOB] == 0
        assert tick(now=DECEMBER).jobs[REMINDER_JOB] == 2
        assert tick(now=DECEMBER).jobs[REMINDER_JOB] == 0
        assert tick(now=JANUARY).jobs[REMINDER_JOB] == 0  # once per year, not once per tick
        notes = db.session.execute(select(Notification.user_id, Notification.entity_id).where(
            Notification.kind == KIND)).all()
        assert sorted(year for _user, year in notes) == [YEAR, YEAR]
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    clock.set_now(DECEMBER)
    login(client, admins[1])
    client.post("/language/en", data={"csrf_token": csrf(client.get("/today").get_data(as_text=True)),
                                      "next": "/today"})
    listing = client.get("/notifications/").get_data(as_text=True)
    assert f"holiday notice for {YEAR} is not entered" in listing
    [note_id] = re.findall(r'data-notification="(\d+)" data-read="no"', listing)
    opened = client.post(f"/notifications/{note_id}/open", data={"csrf_token": csrf(listing)})
    assert opened.status_code == 302 and opened.location.endswith("/admin/calendar")


def test_the_holidays_page_warns_until_every_festival_of_the_year_is_entered(app, client, people):
    admins, _mediator = people
    clock.set_now(DECEMBER)
    login(client, admins[0])
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert f'id="notice-missing-{YEAR}"' in page and "尚待录入" not in page
    assert '<datalist id="notice-festivals"><option value="元旦">' in page and 'list="notice-festivals"' in page
    answer = client.post("/admin/calendar", data={
        "csrf_token": csrf(page), "name": "元旦", "first_day": f"{YEAR}-01-01", "last_day": f"{YEAR}-01-01"})
    assert answer.status_code == 302
    page = client.get("/admin/calendar").get_data(as_text=True)
    warning = page.split(f'id="notice-missing-{YEAR}"')[1].split("</div>")[0]
    assert "尚待录入春节、清明节、劳动节、端午节、中秋节、国庆节" in warning
    with app.app_context():
        enter_the_rest(db.session.execute(select(f.User).where(f.User.username == admins[0])).scalar_one())
    assert "notice-missing" not in client.get("/admin/calendar").get_data(as_text=True)
    with app.app_context():
        assert tick(now=DECEMBER).jobs[REMINDER_JOB] == 0


# ---- deadlines set before the notice was entered


def first_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


HOLIDAY = first_weekday(date(YEAR, 1, 1))  # a weekday: a plain working day until the notice is entered
NEXT_WORKING = first_weekday(HOLIDAY + timedelta(days=1))
THIRTY_BEFORE = datetime.combine(HOLIDAY - timedelta(days=30), time(2))  # 10:00 in Shanghai


def cases_ending_on_the_holiday(lead, grid):
    """A case in mediation whose 30-day limit ends at 10:00 on HOLIDAY, one
    whose confirmation window's last day is HOLIDAY, one in mediation whose
    limit ends a day later, and a report whose triage day ends on HOLIDAY
    (not a legal period)."""
    mediating = f.dispute(lead, grid, now=THIRTY_BEFORE)
    f.walk(mediating, lead, "accept", "assign", "start_mediation", now=THIRTY_BEFORE)
    agreed = f.dispute(lead, grid, now=THIRTY_BEFORE)
    f.walk(agreed, lead, "accept", "assign", "start_mediation", now=THIRTY_BEFORE)
    engine.fire(agreed, "agree", lead, form="oral", terms="当面道歉", now=THIRTY_BEFORE)
    later = f.dispute(lead, grid, now=THIRTY_BEFORE + timedelta(days=1))
    f.walk(later, lead, "accept", now=THIRTY_BEFORE + timedelta(days=1))
    report = f.dispute(lead, grid, now=datetime.combine(HOLIDAY - timedelta(days=1), time(2)))
    assert mediating.due_at == THIRTY_BEFORE + timedelta(days=30)
    assert agreed.due_at == clock.day_end(HOLIDAY)
    assert report.state == "submitted" and clock.local_date(report.due_at) == HOLIDAY
    return mediating, agreed, later, report


def test_entering_a_holiday_moves_the_legal_deadlines_ending_on_it_to_the_next_working_day(app):
    with app.app_context():
        _street, (community, _other), grids = f.org()
        lead, admin = f.user("mediator", community=community), f.user("admin")
        mediating, agreed, later, report = cases_ending_on_the_holiday(lead, grids[0])
        untouched = {d.id: (d.due_at, d.version) for d in (later, report)}
        versions = {d.id: d.version for d in (mediating, agreed)}
        clock.set_now(DECEMBER)
        assert add_entry("元旦", HOLIDAY, HOLIDAY, [], admin).deadlines_moved == 2
        db.session.expire_all()
        for case in (mediating, agreed):
            assert case.due_at == clock.day_end(NEXT_WORKING)
            assert case.version == versions[case.id] + 1
            assert case.warn_at < case.due_at and case.changed_by_id == admin.id
        for case in (later, report):
            assert (case.due_at, case.version) == untouched[case.id]
        events = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "deadline_moved")
                                    .order_by(AuditEvent.entity_id)).scalars().all()
        assert [(e.entity_id, e.reason, e.actor_id) for e in events] == [
            (mediating.id, "元旦", admin.id), (agreed.id, "元旦", admin.id)]
        assert verify() == []
        # The window now closes once the next working day is over, not at the end of the holiday.
        agreed_id = agreed.id
        assert agreed_id not in [x[1] for x in tick(now=clock.day_end(HOLIDAY), only={"dispute"}, jobs=False).fired]
        assert (agreed_id, "confirmation_window_closed") in [
            (x[1], x[2]) for x in tick(now=clock.day_end(NEXT_WORKING), only={"dispute"}, jobs=False).fired]


def test_the_holidays_page_lists_the_deadlines_an_entry_moves_before_saving_it(app, client, people):
    """A deadline moved stays moved when the entry is removed: an entry that
    moves any is first shown with them, nothing saved, until confirmed; a
    confirmation of other days (the form changed) asks again."""
    admins, mediator = people
    with app.app_context():
        lead = db.session.execute(select(f.User).where(f.User.username == mediator)).scalar_one()
        mediating, agreed, *_others = cases_ending_on_the_holiday(lead, lead.community.grids[0])
        case_id, agreed_id, due = mediating.id, agreed.id, mediating.due_at
        numbers = mediating.file_no, agreed.file_no
        assert all(numbers)  # given on acceptance
    clock.set_now(DECEMBER)
    login(client, admins[0])
    client.post("/language/en", data={"csrf_token": csrf(client.get("/today").get_data(as_text=True)),
                                      "next": "/today"})
    page = client.get("/admin/calendar").get_data(as_text=True)
    entry = {"csrf_token": csrf(page), "name": "元旦", "first_day": HOLIDAY.isoformat(),
             "last_day": HOLIDAY.isoformat()}
    answer = client.post("/admin/calendar", data=entry)
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="notice-confirm"' in shown and "Confirm and save" in shown
    assert "this entry moves 2 legal deadlines already set" in shown
    # Each case by its file number, as its history and lists name it, linked to its page.
    assert f'href="/cases/{case_id}">Dispute case {numbers[0]}</a>' in shown
    assert f'href="/cases/{agreed_id}">Dispute case {numbers[1]}</a>' in shown
    confirm = re.search(r'name="confirm" value="([^"]+)"', shown).group(1)
    with app.app_context():  # nothing saved yet
        assert db.session.get(f.Dispute, case_id).due_at == due
        assert db.session.execute(select(func.count()).select_from(workdays.CalendarDay)).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.trigger == "deadline_moved")).scalar() == 0
    other_day = dict(entry, last_day=(HOLIDAY + timedelta(days=1)).isoformat(), confirm=confirm)
    again = client.post("/admin/calendar", data=other_day).get_data(as_text=True)
    assert 'id="notice-confirm"' in again  # confirmed were other days: shown again, not saved
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(workdays.CalendarDay)).scalar() == 0
    answer = client.post("/admin/calendar", data=dict(entry, confirm=confirm))
    assert answer.status_code == 302
    shown = client.get("/admin/calendar").get_data(as_text=True)
    assert "2 deadlines set before ended on one of these holidays" in shown
    history = client.get(f"/cases/{case_id}").get_data(as_text=True).split('id="timeline"')[1]
    entry = history.split("Deadline moved off a holiday")[1].split("</li>")[0]
    assert "元旦" in entry
    before = THIRTY_BEFORE + timedelta(days=30, hours=8)  # local
    last = f"{NEXT_WORKING:%b} {NEXT_WORKING.day}, {NEXT_WORKING.year}"
    assert f"Due: {before:%b} {before.day}, {before.year}, {before:%H:%M} → end of {last}" in entry  # the end of the working day


# ---- the lawyers' rota


def test_the_coordinators_are_told_of_the_duties_on_a_holiday_entered_and_decide(app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
        other_street_coordinator = f.user("coordinator", street=f.org()[0])
        city_coordinator = f.user("coordinator")
        admin = f.user("admin")
        saturdays = [day for day in fr.year_saturdays(YEAR) if day.month == 5][:2]
        planning.generate(saturdays[0], saturdays[1], coordinator)
        assert planning.publish(saturdays[0], saturdays[1], coordinator) == 2
        on_holiday = db.session.execute(select(Duty).where(Duty.day == saturdays[0])).scalar_one()
        entered = add_entry("劳动节", saturdays[0], saturdays[0], [], admin)
        assert entered.said == ["律师值班表中有 1 个值班恰逢上述节假日：已通知负责的协调员决定取消或保留。"]
        told = db.session.execute(select(Notification.user_id, Notification.entity_id).where(
            Notification.kind == "duty_on_holiday").order_by(Notification.user_id)).all()
        # One notice per coordinator for the day, leading to the day on the plan page.
        assert told == [(coordinator.id, saturdays[0].toordinal()), (city_coordinator.id, saturdays[0].toordinal())]
        assert on_holiday.day == saturdays[0]
        assert other_street_coordinator.id not in [user for user, _duty in told]
        # The coordinator decides: nothing is cancelled for them.
        assert {d.state for d in db.session.execute(select(Duty)).scalars()} == {"published"}
        # Nothing on the holidays: nothing said.
        assert add_entry("端午节", saturdays[1] + timedelta(days=30), saturdays[1] + timedelta(days=30), [],
                         admin).said == []
        username = coordinator.username
    # The festival entered in Chinese is said in the reader's language.
    client = app.test_client()
    login(client, username)
    assert "恰逢劳动节" in client.get("/notifications/").get_data(as_text=True)
    english(client)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "fall on Labour Day" in page and "劳动节" not in page


def section(page: str, section_id: str) -> str:
    return re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S).group(0)


def test_the_rotas_holidays_page_shows_the_calendars_days_and_what_each_list_does(app, people):
    """The admin's calendar and the rota's holidays page tell one story: the
    calendar's holidays are listed on the rota's page, read-only, apart from
    the rota's own (which cancel the duties on them; the calendar's do not)."""
    admins, _mediator = people
    with app.app_context():
        coordinator = f.user("coordinator").username
    clock.set_now(DECEMBER)
    coordinating, admin = app.test_client(), app.test_client()
    login(coordinating, coordinator)
    login(admin, admins[0])
    page = coordinating.get("/rota/holidays").get_data(as_text=True)
    missing = page.split(f'id="calendar-missing-{YEAR}"')[1].split("</div>")[0]
    assert "春节、清明节" in missing and "请联系管理员录入。" in missing
    calendar = admin.get("/admin/calendar").get_data(as_text=True)
    assert 'href="/rota/holidays"' in calendar and "在这里录入节假日不会取消任何值班" in calendar
    answer = admin.post("/admin/calendar", data={"csrf_token": csrf(calendar), "name": "春节",
                                                 "first_day": f"{YEAR}-02-06", "last_day": f"{YEAR}-02-12",
                                                 "workdays": f"{YEAR}-02-20"})
    assert answer.status_code == 302
    page = coordinating.get("/rota/holidays").get_data(as_text=True)
    listed = section(page, "calendar-holidays")
    assert f'<li class="list-group-item" data-first="{YEAR}-02-06"><strong>春节</strong>' in listed
    assert "调休上班的周六（照常排班）" in listed and "（春节）" in listed
    assert "当天已有的值班不会被取消" in listed and "这些日期只能由管理员修改。" in listed
    assert "/admin/calendar" not in listed and "<form" not in listed  # read-only here
    own = section(page, "rota-holidays")
    assert "添加后会取消当天已有的值班。" in own and "春节" not in own and 'id="holiday-form"' in own
    assert 'href="/admin/calendar" id="edit-calendar"' in admin.get("/rota/holidays").get_data(as_text=True)


def test_a_holiday_the_package_learns_later_moves_the_deadlines_on_the_next_tick(app, monkeypatch):
    """As when a newer chinesecalendar that knows the year is installed: the timer's hourly job moves the
    deadlines set while the day was a working day, as the system, and finds nothing more after."""
    import chinese_calendar

    from app.housekeeping import HOLIDAYS_JOB

    with app.app_context():
        _street, (community, _other), grids = f.org()
        lead = f.user("mediator", community=community)
        mediating, agreed, later, report = cases_ending_on_the_holiday(lead, grids[0])
        untouched = {d.id: d.due_at for d in (later, report)}
        clock.set_now(DECEMBER)
        assert tick(now=DECEMBER).jobs[HOLIDAYS_JOB] == 0
        monkeypatch.setitem(chinese_calendar.holidays, HOLIDAY, chinese_calendar.Holiday.new_years_day.value)
        assert tick(now=DECEMBER + timedelta(minutes=30)).jobs[HOLIDAYS_JOB] == 0  # once an hour at most
        assert tick(now=DECEMBER + timedelta(hours=1)).jobs[HOLIDAYS_JOB] == 2
        db.session.expire_all()
        assert mediating.due_at == agreed.due_at == clock.day_end(NEXT_WORKING)
        assert {d.id: d.due_at for d in (later, report)} == untouched
        events = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "deadline_moved")).scalars().all()
        assert {(e.entity_id, e.reason, e.actor_id) for e in events} == {
            (mediating.id, "元旦", None), (agreed.id, "元旦", None)}
        assert tick(now=DECEMBER + timedelta(hours=2)).jobs[HOLIDAYS_JOB] == 0
        assert verify() == []


@pytest.mark.parametrize("typed, days", [
    ("2027-02-07", [date(2027, 2, 7)]),
    ("2027/2/7、2027.2.20", [date(2027, 2, 7), date(2027, 2, 20)]),  # as the pages show days, and with dots
    ("2027年2月20日，2027-2-7", [date(2027, 2, 7), date(2027, 2, 20)]),
])
def test_the_calendars_working_days_are_read_as_people_write_days(app, typed, days):
    with app.test_request_context():
        form = NoticeForm(formdata=None, meta={"csrf": False}, workdays=typed)
        assert form.swapped_days() == days


@pytest.mark.parametrize("typed", ["2027/2/30", "7/2/2027", "2027-02", "明年二月"])
def test_a_working_day_that_is_no_day_is_refused_with_how_to_write_it(app, typed):
    with app.test_request_context():
        form = NoticeForm(formdata=None, meta={"csrf": False}, workdays=typed)
        with pytest.raises(ValidationError) as refused:
            form.validate_workdays(form.workdays)
        assert "2027-09-26" in str(refused.value)  # the message shows how to write a day


@pytest.mark.parametrize("name, en, zh", [
    ("春节", "Spring Festival", "春节"),
    ("清明", "Tomb-sweeping Day", "清明节"),  # the package's name
    ("Tomb-sweeping Day", "Tomb-sweeping Day", "清明节"),  # entered in English
    ("中秋节、国庆节", "Mid-Autumn Festival, National Day", "中秋节、国庆节"),
    ("New Year's Day", "New Year's Day", "元旦"),
    ("工作室消防安全检修（暂停坐班）", "工作室消防安全检修（暂停坐班）", "工作室消防安全检修（暂停坐班）"),  # a closure: as entered
    ("春节调休安排", "春节调休安排", "春节调休安排"),  # more than a festival's name: as entered
])
def test_a_holidays_name_is_said_in_the_pages_language_when_it_is_only_festivals(app, name, en, zh):
    with app.app_context():
        assert workdays.festival_label(name, "en") == en
        assert workdays.festival_label(name, "zh_Hans_CN") == zh


def test_the_english_holiday_pages_name_the_festivals_in_english(app, client, people):
    admins, _mediator = people
    with app.app_context():
        coordinator = f.user("coordinator").username
    clock.set_now(DECEMBER)
    login(client, admins[0])
    page = client.get("/admin/calendar").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/admin/calendar"})
    client.post("/admin/calendar", data={"csrf_token": csrf(page), "name": "元旦",
                                         "first_day": f"{YEAR}-01-01", "last_day": f"{YEAR}-01-01"})
    page = client.get("/admin/calendar").get_data(as_text=True)
    warning = page.split(f'id="notice-missing-{YEAR}"')[1].split("</div>")[0]
    assert "still to enter Spring Festival, Tomb-sweeping Day, Labour Day" in warning
    assert '<option value="Spring Festival">' in page  # the suggestions in the page's language
    assert "<strong>New Year&#39;s Day</strong>" in page or "<strong>New Year's Day</strong>" in page
    this_year = page.split('id="holidays-this-year"')[1].split("</ul>")[0]
    assert not re.search(r"[\u4e00-\u9fff]", this_year)  # the package's festivals, in English
    rota = app.test_client()
    login(rota, coordinator)
    rota.post("/language/en", data={"csrf_token": csrf(rota.get("/rota/holidays").get_data(as_text=True)),
                                    "next": "/rota/holidays"})
    missing = rota.get("/rota/holidays").get_data(as_text=True).split(f'id="calendar-missing-{YEAR}"')[1]
    assert "Spring Festival, Tomb-sweeping Day" in missing.split("</div>")[0]
