"""Trends on the statistics page: registered, resolved on the spot and
agreements per month and per week of registration, against a hand count of
test_stats.py's cases (street A, March and April 2026), and the chart with
its description in words.

By hand, weeks from Monday (2026-03-01 is a Sunday): c2 on the spot 03-01 →
week of 02-23; c1 agreement 03-02 → 03-02; c3 failed 03-10 → 03-09; c4
agreement 04-03 → 03-30; c5 04-20 → 04-20; c8 04-30 → 04-27. Ten weeks.
"""
import re

from flask_babel import force_locale

from app.supervision import stats, trends
from app.supervision.scope import Place, Scope
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_stats import END, NOW, START, world  # noqa: F401  (the hand-counted cases, a fixture)

WEEKS = ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30", "2026-04-06",
         "2026-04-13", "2026-04-20", "2026-04-27"]


def test_weekly_counts_match_the_hand_count(app, world):
    with app.app_context():
        trend = trends.weekly(Scope(fs.user_named(world.sup_a)), Place(), START, END)
        assert [key for key, _ in trend.points] == WEEKS
        assert trend.values("registered") == [1, 1, 1, 0, 0, 1, 0, 0, 1, 1]
        assert trend.values("on_spot") == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        assert trend.values("agreements") == [0, 1, 0, 0, 0, 1, 0, 0, 0, 0]
        assert trend.axis_top() == 4  # one case at most: the axis still has four whole-number ticks


def test_monthly_counts_are_the_dashboards_months(app, world):
    with app.app_context():
        board = stats.dashboard(Scope(fs.user_named(world.sup_a)), Place(), START, END, NOW)
        trend = trends.monthly(board.by_month)
        assert [key for key, _ in trend.points] == ["2026-03", "2026-04"]
        assert [trend.values(n) for n in trends.SERIES] == [[3, 3], [1, 0], [1, 1]]
        labels = {"registered": "Registered", "on_spot": "On the spot", "agreements": "Agreements"}
        with force_locale("en"):
            text = trends.describe(trend, labels)
        assert text == ("Cases per month of registration, from 2026-03 to 2026-04. Registered: 6 in all, the most "
                        "in 2026-03 (3). On the spot: 1 in all, the most in 2026-03 (1). Agreements: 2 in all, "
                        "the most in 2026-03 (1).")


def test_a_province_s_counts_are_said_with_their_digits_grouped(app):
    """A year of a province's cases reads "886,491", in the words and on the chart's axis alike."""
    from app.supervision.stats import Counts

    trend = trends.Trend("month", [("2026-01", Counts(registered=86512, on_spot=47093, agreements=0)),
                                   ("2026-02", Counts(registered=799979, on_spot=440674, agreements=1000))])
    labels = {"registered": "Registered", "on_spot": "On the spot", "agreements": "Agreements"}
    with app.test_request_context(), force_locale("en"):
        text = trends.describe(trend, labels)
        chart = app.jinja_env.from_string("{% from 'supervision/_chart.html' import lines %}{{ lines(trend, series, "
                                          "'c', 't', 'd') }}").render(trend=trend, series=[("registered", "R", "#000", "")])
    assert text == ("Cases per month of registration, from 2026-01 to 2026-02. Registered: 886,491 in all, the most "
                    "in 2026-02 (799,979). On the spot: 487,767 in all, the most in 2026-02 (440,674). Agreements: "
                    "1,000 in all, the most in 2026-02 (1,000).")
    assert ">799,980</text>" in chart and "R 2026-02: 799,979</title>" in chart
    # The axis names each month as the tables, the words and the CSV do ("2026-01", not "26-01").
    assert re.findall(r'font-size="10">([^<]*)</text>', chart) == ["2026-01", "2026-02"]


def test_the_page_draws_the_weekly_chart_and_says_it_in_words(client, app, world):
    login(client, world.sup_a)
    html = client.get("/supervision/stats?month_from=2026-03&month_to=2026-04&step=week").get_data(as_text=True)
    chart = re.search(r'<svg class="chart" id="chart-trend".*?</svg>', html, re.S).group(0)
    assert chart.count("<polyline") == 3
    assert chart.count("<circle") == 3 * len(WEEKS)
    assert 'role="img"' in chart and 'aria-describedby="trend-description"' in chart
    description = re.search(r'<p class="small" id="trend-description">(.*?)</p>', html, re.S).group(1)
    assert "2026-02-23" in description and "2026-04-27" in description
    assert "6" in description  # registered in all


def test_an_unknown_step_falls_back_to_months_with_a_message(client, app, world):
    login(client, world.sup_a)
    html = client.get("/supervision/stats?month_from=2026-03&month_to=2026-04&step=fortnight").get_data(as_text=True)
    assert 'class="alert alert-warning"' in html
    chart = re.search(r'<svg class="chart" id="chart-trend".*?</svg>', html, re.S).group(0)
    assert chart.count("<circle") == 3 * 2


def test_a_reversed_period_draws_an_empty_chart(client, app, world):
    login(client, world.sup_a)
    response = client.get("/supervision/stats?month_from=2026-04&month_to=2026-03&step=week")
    assert response.status_code == 200
    assert 'id="trend-description"' in response.get_data(as_text=True)


def test_the_axis_rounds_up_to_whole_ticks():
    from app.supervision.stats import Counts

    assert trends.Trend("month", [("2026-03", Counts(registered=5, on_spot=1))]).axis_top() == 8
    assert trends.Trend("month", []).axis_top() == 4
