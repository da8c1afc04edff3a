"""A mediator's inbox (issue 16, item 1): the community's reports waiting
for acceptance at the top of "my cases" and "today", red once the one-day
triage deadline has passed, and their count in the navigation; with them the
accepted cases that have no mediator yet (accepted on the case page: no "my
cases" listed them while their 30 days ran)."""
import re
from datetime import datetime, timedelta

import pytest

from app import clock
from app.extensions import db
from tests import factories as f
from tests.factories import login

REPORTED = datetime(2026, 3, 9, 1, 0)  # 09:00 on Monday 9 March, Shanghai


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        worker = f.user("gridworker", grid=grids[0])
        old = f.dispute(worker, grids[0], now=REPORTED - timedelta(days=3))
        new = f.dispute(worker, grids[1], now=REPORTED)
        accepted = f.walk(f.dispute(worker, grids[0], now=REPORTED), mediator, "accept", now=REPORTED)
        assigned = f.walk(f.dispute(worker, grids[0], now=REPORTED), mediator, "accept", "assign", now=REPORTED)
        elsewhere = f.dispute(f.user("gridworker", grid=grids[2]), grids[2], now=REPORTED)
        w = dict(mediator=mediator.username, worker=worker.username, old=old.id, new=new.id,
                 accepted=accepted.id, assigned=assigned.id, elsewhere=elsewhere.id,
                 other_mediator=f.user("mediator", community=c2).username)
        db.session.remove()
    clock.set_now(REPORTED + timedelta(hours=2))
    return type("World", (), w)


def inbox_rows(html, list_id):
    block = re.search(rf'id="{list_id}">(.*?)</(form|section)>', html, re.S)
    assert block, f"no {list_id} on the page"
    return re.findall(r'href="/cases/(\d+)"[^>]*data-colour="(\w+)"', block.group(1))


def test_my_cases_lists_the_community_s_waiting_reports_overdue_first_in_red(client, world):
    login(client, world.mediator)
    page = client.get("/cases/mine")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The accepted case without a mediator waits too, its 30 days being less urgent than a report's one.
    assert inbox_rows(html, "inbox-list") == [(str(world.old), "red"), (str(world.new), "blue"),
                                              (str(world.accepted), "blue")]
    assert 'id="inbox-total">3<' in html and "badge-red" in html.split('id="inbox-total"')[0][-80:]
    assert '<a href="/cases/?state=accepted">全部已受理案件</a>' in html
    # An assigned case is its mediator's, and other communities' reports are not in the inbox.
    inbox = html.split('id="inbox-list"')[1].split("</section>")[0]
    assert f'href="/cases/{world.assigned}"' not in inbox
    assert f'href="/cases/{world.elsewhere}"' not in html
    # The navigation counts them on every page.
    assert re.search(r'id="inbox-count">3<', client.get("/today").get_data(as_text=True))


def test_today_shows_the_inbox_at_the_top(client, world):
    login(client, world.mediator)
    html = client.get("/today").get_data(as_text=True)
    assert html.index('id="today-inbox"') < html.index('id="today-overdue"')
    block = re.search(r'id="today-inbox-items">(.*?)</section>', html, re.S).group(1)
    assert re.findall(r'href="/cases/(\d+)"', block) == [str(world.old), str(world.new), str(world.accepted)]
    assert 'data-colour="red"' in block
    assert re.search(r"案件 [^<]*已受理，尚未指派调解员：请指派", block)
    overdue = re.search(r'id="today-overdue-items">(.*?)</section>', html, re.S).group(1)
    assert f'href="/cases/{world.old}"' not in overdue  # listed once, in the inbox
    # Its acceptance deadline is said to be one, not shown as a bare time after the place.
    due = clock.to_local(REPORTED + timedelta(days=1))
    assert f"截止 {due.year}/{due.month}/{due.day} {due:%H:%M}" in block


def test_today_counts_every_waiting_report_beyond_the_ones_it_lists(client, app, world, monkeypatch):
    """The inbox lists LIMIT reports; the rest are one item counting them, leading to "my cases" (a
    mediator with 120 waiting reports read 50)."""
    from app.disputes import inbox

    with app.app_context():
        worker = db.session.execute(db.select(f.User).where(f.User.username == world.worker)).scalar_one()
        grid = db.session.get(f.Grid, worker.grid_id)
        for _ in range(2):
            f.dispute(worker, grid, now=REPORTED)
        db.session.remove()
    monkeypatch.setattr(inbox, "LIMIT", 1)
    login(client, world.mediator)
    html = client.get("/today").get_data(as_text=True)
    assert re.search(r'id="today-inbox".*?<span class="badge[^"]*">5</span>', html, re.S)
    block = re.search(r'id="today-inbox-items">(.*?)</section>', html, re.S).group(1)
    assert re.findall(r'href="(/cases/[^"]*)"', block) == [f"/cases/{world.old}", "/cases/mine"]
    assert "另有 4 件案件待受理或待指派调解员：请到“我的案件”查看" in block


def test_the_inbox_empties_as_reports_are_accepted_and_assigned(client, app, world):
    with app.app_context():
        from app.auth.models import User
        from app.disputes.models import Dispute
        mediator = db.session.query(User).filter_by(username=world.mediator).one()
        for case_id in (world.old, world.new):
            f.walk(db.session.get(Dispute, case_id), mediator, "accept")
        db.session.remove()
    login(client, world.mediator)
    assert 'id="inbox-total">3<' in client.get("/cases/mine").get_data(as_text=True)  # accepted, not yet assigned
    with app.app_context():
        mediator = db.session.query(User).filter_by(username=world.mediator).one()
        for case_id in (world.old, world.new, world.accepted):
            f.walk(db.session.get(Dispute, case_id), mediator, "assign")
        db.session.remove()
    html = client.get("/cases/mine").get_data(as_text=True)
    assert 'id="inbox-list"' not in html and 'id="inbox-total">0<' in html
    assert 'id="inbox-count"' not in html


def test_other_roles_and_communities_have_no_inbox(client, app, world):
    login(client, world.other_mediator)
    html = client.get("/cases/mine").get_data(as_text=True)
    assert [case for case, _ in inbox_rows(html, "inbox-list")] == [str(world.elsewhere)]  # community 2's only
    assert 'id="inbox-count">1<' in html
    client = app.test_client()
    login(client, world.worker)
    html = client.get("/cases/mine").get_data(as_text=True)
    assert 'id="inbox"' not in html and 'id="inbox-count"' not in html
    assert 'id="today-inbox"' not in client.get("/today").get_data(as_text=True)


def test_the_inbox_costs_one_statement_however_often_the_page_shows_it(client, app, world):
    from sqlalchemy import event

    login(client, world.mediator)
    statements = []

    def count(conn, cursor, statement, *args):
        if "disputes.state = " in statement and "disputes.community_id" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/cases/mine").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1  # the list and the navigation's count share it


def test_the_navigation_reads_waiting_reports_and_unread_notifications_in_one_statement(client, app, world):
    """A page that does not list the inbox (a case page) shows both of the navigation's counts from
    one statement; each count stays the user's own."""
    from sqlalchemy import event

    from app.auth.models import User
    from app.notifications.service import notify

    with app.app_context():
        mediator = db.session.query(User).filter_by(username=world.mediator).one()
        other = db.session.query(User).filter_by(username=world.other_mediator).one()
        for n in range(3):
            notify(mediator, "test", data={"n": n})
        notify(other, "test")
        db.session.commit()
    login(client, world.mediator)
    client.get(f"/cases/{world.old}")  # warm
    statements = []

    def count(conn, cursor, statement, *args):
        if "notifications" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get(f"/cases/{world.old}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 'id="inbox-count">3<' in html and 'id="unread-count">3<' in html  # two reports, one case to assign
    assert len(statements) == 1 and "disputes.state = " in statements[0]
    other_client = app.test_client()
    login(other_client, world.other_mediator)
    html = other_client.get(f"/cases/{world.elsewhere}").get_data(as_text=True)
    assert 'id="inbox-count">1<' in html and 'id="unread-count">1<' in html
