"""Finding work: the deadline colour in SQL (warn_at), "my cases" by urgency,
the community list's filters, search and pagination, and the 0003 migration."""
import re
from datetime import datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import clock, create_app, paging
from app.disputes import lists
from app.disputes.models import Dispute
from app.engine import deadlines
from app.engine.deadlines import colour, colour_clause
from app.extensions import db
from tests import factories as f
from tests.factories import login

T0 = datetime(2026, 3, 2, 1, 0)  # 09:00 in Shanghai


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(
            street=street.id, c1=c1.id, c2=c2.id, g1=grids[0].id, g2=grids[1].id, g3=grids[2].id,
            m1=m1.username, m1_id=m1.id,
            m1b=f.user("mediator", community=c1).username,
            m2=f.user("mediator", community=c2).username,
            gw=f.user("gridworker", grid=grids[0]).username,
            sup=f.user("supervisor", street=street).username,
        )
        return type("World", (), w)


def user(username):
    return db.session.execute(select(f.User).where(f.User.username == username)).scalar_one()


def grid(grid_id):
    return db.session.get(f.Grid, grid_id)


def listed(page: str) -> list[int]:
    """Case ids in the order the list shows them."""
    part = page[page.index('id="case-list"'):]
    return [int(n) for n in re.findall(r'href="/cases/(\d+)"', part)]


def case_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return listed(response.get_data(as_text=True))


def flashes(client, url):
    return client.get(url).get_data(as_text=True)


# ---------------------------------------------------------------- the colour

def test_warn_at_is_stored_with_the_deadline_and_the_colour_turns_exactly_at_it(app, world):
    with app.app_context():
        d = f.dispute(user(world.m1), grid(world.g1), now=T0)  # submitted: one day to triage
        due, warn = T0 + timedelta(days=1), T0 + timedelta(hours=19, minutes=12)  # the last fifth of a day
        assert (d.due_at, d.warn_at) == (due, warn)
        tick = timedelta(microseconds=1)
        expected = {warn - tick: "blue", warn: "yellow", due - tick: "yellow", due: "red", due + tick: "red"}
        for now, wanted in expected.items():
            assert colour(d, now) == wanted, now
            in_sql = {c for c in ("red", "yellow", "blue", "none")
                      if db.session.execute(select(func.count()).select_from(Dispute).where(
                          Dispute.id == d.id, colour_clause(Dispute, c, now))).scalar()}
            assert in_sql == {wanted}, now


def test_cases_without_a_deadline_have_no_colour(app, world):
    with app.app_context():
        d = f.walk(f.dispute(user(world.m1), grid(world.g1), now=T0), user(world.m1), "resolve_on_spot", now=T0)
        assert d.due_at is None and d.warn_at is None and colour(d, T0) is None
        assert db.session.execute(select(Dispute.id).where(colour_clause(Dispute, "none", T0))).scalar() == d.id
        with pytest.raises(ValueError):
            colour_clause(Dispute, "purple", T0)


def test_warn_at_follows_the_kept_and_the_extended_deadline(app, world):
    with app.app_context():
        m1 = user(world.m1)
        d = f.walk(f.dispute(m1, grid(world.g1), now=T0), m1, "accept", now=T0)
        assert d.warn_at == T0 + timedelta(days=24)  # 30 days, the last 6 are yellow
        f.walk(d, m1, "assign", "start_mediation", now=T0 + timedelta(days=2))
        assert d.warn_at == T0 + timedelta(days=24)  # the mediation clock runs on from acceptance
        f.walk(d, m1, "extend", now=T0 + timedelta(days=20))  # 10 more days with consent
        assert d.due_at == T0 + timedelta(days=40) and d.warn_at == T0 + timedelta(days=32)


def test_the_yellow_share_is_a_setting(app, world):
    app.config["DEADLINE_YELLOW_SHARE"] = 0.5
    with app.app_context():
        d = f.dispute(user(world.m1), grid(world.g1), now=T0)
        assert d.warn_at == T0 + timedelta(hours=12)
        assert colour(d, T0 + timedelta(hours=12)) == "yellow"


def test_colour_falls_back_for_rows_without_warn_at(app, world):
    with app.app_context():
        d = f.dispute(user(world.m1), grid(world.g1), now=T0)
        d.warn_at = None  # as a row written before warn_at existed would be
        assert colour(d, T0 + timedelta(hours=19)) == "blue"
        assert colour(d, T0 + timedelta(hours=20)) == "yellow"


# ---------------------------------------------------------------- my cases

def test_my_cases_most_urgent_first(app, client, world):
    now = T0 + timedelta(days=40)
    with app.app_context():
        m1, m1b = user(world.m1), user(world.m1b)

        def assigned(accepted_at, mediator=m1):
            return f.walk(f.dispute(m1, grid(world.g1), now=accepted_at), mediator, "accept", "assign",
                          now=accepted_at)

        red_most = assigned(now - timedelta(days=35))  # 5 days overdue
        red_less = assigned(now - timedelta(days=31))  # 1 day overdue
        due_now = assigned(now - timedelta(days=30))  # due this very moment: red
        yellow = assigned(now - timedelta(days=25))  # 5 days left of 30
        blue_soon = assigned(now - timedelta(days=10))
        blue_late = assigned(now - timedelta(days=1))
        no_deadline = f.walk(assigned(now - timedelta(days=3)), m1, "start_mediation", "agree",
                             "start_performance", now=now - timedelta(days=2))
        closed = f.walk(assigned(now - timedelta(days=3)), m1, "start_mediation", "agree", "start_performance",
                        "fulfil", "close", now=now - timedelta(days=2))
        someone_elses = assigned(now - timedelta(days=33), mediator=m1b)
        co_mediated = assigned(now - timedelta(days=20), mediator=m1b)
        co_mediated.co_mediators.append(m1)
        db.session.commit()
        unassigned = f.dispute(m1, grid(world.g1), now=now - timedelta(days=3))
        # A closed case awaits its sign-off: listed last, in a group of its own.
        expected = [red_most.id, red_less.id, due_now.id, yellow.id, co_mediated.id, blue_soon.id, blue_late.id,
                    no_deadline.id, closed.id]
        excluded = {someone_elses.id, unassigned.id}
    clock.set_now(now)
    login(client, world.m1)
    page = client.get("/cases/mine").get_data(as_text=True)
    assert listed(page) == expected
    assert not excluded & set(listed(page))
    assert re.findall(r'href="/cases/(\d+)"', page[page.index('id="awaiting-sign-off"'):]) == [str(expected[-1])]
    assert 'data-colour="red"' in page and 'data-colour="yellow"' in page and 'data-colour="none"' in page


def test_a_grid_workers_cases_put_yellow_before_blue_even_when_blue_is_due_sooner(app, client, world):
    now = T0 + timedelta(days=30)
    with app.app_context():
        m1, gw = user(world.m1), user(world.gw)
        # Accepted 24 days ago: 6 days left of 30, yellow. (Not 25: the 30th day would then be 6 April
        # 2026, the Qingming holiday, and the limit would run on to 7 April, Civil Code art. 203.)
        yellow = f.walk(f.dispute(gw, grid(world.g1), now=now - timedelta(days=24)), m1, "accept",
                        now=now - timedelta(days=24))
        blue = f.dispute(gw, grid(world.g1), now=now - timedelta(hours=2))  # 22 hours left of 1 day: blue
        overdue = f.dispute(gw, grid(world.g1), now=now - timedelta(days=2))
        other_grid = f.dispute(m1, grid(world.g2), now=now - timedelta(days=2))
        rejected = f.walk(f.dispute(gw, grid(world.g1), now=now), m1, "reject", now=now)
        ids = (overdue.id, yellow.id, blue.id, other_grid.id, rejected.id)
    clock.set_now(now)
    login(client, world.gw)
    assert client.get("/").location.endswith("/cases/mine")
    assert case_ids(client, "/cases/mine") == list(ids[:3])


def test_my_cases_is_for_mediators_and_grid_workers(client, world):
    login(client, world.sup)
    assert client.get("/").location.endswith("/supervision/closures")  # supervisors land on the closure history
    response = client.get("/cases/mine")
    assert response.status_code == 302 and response.location.endswith("/cases/")
    assert 'href="/cases/mine"' not in client.get("/cases/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.m1)
    assert 'href="/cases/mine"' in client.get("/cases/").get_data(as_text=True)


# ---------------------------------------------------------------- the community list

@pytest.fixture
def cases(app, world):
    """Cases of community 1 in both grids, of several kinds; one of community 2."""
    with app.app_context():
        m1 = user(world.m1)
        # 15:00 UTC on 1 March is 23:00 in Shanghai; 17:00 UTC is already 2 March there.
        a = f.dispute(m1, grid(world.g1), now=datetime(2026, 3, 1, 15, 0))
        b = f.dispute(m1, grid(world.g1), now=datetime(2026, 3, 1, 17, 0))
        c = f.dispute(m1, grid(world.g2), now=datetime(2026, 3, 5, 2, 0))
        f.walk(c, m1, "accept", now=datetime(2026, 3, 5, 3, 0))
        c.dispute_type, c.channel = "parking", "phone"
        c.parties[0].name = "欧阳明"
        db.session.commit()
        other = f.dispute(user(world.m2), grid(world.g3), now=datetime(2026, 3, 1, 15, 0))
        ids = dict(a=a.id, b=b.id, c=c.id, other=other.id, c_file_no=c.file_no)
    clock.set_now(datetime(2026, 3, 5, 12, 0))
    return type("Cases", (), ids)


def test_the_list_is_newest_first_within_the_users_scope(client, world, cases):
    login(client, world.m1)
    assert case_ids(client, "/cases/") == [cases.c, cases.b, cases.a]
    client.post("/logout", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.sup)
    assert set(case_ids(client, "/cases/")) == {cases.a, cases.b, cases.c, cases.other}


@pytest.mark.parametrize("query, expected", [
    ("state=accepted", ["c"]),
    ("state=submitted", ["b", "a"]),
    ("dispute_type=parking", ["c"]),
    ("dispute_type=neighbour", ["b", "a"]),
    ("channel=phone", ["c"]),
    ("colour=red", ["a", "b"]),  # a day to triage, long past: the most overdue first
    ("colour=blue", ["c"]),  # 30 days from 5 March
    ("colour=yellow", []),
    ("colour=none", []),
    ("date_from=2026-03-02", ["c", "b"]),  # b was registered on 2 March, Shanghai time
    ("date_to=2026-03-01", ["a"]),
    ("date_from=2026-03-01&date_to=2026-03-02", ["b", "a"]),
    ("state=submitted&dispute_type=neighbour&date_to=2026-03-01", ["a"]),
    ("q=欧阳", ["c"]),  # the start of a party's name
    ("q=当事人", ["c", "b", "a"]),
])
def test_each_filter(client, world, cases, query, expected):
    login(client, world.m1)
    assert case_ids(client, f"/cases/?{query}") == [getattr(cases, name) for name in expected]


def test_a_colour_lists_the_deadline_first_and_says_so(client, world, cases):
    """Filtered on "overdue" (the today page's and the map's link), the most
    overdue case comes first, as on the today page; otherwise the newest."""
    login(client, world.m1)
    red = client.get("/cases/?colour=red").get_data(as_text=True)
    assert listed(red) == [cases.a, cases.b]  # a was due two hours before b
    assert "期限在先：最超期或最临近到期的排在前面。" in red and "按登记时间由新到旧排列" not in red
    newest = client.get("/cases/").get_data(as_text=True)
    assert listed(newest) == [cases.c, cases.b, cases.a]
    searched = client.get("/cases/?colour=red&q=当事人").get_data(as_text=True)
    assert listed(searched) == [cases.b, cases.a]  # a search keeps its own order, newest first


def test_grid_filter_and_its_scope(client, world, cases):
    login(client, world.m1)
    assert case_ids(client, f"/cases/?grid={world.g2}") == [cases.c]
    page = client.get("/cases/").get_data(as_text=True)
    assert f'value="{world.g1}"' in page and f'value="{world.g3}"' not in page  # only the user's grids
    # Another community's grid is not a choice: ignored, with a message, and its cases stay invisible.
    response = client.get(f"/cases/?grid={world.g3}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "alert-warning" in body
    assert cases.other not in listed(body)
    # Even if the choice check were bypassed, the query itself refuses a grid outside the scope.
    with client.application.app_context():
        m1 = user(world.m1)
        query, _ = lists.community_query(m1, lists.Filters(grid_id=world.g3), clock.now())
        assert db.session.execute(query).all() == []


def test_cases_without_a_grid_have_a_filter_of_their_own(client, world, cases):
    """The grid map counts cases registered without a grid and links here:
    "without a grid" lists them, within the user's scope, and nothing else."""
    with client.application.app_context():
        for case_id in (cases.b, cases.other):
            db.session.get(Dispute, case_id).grid_id = None
        db.session.commit()
    login(client, world.m1)
    page = client.get("/cases/").get_data(as_text=True)
    assert '<option value="none">无网格</option>' in page
    assert case_ids(client, "/cases/?grid=none") == [cases.b]  # community 2's gridless case stays out of scope
    assert case_ids(client, "/cases/?grid=none&state=accepted") == []
    client.post("/logout", data={"csrf_token": f.csrf(page)})
    login(client, world.sup)
    assert set(case_ids(client, "/cases/?grid=none")) == {cases.b, cases.other}


def test_search_by_file_number(client, world, cases):
    login(client, world.m1)
    assert cases.c_file_no == "(2026)莱人调字第1号"
    for q in ("(2026)莱人调字第1号", "第1号", "1", "2026-1"):
        assert case_ids(client, f"/cases/?q={q}") == [cases.c], q
    assert case_ids(client, "/cases/?q=2025-1") == []


def test_postgresql_plans_a_search_for_the_name_it_searches(app, world, cases):
    """psycopg prepares a statement a connection has run five times, and the
    server may then plan it once for every value: a name search's prefix
    (`LIKE $1 || '%'`) can use the name index only in a plan made for the
    name (bench/scale.py measured 170 ms instead of 12 a street's search
    at a million cases). Every execution gets a plan for its values."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the plan cache of PostgreSQL's prepared statements")
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        matches = lists.search_matches("张")
        search = select(Dispute.id).join(matches, matches.c.id == Dispute.id).order_by(matches.c.id.desc())
        for _ in range(15):
            db.session.execute(search).all()
        plans = db.session.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%parties.name LIKE%'")).all()
        # Prepared by psycopg (at its sixth run), then planned for its values at each of the ten after.
        assert len(plans) == 1, plans
        assert plans[0][0] == 0 and plans[0][1] >= 10, f"generic plans {plans[0][0]}, custom plans {plans[0][1]}"


def test_a_one_character_name_search_over_the_whole_city_asks_for_more(app, client, world, cases):
    """A surname alone matches a twentieth of a province's parties: over
    the whole city the list asks for two characters or a file number
    (lists.CITY_NAME_MIN) and sends no search; a street, a mediator and a
    longer name still search."""
    with app.app_context():
        city = f.user("supervisor").username
        admin = f.user("admin").username
    for username in (city, admin):
        login(client, username)
        client.post("/language/en", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True)),
                                          "next": "/cases/"})
        response = client.get("/cases/?q=欧")
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "alert-warning" in body, username
        assert "at least 2 characters" in body and "file number" in body and listed(body) == []
        assert case_ids(client, "/cases/?q=欧阳") == [cases.c]  # two characters: searched
        assert case_ids(client, "/cases/?q=1") == [cases.c]  # a file number's digit is not a name
        client.post("/logout", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True))})
    # The admin may narrow the city to a grid, where a surname is searched.
    login(client, admin)
    assert case_ids(client, f"/cases/?q=欧&grid={world.g2}") == [cases.c]
    client.post("/logout", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True))})
    for username in (world.sup, world.m1):  # a street's or a community's scope: searched
        login(client, username)
        assert case_ids(client, "/cases/?q=欧") == [cases.c], username
        client.post("/logout", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True))})
    # In Chinese (the default language) the message says the same.
    login(client, city)
    client.post("/language/zh_Hans_CN", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True)),
                                              "next": "/cases/"})
    assert "至少" in client.get("/cases/?q=欧").get_data(as_text=True)


def test_a_refused_city_name_search_sends_no_search_statement(app, client, world, cases):
    from sqlalchemy import event

    with app.app_context():
        city = f.user("supervisor").username
        engine = db.engine
    login(client, city)
    sent = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/cases/?q=欧")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sent and not any("parties" in s and "LIKE" in s.upper() or "parties.name >=" in s for s in sent)
    assert not any("FROM disputes" in s and "count" in s.lower() for s in sent)


@pytest.mark.parametrize("query", [
    "state=bogus", "dispute_type=zzz", "channel=<script>", "colour=purple", "grid=abc", "grid=99999999999999999999",
    "date_from=garbage", "date_to=2026-13-45", "date_from=0001-01-01", "date_to=9999-12-31",
    "page=-3", "page=abc", "page=99999999999999999999", "q=" + "长" * 500, "q=%25_%5C",
])
def test_bad_filter_input_is_ignored_with_a_message(client, world, cases, query):
    login(client, world.m1)
    client.post("/language/en", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})
    response = client.get(f"/cases/?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if not query.startswith("q="):
        assert "was ignored" in body
        assert set(listed(body)) == {cases.a, cases.b, cases.c}  # as if the bad filter were not there


def test_a_date_range_that_ends_before_it_starts(client, world, cases):
    login(client, world.m1)
    client.post("/language/en", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})
    response = client.get("/cases/?date_from=2026-03-05&date_to=2026-03-01")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "ends before it starts" in body and listed(body) == []


def test_pagination_keeps_the_filters_and_a_stable_order(app, client, world):
    app.config["CASES_PER_PAGE"] = 2
    same_time = datetime(2026, 3, 3, 1, 0)
    with app.app_context():
        m1 = user(world.m1)
        made = [f.dispute(m1, grid(world.g1), now=same_time).id for _ in range(5)]  # one registration time
        f.walk(f.dispute(m1, grid(world.g1), now=same_time), m1, "resolve_on_spot")  # not submitted
    clock.set_now(same_time + timedelta(hours=1))
    login(client, world.m1)
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"/cases/?state=submitted&page={number}").get_data(as_text=True)
        seen += listed(page)
        if number < 3:
            assert "state=submitted" in page[page.index('rel="next"') - 200:page.index('rel="next"') + 200]
    assert seen == sorted(made, reverse=True)  # the id breaks the tie: nothing twice, nothing skipped
    assert listed(client.get("/cases/?state=submitted&page=50").get_data(as_text=True)) == [made[0]]  # the last


def test_the_count_stops_at_the_cap(app, client, world, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    app.config["CASES_PER_PAGE"] = 2
    with app.app_context():
        m1 = user(world.m1)
        for _ in range(6):
            f.dispute(m1, grid(world.g1))
    login(client, world.m1)
    client.post("/language/en", data={"csrf_token": f.csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})
    page = client.get("/cases/").get_data(as_text=True)
    assert re.search(r'id="case-count">\(4\+\)', page) and "More than 4 cases match" in page
    assert "can be paged through" not in page  # said on the last page counted
    deep = client.get("/cases/?page=3").get_data(as_text=True)  # past the counted matches
    assert "Only the first 4 matches can be paged through" in deep and len(listed(deep)) == 2
    # Pages that do not divide the count: the last counted page is offered, and says how to go on.
    app.config["CASES_PER_PAGE"] = 3
    last = client.get("/cases/?page=2").get_data(as_text=True)
    assert "2 / 2+" in last and 'rel="next"' not in last and "Only the first 4 matches" in last
    assert listed(client.get("/cases/?page=9").get_data(as_text=True)) == listed(last) != []


# ---------------------------------------------------------------- the migration

def test_migration_0003_fills_warn_at_for_existing_rows(empty_db):
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0002")
        started = datetime(2026, 3, 1, 8, 0)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name) VALUES (1, 's')"))
            conn.execute(text("INSERT INTO communities (id, street_id, name) VALUES (1, 1, 'c')"))
            for i, (due, start) in enumerate([(started + timedelta(days=30), started), (None, None)], 1):
                conn.execute(text(
                    "INSERT INTO disputes (id, tracking_code, channel, dispute_type, street_id, community_id, place,"
                    " facts, risk, created_at, state, version, state_entered_at, due_at, deadline_started_at,"
                    " changed_at) VALUES (:id, :code, 'walk_in', 'other', 1, 1, '', 'x', 'low', :at, 'accepted',"
                    " 1, :at, :due, :start, :at)"),
                    {"id": i, "code": f"C{i}", "at": started, "due": due, "start": start})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, warn_at FROM disputes ORDER BY id")).all()
            warn = [r.warn_at if isinstance(r.warn_at, datetime) or r.warn_at is None
                    else datetime.fromisoformat(r.warn_at) for r in rows]
            assert warn == [started + timedelta(days=24), None]
            if db.engine.dialect.name == "postgresql":
                definition = conn.execute(text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_parties_name'"
                    " AND schemaname = current_schema()")).scalar()
                assert "text_pattern_ops" in definition
        db.session.remove()
        db.engine.dispose()


def test_deadlines_module_reads_the_share_outside_a_request():
    assert deadlines.yellow_share() == deadlines.DEFAULT_YELLOW_SHARE
    start = datetime(2026, 1, 1)
    assert deadlines.warn_time(start + timedelta(days=10), start) == start + timedelta(days=8)
    assert deadlines.warn_time(None, start) is None
