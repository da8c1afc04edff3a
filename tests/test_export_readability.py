"""What a supervisor sees on opening an export: columns wide enough for
their contents (dates, file numbers, the summary's Chinese labels), moments
to the minute, text that looks like a formula kept as text without a stray
apostrophe, who handled each closed case (the grid worker who resolved a
case on the spot too), and files named by the centre's date, not UTC's."""
import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.spreadsheets import Section, column_width, text_width, to_xlsx
from tests import factories_supervision as fs
from tests.factories import login

# 23:30 UTC on 8 March is 07:30 on 9 March in the centre (UTC+8).
LATE_UTC = datetime(2026, 3, 8, 23, 30)


@pytest.fixture
def world(app):
    with app.app_context():
        w, mediator = fs.world_with_a_closed_case(LATE_UTC)
        gridworker = fs.user_named(w.gw_a1)
        w.gridworker_name, w.mediator_name = gridworker.display_name, mediator.display_name
        w.on_spot = fs.closed_case(gridworker, fs.grid(w.grid_a1), fs.ON_SPOT_PATH).id
        db.session.remove()
    return w


def workbook(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response, load_workbook(io.BytesIO(response.data))


def test_the_closure_xlsx_shows_dates_to_the_minute_in_columns_wide_enough(client, world):
    login(client, world.sup_a)
    _response, book = workbook(client, "/supervision/closures/export.xlsx")
    sheet = book.worksheets[0]
    registered = sheet.cell(row=2, column=7)
    assert isinstance(registered.value, datetime)
    assert registered.number_format == "yyyy-mm-dd hh:mm"  # no seconds: fits, and reads as the page does
    # "2026-03-09 07:30" is 16 characters: a column of 10 printed it as ########.
    assert sheet.column_dimensions["G"].width >= 16 and sheet.column_dimensions["H"].width >= 16
    file_numbers = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert sheet.column_dimensions["A"].width >= max(text_width(v) for v in file_numbers)


def test_the_statistics_summary_labels_fit_their_column(client, world):
    login(client, world.sup_a)
    _response, book = workbook(client, "/supervision/stats/export.xlsx")
    summary = book.worksheets[0]
    labels = [summary.cell(row=r, column=1).value for r in range(2, summary.max_row + 1)]
    assert "统计期间（登记日期）" in labels
    assert summary.column_dimensions["A"].width >= text_width("统计期间（登记日期）") == 20


def test_a_case_never_accepted_is_named_by_its_case_number_in_words(client, world):
    login(client, world.sup_a)
    rows = list(csv.reader(io.StringIO(client.get("/supervision/closures/export.csv").data.decode("utf-8-sig"))))
    first = {row[0] for row in rows[1:]}
    on_spot = next(v for v in first if v.endswith(f" {world.on_spot}"))
    assert not on_spot.startswith("#")


def test_who_handled_each_case_is_in_the_page_and_both_files(client, world):
    """The mediator of a mediated case; the grid worker who resolved and
    closed an on-the-spot case (it has no mediator)."""
    login(client, world.sup_a)
    page = client.get("/supervision/closures").get_data(as_text=True)
    item = re.search(rf'data-case="{world.on_spot}".*?</a>', page, re.S).group(0)
    assert world.gridworker_name in item
    item = re.search(rf'data-case="{world.case}".*?</a>', page, re.S).group(0)
    assert world.mediator_name in item
    rows = list(csv.reader(io.StringIO(client.get("/supervision/closures/export.csv").data.decode("utf-8-sig"))))
    handled = {row[0].split(" ")[-1] if not row[0].startswith("(") else "mediated": row[5] for row in rows[1:]}
    assert handled == {str(world.on_spot): world.gridworker_name, "mediated": world.mediator_name}
    _response, book = workbook(client, "/supervision/closures/export.xlsx")
    column = [c.value for c in book.worksheets[0]["F"][1:]]
    assert sorted(column) == sorted([world.gridworker_name, world.mediator_name])


@pytest.mark.parametrize("path", ["/supervision/closures/export.csv", "/supervision/stats/export.xlsx",
                                  "/audit/digest.txt"])
def test_downloads_are_named_by_the_centres_date_and_time(client, world, path):
    login(client, world.sup_a)
    response = client.get(path)
    assert response.status_code == 200
    assert "20260309-0730" in response.headers["Content-Disposition"]  # not 20260308-2330 (UTC)


def test_text_that_looks_like_a_formula_stays_text_in_xlsx_without_an_apostrophe():
    values = ["=1+1", "+86 138", "-3 天", "@所有人", "普通文字"]
    sheet = load_workbook(io.BytesIO(to_xlsx([Section("t", ["文字"], [[v] for v in values])]))).active
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(values))]
    assert [c.value for c in cells] == values and {c.data_type for c in cells} == {"s"}


def test_column_widths_count_chinese_characters_twice_and_stay_within_bounds():
    assert text_width("统计期间") == 8 and text_width("abc") == 3
    assert column_width(["标题", "统计期间（登记日期）"]) == 22
    assert column_width([None, ""]) == 8  # an empty column stays readable
    assert column_width(["长" * 200]) == 50  # a long summary is cut at the column's edge, not a page wide
    assert column_width(["短\n" + "长" * 10]) == 22  # the longest line of a text in several lines


def test_the_closure_history_names_who_handled_each_case_without_a_statement_per_row(app):
    """The closers of on-the-spot cases come joined into the page's statement,
    as its places and mediators do: the count does not grow with the rows."""
    from tests.test_statement_budgets import statements_of

    counts = []
    for cases in (1, 4):
        with app.app_context():
            w = fs.two_streets()
            for _ in range(cases):
                fs.closed_case(fs.user_named(w.m_a1), fs.grid(w.grid_a1))
                fs.closed_case(fs.user_named(w.gw_a1), fs.grid(w.grid_a1), fs.ON_SPOT_PATH)
            closer = fs.user_named(w.gw_a1).display_name
            db.session.remove()
        client = app.test_client()
        login(client, w.sup_a)
        counts.append(len(statements_of(app, client, "/supervision/closures")))
        assert client.get("/supervision/closures").get_data(as_text=True).count(closer) == cases
    assert counts[0] == counts[1], counts
