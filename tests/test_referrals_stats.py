"""The departments' figures on the statistics page and in its exports,
against counts made by hand: referrals sent, acknowledged on time, answered
on time, returned, average days to answer, by department and month, within
the supervisor's street only."""
import csv
import io
from datetime import datetime, timedelta

import pytest

from app import clock, engine
from app.extensions import db
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import login

MARCH = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March, Shanghai
APRIL = datetime(2026, 4, 1, 2, 0)  # 10:00 on 1 April
H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        market = fr.department("市场监管", ack_hours=24, answer_days=10)
        env = fr.department("环保", ack_hours=24, answer_days=7)
        lm, le = fr.liaison(market), fr.liaison(env)
        case = f.dispute(mediator, grids[0], now=MARCH)

        def sent(dept, at):
            return fr.referral(case, dept, mediator, now=at)

        r1 = sent(market, MARCH)  # acknowledged and answered on time, in 3 days
        engine.fire(r1, "acknowledge", lm, now=MARCH + 2 * H)
        engine.fire(r1, "answer", lm, now=MARCH + 3 * D, answer="已处理")
        r2 = sent(market, MARCH)  # acknowledged late, answered late (day 12)
        engine.fire(r2, "acknowledge", lm, now=MARCH + 30 * H)
        engine.fire(r2, "answer", lm, now=MARCH + 12 * D, answer="已处理")
        sent(market, MARCH)  # never acknowledged
        r4 = sent(env, MARCH)  # returned once, answered again within the new deadline, in 5 days
        engine.fire(r4, "acknowledge", le, now=MARCH + H)
        engine.fire(r4, "answer", le, now=MARCH + 2 * D, answer="初步处理")
        engine.fire(r4, "return_for_redo", mediator, "请补充检测报告", now=MARCH + 3 * D)
        engine.fire(r4, "answer", le, now=MARCH + 5 * D, answer="附检测报告")
        r5 = sent(market, APRIL)  # April: on time, in 1 day
        engine.fire(r5, "acknowledge", lm, now=APRIL + H)
        engine.fire(r5, "answer", lm, now=APRIL + D, answer="已处理")
        # Another street's referral counts for nobody of this street.
        other_street, (oc,), ogrids = f.org(communities=1)
        other = f.dispute(f.user("mediator", community=oc), ogrids[0], now=MARCH)
        fr.referral(other, market, db.session.get(f.User, other.created_by_id), now=MARCH)
        sup = f.user("supervisor", street=street).username
        db.session.remove()
    clock.set_now(APRIL + 20 * D)
    yield sup
    clock.set_now(None)


def figures(page: str, department: str, month: str) -> dict:
    import re

    row = re.search(rf'<tr data-department="{department}" data-month="{month}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, f"no row for {department} {month}"
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', row.group(1)))


def test_the_statistics_page_counts_referrals_by_department_and_month(client, world):
    login(client, world)
    page = client.get("/supervision/stats?month_from=2026-03&month_to=2026-04").get_data(as_text=True)
    assert figures(page, "市场监管", "all") == {"sent": "4", "acknowledged_on_time": "2", "answered_on_time": "2",
                                                "returned": "0", "mean_days_to_answer": "5.3"}  # (3+12+1)/3
    assert figures(page, "市场监管", "2026-03") == {"sent": "3", "acknowledged_on_time": "1",
                                                    "answered_on_time": "1", "returned": "0",
                                                    "mean_days_to_answer": "7.5"}  # (3+12)/2
    assert figures(page, "市场监管", "2026-04")["sent"] == "1"
    assert figures(page, "环保", "all") == {"sent": "1", "acknowledged_on_time": "1", "answered_on_time": "1",
                                             "returned": "1", "mean_days_to_answer": "5.0"}
    # March alone: April's referral is not counted.
    march = client.get("/supervision/stats?month_from=2026-03&month_to=2026-03").get_data(as_text=True)
    assert figures(march, "市场监管", "all")["sent"] == "3"
    assert 'data-month="2026-04"' not in march


def test_the_statistics_export_has_the_departments_section(client, world):
    login(client, world)
    body = client.get("/supervision/stats/export.csv?month_from=2026-03&month_to=2026-04").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    start = next(i for i, row in enumerate(rows) if row and row[0] in ("部门交办统计", "Referrals by department"))
    table = rows[start + 2:]
    table = table[:table.index([])] if [] in table else table  # the next section (the legal opinions) follows
    assert table[0] == ["市场监管", "全期", "4", "2", "2", "0", "5.3"]  # the whole period, as the page says
    assert table[1] == ["市场监管", "2026-03", "3", "1", "1", "0", "7.5"]
    assert table[2] == ["市场监管", "2026-04", "1", "1", "1", "0", "1.0"]
    assert table[3] == ["环保", "全期", "1", "1", "1", "1", "5.0"]
    assert len(table) == 5 and table[4][1] == "2026-03"
