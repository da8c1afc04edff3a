"""The today page: every provider's items for the user, as overdue / due
today / this week, in colour; and this package's providers."""
import re
from datetime import datetime, timedelta

import pytest

from app import clock, today as registry
from app.engine.timers import tick
from app.extensions import db
from app.today.views import sections
from app.today import TodayItem
from tests import factories as f
from tests import factories_followups as ff
from tests.factories import csrf, login

AGREED = datetime(2026, 3, 2, 2, 0)            # 10:00 on Monday 2 March, Shanghai
MORNING = datetime(2026, 3, 9, 1, 0)           # 09:00 on Monday 9 March: the 7-day follow-up is due
END_OF_9_MARCH = datetime(2026, 3, 9, 16, 0)


def item(colour, due_at, open_since=None):
    return TodayItem(kind="x", title="t", due_at=due_at, colour=colour, url="/", open_since=open_since)


def test_sections_by_colour_due_time_and_open_since():
    now = MORNING
    red = item("red", now - timedelta(days=1))
    tonight = item("yellow", END_OF_9_MARCH)  # due at the very end of today
    open_now = item("blue", now + timedelta(days=2), open_since=now - timedelta(hours=9))
    friday = item("blue", now + timedelta(days=4))
    opens_later = item("blue", now + timedelta(days=3), open_since=now + timedelta(days=1))
    result = sections([red, tonight, open_now, friday, opens_later], now, END_OF_9_MARCH)
    assert result.overdue == [red]
    assert result.today == [tonight, open_now]
    assert result.week == [friday, opens_later]


def test_items_due_after_the_week_are_listed_later():
    """A provider may list work whenever it is due (a swap to approve weeks
    ahead): "this week" holds only what is due within the seven days."""
    now = MORNING
    until = END_OF_9_MARCH + timedelta(days=6, seconds=1)
    last_day = item(None, until)
    weeks_away = item(None, now + timedelta(weeks=7))
    open_now = item(None, now + timedelta(weeks=7), open_since=now - timedelta(hours=1))
    result = sections([last_day, weeks_away, open_now], now, END_OF_9_MARCH, until)
    assert result.week == [last_day]
    assert result.later == [weeks_away]
    assert result.today == [open_now]
    # One place decides it: section_of, given the week's end; without it, what is not today's is the week's.
    assert [registry.section_of(i, now, END_OF_9_MARCH, until) for i in (last_day, weeks_away, open_now)] == [
        "week", "later", "today"]
    assert registry.section_of(weeks_away, now, END_OF_9_MARCH) == "week"
    placed = TodayItem(kind="x", title="t", due_at=now + timedelta(weeks=7), colour=None, url="/", section="week")
    assert registry.section_of(placed, now, END_OF_9_MARCH, until) == "later"  # as the page listed it before


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        bystander = f.user("mediator", community=c1)
        due = ff.agreed_case(lead, grids[0], AGREED, perform_by=None)
        overdue = ff.agreed_case(lead, grids[0], AGREED - timedelta(days=5), perform_by=None)
        later = ff.agreed_case(lead, grids[0], AGREED + timedelta(days=4), perform_by=None)
        far = ff.agreed_case(lead, grids[0], AGREED + timedelta(days=20), perform_by=None)
        tick(now=AGREED)  # plans last week's sweeps, which nobody records
        tick(now=MORNING)
        w = dict(lead=lead.username, bystander=bystander.username, sup=f.user("supervisor", street=street).username,
                 worker=f.user("gridworker", grid=grids[0]).username, lawyer=f.user("lawyer", street=street).username,
                 cases={name: ff.followups_of(case.id)[0].id for name, case in
                        dict(due=due, overdue=overdue, later=later, far=far).items()})
        db.session.remove()
    clock.set_now(MORNING)
    return type("World", (), w)


def shown(page, section):
    block = re.search(rf'id="today-{section}-items">(.*?)</div>\n</section>|id="today-{section}-items">(.*?)</section>',
                      page, re.S)
    text = block.group(0)
    return re.findall(r'href="/followups/(\d+)"', text), re.findall(r'href="/sweeps/(\d+)"', text)


def test_a_mediator_s_today_page_has_their_follow_ups_and_their_community_s_sweep(client, app, world):
    login(client, world.lead)
    page = client.get("/today")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    overdue, _ = shown(html, "overdue")
    today, _ = shown(html, "today")
    week, sweeps = shown(html, "week")
    assert overdue == [str(world.cases["overdue"])]
    assert today == [str(world.cases["due"])]
    assert week == [str(world.cases["later"])]  # planned for Friday 13 March
    assert f'href="/followups/{world.cases["far"]}"' not in html  # planned for 29 March
    assert len(sweeps) == 1  # the community's weekly sweep, due by Sunday night
    assert 'id="deadline-legend"' in html and 'id="nav-today"' in html


def test_a_follow_up_planned_for_tomorrow_is_this_week_s_work_due_by_its_last_day(client, app, world):
    """A scheduled follow-up becomes due as its planned day begins. The evening before, it is this
    week's work, to be made by its last day (as the follow-ups list says), not "due today by the end
    of" the day before its planned day."""
    clock.set_now(datetime(2026, 3, 12, 12, 0))  # 20:00 on Thursday 12 March; "later" is planned for Friday 13
    login(client, world.lead)
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    html = client.get("/today").get_data(as_text=True)
    later = str(world.cases["later"])
    assert later in shown(html, "week")[0] and later not in shown(html, "today")[0]
    item = _item_html(html, world.cases["later"])
    assert "planned for Mar 13, 2026" in item
    assert "due end of Mar 15, 2026" in item and "Mar 12" not in item  # made on the 13th or the two days after
    clock.set_now(datetime(2026, 3, 12, 16, 30))  # its planned day has begun, and the timer has made it due
    with app.app_context():
        tick()
    html = client.get("/today").get_data(as_text=True)
    assert later in shown(html, "today")[0]
    assert "due end of Mar 15, 2026" in _item_html(html, world.cases["later"])


def test_other_people_s_today_pages(client, app, world):
    login(client, world.bystander)  # same community, not on these cases: no follow-ups
    html = client.get("/today").get_data(as_text=True)
    assert re.findall(r'href="/followups/\d+"', html) == []
    token = csrf(html)
    client.post("/logout", data={"csrf_token": token})
    login(client, world.lawyer)  # nothing of this package's; the page still works for every role
    assert client.get("/today").status_code == 200


def test_a_supervisor_sees_escalated_follow_ups_and_missed_sweeps(client, app, world):
    clock.set_now(MORNING + timedelta(days=1))  # 10 March: the overdue follow-up has been escalated
    with app.app_context():
        tick()
    login(client, world.sup)
    html = client.get("/today").get_data(as_text=True)
    overdue, sweeps = shown(html, "overdue")
    assert overdue == [str(world.cases["overdue"])]
    assert len(sweeps) == 2  # last week's sweeps of both communities were missed


def test_a_provider_from_another_domain_appears_without_the_page_knowing_it(client, app, world, monkeypatch):
    # Another domain's provider, in place of the rota's own.
    monkeypatch.setattr(registry, "PROVIDERS", {k: v for k, v in registry.PROVIDERS.items() if k != "duty"})

    def duty(user, now, until):
        return [TodayItem(kind="duty", title="周六值班", due_at=now + timedelta(hours=2), colour="yellow",
                          url="/rota/duty/1")] if user.role == "lawyer" else []

    registry.install_provider("duty", duty)

    login(client, world.lawyer)
    html = client.get("/today").get_data(as_text=True)
    assert 'href="/rota/duty/1"' in html and 'data-kind="duty"' in html


def _item_html(page: str, followup_id: int) -> str:
    return re.search(rf'<a [^>]*href="/followups/{followup_id}".*?</a>', page, re.S).group(0)


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_a_follow_up_item_says_what_flask_babel_says_and_follows_the_clock(client, app, world, language):
    """The follow-up items' words are looked up once per page (app/followups/today.py) and each item's HTML
    is kept per worker (app/fragments.py): the same words as Flask-Babel's, and never a stale colour."""
    import flask_babel

    from app.followups.models import FollowUp
    from app.i18n import translate

    login(client, world.lead)
    page = client.get("/today").get_data(as_text=True)
    client.post(f"/language/{language}", data={"csrf_token": csrf(page), "next": "/today"})
    due = world.cases["due"]
    first = _item_html(client.get("/today").get_data(as_text=True), due)
    with app.test_request_context(), flask_babel.force_locale(language):
        row = db.session.get(FollowUp, due)
        state = translate(row.__workflow__.state(row.state).label)
        expected = flask_babel.gettext("%(state)s · planned for %(day)s", state=state,
                                       day=flask_babel.format_date(clock.local_date(row.planned_for), "medium"))
        title = flask_babel.gettext("Follow-up of case %(case)s", case=row.dispute.title)
        db.session.remove()
    assert expected in first and title in first

    clock.set_now(MORNING + timedelta(days=3))  # past its last day: overdue, whatever the page showed before
    later = _item_html(client.get("/today").get_data(as_text=True), due)
    assert 'data-colour="red"' in later and 'data-colour="red"' not in first
