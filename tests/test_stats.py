"""Every statistic on a hand-built set of cases, compared with figures
worked out by hand; the page, its scope, and its bad input.

Street A (communities A1, A2), period 2026-03-01 .. 2026-04-30, now
2026-05-01 12:00 (Shanghai):

case  community type      channel  registered (local)  path                          closed
c1    A1        neighbour walk_in  03-02 10:00         agreement 2000 yuan, fulfilled 03-12 10:00 (10 days)
c2    A1        parking   patrol   03-01 00:30         on the spot                   03-02 00:30 (1 day)
c3    A2        neighbour phone    03-10 09:00         failed                        04-09 09:00 (30 days)
c4    A2        neighbour walk_in  04-03 09:00         agreement 5000 yuan (agreed 04-05), open
c5    A1        labour    walk_in  04-20 09:00         submitted, open
c8    A2        contract  phone    04-30 10:00         accepted, open
c7    A1        neighbour walk_in  2025-12-30          accepted (outside the period), open
c6    street B  neighbour walk_in  03-03               on the spot (another street)

Sweeps: A1's weekly sweep held 2 March found c1; the street's monthly sweep
held 15 April; A2's week of 16 March missed; street B's community swept 5 March.

By hand (street A): registered 6 (c1 c2 c3 c4 c5 c8); accepted 4 (c1 c3 c4 c8);
agreements 2 (c1 c4); on the spot 1 (c2). 调解成功率 2/4 = 50%; 现场化解率
1/6 = 16.7%; 化解率 3/6 = 50%. Closed 3: mean (10+1+30)/3 = 13.67 days,
90th percentile: rank ceil(0.9 × 3) = 3 → 30 days. Amounts of the cases with
an agreement: 2000 + 5000 = 7000 over 2 cases, mean 3500. Open now (any
registration date): red c5 (triage day passed) and c7 (30 days passed),
yellow c4 (agreement window, less than a fifth left), blue c8.
"""
import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app import clock, engine
from app.sweeps import service as sweep_service
from app.extensions import db
from app.supervision import stats
from app.supervision.scope import Place, Scope
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month, day, hour=9, minute=0, year=2026):
    local = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


NOW = at(5, 1, 12)
START, END = date(2026, 3, 1), date(2026, 4, 30)
# The city's page: six reads of the counters (totals, days to close, streets, months, types, channels)
# and 22 statements in all (BEGIN and the login session's lookup included; the accepted cases still in
# mediation and the legal opinions one grouped statement each), whatever the number of streets.
CITY_COUNTER_STATEMENTS, CITY_PAGE_STATEMENTS = 6, 22


def case(mediator, grid, registered, steps=(), *, dispute_type="neighbour", channel="walk_in", amount=None):
    d = f.dispute(mediator, grid, now=registered)
    d.dispute_type, d.channel, d.amount = dispute_type, channel, amount
    db.session.commit()
    for trigger, when in steps:
        f.walk(d, mediator, trigger, now=when)
    return d


AGREE = ("accept", "assign", "start_mediation", "agree")


def sweep_data(held_on):
    return {"held_on": held_on, "checked": ["disputes"], "findings": "走访发现邻里纠纷", "participants": "网格员、调解员"}


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        ma1, ma2, mb = fs.user_named(w.m_a1), fs.user_named(w.m_a2), fs.user_named(w.m_b1)
        ga1, ga2, gb = fs.grid(w.grid_a1), fs.grid(w.grid_a2), fs.grid(w.grid_b1)
        clock.set_now(NOW)  # the sweeps below are recorded "today", each on its own day
        found_by = sweep_service.record(ma1, "community", w.street_a, w.a1, sweep_data(date(2026, 3, 2)),
                                        now=at(3, 2, 8))
        c1 = case(ma1, ga1, at(3, 2, 10), [(t, at(3, 3)) for t in AGREE]
                  + [("start_performance", at(3, 5)), ("fulfil", at(3, 10)), ("close", at(3, 12, 10))], amount=2000)
        c1.sweep_id = found_by.id  # c1 was found by A1's sweep of that week
        db.session.commit()
        sweep_service.record(fs.user_named(w.sup_a), "street", w.street_a, None, sweep_data(date(2026, 4, 15)),
                             now=at(4, 15, 10))
        missed = sweep_service.new_sweep("community", w.street_a, w.a2, date(2026, 3, 16), ma2, at(3, 16))
        db.session.commit()
        engine.fire(missed, "miss", engine.SYSTEM_ACTOR, now=at(3, 23, 1))
        sweep_service.record(mb, "community", w.street_b, w.b1, sweep_data(date(2026, 3, 5)), now=at(3, 5, 9))
        case(ma1, ga1, at(3, 1, 0, 30), [("resolve_on_spot", at(3, 1, 1)), ("close", at(3, 2, 0, 30))],
             dispute_type="parking", channel="patrol")
        case(ma2, ga2, at(3, 10), [(t, at(3, 11)) for t in ("accept", "assign", "start_mediation", "fail")]
             + [("close", at(4, 9))], channel="phone")
        case(ma2, ga2, at(4, 3), [(t, at(4, 5)) for t in AGREE], amount=5000)
        case(ma1, ga1, at(4, 20), dispute_type="labour")
        case(ma2, ga2, at(4, 30, 10), [("accept", at(4, 30, 11))], dispute_type="contract", channel="phone")
        case(ma1, ga1, at(12, 30, year=2025), [("accept", at(12, 30, 10, year=2025))])
        case(mb, gb, at(3, 3), [("resolve_on_spot", at(3, 3, 10))])
        db.session.remove()
        return w


def board_for(username, place=Place(), start=START, end=END):
    return stats.dashboard(Scope(fs.user_named(username)), place, start, end, NOW)


def figures(c):
    return (c.registered, c.accepted, c.agreements, c.on_spot)


def test_every_figure_matches_the_hand_count(app, world):
    with app.app_context():
        b = board_for(world.sup_a)
        assert figures(b.totals) == (6, 4, 2, 1)
        assert b.totals.success_rate == pytest.approx(0.5)
        assert b.totals.on_spot_rate == pytest.approx(1 / 6)
        assert b.totals.resolution_rate == pytest.approx(0.5)
        assert b.closed == 3
        assert b.mean_days == pytest.approx(41 / 3, abs=1e-6)
        assert b.p90_days == pytest.approx(30, abs=1e-6)
        assert (b.amount_total, b.amount_cases, b.amount_mean) == (Decimal("7000.00"), 2, Decimal("3500"))
        assert b.open_by_colour == {"red": 2, "yellow": 1, "blue": 1, "none": 0}
        assert {k: figures(c) for k, c in b.by_type} == {
            "neighbour": (3, 3, 2, 0), "parking": (1, 0, 0, 1), "labour": (1, 0, 0, 0), "contract": (1, 1, 0, 0)}
        assert {k: figures(c) for k, c in b.by_channel} == {
            "walk_in": (3, 2, 2, 0), "patrol": (1, 0, 0, 1), "phone": (2, 2, 0, 0)}
        a1, a2 = _names(world)
        assert {k: figures(c) for k, c in b.by_community} == {a1: (3, 1, 1, 1), a2: (3, 3, 1, 0)}
        # c2 was registered at 00:30 on 1 March in Shanghai (still February in UTC): a March case.
        assert [(k, figures(c)) for k, c in b.by_month] == [("2026-03", (3, 2, 1, 1)), ("2026-04", (3, 2, 1, 0))]
        # Of the accepted, still in mediation now: c8 alone (accepted on 30 April), which April's rate counts.
        assert b.totals.in_mediation == 1 and mediating(b) == {
            "type": {"contract": 1}, "channel": {"phone": 1}, "month": {"2026-04": 1}}
        assert {k: c.in_mediation for k, c in b.by_community} == {a1: 0, a2: 1}
        # Sweeps: A1's of 2 March (which found c1) and the street's of 15 April held; A2's week of 16 March missed.
        assert b.sweeps == {"community": 1, "street": 1, "missed": 1, "found": 1}
        assert board_for(world.sup_b).sweeps == {"community": 1, "street": 0, "missed": 0, "found": 0}
        assert board_for(world.sup_city).sweeps == {"community": 2, "street": 1, "missed": 1, "found": 1}
        assert board_for(world.sup_a, Place(community_id=world.a2)).sweeps == {
            "community": 0, "street": 0, "missed": 1, "found": 0}


def _names(world):
    from app.org.models import Community

    return db.session.get(Community, world.a1).name, db.session.get(Community, world.a2).name


def test_a_place_narrows_every_figure(app, world):
    with app.app_context():
        b = board_for(world.sup_a, Place(community_id=world.a2))
        assert figures(b.totals) == (3, 3, 1, 0)
        assert (b.closed, b.p90_days) == (1, pytest.approx(30, abs=1e-6))
        assert b.open_by_colour == {"red": 0, "yellow": 1, "blue": 1, "none": 0}
        grid = board_for(world.sup_a, Place(grid_id=world.grid_a1))
        assert figures(grid.totals) == (3, 1, 1, 1)


def test_each_supervisor_counts_only_their_scope(app, world):
    with app.app_context():
        assert figures(board_for(world.sup_b).totals) == (1, 0, 0, 1)
        city = board_for(world.sup_city)
        assert figures(city.totals) == (7, 4, 2, 2)
        assert figures(board_for(world.admin).totals) == (7, 4, 2, 2)


def test_a_period_narrows_the_cohort_and_an_empty_one_is_zero(app, world):
    with app.app_context():
        march = board_for(world.sup_a, start=date(2026, 3, 1), end=date(2026, 3, 31))
        assert figures(march.totals) == (3, 2, 1, 1)
        assert march.amount_total == Decimal("2000.00")
        empty = board_for(world.sup_a, start=date(2024, 1, 1), end=date(2024, 1, 31))
        assert figures(empty.totals) == (0, 0, 0, 0)
        assert empty.totals.success_rate is None and empty.mean_days is None and empty.p90_days is None


def page_figures(html):
    import re

    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def test_the_page_shows_the_figures_and_their_definitions(app, client, world):
    clock.set_now(NOW)
    login(client, world.sup_a)
    response = client.get("/supervision/stats?month_from=2026-03&month_to=2026-04")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = page_figures(html)
    assert shown["total_registered"] == "6" and shown["total_accepted"] == "4"
    assert shown["total_success_rate"] == "50.0%" and shown["total_on_spot_rate"] == "16.7%"
    assert shown["total_resolution_rate"] == "50.0%"
    assert shown["mean_days"] == "13.7" and shown["p90_days"] == "30" and shown["amount_total"] == "7,000.00"
    assert shown["open_red"] == "2" and shown["open_yellow"] == "1" and shown["open_blue"] == "1"
    assert 'id="definitions"' in html and "调解成功率" in html and "<svg" in html
    assert 'id="chart-by-type"' in html


def english(client):
    from tests.test_opinions_web import english as to_english

    to_english(client)


def row_of(html, table, key):
    block = html[html.index(f'id="{table}"'):]
    block = block[block.index(f'data-key="{key}"'):]
    return block[:block.index("</tr>")]


def test_the_success_rate_says_how_many_accepted_cases_are_still_in_mediation(app, client, world):
    """March and April: four accepted cases, c8 still in mediation: 50 %, and under it how many of the
    accepted are still in mediation and that the rate reads low until they end; the contract type, whose
    only accepted case is c8, reads "—", not 0.0 %, and says why."""
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    html = client.get("/supervision/stats?month_from=2026-03&month_to=2026-04").get_data(as_text=True)
    note = re.search(r'id="success-rate-in-mediation"[^>]*>([^<]*)<', html).group(1)
    assert note == "Of 4 accepted cases, 1 is still in mediation: the rate reads low until its mediation ends."
    assert page_figures(html)["total_success_rate"] == "50.0%"
    assert "of which" not in html
    assert "<th class=\"text-end\">Still in mediation</th>" in html
    assert "Still in mediation: of the accepted cases" in html  # the definition
    april = row_of(html, "table-by-month", "2026-04")
    assert page_figures(april)["in_mediation"] == "1" and "50.0%" in april
    assert page_figures(row_of(html, "table-by-month", "2026-03"))["in_mediation"] == "0"
    contract = row_of(html, "table-by-type", "contract")
    assert page_figures(contract)["in_mediation"] == "1"
    cell = re.search(r'data-figure="success_rate" data-awaits-mediation>(.*?)</td>', contract).group(1)
    assert cell.startswith('<span title="The 1 accepted case is still in mediation: no rate until its mediation '
                           'ends.">—</span>')
    assert 'id="table-by-type-no-rate"' in html  # what "—" means, under the table
    # A row with no case accepted reads "—" too; one with accepted cases all ended, its rate.
    assert ">—</td>" in row_of(html, "table-by-type", "labour")
    assert "0.0%" in row_of(html, "table-by-channel", "phone")  # c3 failed, c8 in mediation: a rate, low
    # March alone: no case in mediation, no note.
    march = client.get("/supervision/stats?month_from=2026-03&month_to=2026-03").get_data(as_text=True)
    assert 'id="success-rate-in-mediation"' not in march and page_figures(march)["total_success_rate"] == "50.0%"


def test_a_month_whose_only_accepted_case_is_still_being_mediated_reads_a_dash_not_0_per_cent(app, client, world):
    """The walk's December: one case accepted, still in mediation: "—" and why, on the page and in the
    tables; the exports leave the rate's cell empty (a number column still) and say how to read it."""
    with app.app_context():
        case(fs.user_named(world.m_a1), fs.grid(world.grid_a1), at(5, 1, 9), [("accept", at(5, 1, 10))],
             dispute_type="contract")
        db.session.remove()
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    may = "month_from=2026-05&month_to=2026-05"
    html = client.get(f"/supervision/stats?{may}").get_data(as_text=True)
    shown = page_figures(html)
    assert shown["total_accepted"] == "1" and shown["total_success_rate"] == "—"
    note = re.search(r'id="success-rate-in-mediation"[^>]*>([^<]*)<', html).group(1)
    assert note == "The 1 accepted case is still in mediation: no rate until its mediation ends."
    for table, key in (("table-by-month", "2026-05"), ("table-by-type", "contract"), ("table-by-channel", "walk_in")):
        row = row_of(html, table, key)
        cell = re.search(r'data-figure="success_rate"( data-awaits-mediation)?>(.*?)</td>', row)
        assert cell.group(1) and ">—</span>" in cell.group(2) and "0.0%" not in cell.group(2), table
    rows = list(csv.reader(io.StringIO(client.get(f"/supervision/stats/export.csv?{may}").data.decode("utf-8-sig"))))
    assert ["Mediation success rate (per cent)", ""] in rows and ["Accepted cases still in mediation", "1"] in rows
    how = next(r[1] for r in rows if r and r[0] == "How to read the success rate")
    assert how.startswith("The 1 accepted case is still in mediation: no rate until its mediation ends. It counts")
    header = next(r for r in rows if r and r[0] == "Month")
    month = rows[rows.index(header) + 1]
    assert month[0] == "2026-05" and month[2] == "1" and month[6] == "" and month[7] == "1"
    book = load_workbook(io.BytesIO(client.get(f"/supervision/stats/export.xlsx?{may}").data))
    summary = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert summary["Mediation success rate (per cent)"] is None and summary["Accepted cases still in mediation"] == 1


def test_the_exports_keep_the_rate_a_number_where_some_cases_are_still_in_mediation(app, client, world):
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    csv_text = client.get("/supervision/stats/export.csv?month_from=2026-03&month_to=2026-04").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    header = next(r for r in rows if r and r[0] == "Month")
    assert header[6:8] == ["Mediation success rate (per cent)", "Accepted cases still in mediation"]
    assert ["Accepted cases still in mediation", "1"] in rows and ["Mediation success rate (per cent)", "50.0"] in rows
    assert next(r[1] for r in rows if r and r[0] == "How to read the success rate").startswith(
        "Of 4 accepted cases, 1 is still in mediation: the rate reads low until its mediation ends.")
    assert [r[7] for r in rows[rows.index(header) + 1:rows.index(header) + 3]] == ["0", "1"]
    types = next(r for r in rows if r and r[0] == "Type of dispute")
    contract = next(r for r in rows[rows.index(types):] if r and r[0] in ("Contract", "合同"))
    # Every accepted case in mediation (and every registered one): no rate, not 0.0.
    assert contract[6] == "" and contract[7] == "1" and contract[8:] == ["", ""]


def test_a_month_whose_cases_are_all_in_mediation_reads_a_dash_for_every_rate(app, client, world):
    """May: two cases registered, both accepted and still being mediated; nothing of the month has ended.
    The on-the-spot and resolution rates (÷ registered) read "—" and say that no registered case has concluded,
    not 0.0%; the exports leave their cells empty. March and April, where cases ended, keep their numbers."""
    with app.app_context():
        for hour in (9, 10):
            case(fs.user_named(world.m_a1), fs.grid(world.grid_a1), at(5, 1, hour), [("accept", at(5, 1, hour, 30))])
        db.session.remove()
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    may = "month_from=2026-05&month_to=2026-05"
    html = client.get(f"/supervision/stats?{may}").get_data(as_text=True)
    shown = page_figures(html)
    assert shown["total_registered"] == "2" and shown["total_accepted"] == "2"
    note = ("None of the 2 registered cases has concluded yet (each awaits acceptance or is still in mediation): "
            "no rate until one concludes.")
    for rate in ("success_rate", "on_spot_rate", "resolution_rate"):
        assert shown[f"total_{rate}"] == "—", rate
    for key in ("on-spot-rate", "resolution-rate"):
        assert re.search(rf'id="{key}-in-mediation"[^>]*>([^<]*)<', html).group(1) == note
    assert "0.0%" not in html[html.index('id="stats-totals"'):html.index('id="definitions"')]
    for table, key in (("table-by-month", "2026-05"), ("table-by-type", "neighbour"), ("table-by-channel", "walk_in")):
        row = row_of(html, table, key)
        for rate in ("on_spot_rate", "resolution_rate"):
            cell = re.search(rf'data-figure="{rate}"( data-awaits-mediation)?>(.*?)</td>', row)
            assert cell.group(1) and f'<span title="{note}">—</span>' in cell.group(2), (table, rate)
        assert "0.0%" not in row
    assert 'id="table-by-month-no-rate"' in html
    rows = list(csv.reader(io.StringIO(client.get(f"/supervision/stats/export.csv?{may}").data.decode("utf-8-sig"))))
    assert ["On-the-spot rate (per cent)", ""] in rows and ["Resolution rate (per cent)", ""] in rows
    header = next(r for r in rows if r and r[0] == "Month")
    month = rows[rows.index(header) + 1]
    assert month[0] == "2026-05" and month[1] == "2" and month[6:] == ["", "2", "", ""]
    how = next(r[1] for r in rows if r and r[0] == "How to read the success rate")
    assert "on-the-spot and resolution rates are left empty" in how
    book = load_workbook(io.BytesIO(client.get(f"/supervision/stats/export.xlsx?{may}").data))
    summary = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert summary["On-the-spot rate (per cent)"] is None and summary["Resolution rate (per cent)"] is None
    assert summary["Registered"] == 2
    # A case that ended beside them (rejected on 2 May): the month has a figure again, 0.0% and read as such.
    with app.app_context():
        case(fs.user_named(world.m_a1), fs.grid(world.grid_a1), at(5, 1, 11),
             [("reject", at(5, 1, 11, 30))])
        db.session.remove()
    shown = page_figures(client.get(f"/supervision/stats?{may}").get_data(as_text=True))
    assert shown["total_on_spot_rate"] == "0.0%" and shown["total_resolution_rate"] == "0.0%"
    assert shown["total_success_rate"] == "—"


def _may_cases(world, *paths):
    """Cases registered on 1 May 2026 in A1, one for each path of steps (an empty path: awaiting acceptance)."""
    ma1, ga1 = fs.user_named(world.m_a1), fs.grid(world.grid_a1)
    for i, path in enumerate(paths):
        case(ma1, ga1, at(5, 1, 8, i), [(t, at(5, 1, 9, i)) for t in path])
    db.session.remove()


MAY = "month_from=2026-05&month_to=2026-05"


def _export_rows(client, args=MAY):
    return list(csv.reader(io.StringIO(client.get(f"/supervision/stats/export.csv?{args}").data.decode("utf-8-sig"))))


def test_a_month_of_cases_awaiting_acceptance_reads_a_dash_not_0_per_cent(app, client, world):
    """May: two cases registered, neither accepted yet (待受理): nothing of the month has concluded, so no
    rate: "—" on the page (saying why), empty cells in the exports, null in the figures; counted the same
    from the counters (whole months) and from the cases (a period cutting a month)."""
    with app.app_context():
        _may_cases(world, (), ())
        for start in (date(2026, 5, 1), date(2026, 5, 2)):  # the counters, then the cases
            t = board_for(world.sup_a, start=date(2026, 5, 1), end=date(2026, 5, 31) if start.day == 1
                          else date(2026, 5, 30)).totals
            assert (t.registered, t.accepted, t.in_mediation, t.unconcluded) == (2, 0, 0, 2)
            assert [t.shown(rate) for rate in stats.RATES] == [None, None, None]
            assert t.awaits_conclusion("on_spot_rate") and not t.awaits_conclusion("success_rate")
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    html = client.get(f"/supervision/stats?{MAY}").get_data(as_text=True)
    shown = page_figures(html)
    assert shown["total_registered"] == "2" and shown["total_accepted"] == "0"
    assert [shown[f"total_{rate}"] for rate in stats.RATES] == ["—", "—", "—"]
    note = ("None of the 2 registered cases has concluded yet (each awaits acceptance or is still in mediation): "
            "no rate until one concludes.")
    for key in ("on-spot-rate", "resolution-rate"):
        assert re.search(rf'id="{key}-in-mediation"[^>]*>([^<]*)<', html).group(1) == note
    assert 'id="success-rate-in-mediation"' not in html  # none accepted: nothing in mediation to tell
    assert "0.0%" not in html[html.index('id="stats-totals"'):html.index('id="trends"')]
    assert 'id="definition-concluded"' in html
    for table, key in (("table-by-month", "2026-05"), ("table-by-type", "neighbour"), ("table-by-channel", "walk_in")):
        row = row_of(html, table, key)
        for rate in ("on_spot_rate", "resolution_rate"):
            cell = re.search(rf'data-figure="{rate}"( data-awaits-mediation)?>(.*?)</td>', row)
            assert cell.group(1) and f'<span title="{note}">—</span>' in cell.group(2), (table, rate)
        assert "0.0%" not in row and 'data-figure="success_rate">—</td>' in row
    rows = _export_rows(client)
    assert ["On-the-spot rate (per cent)", ""] in rows and ["Resolution rate (per cent)", ""] in rows
    assert ["Mediation success rate (per cent)", ""] in rows
    header = next(r for r in rows if r and r[0] == "Month")
    assert rows[rows.index(header) + 1] == ["2026-05", "2", "0", "0", "0", "0", "", "0", "", ""]
    how = next(r[1] for r in rows if r and r[0] == "How to read the success rate")
    assert note in how and "no registered case has concluded yet" in how
    book = load_workbook(io.BytesIO(client.get(f"/supervision/stats/export.xlsx?{MAY}").data))
    summary = {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert [summary[h] for h in ("Mediation success rate (per cent)", "On-the-spot rate (per cent)",
                                 "Resolution rate (per cent)")] == [None, None, None]
    by_month = {r[0]: r for r in book.worksheets[4].iter_rows(values_only=True)}
    assert by_month["2026-05"][1:] == (2, 0, 0, 0, 0, None, 0, None, None)


def test_cases_waiting_beside_concluded_ones_give_the_domain_s_percentages(app, client, world):
    """May: two awaiting acceptance, one resolved on the spot, one accepted and still in mediation, one
    mediated to an agreement, one rejected. DOMAIN.md's denominators (all the accepted, all the registered),
    given once a case they count has concluded: 调解成功率 1 ÷ 2 = 50.0%, 现场化解率 1 ÷ 6 = 16.7%,
    化解率 (1 + 1) ÷ 6 = 33.3%; the counters and a count of the cases agree."""
    with app.app_context():
        _may_cases(world, (), (), ("resolve_on_spot",), ("accept",), AGREE, ("reject",))
        counted = board_for(world.sup_a, start=date(2026, 5, 1), end=date(2026, 5, 31))
        live = stats.live_dashboard(Scope(fs.user_named(world.sup_a)), Place(), date(2026, 5, 1), date(2026, 5, 31),
                                    NOW)
        for t in (counted.totals, live.totals):
            assert (*figures(t), t.in_mediation, t.unconcluded) == (6, 2, 1, 1, 1, 3)
            assert t.shown("success_rate") == pytest.approx(0.5)
            assert t.shown("on_spot_rate") == pytest.approx(1 / 6)
            assert t.shown("resolution_rate") == pytest.approx(2 / 6)
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    html = client.get(f"/supervision/stats?{MAY}").get_data(as_text=True)
    shown = page_figures(html)
    assert [shown[f"total_{rate}"] for rate in stats.RATES] == ["50.0%", "16.7%", "33.3%"]
    assert 'id="on-spot-rate-in-mediation"' not in html
    assert 'data-figure="on_spot_rate">16.7%</td>' in row_of(html, "table-by-month", "2026-05")
    rows = _export_rows(client)
    header = next(r for r in rows if r and r[0] == "Month")
    assert rows[rows.index(header) + 1] == ["2026-05", "6", "2", "1", "1", "0", "50.0", "1", "16.7", "33.3"]
    # The waiting cases are rejected, the one in mediation fails: every case concluded, the same formulas.
    with app.app_context():
        from sqlalchemy import select

        from app.disputes.models import Dispute

        mediator = fs.user_named(world.m_a1)
        for d in db.session.execute(select(Dispute).where(Dispute.created_at >= at(5, 1, 0))).scalars().all():
            if d.state == "submitted":
                f.walk(d, mediator, "reject", now=at(5, 1, 11))
            elif d.state == "accepted":
                f.walk(d, mediator, "assign", "start_mediation", "fail", now=at(5, 1, 11))
        t = board_for(world.sup_a, start=date(2026, 5, 1), end=date(2026, 5, 31)).totals
        assert (t.in_mediation, t.unconcluded) == (0, 0)
        assert [round(t.shown(rate), 4) for rate in stats.RATES] == [0.5, round(1 / 6, 4), round(2 / 6, 4)]


def _opinion_world(app, world):
    """Requests for a legal opinion: five on street A's cases asked in April (one waiting, one
    answered, one answered and acknowledged, one declined, one expired), one withdrawn on c7 (registered
    in 2025, asked in April), one asked on 1 May (after the period) and one on a case of street B."""
    from sqlalchemy import select

    from app.disputes.models import Dispute
    from app.opinions.steps import act, ask
    from tests import factories_rota as fr

    with app.app_context():
        clock.set_now(NOW)
        ma1, ma2, mb = fs.user_named(world.m_a1), fs.user_named(world.m_a2), fs.user_named(world.m_b1)
        c8 = db.session.execute(select(Dispute).where(Dispute.dispute_type == "contract")).scalar_one()
        c7 = db.session.execute(select(Dispute).where(Dispute.created_at < at(1, 1))).scalar_one()
        b_case = case(mb, fs.grid(world.grid_b1), at(4, 1), [("accept", at(4, 1, 10))])
        lawyers = [fr.lawyer_with_login(phone=f"1370000000{i}") for i in range(8)]
        asked = [ask(c8, lw, ma2, question="问题", now=at(4, 30, 12)) for lw, _u in lawyers[:5]]
        (_w, _wu), (_a, answering), (_k, acknowledging), (_d, declining), (_e, _eu) = lawyers[:5]
        act(asked[1], "accept", answering, now=at(4, 30, 13))
        act(asked[1], "answer", answering, opinion="意见", now=at(4, 30, 14))
        act(asked[2], "accept", acknowledging, now=at(4, 30, 13))
        act(asked[2], "answer", acknowledging, opinion="意见", now=at(4, 30, 14))
        engine.fire(asked[2], "acknowledge", ma2, now=at(4, 30, 15))
        act(asked[3], "decline", declining, "没空", now=at(4, 30, 13))
        engine.fire(asked[4], "expire", engine.SYSTEM_ACTOR, now=at(4, 30, 16))
        withdrawn = ask(c7, lawyers[5][0], ma1, question="问题", now=at(4, 10))
        engine.fire(withdrawn, "withdraw", ma1, "已不需要", now=at(4, 11))
        ask(c8, lawyers[6][0], ma2, question="问题", now=at(5, 1, 9))
        ask(b_case, lawyers[7][0], mb, question="问题", now=at(4, 2))
        db.session.remove()


def test_the_legal_opinions_asked_in_the_period_by_where_they_stand(app, client, world):
    from dataclasses import asdict

    _opinion_world(app, world)
    with app.app_context():
        expected = dict(asked=6, awaiting=1, answered=2, declined=1, expired=1, withdrawn=1)
        assert asdict(board_for(world.sup_a).opinions) == expected
        # Counted the same from the counters (whole months) or from the cases (a period cutting a month).
        assert asdict(board_for(world.sup_a, start=date(2026, 3, 5)).opinions) == expected
        assert board_for(world.sup_a, Place(community_id=world.a1)).opinions.asked == 1  # c7's
        assert asdict(board_for(world.sup_b).opinions) == dict(asked=1, awaiting=1, answered=0, declined=0,
                                                               expired=0, withdrawn=0)
        assert board_for(world.sup_city).opinions.asked == 7
        assert board_for(world.sup_a, start=date(2026, 5, 1), end=date(2026, 5, 31)).opinions.asked == 1
    clock.set_now(NOW)
    login(client, world.sup_a)
    english(client)
    html = client.get("/supervision/stats?month_from=2026-03&month_to=2026-04").get_data(as_text=True)
    table = html[html.index('id="stats-opinions"'):]
    table = table[:table.index("</table>")]
    assert re.findall(r"<th>([^<]+)</th><td[^>]*>(\d+)</td>", table) == [
        ("Legal opinions asked", "6"), ("Opinions given", "2"), ("Declined by the lawyer", "1"),
        ("Expired without an answer", "1"), ("Withdrawn", "1"), ("Still awaiting an answer", "1")]
    csv_text = client.get("/supervision/stats/export.csv?month_from=2026-03&month_to=2026-04").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    start = rows.index(["Legal opinions"])
    assert rows[start + 1:start + 8] == [["Figure", "Value"], ["Legal opinions asked", "6"], ["Opinions given", "2"],
                                         ["Declined by the lawyer", "1"], ["Expired without an answer", "1"],
                                         ["Withdrawn", "1"], ["Still awaiting an answer", "1"]]


def test_another_streets_place_is_not_found_and_a_reversed_range_is_empty(app, client, world):
    login(client, world.sup_a)
    for args in (f"community={world.b1}", f"grid={world.grid_b1}", f"street={world.street_b}"):
        assert client.get(f"/supervision/stats?{args}").status_code == 404
        assert client.get(f"/supervision/stats/export.csv?{args}").status_code == 404
    reversed_page = client.get("/supervision/stats?month_from=2026-04&month_to=2026-03")
    assert reversed_page.status_code == 200
    assert page_figures(reversed_page.get_data(as_text=True))["total_registered"] == "0"
    assert client.get("/supervision/stats/export.xlsx?month_from=2026-04&month_to=2026-03").status_code == 400
    bad = client.get("/supervision/stats?community=abc&month_from=2026-13&month_to=march")
    assert bad.status_code == 200 and bad.get_data(as_text=True).count("alert-warning") == 3


def test_the_statistics_export_carries_the_same_figures(app, client, world):
    clock.set_now(NOW)
    login(client, world.sup_a)
    response = client.get("/supervision/stats/export.xlsx?month_from=2026-03&month_to=2026-04")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    values = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert 6 in values and 4 in values and 50.0 in values and 7000.0 in values
    by_type = {row[0]: row[1:5] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert by_type["邻里"] == (3, 3, 2, 0) and by_type["停车"] == (1, 0, 0, 1)
    text = client.get("/supervision/stats/export.csv?month_from=2026-03&month_to=2026-04").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    # The fifth figure: ended by a party's refusal (issue 12), none here; after the success rate, the
    # accepted cases still in mediation (none of the neighbour cases; c8, a contract case, is: the contract
    # cases' success rate is left empty, not 0.0, as the page's "—").
    assert ["邻里", "3", "3", "2", "0", "0", "66.7", "0", "0.0", "66.7"] in rows
    assert ["合同", "1", "1", "0", "0", "0", "", "1", "", ""] in rows


def mediating(b) -> dict:
    """The accepted cases still in mediation, of each group that has any."""
    return {dim: {k: c.in_mediation for k, c in groups if c.in_mediation}
            for dim, groups in (("type", b.by_type), ("channel", b.by_channel), ("month", b.by_month))}


def _summary(b):
    return dict(totals=figures(b.totals), in_mediation=(b.totals.in_mediation, mediating(b)),
                unconcluded=(b.totals.unconcluded, {k: c.unconcluded for k, c in b.by_month + b.by_type}),
                closed=b.closed, mean=round(b.mean_days or 0, 6), p90=b.p90_days,
                amounts=(b.amount_total, b.amount_cases), open=b.open_by_colour,
                by_type={k: figures(c) for k, c in b.by_type}, by_channel={k: figures(c) for k, c in b.by_channel},
                by_community={k: (*figures(c), c.in_mediation) for k, c in b.by_community},
                by_month={k: figures(c) for k, c in b.by_month}, sweeps=b.sweeps)


def test_the_counters_agree_with_a_count_of_the_cases_after_every_kind_of_change(app, world):
    """The dashboard reads maintained counters; counting the cases themselves
    must give the same figures, after edits, a return and a second closure,
    and `rebuild` must give the same counters."""
    from sqlalchemy import select

    from app.disputes.models import Dispute
    from app.engine.edits import edit
    from app.supervision.counters import StatCount, rebuild

    with app.app_context():
        supervisor = fs.user_named(world.sup_a)
        labour = db.session.execute(select(Dispute).where(Dispute.dispute_type == "labour")).scalar_one()
        edit(labour, fs.user_named(world.m_a1), {"dispute_type": "neighbour", "channel": "phone"}, now=at(4, 21))
        agreed = db.session.execute(select(Dispute).where(Dispute.amount == 2000)).scalar_one()
        fs.return_case(agreed, supervisor, now=at(3, 13))
        f.walk(agreed, fs.user_named(world.m_a1), "fail", now=at(3, 20))
        f.walk(agreed, fs.user_named(world.m_a1), "close", now=at(4, 2))
        f.walk(labour, fs.user_named(world.m_a1), "resolve_on_spot", "close", now=at(4, 22))
        places = [Place(), Place(community_id=world.a1), Place(community_id=world.a2)]
        for username in (world.sup_a, world.sup_b, world.sup_city):
            scope = Scope(fs.user_named(username))
            for place in places if username == world.sup_a else [Place()]:
                for start, end in ((START, END), (date(2026, 4, 1), date(2026, 4, 30)), (date(2025, 1, 1), END)):
                    counted = stats.dashboard(scope, place, start, end, NOW)
                    live = stats.live_dashboard(scope, place, start, end, NOW)
                    assert _summary(counted) == _summary(live), (username, place, start)
        b = board_for(world.sup_a)
        # c1 keeps its agreement (it was reached, then breached and failed); c5 was resolved on the spot.
        assert figures(b.totals) == (6, 4, 2, 2) and b.closed == 4
        kept = sorted(tuple(getattr(r, c.name) for c in StatCount.__table__.columns if c.name != "days_sum")
                      for r in db.session.execute(select(StatCount)).scalars() if r.registered or r.closed)
        kept_streets = _street_counters()
        rebuild()
        db.session.commit()
        again = sorted(tuple(getattr(r, c.name) for c in StatCount.__table__.columns if c.name != "days_sum")
                       for r in db.session.execute(select(StatCount)).scalars() if r.registered or r.closed)
        assert again == kept
        assert _street_counters() == kept_streets and kept_streets


def _street_counters():
    from sqlalchemy import select

    from app.supervision.counters import StatCountStreet

    return sorted(tuple(getattr(r, c.name) for c in StatCountStreet.__table__.columns if c.name != "days_sum")
                  for r in db.session.execute(select(StatCountStreet)).scalars() if r.registered or r.closed)


def test_the_city_and_a_street_read_the_street_counters_a_community_its_own(app, client, world):
    """Five cases the community counters do not back: the boards
    that show them read the street counters (the city's, a street's); a
    community's board and the list of every community do not."""
    from app.supervision.counters import StatCountStreet

    with app.app_context():
        city, sup_a = Scope(fs.user_named(world.sup_city)), Scope(fs.user_named(world.sup_a))
        places = [(city, Place(), True), (city, Place(), False), (city, Place(street_id=world.street_a), False),
                  (sup_a, Place(), False), (sup_a, Place(community_id=world.a1), False),
                  (Scope(fs.user_named(world.sup_b)), Place(), False)]
        before = [stats.dashboard(scope, place, START, END, NOW, by_street=by) for scope, place, by in places]
        row = db.session.get(StatCountStreet, ("total", "2026-03", world.street_a, ""))
        row.registered += 5
        db.session.commit()
        after = [stats.dashboard(scope, place, START, END, NOW, by_street=by) for scope, place, by in places]
        assert [b.totals.registered - a.totals.registered for a, b in zip(before, after)] == [5, 5, 5, 5, 0, 0]
        assert [dict(b.by_month)["2026-03"].registered - dict(a.by_month)["2026-03"].registered
                for a, b in zip(before, after)] == [5, 5, 5, 5, 0, 0]
        assert [(k, c.registered) for k, _n, c in after[0].by_street] == [
            (k, c.registered + 5 * (k == world.street_a)) for k, _n, c in before[0].by_street]
        # Each community's row, as the exports list them, comes from the community counters.
        assert [(n, figures(c)) for n, c in after[1].by_community] == [
            (n, figures(c)) for n, c in before[1].by_community]


def _table_rows(html, table_id):
    import re

    part = html[html.index(f'id="{table_id}"'):]
    part = part[:part.index("</table>")]
    return re.findall(r'<tr data-key="([^"]*)"><td>(.*?)</td>\s*<td class="text-end" data-figure="registered">(\d+)<',
                      part, re.S)


def test_the_city_page_lists_its_streets_each_a_link_to_the_streets_communities(app, client, world):
    """The city's page shows a row per street (a link to the street's own
    dashboard, which lists its communities), not every community of the
    city; the figures are the same; the export keeps every community."""
    clock.set_now(NOW)
    login(client, world.sup_city)
    period = "month_from=2026-03&month_to=2026-04"
    html = client.get(f"/supervision/stats?{period}").get_data(as_text=True)
    assert 'id="table-by-community"' not in html and 'id="table-by-street"' in html
    rows = _table_rows(html, "table-by-street")
    with app.app_context():
        from app.org.models import Street

        names = {s.id: s.name for s in db.session.query(Street)}
    assert [(key, count) for key, _link, count in rows] == [(names[world.street_a], "6"),
                                                             (names[world.street_b], "1")]
    link = rows[0][1]
    assert f"street={world.street_a}" in link and "month_from=2026-03" in link and "month_to=2026-04" in link
    # The street's own dashboard (the link) lists its communities.
    street_page = client.get(f"/supervision/stats?{period}&street={world.street_a}").get_data(as_text=True)
    assert 'id="table-by-street"' not in street_page
    assert [count for _k, _n, count in _table_rows(street_page, "table-by-community")] == ["3", "3"]
    # A city-wide board by street carries the same figures as the one by community, and a street's figures.
    with app.app_context():
        scope = Scope(fs.user_named(world.sup_city))
        for start in (START, date(2026, 3, 15)):  # the counters, and a period cutting a month (the cases)
            by_street = stats.dashboard(scope, Place(), start, END, NOW, by_street=True)
            plain = stats.dashboard(scope, Place(), start, END, NOW)
            assert by_street.by_community == [] and plain.by_community
            assert _summary(by_street) | {"by_community": None} == _summary(plain) | {"by_community": None}
            streets = {street: figures(board_for(sup, start=start).totals)
                       for street, sup in ((world.street_a, world.sup_a), (world.street_b, world.sup_b))}
            assert {k: figures(c) for k, _n, c in by_street.by_street} == {k: v for k, v in streets.items() if v[0]}
            # c8, street A's, is still in mediation.
            in_mediation = {k: c.in_mediation for k, _n, c in by_street.by_street}
            assert in_mediation.pop(world.street_a) == 1 and not any(in_mediation.values())
        # A street chosen, or a street supervisor: by community, as before.
        assert stats.dashboard(scope, Place(street_id=world.street_a), START, END, NOW, by_street=True).by_street is None
        assert stats.dashboard(Scope(fs.user_named(world.sup_a)), Place(), START, END, NOW,
                               by_street=True).by_street is None
    # The export keeps every community of the city.
    text = client.get(f"/supervision/stats/export.csv?{period}").data.decode("utf-8-sig")
    with app.app_context():
        from app.org.models import Community

        community_names = [c.name for c in db.session.query(Community)]
    assert all(name in text for name in community_names)


def test_the_city_dashboard_sends_a_fixed_number_of_statements(app, client, world):
    """The city's page does not grow with its streets or communities."""
    from sqlalchemy import event

    clock.set_now(NOW)
    login(client, world.sup_city)
    url = "/supervision/stats?month_from=2026-03&month_to=2026-04"
    client.get(url)
    with app.app_context():
        engine = db.engine
    sent = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    counters = [s for s in sent if "stat_counts" in s]
    assert len(counters) <= CITY_COUNTER_STATEMENTS, counters
    assert len(sent) <= CITY_PAGE_STATEMENTS, len(sent)


def test_a_street_with_many_grids_lists_them_once_a_community_is_chosen(app, client):
    """A street's hundreds of grids are not one select: past LISTED the grid filter asks for a community
    first (as the city's asks for a street); a grid named in the link stays chosen; a small street lists all."""
    from app.supervision.forms import LISTED

    with app.app_context():
        street, communities, grids = f.org(communities=7, grids_per_community=10)
        small_street, _, small_grids = f.org()
        sup, small_sup = f.user("supervisor", street=street), f.user("supervisor", street=small_street)
        names = {"sup": sup.username, "small": small_sup.username, "community": communities[3].id,
                 "grid": grids[35].id, "grid_name": grids[35].name, "other_grid_name": grids[0].name,
                 "small_grids": [g.name for g in small_grids]}
    assert len(grids) > LISTED

    def grid_select(path):
        page = client.get(path).get_data(as_text=True)
        return re.search(r'<select[^>]*name="grid".*?</select>', page, re.S).group(0), page

    login(client, names["sup"])
    select, page = grid_select("/supervision/stats")
    assert select.count("<option") == 1 and "先选社区并点“筛选”，这里就会列出其网格。" in page
    select, _ = grid_select(f"/supervision/stats?community={names['community']}")
    assert select.count("<option") == 11 and names["grid_name"] in select  # "All" and the community's ten
    select, _ = grid_select(f"/supervision/stats?grid={names['grid']}")
    assert re.search(rf'<option selected value="{names["grid"]}">', select) and names["other_grid_name"] not in select

    client.post("/logout", data={"csrf_token": f.csrf(page)})
    login(client, names["small"])
    select, page = grid_select("/supervision/stats")
    assert all(name in select for name in names["small_grids"]) and 'id="grid-hint"' not in page


def _select(page: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)


def test_a_city_lists_its_communities_and_mediators_once_a_street_is_chosen(app, client, monkeypatch):
    """Past LISTED a city's community and mediator filters ask for a street first (a province's city has
    hundreds of each); a street chosen lists all its own, however many (and its own 片区), a community chosen its
    street's; a place or mediator named in the link stays listed and chosen, even one another street chosen since
    does not hold. A street supervisor's lists are whole, however long."""
    from app.org.models import Area
    from app.supervision import forms

    monkeypatch.setattr(forms, "LISTED", 3)
    with app.app_context():
        street_a, communities_a, _ = f.org(communities=4)
        street_b, communities_b, _ = f.org(communities=2)
        mediators = [f.user("mediator", community=c) for c in communities_a + communities_b]
        city, sup_a = f.user("supervisor"), f.user("supervisor", street=street_a)
        west = Area(street_id=street_b.id, name="西片区")
        db.session.add_all([Area(street_id=street_a.id, name="东片区"), west])
        db.session.commit()
        names = {"a": street_a.id, "b1": communities_b[0].id, "m_b2": mediators[5].id, "west": west.id,
                 "communities_a": [c.name for c in communities_a], "communities_b": [c.name for c in communities_b],
                 "mediators_a": [m.display_name for m in mediators[:4]],
                 "mediators_b": [m.display_name for m in mediators[4:]],
                 "city": city.username, "sup_a": sup_a.username}

    login(client, names["city"])
    for path in ("/supervision/stats", "/supervision/closures"):
        page = client.get(path).get_data(as_text=True)
        assert _select(page, "community").count("<option") == 1
        assert "东片区" in _select(page, "area") and "西片区" in _select(page, "area")
        assert "先选街道并点“筛选”，这里就会列出其社区。" in page and 'aria-describedby="community-hint"' in page
        page = client.get(f"{path}?street={names['a']}").get_data(as_text=True)
        select = _select(page, "community")
        assert all(n in select for n in names["communities_a"]) and not any(n in select for n in names["communities_b"])
        assert 'id="community-hint"' not in page
        assert "东片区" in _select(page, "area") and "西片区" not in _select(page, "area")  # the street's 片区 only
        page = client.get(f"{path}?community={names['b1']}").get_data(as_text=True)
        select = _select(page, "community")
        assert all(n in select for n in names["communities_b"]) and f'<option selected value="{names["b1"]}">' in select
        assert "西片区" in _select(page, "area") and "东片区" not in _select(page, "area")
        # Street A chosen after community B1: B1 still shows as chosen (the filter still applies; nothing matches).
        stale = _select(client.get(f"{path}?street={names['a']}&community={names['b1']}").get_data(as_text=True),
                        "community")
        assert f'<option selected value="{names["b1"]}">' in stale and all(n in stale for n in names["communities_a"])
    page = client.get("/supervision/closures").get_data(as_text=True)
    assert _select(page, "mediator").count("<option") == 1 and "先选街道或社区并点“筛选”，这里就会列出其调解员。" in page
    select = _select(client.get(f"/supervision/closures?street={names['a']}").get_data(as_text=True), "mediator")
    assert all(n in select for n in names["mediators_a"]) and not any(n in select for n in names["mediators_b"])
    select = _select(client.get(f"/supervision/closures?mediator={names['m_b2']}").get_data(as_text=True), "mediator")
    assert select.count("<option") == 2 and f'<option selected value="{names["m_b2"]}">' in select
    # Street A chosen after a mediator and a 片区 of street B: both still show as chosen.
    page = client.get(f"/supervision/closures?street={names['a']}&mediator={names['m_b2']}&area={names['west']}")
    page = page.get_data(as_text=True)
    assert f'<option selected value="{names["m_b2"]}">' in _select(page, "mediator")
    assert f'<option selected value="{names["west"]}">西片区' in _select(page, "area")

    client.post("/logout", data={"csrf_token": f.csrf(page)})
    login(client, names["sup_a"])
    page = client.get("/supervision/closures").get_data(as_text=True)
    assert all(n in _select(page, "community") for n in names["communities_a"])  # four: more than LISTED
    assert all(n in _select(page, "mediator") for n in names["mediators_a"])
    assert 'id="community-hint"' not in page and 'id="mediator-hint"' not in page


def test_a_city_lists_its_areas_once_a_street_is_chosen(app, client, monkeypatch):
    """Past LISTED a city's 片区 wait for a street too, with a hint; a street chosen lists its own, and a 片区
    named in the link stays listed and chosen. A street supervisor's 片区 are listed whole."""
    from app.org.models import Area
    from app.supervision import forms

    monkeypatch.setattr(forms, "LISTED", 1)
    with app.app_context():
        street_a, _, _ = f.org(communities=1)
        street_b, _, _ = f.org(communities=1)
        city, sup_a = f.user("supervisor"), f.user("supervisor", street=street_a)
        east, north, west = (Area(street_id=street_a.id, name="东片区"), Area(street_id=street_a.id, name="北片区"),
                             Area(street_id=street_b.id, name="西片区"))
        db.session.add_all([east, north, west])
        db.session.commit()
        ids = {"a": street_a.id, "west": west.id, "city": city.username, "sup_a": sup_a.username}

    login(client, ids["city"])
    for path in ("/supervision/stats", "/supervision/closures"):
        page = client.get(path).get_data(as_text=True)
        assert _select(page, "area").count("<option") == 1
        assert "先选街道并点“筛选”，这里就会列出其片区。" in page and 'aria-describedby="area-hint"' in page
        page = client.get(f"{path}?street={ids['a']}").get_data(as_text=True)
        select = _select(page, "area")
        assert "东片区" in select and "北片区" in select and "西片区" not in select and 'id="area-hint"' not in page
        select = _select(client.get(f"{path}?area={ids['west']}").get_data(as_text=True), "area")
        assert select.count("<option") == 2 and f'<option selected value="{ids["west"]}">西片区' in select

    client.post("/logout", data={"csrf_token": f.csrf(page)})
    login(client, ids["sup_a"])
    page = client.get("/supervision/closures").get_data(as_text=True)
    assert "东片区" in _select(page, "area") and "北片区" in _select(page, "area") and 'id="area-hint"' not in page


def _heading_place(page: str) -> str:
    return re.search(r'<h1[^>]*id="stats-heading" data-place="([^"]*)"', page).group(1)


def _street_kept(page: str) -> str | None:
    """The street the filter form sends back when applied: its select's choice, or its hidden field's value."""
    form = page[page.index('id="stats-filters"'):]
    form = form[:form.index("</form>")]
    select = re.search(r'<select[^>]*name="street".*?</select>', form, re.S)
    if select:
        chosen = re.search(r'<option selected value="(\d+)"', select.group(0))
        return chosen.group(1) if chosen else None
    hidden = re.search(r'<input type="hidden" id="street" name="street" value="(\d+)">', form)
    return hidden.group(1) if hidden else None


def test_a_one_street_city_names_its_street_and_keeps_it_when_the_period_changes(app, client):
    """A city of one street (the demo) hides the street select; the by-street link's page names the street in its
    heading, and its filter form keeps the street (a hidden field) when the period is changed and applied."""
    with app.app_context():
        street, (community, _), grids = f.org()
        city, sup = f.user("supervisor"), f.user("supervisor", street=street)
        case(f.user("mediator", community=community), grids[0], at(3, 2))
        ids = {"street": street.id, "name": street.name, "community": community.id, "c_name": community.name,
               "city": city.username, "sup": sup.username}

    clock.set_now(NOW)
    login(client, ids["city"])
    page = client.get("/supervision/stats").get_data(as_text=True)
    assert _heading_place(page) == ids["name"] and _street_kept(page) is None
    assert f"street={ids['street']}" in page  # the by-street link
    page = client.get(f"/supervision/stats?street={ids['street']}").get_data(as_text=True)
    assert '<select class="form-select form-select-sm" id="street"' not in page
    assert _heading_place(page) == ids["name"] and _street_kept(page) == str(ids["street"])
    # The form applied with another period: the street is still chosen, and kept again.
    page = client.get(f"/supervision/stats?month_from=2026-01&month_to=2026-02&street={ids['street']}")
    page = page.get_data(as_text=True)
    assert _street_kept(page) == str(ids["street"]) and 'data-first="2026-01-01"' in page
    assert 'id="table-by-community"' in page and 'id="table-by-street"' not in page
    page = client.get(f"/supervision/stats?street={ids['street']}&community={ids['community']}").get_data(as_text=True)
    assert _heading_place(page) == f"{ids['name']} · {ids['c_name']}"
    client.post("/logout", data={"csrf_token": f.csrf(page)})
    login(client, ids["sup"])  # a street supervisor: their street, named, no field needed until chosen
    page = client.get("/supervision/stats").get_data(as_text=True)
    assert _heading_place(page) == ids["name"] and _street_kept(page) is None


def test_a_city_of_two_streets_names_the_street_chosen_in_its_select(app, client, world):
    with app.app_context():
        from app.org.models import Street

        names = {s.id: s.name for s in db.session.query(Street)}
    login(client, world.sup_city)
    page = client.get("/supervision/stats").get_data(as_text=True)
    assert _heading_place(page) == "全部街道" and _street_kept(page) is None  # All streets
    page = client.get(f"/supervision/stats?street={world.street_b}").get_data(as_text=True)
    assert _heading_place(page) == names[world.street_b] and _street_kept(page) == str(world.street_b)
    assert '<input type="hidden" id="street"' not in page
