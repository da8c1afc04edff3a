"""An export's audit event read in the audit browser and on the case's
history: what was exported, its format and its filters in words, what the
statistics' count counts; the event keeps its codes as recorded."""
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_no_raw_codes import visible

NOW = datetime(2026, 3, 9, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        w, mediator = fs.world_with_a_closed_case(NOW)
        fs.closed_case(mediator, fs.grid(w.grid_a1), fs.ON_SPOT_PATH)
        from app.org.models import Community

        w.a1_name = db.session.get(Community, w.a1).name
        db.session.remove()
    return w


def export_rows(client) -> list[str]:
    html = client.get("/audit/?trigger=export").get_data(as_text=True)
    return [visible(row) for row in re.findall(r'<tr data-trigger="export".*?</tr>', html, re.S)]


def test_the_statistics_export_reads_as_words(app, client, world):
    login(client, world.sup_a)
    assert client.get("/supervision/stats/export.xlsx?month_from=2026-01&month_to=2026-03").status_code == 200
    (row,) = export_rows(client)
    assert "导出 统计\n" in row  # the 对象 column: an export of the statistics, not just "导出"
    assert "statistics" not in row and "first_day" not in row and "{" not in row and "xlsx" not in row
    assert "2026-01-01" in row and "2026-03-31" in row  # the period, once (not its months again)
    assert "2026-01\n" not in row and "行数" not in row and "Rows" not in row  # it counted cases, not rows
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "export")).scalar_one()
        data = json.loads(event.data)
    # Recorded as ever: codes and a dict, for machines.
    assert data["export"] == "statistics" and data["format"] == "xlsx" and data["rows"] == 2
    assert data["filters"]["first_day"] == "2026-01-01" and data["filters"]["month_from"] == "2026-01"


def test_the_closure_exports_filters_name_places_and_choices(client, world):
    login(client, world.sup_a)
    query = f"?community={world.a1}&outcome=on_spot&review=awaiting&days_min=0&date_from=2026-01-01"
    assert client.get(f"/supervision/closures/export.csv{query}").status_code == 200
    (row,) = export_rows(client)
    assert "已结案件" in row and world.a1_name in row
    assert "现场化解" in row and "待审核" in row and "结案日期自" in row and "办理天数不少于" in row
    assert "on_spot" not in row and "awaiting" not in row and "csv" not in row


def test_a_printed_case_file_reads_as_words_on_the_cases_history(client, world):
    login(client, world.sup_a)
    assert client.get(f"/supervision/cases/{world.case}/casefile").status_code == 200
    history = visible(client.get(f"/supervision/cases/{world.case}").get_data(as_text=True))
    assert "人民调解卷宗" in history
    # No code: the step reads "Case file printed" (打印卷宗) before its translation is merged, never "print".
    assert "casefile" not in history and not re.search(r"\bprint\b", history)


def export_events(client, typed: str) -> list[str]:
    """The events the action filter finds for `typed`, as "entity:id export/format"."""
    html = client.get("/audit/", query_string={"trigger": typed}).get_data(as_text=True)
    return sorted(re.findall(r'<tr data-trigger="export" data-entity="([^"]*)"', html))


@pytest.fixture
def exported(app, client, world):
    """The case file printed and downloaded as PDF (recorded as the PDF's route records it: the PDF needs a
    CJK font the machine may lack), and the statistics exported."""
    from app.audit.chain import record

    login(client, world.sup_a)
    assert client.get(f"/supervision/cases/{world.case}/casefile").status_code == 200
    assert client.get("/supervision/stats/export.xlsx?month_from=2026-01&month_to=2026-03").status_code == 200
    with app.app_context():
        record("dispute", world.case, "export", fs.user_named(world.sup_a),
               data={"export": "casefile", "format": "pdf"})
        db.session.commit()
    return world


def test_the_action_filter_finds_the_case_file_exports_by_their_labels_in_chinese(client, exported):
    case = f"dispute:{exported.case}"
    assert export_events(client, "打印卷宗") == [case]
    assert export_events(client, "下载卷宗 PDF") == [case]
    assert len(export_events(client, "卷宗")) == 2  # part of both labels
    # What matched before still does: the code, and 导出 (every export, the statistics' too).
    assert export_events(client, "导出") == export_events(client, "export") == sorted([case, case, "export:"])
    html = client.get("/audit/").get_data(as_text=True)
    assert '<option value="打印卷宗">' in html and '<option value="下载卷宗 PDF">' in html


def test_the_action_filter_finds_the_case_file_exports_by_their_labels_in_english(client, exported):
    from tests.factories import csrf

    page = client.get("/audit/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/audit/"})
    case = f"dispute:{exported.case}"
    printed, pdf = export_events(client, "Case file printed"), export_events(client, "Case file downloaded as PDF")
    assert printed == pdf == [case]
    assert len(export_events(client, "Case file")) == 2
    assert export_events(client, "Exported") == export_events(client, "export") == sorted([case, case, "export:"])
    assert export_events(client, "打印卷宗") == []  # the Chinese label is not the English page's
