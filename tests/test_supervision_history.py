"""The closure history (filters, paging, scope, bad input) and the replay
of a case as it stood at several moments, rebuilt from the audit log."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import clock
from app.disputes.models import Dispute
from app.disputes.parties import save_party
from app.engine.edits import edit
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def close_at(mediator, grid, registered, closed, path=fs.AGREEMENT_PATH, **fields):
    d = f.dispute(mediator, grid, now=registered)
    for name, value in fields.items():
        setattr(d, name, value)
    db.session.commit()
    for trigger in path[:-1]:
        f.walk(d, mediator, trigger, now=registered)
    f.walk(d, mediator, path[-1], now=closed)
    return d


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        ma1, ma2, mb = fs.user_named(w.m_a1), fs.user_named(w.m_a2), fs.user_named(w.m_b1)
        w.quick = close_at(ma1, fs.grid(w.grid_a1), at(3, 1), at(3, 2), fs.ON_SPOT_PATH, channel="patrol").id
        w.slow = close_at(ma2, fs.grid(w.grid_a2), at(3, 1), at(4, 10), fs.FAILED_PATH,
                          dispute_type="labour").id
        w.agreed = close_at(ma1, fs.grid(w.grid_a1), at(3, 5), at(3, 20)).id
        w.open = f.dispute(ma1, fs.grid(w.grid_a1)).id
        w.other = close_at(mb, fs.grid(w.grid_b1), at(3, 1), at(3, 3)).id
        fs.sign_off(db.session.get(Dispute, w.agreed), fs.user_named(w.sup_a))
        db.session.remove()
        return w


def listed(client, query=""):
    response = client.get(f"/supervision/closures{query}")
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-case="(\d+)"', response.get_data(as_text=True))], response


def test_the_history_lists_closed_cases_of_the_street_newest_closure_first(client, world):
    login(client, world.sup_a)
    ids, _ = listed(client)
    assert ids == [world.slow, world.agreed, world.quick]  # not the open case, not street B's


@pytest.mark.parametrize("query,expected", [
    ("?date_from=2026-03-01&date_to=2026-03-31", ["agreed", "quick"]),
    ("?date_from=2026-04-01", ["slow"]),
    ("?outcome=on_spot", ["quick"]),
    ("?outcome=failed", ["slow"]),
    ("?outcome=agreement", ["agreed"]),
    ("?channel=patrol", ["quick"]),
    ("?dispute_type=labour", ["slow"]),
    ("?days_min=10", ["slow", "agreed"]),
    ("?days_max=2", ["quick"]),
    ("?review=signed_off", ["agreed"]),
    ("?review=awaiting", ["slow", "quick"]),
])
def test_each_filter(client, world, query, expected):
    login(client, world.sup_a)
    ids, _ = listed(client, query)
    assert ids == [getattr(world, name) for name in expected]


def test_place_and_mediator_filters(app, client, world):
    login(client, world.sup_a)
    assert listed(client, f"?community={world.a2}")[0] == [world.slow]
    assert listed(client, f"?grid={world.grid_a1}")[0] == [world.agreed, world.quick]
    assert listed(client, f"?mediator={world.m_a2_id}")[0] == [world.slow]


def test_another_streets_places_and_cases_are_not_found(client, world):
    login(client, world.sup_a)
    for query in (f"?community={world.b1}", f"?grid={world.grid_b1}", f"?street={world.street_b}",
                  f"?mediator={world.m_b1_id}"):
        assert client.get(f"/supervision/closures{query}").status_code == 404
        assert client.get(f"/supervision/closures/export.csv{query}").status_code == 404
    for path in ("", "/as-of?at=2026-03-02", "/casefile", "/casefile.pdf"):
        assert client.get(f"/supervision/cases/{world.other}{path}").status_code == 404


def test_city_supervisor_sees_every_street(client, world):
    login(client, world.sup_city)
    ids, _ = listed(client)
    assert set(ids) == {world.slow, world.agreed, world.quick, world.other}
    assert listed(client, f"?street={world.street_b}")[0] == [world.other]


def test_bad_filters_get_a_clear_answer(client, world):
    login(client, world.sup_a)
    ids, response = listed(client, "?date_from=2026-04-01&date_to=2026-03-01")
    assert ids == [] and "alert-warning" in response.get_data(as_text=True)
    ids, response = listed(client, "?days_min=-3&community=x&page=0&outcome=bogus")
    assert ids == [world.slow, world.agreed, world.quick]
    assert response.get_data(as_text=True).count("alert-warning") >= 2
    assert client.get("/supervision/closures/export.csv?date_from=2026-04-01&date_to=2026-03-01").status_code == 400


def test_paging(app, client, world):
    app.config["SUPERVISION_PER_PAGE"] = 2
    login(client, world.sup_a)
    first, response = listed(client)
    second, _ = listed(client, "?page=2")
    assert first == [world.slow, world.agreed] and second == [world.quick]
    assert 'rel="next"' in response.get_data(as_text=True)
    assert listed(client, "?page=99")[0] == [world.quick]  # past the end: the last page


def test_a_case_opens_on_its_full_timeline(client, world):
    login(client, world.sup_a)
    page = client.get(f"/supervision/cases/{world.agreed}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    for step in ("登记", "受理", "指派调解员", "达成调解协议", "确认已履行", "结案", "审核通过"):
        assert step in timeline
    assert "楼上漏水" in page  # the facts; personal data stays masked
    assert "13812345678" not in page


def test_roles_other_than_supervisors_are_refused(client, world):
    login(client, world.m_a1)
    for path in ("/supervision/closures", "/supervision/stats", f"/supervision/cases/{world.agreed}",
                 "/supervision/closures/export.xlsx", "/audit/", "/audit/verify"):
        assert client.get(path).status_code == 403


# --- replay: the case as it stood at several moments


@pytest.fixture
def story(app, world):
    """One case with a history: registered 3 Mar, facts corrected 4 Mar,
    a respondent's phone changed 5 Mar, a party added 6 Mar, accepted and
    assigned 7 Mar, agreement 10 Mar, closed 20 Mar."""
    with app.app_context():
        m = fs.user_named(world.m_a1)
        d = f.dispute(m, fs.grid(world.grid_a1), now=at(3, 3), facts="楼上漏水。")
        edit(d, m, {"facts": "楼上漏水，天花板受损。", "dispute_type": "damages"}, now=at(3, 4))
        respondent = d.parties[1]
        save_party(d, m, {"phone": "13900001111"}, party=respondent, now=at(3, 5))
        save_party(d, m, {"role": "agent", "kind": "person", "name": "代理人甲"}, now=at(3, 6))
        f.walk(d, m, "accept", "assign", now=at(3, 7))
        f.walk(d, m, "start_mediation", "agree", now=at(3, 10))
        f.walk(d, m, "start_performance", "fulfil", "close", now=at(3, 20))
        case_id = d.id
        db.session.remove()
        return case_id


def as_of(client, case_id, when):
    response = client.get(f"/supervision/cases/{case_id}/as-of?at={when}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text_of(html, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    return match.group(1).strip() if match else None


def test_replay_before_registration(client, world, story):
    login(client, world.sup_a)
    assert 'id="not-yet"' in as_of(client, story, "2026-03-02")


def test_replay_on_the_day_of_registration(client, world, story):
    login(client, world.sup_a)
    html = as_of(client, story, "2026-03-03T12:00")
    assert text_of(html, "snap-state") == "待受理"
    assert text_of(html, "snap-facts") == "楼上漏水。" and text_of(html, "snap-type") == "邻里"
    assert text_of(html, "snap-file-no") == "—" and text_of(html, "snap-mediator") == "—"
    assert html.count("data-party=") == 2 and "代理人甲" not in html
    assert "139****1111" not in html and "138****5678" in html  # the respondent's phone before the change
    assert 'id="snap-due"' in html  # the triage day


def test_replay_after_the_edits_and_the_new_party(client, world, story):
    login(client, world.sup_a)
    html = as_of(client, story, "2026-03-06T12:00")
    assert text_of(html, "snap-state") == "待受理"
    assert text_of(html, "snap-facts") == "楼上漏水，天花板受损。" and text_of(html, "snap-type") == "损害赔偿"
    assert "139****1111" in html and "代理人甲" in html and html.count("data-party=") == 3


def test_replay_in_mediation_and_after_closing(app, client, world, story):
    login(client, world.sup_a)
    html = as_of(client, story, "2026-03-08")
    assert text_of(html, "snap-state") == "已指派"
    assert text_of(html, "snap-file-no").startswith("(2026)") and text_of(html, "snap-mediator") != "—"
    assert 'id="snap-terms"' not in html
    html = as_of(client, story, "2026-03-12")
    assert text_of(html, "snap-state") == "达成协议" and text_of(html, "snap-terms") == "十日内赔偿两千元"
    assert 'id="snap-due"' in html  # the judicial-confirmation window
    html = as_of(client, story, "2026-03-21")
    assert text_of(html, "snap-state") == "已结案" and "已结案" in html and 'id="snap-due"' not in html
    # The history shown stops at the moment asked for.
    assert "结案" not in as_of(client, story, "2026-03-12").split('id="timeline"')[1].split("</ol>")[0]


def test_replay_rejects_an_unreadable_moment(client, world, story):
    login(client, world.sup_a)
    response = client.get(f"/supervision/cases/{story}/as-of?at=yesterday")
    assert response.status_code == 422 and 'id="snapshot"' not in response.get_data(as_text=True)
    assert client.get(f"/supervision/cases/{story}/as-of?at=1900-01-01").status_code == 422


def test_replay_deadline_matches_the_case(app, world, story):
    from app.supervision.replay import replay

    with app.app_context():
        d = db.session.get(Dispute, story)
        clock.set_now(at(3, 12))
        snap = replay(d, at(3, 12), "zh")
        agreed_due = snap.due_at
        assert snap.state == "agreed" and agreed_due is not None
        # The engine gave the row this due time when it entered "agreed": the same rule, the same answer.
        from app.audit.models import AuditEvent
        from sqlalchemy import select

        entered = db.session.execute(select(AuditEvent.at).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == story, AuditEvent.trigger == "agree")
        ).scalar_one()
        from app.engine.core import end_of_whole_days
        from datetime import timedelta

        assert agreed_due == end_of_whole_days(entered, timedelta(days=30))


def grid_options(response) -> set[int]:
    select = re.search(r'<select[^>]*name="grid".*?</select>', response.get_data(as_text=True), re.S).group(0)
    return {int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', select)}


def test_a_city_supervisor_lists_a_streets_grids_once_a_street_or_community_is_chosen(app, client, world):
    """A city's every grid (thousands) is not one select: with several streets
    and none chosen the grid filter says to choose one first."""
    login(client, world.sup_city)
    ids, response = listed(client)
    assert grid_options(response) == set()
    assert "先选街道或社区并点“筛选”，这里就会列出其网格。" in response.get_data(as_text=True)
    _, response = listed(client, f"?street={world.street_a}")
    a_grids = grid_options(response)
    assert {world.grid_a1, world.grid_a2} <= a_grids and world.grid_b1 not in a_grids
    _, response = listed(client, f"?community={world.b1}")
    b_grids = grid_options(response)
    assert world.grid_b1 in b_grids and not b_grids & a_grids
    # A grid chosen by a link (the grid map's) stays chosen and filters.
    ids, response = listed(client, f"?grid={world.grid_a1}")
    assert grid_options(response) == {world.grid_a1} and ids == [world.agreed, world.quick]
    # A street supervisor still sees the street's grids at once.
    street_supervisor = app.test_client()
    login(street_supervisor, world.sup_a)
    assert world.grid_a1 in grid_options(listed(street_supervisor)[1])
