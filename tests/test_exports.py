"""Exports: the closure list as CSV and XLSX (opened again and compared
with the list), formula escaping, an empty period (headers only), scope (no
other street's case in any file), each export an audit event; the case file
as a print view and a PDF."""
import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from app.spreadsheets import safe
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        w.cases = [fs.closed_case(m, fs.grid(w.grid_a1)).id for _ in range(3)]
        # A summary written to run as a formula in a spreadsheet.
        w.evil = fs.closed_case(m, fs.grid(w.grid_a1), fs.ON_SPOT_PATH).id
        d = db.session.get(Dispute, w.evil)
        d.summary = '=HYPERLINK("http://example.invalid","点我")'
        d.place = "+123"
        db.session.commit()
        w.other = fs.closed_case(fs.user_named(w.m_b1), fs.grid(w.grid_b1)).id
        w.other_file_no = db.session.get(Dispute, w.other).file_no
        db.session.remove()
        return w


def listed_titles(client, query=""):
    html = client.get(f"/supervision/closures{query}").get_data(as_text=True)
    return re.findall(r'data-case="\d+"[^>]*>\s*<div[^>]*>\s*<strong>([^ <]+)', html)


def same_case(exported: str, title: str) -> bool:
    """A file number as the list shows it; a case never accepted (no file
    number, "#12" in the list) as its case number, in words: "案件编号 12"."""
    if title.startswith("#"):
        return not exported.startswith("#") and exported.endswith(" " + title[1:])
    return exported == title


def exports(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "export")
                                  .order_by(AuditEvent.id)).scalars().all()


def test_csv_matches_the_list_and_is_audited(app, client, world):
    login(client, world.sup_a)
    titles = listed_titles(client)
    response = client.get("/supervision/closures/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(header) == 12 and all(header)  # every column named, in the user's language
    assert [same_case(r[0], t) for r, t in zip(body, titles)] == [True] * 4 and len(body) == 4
    (event,) = exports(app)
    assert event.actor_id == world.sup_a_id and event.entity_type == "export"
    data = json.loads(event.data)
    assert (data["export"], data["format"], data["rows"]) == ("closures", "csv", 4)


def test_xlsx_matches_the_list_with_filters(app, client, world):
    login(client, world.sup_a)
    query = "?outcome=agreement"
    titles = listed_titles(client, query)
    response = client.get(f"/supervision/closures/export.xlsx{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    body = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in body] == titles and len(body) == 3
    assert json.loads(exports(app)[-1].data)["filters"] == {"outcome": "agreement"}


def test_formulas_are_escaped_in_both_formats(app, client, world):
    login(client, world.sup_a)
    text = client.get("/supervision/closures/export.csv?outcome=on_spot").data.decode("utf-8-sig")
    (row,) = list(csv.reader(io.StringIO(text)))[1:]
    assert row[-1] == '\'=HYPERLINK("http://example.invalid","点我")'
    sheet = load_workbook(io.BytesIO(client.get("/supervision/closures/export.xlsx?outcome=on_spot").data)).active
    # In XLSX a cell typed as text is never run: the text is kept as written, no apostrophe added.
    cell = sheet.cell(row=2, column=sheet.max_column)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://example.invalid","点我")'
    assert cell.quotePrefix  # and it stays text when edited
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe(value) == "'" + value
    assert safe("正常文字") == "正常文字" and safe(-3) == -3


def test_an_empty_period_gives_headers_only(app, client, world):
    login(client, world.sup_a)
    query = "?date_from=2020-01-01&date_to=2020-01-31"
    rows = list(csv.reader(io.StringIO(
        client.get(f"/supervision/closures/export.csv{query}").data.decode("utf-8-sig"))))
    assert len(rows) == 1 and len(rows[0]) == 12
    sheet = load_workbook(io.BytesIO(client.get(f"/supervision/closures/export.xlsx{query}").data)).active
    assert sheet.max_row == 1
    assert json.loads(exports(app)[-1].data)["rows"] == 0


@pytest.mark.parametrize("path", ["/supervision/closures/export.csv", "/supervision/closures/export.xlsx",
                                  "/supervision/stats/export.csv", "/supervision/stats/export.xlsx"])
def test_nothing_beyond_the_scope_leaks_into_any_export(app, client, world, path):
    login(client, world.sup_a)
    response = client.get(path + "?date_from=2020-01-01")
    assert response.status_code == 200
    if path.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(response.data))
        cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
        content = "\n".join(cells)
    else:
        content = response.data.decode("utf-8-sig")
    assert world.other_file_no not in content
    with app.app_context():
        from app.org.models import Community

        assert db.session.get(Community, world.b1).name not in content


def test_exports_refuse_unknown_formats_and_other_roles(client, world):
    login(client, world.sup_a)
    assert client.get("/supervision/closures/export.pdf").status_code == 404
    client.post("/logout", data={"csrf_token": f.csrf(client.get("/supervision/closures").get_data(as_text=True))})
    login(client, world.m_a1)
    assert client.get("/supervision/closures/export.csv").status_code == 403


def test_the_case_file_print_view_and_pdf(app, client, world):
    login(client, world.sup_a)
    case_id = world.cases[0]
    page = client.get(f"/supervision/cases/{case_id}/casefile")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        file_no, retention = d.file_no, app.config["RETENTION_YEARS"]
    assert file_no in html and "十日内赔偿两千元" in html and "已结案" in html
    assert str(retention) in html
    assert "13812345678" not in html and "138****5678" in html
    pdf = client.get(f"/supervision/cases/{case_id}/casefile.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"NotoSansCJKSC" in pdf.data  # the Chinese text is drawn in the embedded (subset) CJK font
    kinds = [json.loads(e.data) for e in exports(app) if e.entity_type == "dispute"]
    assert kinds == [{"export": "casefile", "format": "print"}, {"export": "casefile", "format": "pdf"}]


def test_the_pdf_says_what_to_install_without_the_font(app, client, world):
    app.config["CASEFILE_FONT"] = "/nonexistent/font.ttc"
    login(client, world.sup_a)
    response = client.get(f"/supervision/cases/{world.cases[0]}/casefile.pdf")
    assert response.status_code == 503 and "fonts-noto-cjk" in response.get_data(as_text=True)
    assert [e for e in exports(app) if e.entity_type == "dispute"] == []  # nothing was exported
