"""One way of writing days and moments (app/dates.py): a deadline reads the
same on the case lists, the today page and the follow-ups, in Chinese and in
English; a deadline at local midnight is the end of the day before
everywhere; an elder reads the same moment in the invitation's notification
and on the invitation's page; how long ago a day was says 今天 / 昨天 / N天前."""
import re
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale

from app import clock
from app.dates import day_text, days_ago_text, days_text, deadline_text, due_text, moment_text, month_text
from app.engine.timers import tick
from app.extensions import db
from app.notifications.service import text_of
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_followups as ff
from tests import factories_integration as fi
from tests.factories import csrf, login

AGREED = datetime(2026, 3, 2, 2, 0)     # 10:00 on Monday 2 March 2026, Shanghai
MORNING = datetime(2026, 3, 9, 1, 0)    # 09:00 on Monday 9 March: the 7-day follow-up is due
REPORTED = datetime(2026, 3, 9, 1, 30)  # 09:30: a report waits for acceptance until 09:30 the next day


def test_the_convention_in_each_language(app):
    midnight = datetime(2026, 12, 11, 16, 0)  # 00:00 on 12 December in Shanghai: the end of 11 December
    at_five = datetime(2026, 12, 11, 9, 0)    # 17:00 on 11 December
    with app.test_request_context():
        assert moment_text(datetime(2026, 12, 7, 1, 32)) == "2026/12/7 09:32"
        assert day_text(date(2026, 12, 7)) == "2026年12月7日"
        assert day_text(datetime(2026, 12, 7, 16, 30)) == "2026年12月8日"  # a stored moment's local day
        assert month_text("2026-12") == month_text(date(2026, 12, 31)) == "2026年12月"
        assert deadline_text(midnight) == "2026/12/11 24:00" and deadline_text(at_five) == "2026/12/11 17:00"
        assert due_text(midnight) == "截止 2026/12/11 24:00"
        assert days_text([date(2026, 12, 26), date(2027, 2, 20)]) == "2026年12月26日、2027年2月20日"
        assert moment_text(None) == day_text(None) == deadline_text(None) == due_text(None) == ""
        with force_locale("en"):
            assert moment_text(datetime(2026, 12, 7, 1, 32)) == "Dec 7, 2026, 09:32"  # never "12/7/26, 9:32 AM"
            assert day_text(date(2026, 12, 7)) == "Dec 7, 2026"
            assert month_text("2026-12") == "Dec 2026"
            assert deadline_text(midnight) == "end of Dec 11, 2026"
            assert deadline_text(at_five) == "Dec 11, 2026, 17:00"
            assert due_text(midnight) == "due end of Dec 11, 2026"
            assert days_text([date(2026, 12, 26), date(2027, 2, 20)]) == "Dec 26, 2026, Feb 20, 2027"
        # A language named by the caller wins over the request's (a notification's reader, a printed file).
        assert moment_text(datetime(2026, 12, 7, 1, 32), "en") == "Dec 7, 2026, 09:32"


@pytest.mark.parametrize("days, chinese, english", [
    (0, "今天", "today"), (1, "昨天", "yesterday"), (3, "3天前", "3 days ago"), (None, "", "")])
def test_how_long_ago_a_day_was(app, days, chinese, english):
    with app.test_request_context():
        assert days_ago_text(days) == chinese
        assert days_ago_text(days, "en") == english
        page = app.jinja_env.from_string("({{ days_ago(n) }})")
        assert page.render(n=days) == f"({chinese})"


def test_the_filters_say_the_convention_and_nothing_for_none(app):
    with app.test_request_context():
        page = app.jinja_env.from_string(
            "{{ m|datetimeformat }}|{{ d|dateformat }}|{{ d|monthformat }}|{{ m|deadlineformat }}|"
            "{{ days|daysformat }}|[{{ none|datetimeformat }}{{ none|dateformat }}{{ none|deadlineformat }}]")
        midnight = datetime(2026, 12, 11, 16, 0)
        shown = page.render(m=midnight, d=date(2026, 12, 7), days=[date(2026, 12, 26)], none=None)
        assert shown == "2026/12/12 00:00|2026年12月7日|2026年12月|2026/12/11 24:00|2026年12月26日|[]"
        with force_locale("en"):
            shown = page.render(m=midnight, d=date(2026, 12, 7), days=[date(2026, 12, 26)], none=None)
        assert shown == "Dec 12, 2026, 00:00|Dec 7, 2026|Dec 2026|end of Dec 11, 2026|Dec 26, 2026|[]"


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        worker = f.user("gridworker", grid=grids[0])
        agreed = ff.agreed_case(mediator, grids[0], AGREED, perform_by=None)
        tick(now=AGREED)
        tick(now=MORNING)
        followup = ff.followups_of(agreed.id)[0]
        report = f.dispute(worker, grids[0], now=REPORTED)
        w = dict(mediator=mediator.username, followup=followup.id, visit_by=followup.visit_by,
                 escalate_at=followup.escalate_at, report=report.id, report_due=report.due_at)
        db.session.remove()
    clock.set_now(MORNING + timedelta(hours=1))
    return type("World", (), w)


def _item(html, href):
    """The text of the list item or today item that links to `href`."""
    start = html.index(f'href="{href}"')
    end = html.find("</a>", start)
    end = html.find("</div>", end) if html.find("</div>", start) > end else end
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_a_deadline_reads_the_same_on_the_lists_the_today_page_and_its_own_page(client, app, world, language):
    with app.test_request_context(), force_locale(language):
        assert clock.ends_a_day(world.visit_by) and not clock.ends_a_day(world.report_due)
        visit_by = deadline_text(world.visit_by)
        visit_line, report_line = due_text(world.visit_by), due_text(world.report_due)
        escalate_at = deadline_text(world.escalate_at)
    login(client, world.mediator)
    if language == "en":
        page = client.get("/today").get_data(as_text=True)
        client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    last_day = clock.last_day(world.visit_by)
    if language == "en":
        assert visit_by == f"end of {last_day:%b} {last_day.day}, {last_day.year}" and visit_line == f"due {visit_by}"
    else:
        assert visit_by == f"{last_day.year}/{last_day.month}/{last_day.day} 24:00" and visit_line == f"截止 {visit_by}"
    followup_href, report_href = f"/followups/{world.followup}", f"/cases/{world.report}"

    today = client.get("/today").get_data(as_text=True)
    assert visit_line in _item(today, followup_href)
    assert report_line in _item(today, report_href)
    assert visit_line in _item(client.get("/followups/").get_data(as_text=True), followup_href)
    assert report_line in _item(client.get("/cases/mine").get_data(as_text=True), report_href)
    assert report_line in _item(client.get("/cases/").get_data(as_text=True), report_href)

    page = client.get(followup_href).get_data(as_text=True)
    # After its own label the deadline stands alone; midnight is the end of the day before, there too.
    assert f'<dd class="col-sm-9">{visit_by}</dd>' in page
    assert f'<dd class="col-sm-9">{escalate_at}</dd>' in page and escalate_at.endswith(("24:00", ", 2026"))
    assert "00:00" not in page and "截至" not in page and "12:00 AM" not in page


def test_an_elder_reads_the_same_moment_in_the_notification_and_on_the_invitation(app, client, ctx):
    clock.set_now(datetime(2026, 12, 7, 1, 0))
    _street, (c1, _c2), grids = f.org()
    lead = f.user("mediator", community=c1)
    case = fe.case_in_mediation(lead, grids[0])
    elder, elder_user = fe.elder_with_login(c1)
    session_at = datetime(2026, 12, 8, 22, 33)  # 06:33 on 9 December in Shanghai
    invitation = fe.invite(case, elder, lead, session_at=session_at)
    assert invitation.due_at == session_at  # the answer is due by the session
    [note] = fi.notes(elder_user.id)
    with app.test_request_context():
        told = text_of(note)
        with force_locale("en"):
            told_in_english = text_of(note)
    assert "2026/12/9 06:33" in told and "Dec 9, 2026, 06:33" in told_in_english
    login(client, elder_user.username)
    mine = client.get("/elders/me").get_data(as_text=True)
    assert "请在2026/12/9 06:33前答复" in mine
    page = client.get(f"/elders/invitations/{invitation.id}").get_data(as_text=True)
    assert page.count("2026/12/9 06:33") == 2  # the planned session, and the answer due by it
    assert "2026年12月9日" not in page
    notes = client.get("/notifications/").get_data(as_text=True)
    assert "调解时间为 2026/12/9 06:33" in notes


def test_an_elder_s_invitation_kept_in_its_older_form_reads_as_a_new_one(app, ctx):
    """Until 7 December an invitation kept its session as a local day and time; it still reads as a sentence."""
    from app.notifications.service import notify

    elder = f.user("elder")
    older = notify(elder, "elder_invited", data={"case": "案件 #12", "session_on": "2026-12-09", "session_time": "06:33"})
    newer = notify(elder, "elder_invited", data={"case": "案件 #12", "session_at": "2026-12-08T22:33"})
    db.session.commit()
    with app.test_request_context():
        assert "调解时间为 2026/12/9 06:33" in text_of(older) == text_of(newer)
        assert "%(" not in text_of(older)


def test_a_lawyer_s_notifications_say_days_as_the_rota_pages_do(app, ctx):
    """The rota's publication listed ISO days ("2026-12-26、2027-02-20") beside a swap's "2027年1月23日"."""
    from app.notifications.service import notify

    lawyer = f.user("lawyer")
    days = [date(2026, 12, 26), date(2027, 2, 20)]
    listed = notify(lawyer, "rota_published", data={"days": [d.isoformat() for d in days]})
    older = notify(lawyer, "rota_published", data={"days": "、".join(d.isoformat() for d in days)})  # as once kept
    swap = notify(lawyer, "swap_asked", data={"day": "2027-01-23", "room": "一号室", "requester": "王律师"})
    db.session.commit()
    with app.test_request_context():
        assert "2026年12月26日、2027年2月20日" in text_of(listed) == text_of(older)
        assert "2027年1月23日" in text_of(swap)
        with force_locale("en"):
            assert "you sit on Dec 26, 2026, Feb 20, 2027." in text_of(listed)
