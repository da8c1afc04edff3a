"""A supervisor's today page: the overdue open cases of their scope (a
street's, or the city's for a city supervisor), most overdue first, cut
short with a link to the case list's overdue filter; and referrals named by
their department."""
import re
from datetime import datetime, timedelta

import pytest

from app import clock, today as registry
from app.disputes import overdue
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login
from tests.test_statement_budgets import BUDGETS, counted

T0 = datetime(2026, 3, 2, 2, 0)       # 10:00 on Monday 2 March, Shanghai
NOW = datetime(2026, 3, 12, 2, 0)     # ten days on: the reports registered then are overdue (1 day to accept)


def section(html: str, name: str) -> str:
    return re.search(rf'<section id="today-{name}">(.*?)</section>', html, re.S).group(1)


def case_links(block: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/cases/(\d+)"', block)]


def badge(block: str) -> int:
    return int(re.search(r'<span class="badge[^"]*">(\d+)</span>', block).group(1))


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        other_street, _, other_grids = f.org()
        m = f.user("mediator", community=c1)
        om = f.user("mediator", community=other_grids[0].community)
        # Three overdue reports of the street, registered a day apart: the oldest is the most overdue.
        oldest, middle, newest = (f.dispute(m, grids[0], now=T0 + timedelta(days=n)) for n in range(3))
        # Accepted on the 2nd: its 30 days run to April; yellow from late March, blue now.
        on_track = f.walk(f.dispute(m, grids[1], now=T0), m, "accept", now=T0)
        # Accepted 25 days before NOW: yellow (at risk), not overdue.
        at_risk = f.walk(f.dispute(m, grids[1], now=NOW - timedelta(days=25)), m, "accept",
                         now=NOW - timedelta(days=25))
        # Overdue once, then resolved on the spot: no deadline any more.
        settled = f.walk(f.dispute(m, grids[0], now=T0), m, "resolve_on_spot", now=T0 + timedelta(days=3))
        elsewhere = f.dispute(om, other_grids[0], now=T0)
        w = dict(sup=f.user("supervisor", street=street).username, city=f.user("supervisor").username,
                 mediator=m.username, oldest=oldest.id, middle=middle.id, newest=newest.id,
                 on_track=on_track.id, at_risk=at_risk.id, settled=settled.id, elsewhere=elsewhere.id,
                 street_id=street.id)
        db.session.remove()
    clock.set_now(NOW)
    return type("World", (), w)


def test_a_street_supervisor_s_today_lists_the_street_s_overdue_cases_most_overdue_first(client, world):
    login(client, world.sup)
    page = client.get("/today")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    overdue_block = section(html, "overdue")
    assert case_links(overdue_block) == [world.oldest, world.middle, world.newest]
    assert badge(overdue_block) == 3
    # Each is red, by the deadline rule's colour, and named by its title and its place.
    for case_id in (world.oldest, world.middle, world.newest):
        item = re.search(rf'<a [^>]*href="/cases/{case_id}"[^>]*>', overdue_block).group(0)
        assert 'data-colour="red"' in item and 'data-kind="overdue_case"' in item
    client.post("/language/en", data={"csrf_token": csrf(html), "next": "/today"})
    english = section(client.get("/today").get_data(as_text=True), "overdue")
    assert f"Case #{world.oldest} · " in english and " is overdue" in english
    # Not the at-risk (yellow) case, not a case on track, not one without a deadline, not another street's.
    everything = case_links(client.get("/today").get_data(as_text=True))
    for case_id in (world.at_risk, world.on_track, world.settled, world.elsewhere):
        assert case_id not in everything


def test_a_city_supervisor_s_today_lists_the_city_s_overdue_cases(client, world):
    login(client, world.city)
    overdue_block = section(client.get("/today").get_data(as_text=True), "overdue")
    assert case_links(overdue_block) == [world.oldest, world.elsewhere, world.middle, world.newest]


def test_a_mediator_s_today_has_no_such_list(client, world):
    login(client, world.mediator)
    html = client.get("/today").get_data(as_text=True)
    assert 'data-kind="overdue_case"' not in html


def test_beyond_the_limit_one_item_counts_the_rest_and_leads_to_the_case_list_s_overdue_filter(
        client, world, monkeypatch):
    monkeypatch.setattr(overdue, "LIMIT", 1)
    login(client, world.sup)
    html = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(html), "next": "/today"})
    block = section(client.get("/today").get_data(as_text=True), "overdue")
    assert case_links(block) == [world.oldest]
    assert badge(block) == 3  # the page's count stays true
    rest = re.search(r'<a [^>]*href="/cases/\?colour=red"[^>]*>(.*?)</a>', block, re.S)
    assert rest and "2 more overdue cases: see the case list" in rest.group(1)
    # The link leads to the street's overdue cases, all three.
    listed = client.get("/cases/?colour=red")
    assert listed.status_code == 200
    assert set(case_links(listed.get_data(as_text=True))) == {world.oldest, world.middle, world.newest}
    # Past the count's cap, the count says so.
    monkeypatch.setattr(overdue, "COUNT_CAP", 2)
    block = section(client.get("/today").get_data(as_text=True), "overdue")
    assert "2+ more overdue cases: see the case list" in block


def test_the_overdue_cases_cost_the_supervisor_s_today_page_one_statement_whatever_their_number(
        app, world, monkeypatch):
    client = app.test_client()
    login(client, world.sup)

    def statements():
        client.get("/today")  # warm
        with counted(app) as sent:
            assert client.get("/today").status_code == 200
        return len(sent)

    with_three = statements()
    with app.app_context():
        m = db.session.query(f.User).filter_by(username=world.mediator).one()
        for _ in range(4):
            f.dispute(m, m.community.grids[0], now=T0)
    assert statements() == with_three  # seven overdue cases now: no statement per case
    assert with_three <= BUDGETS["today"]
    monkeypatch.delitem(registry.PROVIDERS, overdue.KIND)
    assert statements() == with_three - 1
