"""A mediator's "my cases" says what each closed case waits for: signed off, the mediator's archiving (their next
step, listed first); awaiting, the supervisor's sign-off. A case the supervisor returned is open again, marked so
in the open list; an archived one needs nothing more and is not listed."""
import re
from datetime import datetime, timedelta

import pytest

from app import clock
from app.disputes import lists
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login

NOW = datetime(2026, 6, 15, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(NOW)
        street, (c1, _), grids = f.org()
        mediator = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=street)
        grid = grids[0]
        at = NOW - timedelta(days=20)
        # Closed first, so that were closed cases in one group by urgency alone, this one would lead it.
        awaiting = fs.closed_case(mediator, grid, now=at)
        signed = fs.closed_case(mediator, grid, now=at + timedelta(days=1))
        fs.sign_off(signed, supervisor)
        returned = fs.closed_case(mediator, grid, now=at + timedelta(days=2))
        fs.return_case(returned, supervisor)
        archived = fs.closed_case(mediator, grid, now=at + timedelta(days=3))
        fs.sign_off(archived, supervisor)
        f.walk(archived, mediator, "archive")
        open_case = f.walk(f.dispute(mediator, grid, now=at), mediator, "accept", "assign", now=at)
        ids = dict(mediator=mediator.username, mediator_id=mediator.id, awaiting=awaiting.id, signed=signed.id,
                   returned=returned.id, archived=archived.id, open=open_case.id)
        db.session.remove()
    return type("World", (), ids)


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/cases/(\d+)"', html)]


def section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start:page.index("</section>", start)]


def test_closed_cases_are_grouped_by_what_they_wait_for(app, client, world):
    login(client, world.mediator)
    page = client.get("/cases/mine").get_data(as_text=True)
    mine = page[page.index('id="mine-heading"'):]
    # Open ones, then those to archive, then those awaiting the supervisor; nothing archived.
    assert world.archived not in listed(mine)
    to_archive, awaiting = section(page, "to-archive"), section(page, "awaiting-sign-off")
    assert listed(to_archive) == [world.signed]
    assert listed(awaiting) == [world.awaiting]
    assert mine.index('id="to-archive"') < mine.index('id="awaiting-sign-off"')
    open_list = mine[:mine.index('id="to-archive"')]
    assert sorted(listed(open_list)) == sorted([world.open, world.returned])
    # The returned case is marked so in the open list; no other case is.
    rows = re.findall(r'<a class="list-group-item[^"]*" href="/cases/(\d+)"(.*?)</a>', open_list, re.S)
    assert len(rows) == 2
    assert [int(i) for i, row in rows if "data-returned" in row] == [world.returned]


def test_the_order_puts_cases_to_archive_before_those_awaiting_across_pages(app, client, world):
    """One statement orders the whole list: with a page of one case, the signed-off one comes on the page before
    the one awaiting sign-off, though closed earlier."""
    app.config["CASES_PER_PAGE"] = 1
    login(client, world.mediator)
    pages = [client.get(f"/cases/mine?page={n}").get_data(as_text=True) for n in (1, 2, 3, 4)]
    shown = [listed(p[p.index('id="mine-heading"'):])[0] for p in pages]
    assert set(shown[:2]) == {world.open, world.returned}
    assert shown[2:] == [world.signed, world.awaiting]
    assert 'id="to-archive"' in pages[2] and 'id="awaiting-sign-off"' not in pages[2]
    assert 'id="awaiting-sign-off"' in pages[3] and 'id="to-archive"' not in pages[3]


def test_the_stages_come_with_the_page_s_rows_in_its_own_statement(app, world):
    """Each row of "my cases" carries where its latest review stands, read in
    the page's statement (the page's statement budget has no room for one
    more); an open case never reviewed has none."""
    with app.app_context():
        from app.auth.models import User

        mediator = db.session.get(User, world.mediator_id)
        page = lists.my_cases(db.session, mediator, NOW, 1, 50)
        assert lists.closure_stages(page) == {world.awaiting: "awaiting", world.signed: "signed_off",
                                                   world.returned: "returned"}
        assert world.open in {d.id for d in page.rows} and world.archived not in {d.id for d in page.rows}
        assert lists.closure_stages(lists.Page(rows=[], number=1, per_page=50, total=0, capped=False)) == {}
