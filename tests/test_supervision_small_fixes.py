"""Small things a supervisor met: a reversed days filter explained (not an
empty list), the case file's history without an empty "( → …)", no
internal session id in a history, a visible label on the digest box, and a
refusal that says why and whom to ask."""
import re
from datetime import datetime

import pytest

from app.audit.chain import record
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_no_raw_codes import visible

NOW = datetime(2026, 3, 9, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        w, mediator = fs.world_with_a_closed_case(NOW)
        record("dispute", w.case, "session_recorded", mediator, at=NOW, data={
            "session_id": 25, "held_at": "2026-03-09T09:00:00+08:00", "place": "调解室", "attendees": "双方",
            "record": "各自陈述"})
        db.session.commit()
        db.session.remove()
    return w


def test_a_reversed_days_filter_is_explained(client, world):
    login(client, world.sup_a)
    response = client.get("/supervision/closures?days_min=5&days_max=2")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="no-closures"' in html
    warning = re.search(r'class="alert alert-warning[^"]*"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "办理天数不少于" in warning and "办理天数不超过" in warning
    export = client.get("/supervision/closures/export.csv?days_min=5&days_max=2")
    assert export.status_code == 400 and "办理天数不少于" in export.get_data(as_text=True)
    # Equal bounds are a real question: the cases of exactly that many days.
    assert client.get("/supervision/closures/export.csv?days_min=0&days_max=0").status_code == 200


def test_the_case_files_history_says_the_first_state_alone(client, world):
    login(client, world.sup_a)
    text = visible(client.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True))
    assert "( →" not in text and "(→" not in text
    assert re.search(r"登记 \(待受理\)", text)
    assert re.search(r"\(待受理 → 已受理\)", text)  # the steps after it keep both states


def test_no_history_shows_a_sessions_internal_number(client, world):
    login(client, world.sup_a)
    for path in (f"/supervision/cases/{world.case}", f"/audit/?entity_type=dispute&entity_id={world.case}"):
        text = visible(client.get(path).get_data(as_text=True))
        assert "调解室" in text, path  # the session's record is there
        assert "调解记录编号" not in text and "Session no." not in text, path


def test_the_digest_boxes_have_visible_labels(client, world):
    login(client, world.sup_a)
    html = client.get("/audit/verify").get_data(as_text=True)
    for box in ("digest-line", "digest-file"):
        assert re.search(rf'<label[^>]*for="{box}"[^>]*>[^<]+</label>', html), box
        assert re.search(rf'<input[^>]*id="{box}"', html), box


def test_a_supervisor_refused_the_archive_copy_is_told_why_and_whom_to_ask(client, world):
    login(client, world.sup_a)
    response = client.get(f"/supervision/cases/{world.case}/casefile?copy=archive")
    text = visible(response.get_data(as_text=True))
    assert response.status_code == 403
    assert "联系督导" not in text  # not told to ask a supervisor, being one
    assert "如您认为应当具备该权限，请联系系统管理员。" in text
    # Why: the archive copy is for those who work the case.
    assert "存档本载有完整的证件号码和电话号码，仅限本案调解员和登记人使用。普通卷宗（号码已部分隐去）可以打印。" in text
    with_mediator = client.application.test_client()
    login(with_mediator, world.m_a2)  # another community's mediator: the case is outside their area
    response = with_mediator.get("/supervision/closures")
    assert response.status_code == 403 and "联系督导" in visible(response.get_data(as_text=True))


def test_the_case_file_archive_copy_is_still_given_to_the_cases_mediator(client, world):
    login(client, world.m_a1)
    assert client.get(f"/supervision/cases/{world.case}/casefile?copy=archive").status_code == 200
    with client.application.app_context():
        assert db.session.get(Dispute, world.case).assignee_id == f.User.query.filter_by(
            username=world.m_a1).one().id
