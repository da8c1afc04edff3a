"""Issue 7 in a real browser: a street supervisor filters the closure
history, opens a case's timeline, returns one case to its mediator with a
comment, signs off another, runs the integrity check, downloads the digest
and an XLSX export of the filtered list. Runs on SQLite, and on PostgreSQL
when TEST_DATABASE_URL is set.

Gettext labels are not relied on (they are being translated): elements are
found by id, name or data attributes; states are the workflows' own labels.
"""
import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, pages, screenshot, submit,
)

RETURN_COMMENT = "结案小结未写明履行情况，请补充回访记录后重新结案。"


@pytest.fixture
def cases(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=street, username="dudao", password=f.PASSWORD)
        agreed = [fs.closed_case(mediator, grids[0]) for _ in range(2)]
        on_spot = fs.closed_case(mediator, grids[1], fs.ON_SPOT_PATH)
        world = dict(supervisor=supervisor.username, agreed=[d.id for d in agreed], on_spot=on_spot.id,
                     titles={d.id: d.title for d in agreed + [on_spot]})
        db.session.remove()
        return world


def log_in_as_supervisor(page: Page, username: str) -> None:
    log_in(page, username, f.PASSWORD, lands_on=r"/supervision/closures$")  # supervisors land on the closure history


def listed(page: Page) -> list[int]:
    return [int(i) for i in page.locator("#closure-list [data-case]").evaluate_all(
        "items => items.map(i => i.dataset.case)")]


def test_supervisor_reviews_closures_checks_the_log_and_exports(pages, cases, app, backend):
    page = pages.open(**DESKTOP)
    log_in_as_supervisor(page, cases["supervisor"])
    expect(page.locator("#closure-list [data-case]")).to_have_count(3)
    expect(page.locator("#awaiting-link")).to_be_visible()

    # --- Filter: agreements only, then the two cases awaiting sign-off among them.
    filters = page.locator("#closure-filters")
    filters.locator('[name="outcome"]').select_option("agreement")
    submit(page, page.locator("#apply-filters"))
    expect(page.locator("#closure-list [data-case]")).to_have_count(2)
    assert sorted(listed(page)) == sorted(cases["agreed"])
    filters.locator('[name="review"]').select_option("awaiting")
    submit(page, page.locator("#apply-filters"))
    expect(page.locator('#closure-list [data-review="awaiting"]')).to_have_count(2)
    screenshot(page, "supervision-closures", backend)

    # --- The XLSX export of the filtered list has the same cases.
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(exported) == sorted(cases["titles"][i] for i in cases["agreed"])

    # --- Open the first case: its full timeline, then return it with a comment.
    returned, signed = listed(page)
    page.locator(f'#closure-list [data-case="{returned}"]').click()
    expect(page).to_have_url(re.compile(rf"/supervision/cases/{returned}$"))
    timeline = page.locator("#timeline > li")
    expect(timeline.first).to_contain_text("结案")
    assert timeline.count() >= 8  # registration, each step, the review opened
    expect(page.locator("#review-state")).to_have_text("待审核")
    form = page.locator("#review-return_case")
    form.locator('[name="return_case-comment"]').fill(RETURN_COMMENT)
    page.once("dialog", lambda dialog: dialog.accept())  # "return the case?" confirmation
    submit(page, form.locator('button[type="submit"]'))
    expect(page.locator("#case-state")).to_have_text("调解中")
    expect(page.locator("#review-state")).to_have_text("已退回")
    expect(page.locator("#reviews")).to_contain_text(RETURN_COMMENT)
    expect(page.locator("#timeline > li").first).to_contain_text("退回重办")

    # --- Sign off the other one.
    page.goto(f"/supervision/cases/{signed}")
    form = page.locator("#review-sign_off")
    form.locator('[name="sign_off-comment"]').fill("材料齐全，同意结案。")
    submit(page, form.locator('button[type="submit"]'))
    expect(page.locator("#review-state")).to_have_text("已审核通过")
    expect(page.locator("#review-actions")).to_have_count(0)

    # --- The returned case has left the history (it is being mediated again).
    page.goto("/supervision/closures")
    expect(page.locator("#closure-list [data-case]")).to_have_count(2)
    assert returned not in listed(page)

    # --- The integrity check, and the digest to keep.
    page.locator("#nav-supervision").click()  # the audit log is in the supervision menu
    page.locator("#nav-audit").click()
    expect(page.locator('#events tr[data-trigger="return_case"]')).to_have_count(1)
    page.locator("#integrity-link").click()
    page.locator("#run-check").click()
    expect(page.locator("#verify-result")).to_have_attribute("data-intact", "yes")
    shown = page.locator("#digest").inner_text().strip()
    with page.expect_download() as download:
        page.locator("#download-digest").click()
    kept = open(download.value.path(), encoding="utf-8").read().strip()
    assert kept.startswith("audit-digest events=") and kept == shown
    paste = page.locator("#digest-paste")
    paste.locator('[name="digest"]').fill(kept)
    submit(page, paste.locator('button[type="submit"]'))
    expect(page.locator("#digest-result")).to_have_attribute("data-match", "yes")
    screenshot(page, "supervision-integrity", backend)

    with app.app_context():
        assert db.session.get(Dispute, returned).state == "mediating"
        assert db.session.get(Dispute, signed).state == "closed"
        assert verify() == []
    assert pages.problems == []


def test_supervisor_pages_fit_a_phone(pages, cases, backend):
    page = pages.open(**PHONE)
    log_in_as_supervisor(page, cases["supervisor"])
    for path in ("/supervision/closures", "/supervision/stats", f"/supervision/cases/{cases['on_spot']}",
                 "/audit/", "/audit/verify"):
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        expect_no_sideways_scroll(page)
        if path == "/supervision/stats":
            # A type's name on one line: the table scrolls sideways in its own region, not the page.
            cell = page.locator("#table-by-type tbody td").first
            line = cell.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
            assert cell.bounding_box()["height"] < 2 * line, "a type's name wraps in the statistics table"
    screenshot(page, "supervision-stats-phone", backend)
    assert pages.problems == []


def test_the_audit_log_fits_an_old_office_pc(pages, cases):
    """At 1024 px the filters' last column (Apply and Clear) stuck out by a few pixels."""
    page = pages.open(viewport={"width": 1024, "height": 768})
    log_in_as_supervisor(page, cases["supervisor"])
    page.goto("/audit/")
    expect(page.locator("#apply-event-filters")).to_be_visible()
    expect_no_sideways_scroll(page)
    assert pages.problems == []


# Each cell of the audit log's rows: its class, its width, and how many lines its text takes.
EVENT_CELLS = """rows => rows.flatMap(row => [...row.cells].map(cell => {
    const style = getComputedStyle(cell);
    const text = cell.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return {name: cell.className, width: cell.getBoundingClientRect().width, row: row.getBoundingClientRect().width,
            top: cell.getBoundingClientRect().top, lines: Math.round(text / parseFloat(style.lineHeight))};
}))"""


def test_the_audit_log_reads_on_a_phone(pages, cases, app):
    """On a phone the six columns left "王/调/解" one character a line and the data a ribbon: each event is a block
    there, its cells full-width, the actor's name on one line, the data as wide as the screen. The desk keeps the
    table; screen readers keep its rows and headers at both sizes."""
    with app.app_context():
        mediator = db.session.get(Dispute, cases["on_spot"]).created_by
        mediator.display_name = "王调解"
        db.session.commit()
        db.session.remove()
    page = pages.open(**PHONE)
    log_in_as_supervisor(page, cases["supervisor"])
    for path in ("/audit/", f"/audit/?entity_type=dispute&entity_id={cases['on_spot']}"):
        page.goto(path)
        expect(page.locator("#events tbody tr").first).to_be_visible()
        expect_no_sideways_scroll(page)
        cells = page.locator("#events tbody tr").evaluate_all(EVENT_CELLS)
        assert cells
        for cell in cells:
            if cell["name"].startswith(("event-id", "event-when")):  # the first line: when, and the number
                assert cell["lines"] == 1, f"{path}: {cell}"
            else:
                assert cell["width"] >= 0.9 * cell["row"], f"{path}: a narrow cell {cell}"
        who = page.locator("#events td.event-who", has_text="王调解").first
        line = who.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert who.locator("span").first.bounding_box()["height"] < 1.5 * line, "the actor's name wraps"
        expect(page.get_by_role("columnheader")).to_have_count(6)  # still a table to a screen reader
    data = page.locator("#events td.event-data details").first
    data.locator("summary").click()
    expect(data.locator("ul")).to_be_visible()
    assert data.locator("ul").bounding_box()["width"] >= 0.8 * page.locator("#events").bounding_box()["width"]
    expect_no_sideways_scroll(page)
    screenshot(page, "audit-log-phone", "sqlite")
    # The table's explicit roles are allowed ones and complete (axe: no serious or critical finding in it).
    found = Axe().run(page, context="#events").response["violations"]
    assert [v["id"] for v in found if v["impact"] in ("serious", "critical")] == []

    desk = pages.open(**DESKTOP)
    log_in_as_supervisor(desk, cases["supervisor"])
    desk.goto(f"/audit/?entity_type=dispute&entity_id={cases['on_spot']}")
    expect(desk.locator("#events thead")).to_be_visible()
    cells = desk.locator("#events tbody tr").first.evaluate_all(EVENT_CELLS)
    assert len({round(c["top"]) for c in cells}) == 1, "the desk's table is not one line of columns"
    assert pages.problems == []


def test_the_charts_figures_stay_inside_them(app, chromium):
    """A province's figures ("886,491" at the end of the longest bar, "799,980" atop the trend's axis) are
    drawn within their charts, not cut off at an edge."""
    from app.supervision.stats import Counts
    from app.supervision.trends import Trend

    items = [("生产经营", 886491), ("消费", 55426), ("合同", 7)]
    trend = Trend("month", [("2026-01", Counts(registered=86512)), ("2026-02", Counts(registered=799979))])
    with app.test_request_context():
        svg = app.jinja_env.from_string(
            "{% from 'supervision/_chart.html' import bars, lines %}{{ bars(items, 'bars', title='By type') }}"
            "{{ lines(trend, [('registered', 'R', '#000', '')], 'trend', 't', 'd') }}").render(items=items, trend=trend)
    page = chromium.get().new_page(**PHONE)
    try:
        page.set_content(f"<!doctype html><meta charset='utf-8'><body style='margin:0'>{svg}</body>")
        edges = {chart: page.evaluate(f"[...document.querySelectorAll('#{chart} text')].map(t => t.getBBox())"
                                      ".map(b => [b.x, b.x + b.width])") for chart in ("bars", "trend")}
    finally:
        page.close()
    assert len(edges["bars"]) == 6 and all(0 <= left and right <= 400 for left, right in edges["bars"]), edges
    assert edges["trend"] and all(0 <= left and right <= 600 for left, right in edges["trend"]), edges
    assert "886,491" in svg and ">799,980</text>" in svg


# Each count table of the statistics: how far it reaches past its region (0: every column shown), and its columns.
COUNT_TABLES = """wrappers => wrappers.map(w => ({table: w.querySelector('table').id,
    hidden: w.scrollWidth - w.clientWidth, columns: w.querySelectorAll('thead th').length,
    lastRight: w.querySelector('thead th:last-child').getBoundingClientRect().right,
    right: w.getBoundingClientRect().right}))"""


def test_the_statistics_tables_show_every_column_on_an_office_pc(pages, cases, app, backend):
    """At 1024 px the bar chart took some 40% of the row and the tables by type, channel, place and month were
    cut at "仍在调解…", their last rates behind a sideways scroll: below a wide screen the chart now stands
    above its table, which has the whole row. A phone still scrolls the table in its own region. A case
    accepted and still in mediation: its rows' success rate reads "—" with words for a screen reader, which
    must not stick out of the phone's screen."""
    with app.app_context():
        mediator = db.session.get(Dispute, cases["on_spot"]).created_by
        mediated = f.dispute(mediator, mediator.community.grids[0])
        mediated.dispute_type = "labour"  # the only case of its type: its row's rate awaits the mediation
        db.session.commit()
        f.walk(mediated, mediator, "accept")
        db.session.remove()
    page = pages.open(viewport={"width": 1024, "height": 768})
    log_in_as_supervisor(page, cases["supervisor"])
    page.goto("/supervision/stats")
    expect(page.locator("#table-by-type")).to_be_visible()
    expect_no_sideways_scroll(page)
    tables = page.locator("div.table-responsive:has(> table[id^='table-by-'])").evaluate_all(COUNT_TABLES)
    assert {t["table"] for t in tables} == {"table-by-type", "table-by-channel", "table-by-community", "table-by-month"}
    for table in tables:
        assert table["columns"] == 10 and table["hidden"] <= 0, table
        assert table["lastRight"] <= table["right"] + 1, table  # 化解率, the last column, in view
    chart, table = (page.locator(f"#{i}").bounding_box() for i in ("chart-by-type", "table-by-type"))
    assert chart["y"] + chart["height"] <= table["y"], "the chart stands above its table"
    screenshot(page, "supervision-stats-1024", backend)
    # The audit log at the same width: its details' "数据" on one line.
    page.goto("/audit/")
    summary = page.locator("#events td.event-data summary").first
    line = summary.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert summary.bounding_box()["height"] < 1.5 * line, "the details' summary wraps"

    # Not emulated as a phone: there the layout viewport widens to what sticks out, and nothing would show.
    phone = pages.open(viewport={"width": 360, "height": 740})
    log_in_as_supervisor(phone, cases["supervisor"])
    phone.goto("/supervision/stats")
    expect(phone.locator("#table-by-type [data-awaits-mediation]").first).to_be_attached()
    expect_no_sideways_scroll(phone)
    screenshot(phone, "supervision-stats-360", backend)
    assert pages.problems == []
