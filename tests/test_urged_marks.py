"""An urged (督办) referral or follow-up is marked where it is listed: on the
today page (the supervisor does not urge it twice by mistake, the liaison and
the mediators see what to do first), on the referrals and follow-ups lists and
on the case page, with the day of the last urging and how many stand; until
the next step of the row. The marks of a page come in one statement, and a
row rendered before the urging (app/fragments.py) shows it after. The audit
log tells the urging's note as the histories do, not only among its data."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, engine
from app.auth.models import User
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_followups as ff
from tests import factories_referrals as fr
from tests.factories import csrf, login
from tests.test_statement_budgets import statements_of

SENT = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March, Shanghai
LATE = SENT + timedelta(hours=25)  # 11:00 on 3 March: not acknowledged in time, escalated
AGREED = datetime(2026, 3, 2, 2, 0)
ESCALATED = datetime(2026, 3, 15, 2, 0)  # the follow-up planned a week after the agreement is escalated


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        env = fr.department("环保", ack_hours=24, answer_days=10)
        case = f.dispute(mediator, grids[0], now=SENT)
        first = fr.referral(case, env, mediator, now=SENT)
        second = fr.referral(case, env, mediator, now=SENT)
        tick(now=LATE)
        w = dict(mediator=mediator.username, case=case.id, first=first.id, second=second.id,
                 liaison=fr.liaison(env).username, sup=f.user("supervisor", street=street).username)
        assert {db.session.get(Referral, i).state for i in (first.id, second.id)} == {"ack_escalated"}
        db.session.remove()
    clock.set_now(LATE)
    yield type("World", (), w)
    clock.set_now(None)


def user_named(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def urge_referral(app, referral_id, username, note="请今日内签收。", now=LATE):
    with app.app_context():
        engine.fire(db.session.get(Referral, referral_id), "urge", user_named(username), now=now, urging=note)
        db.session.remove()


def signed_in(app, username, english=False):
    client = app.test_client()
    login(client, username)
    if english:
        page = client.get("/today").get_data(as_text=True)
        client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    return client


def marks(html, attribute, entity_id):
    """The urged mark of one row of a list (None if it has none)."""
    row = re.search(rf'{attribute}="{entity_id}".*?</a>', html, re.S).group(0)
    found = re.search(r'<span class="badge text-bg-warning urged-mark" data-urged="(\d+)">(.*?)</span>', row)
    return found and (int(found.group(1)), found.group(2))


def today_mark(html, url):
    item = re.search(rf'href="{re.escape(url)}".*?</a>', html, re.S).group(0)
    found = re.search(r'data-urged="(\d+)">(.*?)</span>', item)
    return found and (int(found.group(1)), found.group(2))


def test_the_supervisors_today_marks_an_urged_referral_even_where_its_item_was_rendered_before(app, world):
    client = signed_in(app, world.sup)
    before = client.get("/today").get_data(as_text=True)  # both items rendered, and kept (app/fragments.py)
    assert today_mark(before, f"/referrals/{world.first}") is None
    assert today_mark(before, f"/referrals/{world.second}") is None
    page = client.get(f"/referrals/{world.first}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(f"/referrals/{world.first}/urge",
                           data={"csrf_token": csrf(page), "version": version, "urging": "请环保部门今日内签收。"})
    assert response.status_code == 302
    after = client.get("/today").get_data(as_text=True)
    count, text = today_mark(after, f"/referrals/{world.first}")
    assert count == 1 and "2026年3月3日" in text  # the day of the urging, in the page's language
    assert today_mark(after, f"/referrals/{world.second}") is None  # the other one is still to urge
    english = signed_in(app, world.sup, english=True).get("/today").get_data(as_text=True)
    assert today_mark(english, f"/referrals/{world.first}") == (1, "Urged on Mar 3, 2026")


def test_the_liaison_sees_the_urged_referral_marked_and_first_on_the_list_and_on_today(app, world):
    liaison = signed_in(app, world.liaison, english=True)
    listed = liaison.get("/referrals/").get_data(as_text=True)
    assert marks(listed, "data-referral", world.first) is None and marks(listed, "data-referral", world.second) is None
    assert listed.index(f'data-referral="{world.first}"') < listed.index(f'data-referral="{world.second}"')

    urge_referral(app, world.second, world.sup)
    urge_referral(app, world.second, world.sup, note="再次督办。", now=LATE + timedelta(days=1))
    with app.app_context():  # another referral with a longer history: each row's urgings are counted against its own
        first = db.session.get(Referral, world.first)
        busy = fr.referral(first.dispute, first.department, user_named(world.mediator), now=LATE)
        for trigger, who, reason in (("acknowledge", world.liaison, None), ("start_work", world.liaison, None),
                                     ("answer", world.liaison, None), ("return_for_redo", world.mediator, "请补充")):
            engine.fire(busy, trigger, user_named(who), reason, now=LATE, answer="已处理")
        db.session.remove()
    listed = liaison.get("/referrals/").get_data(as_text=True)
    assert marks(listed, "data-referral", world.second) == (2, "Urged 2 times, last on Mar 4, 2026")
    assert marks(listed, "data-referral", world.first) is None
    # The one urged is the one to answer first: listed first among the late ones, as the page says.
    assert listed.index(f'data-referral="{world.second}"') < listed.index(f'data-referral="{world.first}"')
    assert "those a supervisor urged first of all" in listed
    today = liaison.get("/today").get_data(as_text=True)
    assert today_mark(today, f"/referrals/{world.second}") == (2, "Urged 2 times, last on Mar 4, 2026")

    # The mediators see it on their list (here in Chinese) and on the case page.
    mediator = signed_in(app, world.mediator)
    count, text = marks(mediator.get("/referrals/").get_data(as_text=True), "data-referral", world.second)
    assert count == 2 and "2026年3月4日" in text
    case_page = mediator.get(f"/cases/{world.case}").get_data(as_text=True)
    section = case_page.split('id="referral-list"', 1)[1]
    assert marks(section, "data-referral", world.second)[0] == 2 and marks(section, "data-referral", world.first) is None

    # Once the liaison acts the urging is answered: no mark any more.
    with app.app_context():
        engine.fire(db.session.get(Referral, world.second), "acknowledge", user_named(world.liaison),
                    now=LATE + timedelta(days=1))
        db.session.remove()
    listed = liaison.get("/referrals/").get_data(as_text=True)
    assert marks(listed, "data-referral", world.second) is None and "urged-mark" not in listed


def test_the_marks_of_a_page_come_in_one_statement_whatever_the_number_of_urged_rows(app, world):
    with app.app_context():
        case = db.session.get(Referral, world.first).dispute
        mediator, env = user_named(world.mediator), db.session.get(Referral, world.first).department
        more = [fr.referral(case, env, mediator, now=SENT).id for _ in range(4)]
        db.session.remove()
    with app.app_context():
        tick(now=LATE)
        db.session.remove()
    counts = {}
    for urged in ([world.first], [world.first, world.second, *more]):
        for referral_id in urged:
            urge_referral(app, referral_id, world.sup)
        counts[len(urged)] = [len(statements_of(app, signed_in(app, who), path))
                              for who, path in ((world.sup, "/today"), (world.liaison, "/referrals/"))]
    assert counts[1] == counts[6], f"statements with one urged referral {counts[1]}, with six {counts[6]}"


@pytest.fixture
def followup_world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        case = ff.agreed_case(lead, grids[0], AGREED)
        tick(now=ESCALATED)
        late = next(x for x in ff.followups_of(case.id) if x.kind == "after_agreement")
        assert late.state == "escalated"
        w = dict(lead=lead.username, case=case.id, late=late.id, sup=f.user("supervisor", street=street).username)
        db.session.remove()
    clock.set_now(ESCALATED)
    yield type("World", (), w)
    clock.set_now(None)


def test_an_urged_follow_up_is_marked_on_today_the_list_and_the_case_page_rendered_before(app, followup_world):
    w = followup_world
    sup, mediator = signed_in(app, w.sup), signed_in(app, w.lead, english=True)
    url = f"/followups/{w.late}"
    case_section = mediator.get(f"/cases/{w.case}").get_data(as_text=True).split('id="followup-list"', 1)[1]
    assert marks(case_section, "data-followup", w.late) is None  # the cached row, before
    assert today_mark(sup.get("/today").get_data(as_text=True), url) is None
    assert marks(mediator.get("/followups/").get_data(as_text=True), "data-followup", w.late) is None

    with app.app_context():
        engine.fire(db.session.get(FollowUp, w.late), "urge", user_named(w.sup), now=ESCALATED, urging="请本周内回访。")
        db.session.remove()
    mark = (1, "Urged on Mar 15, 2026")
    count, text = today_mark(sup.get("/today").get_data(as_text=True), url)
    assert count == 1 and "2026年3月15日" in text
    assert today_mark(mediator.get("/today").get_data(as_text=True), url) == mark
    assert marks(mediator.get("/followups/").get_data(as_text=True), "data-followup", w.late) == mark
    case_section = mediator.get(f"/cases/{w.case}").get_data(as_text=True).split('id="followup-list"', 1)[1]
    assert marks(case_section, "data-followup", w.late) == mark


def test_the_audit_log_tells_the_urgings_note_as_its_text(app, world):
    urge_referral(app, world.first, world.sup, note="请环保部门今日内签收并联系申请人。")
    client = signed_in(app, world.sup)
    log = client.get(f"/audit/?entity_type=referral&entity_id={world.first}").get_data(as_text=True)
    row = re.search(r'<tr data-trigger="urge".*?</tr>', log, re.S).group(0)
    action, data = row.split('class="event-data"')
    # Under the step, named as the histories name it (督办意见), and not again among the data.
    assert re.search(r'class="event-reason">督办意见：请环保部门今日内签收并联系申请人。</div>', action)
    assert "请环保部门" not in data
    # Another step's reason is told as before.
    with app.app_context():
        engine.fire(db.session.get(Referral, world.second), "withdraw", user_named(world.mediator),
                    "部门已另行处理", now=LATE)
        db.session.remove()
    log = client.get(f"/audit/?entity_type=referral&entity_id={world.second}").get_data(as_text=True)
    row = re.search(r'<tr data-trigger="withdraw".*?</tr>', log, re.S).group(0)
    assert 'class="event-reason">理由：部门已另行处理</div>' in row
