"""Statement budgets: a page that sends more SQL statements than its budget
fails here, and the count does not grow with the number of rows shown (no
lazy load per row). Counted with SQLAlchemy's before_cursor_execute event."""
import re
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import event

from app.extensions import db
from tests import factories as f
from tests.factories import login

T0 = datetime(2026, 3, 2, 2, 0)
# The most statements each page may send (BEGIN and the login session's lookup included): the case
# page was 18 before its case query loaded its community, grid and assignee (app/disputes/access.py),
# then 16. Since then every mediator page counts the community's waiting reports for the navigation
# (one statement, shared with the inbox on "my cases" and "today"), and the case page lists the case's
# referrals and the departments it may be referred to, and names the people and cases its timeline
# records (one statement each): 21. Then the ids of the rows whose steps the case's timeline shows
# (follow-ups, elders' invitations, referrals, sign-offs) came in one statement instead of four: 18.
# Then the navigation read the waiting reports and the unread notifications in one statement: 17.
# Then the case's query joined its parties and co-mediators too (app/disputes/access.py): 15.
# Then the referral form (and its departments) was fetched when its panel opens, and the timeline
# named its actors and the case itself from what it had read (app/timeline.py): 12.
# A step's form, fetched when its panel on the case page opens, reads the session, the case and
# nothing per row: 4. "My cases" joined its cases' communities and grids into the page's statement
# instead of loading them in two more (app/disputes/lists.py): 6.
BUDGETS = {"case page": 12, "my cases": 6, "today": 8, "a step's form": 4}
# A case whose agreement is in effect ("performing") has its page say where the 30 days for judicial
# confirmation stand: their last day reads the working calendar (app/workdays.py), one statement more; its
# judicial confirmation comes from the events its timeline reads, and the steps' guards and the page share
# both (they sent three statements more). A page not named here has its budget in every state.
IN_STATE = {("case page", "performing"): BUDGETS["case page"] + 1}


@contextmanager
def counted(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# The steps taking a new case to each state measured: "agreed" (the written agreement not yet signed), and
# "performing" (signed, so in effect: the page says where its judicial confirmation stands).
TO_STATE = {"agreed": ("accept", "assign", "start_mediation", "agree"),
            "performing": ("accept", "assign", "start_mediation", "agree", "sign", "start_performance")}


def world(app, cases, state="agreed"):
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        ids = []
        for n in range(cases):
            d = f.dispute(m, grids[0], now=T0)
            f.walk(d, m, *TO_STATE[state], now=T0)
            assert d.state == state
            ids.append(d.id)
        return m.username, ids


def step_form_path(client, case_id):
    """The address the case page fetches the form of its first step from."""
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    return re.search(r'data-fetch-form="([^"]+)"', page).group(1).replace("&amp;", "&")


def statements_of(app, client, path):
    client.get(path)  # warm: the first request compiles and caches what later ones reuse
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("state", sorted(TO_STATE))
@pytest.mark.parametrize("page", sorted(BUDGETS))
def test_each_page_stays_within_its_statement_budget_whatever_the_number_of_rows(app, page, state):
    counts = []
    for cases in (2, 6):
        username, ids = world(app, cases, state)
        client = app.test_client()
        login(client, username)
        path = {"case page": f"/cases/{ids[-1]}", "my cases": "/cases/mine", "today": "/today",
                "a step's form": step_form_path(client, ids[-1])}[page]
        counts.append(len(statements_of(app, client, path)))
    assert counts[0] == counts[1], f"{page} ({state}): {counts[0]} statements with 2 cases, {counts[1]} with 6"
    budget = IN_STATE.get((page, state), BUDGETS[page])
    assert counts[1] <= budget, f"{page} ({state}): {counts[1]} statements, budget {budget}"


def test_the_sweeps_on_the_today_page_and_the_sweeps_list_bring_their_places_in_their_own_statement(app):
    """A mediator's community sweep (planned by the timer) on the today page and on the sweeps list:
    its community (or street) comes joined into the sweeps' statement, not in statements of their own."""
    from app.engine.timers import tick

    counts = {}
    username, _ids = world(app, 1)
    client = app.test_client()
    login(client, username)
    for planned in (False, True):
        if planned:
            with app.app_context():
                tick(now=T0)  # plans this week's sweep of each community and this month's of the street
                db.session.remove()
        page = client.get("/today").get_data(as_text=True)
        assert bool(re.search(r'href="/sweeps/\d+"', page)) == planned
        counts[planned] = [len(statements_of(app, client, path)) for path in ("/today", "/sweeps/")]
    # (The empty list reads one statement more: its count finds nothing and the page is read all the same.)
    assert all(with_ <= without for with_, without in zip(counts[True], counts[False])), \
        f"today and the sweeps list: {counts[False]} statements without sweeps, {counts[True]} with"


def test_a_deep_page_of_a_case_list_loads_its_places_apart_and_shows_them_all_the_same(app):
    """The first pages join each case's community and grid into the page's statement; past
    paging.JOINED_PAGES (where PostgreSQL would join every row the OFFSET skips) they come in two
    statements of their own."""
    from app import paging
    from app.disputes.models import Dispute

    app.config["CASES_PER_PAGE"] = 1
    username, ids = world(app, paging.JOINED_PAGES + 2)
    with app.app_context():
        grid_name = db.session.get(Dispute, ids[0]).grid.name
    client = app.test_client()
    login(client, username)
    counts = {}
    for number in (1, paging.JOINED_PAGES, paging.JOINED_PAGES + 1):
        statements = statements_of(app, client, f"/cases/?page={number}")
        page = client.get(f"/cases/?page={number}").get_data(as_text=True)
        assert len(re.findall(r'href="/cases/\d+"', page.split('id="case-list"')[1])) >= 1
        assert grid_name in page.split('id="case-list"')[1]
        counts[number] = len(statements)
    assert counts[paging.JOINED_PAGES] == counts[1]
    assert counts[paging.JOINED_PAGES + 1] == counts[1] + 2


def case_with_rows(app, rows):
    """A case in mediation with `rows` referrals (each to a department of its own) and `rows`
    elders invited (each a different elder): the rows the case page lists with a name each."""
    from tests import factories_elders as fe
    from tests import factories_referrals as fr

    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        d = fe.case_in_mediation(m, grids[0])
        f.walk(d, m, "start_mediation")
        for n in range(rows):
            fr.referral(d, fr.department(f"部门{n}"), m)
            fe.invite(d, fe.elder(c1), m)
        return m.username, d.id


def test_the_case_page_sends_no_statement_per_referral_or_elder_it_lists(app):
    counts = []
    for rows in (1, 3):
        username, case_id = case_with_rows(app, rows)
        client = app.test_client()
        login(client, username)
        counts.append(len(statements_of(app, client, f"/cases/{case_id}")))
    assert counts[0] == counts[1], f"{counts[0]} statements with one referral and elder, {counts[1]} with three"


def case_offering_the_next_elder(app, others):
    """A case in mediation whose one invited elder declined, with `others` more elders of its
    street, each with unavailable dates and a declared relation: the page offers the next one."""
    from datetime import date

    from app.elders import steps
    from tests import factories_elders as fe

    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        d = fe.case_in_mediation(m, grids[0])
        first, first_user = fe.elder_with_login(c1)
        steps.act(fe.invite(d, first, m), "decline", first_user, "没空")
        for n in range(others):
            fe.elder(c1, unavailable=[(date(2030, 1, 1), date(2030, 1, 2))],
                     relations=[{"name": f"亲戚{n}", "relation": "relative"}])
        return m.username, d.id


def test_the_case_page_offering_the_next_elder_sends_no_statement_per_elder_of_the_street(app):
    counts = []
    for others in (1, 3):
        username, case_id = case_offering_the_next_elder(app, others)
        client = app.test_client()
        login(client, username)
        statements = statements_of(app, client, f"/cases/{case_id}")
        counts.append(len(statements))
    assert counts[0] == counts[1], f"{counts[0]} statements with one more elder, {counts[1]} with three"


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/favicon.svg"])
def test_a_static_file_reads_no_session_and_no_database(app, path):
    """A logged-in user's stylesheet costs no statement (the session and the
    account are not looked up), sets no cookie and is not marked as varying
    with the cookie, so a browser or proxy cache keeps one copy for everyone."""
    username, _ids = world(app, 1)
    client = app.test_client()
    login(client, username)
    client.get(path)
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert statements == []
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
