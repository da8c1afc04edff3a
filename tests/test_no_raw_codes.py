"""No page shows a stored code where a label exists (issue 16, item 3).

A demo-like case is taken from registration to sign-off with a party edit
(sex, ID type), a reveal of personal data, an elder's invitation, a written
agreement printed for its parties and its follow-ups; then its timelines (the
mediator's case page, the supervisor's case page) and the audit browser are
rendered in Chinese, and their visible text is scanned for the codes of the
app's code lists and for ids shown raw (`user #6`, `dispute #285`,
`[607, 609]`, `['id_number', 'phone']`)."""
import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest

from app import clock, engine
from app.auth.roles import ROLE_LABELS
from app.disputes import codes as dispute_codes
from app.disputes.parties import save_party
from app.elders import codes as elder_codes
from app.extensions import db
from app.followups import codes as followup_codes
from app.labels import CODE_LISTS, FIELD_LABELS
from app.supervision.models import OUTCOMES
from app.sweeps import codes as sweep_codes
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_followups as ff
from tests import factories_supervision as fs
from tests.factories import csrf, login

NOW = datetime(2026, 3, 9, 2, 0)


def code_lists() -> dict[str, dict]:
    """Every code list of the app: the ones the history installs, and every
    other dict of codes -> labels in the domains' code modules."""
    found = {f"installed:{field}": codes for field, codes in CODE_LISTS.items()}
    for module in (dispute_codes, elder_codes, followup_codes, sweep_codes):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, dict) and value and all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                found[f"{module.__name__}.{name}"] = value
    found["supervision.OUTCOMES"] = OUTCOMES
    found["roles"] = ROLE_LABELS
    return found


def raw_codes() -> set[str]:
    return {code for codes in code_lists().values() for code in codes}


class VisibleText(HTMLParser):
    """The text a person sees: no tags, no scripts or styles, no attribute values."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "datalist"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "datalist"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


RAW_IDS = [
    re.compile(r"\b(user|dispute|signoff|followup|elder|party)\s*#\s*\d+"),  # an entity type and a row id
    re.compile(r"\[\s*\d+\s*(,\s*\d+\s*)*\]"),                                # a list of ids
    re.compile(r"\[\s*'[^']*'"),                                             # a Python list of strings
    re.compile(r"(?<![\w.-])[a-z]+_[a-z_]+(?![\w.-])"),                       # a snake_case field name or code
]


def offending(text: str, codes: set[str]) -> list[str]:
    problems = []
    for code in sorted(codes):
        for match in re.finditer(rf"(?<![A-Za-z0-9_@.-]){re.escape(code)}(?![A-Za-z0-9_@.-])", text):
            end = text.find("\n", match.end())
            line = text[text.rfind("\n", 0, match.start()) + 1:end if end >= 0 else len(text)]
            problems.append(f"code {code!r} in: {line}")
    for pattern in RAW_IDS:
        problems += [f"raw value {m.group(0)!r}" for m in pattern.finditer(text)]
    return problems


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(NOW)
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1, username="tiaojie")
        supervisor = f.user("supervisor", street=street, username="dudao")
        d = f.dispute(mediator, grids[0])
        applicant = d.parties[0]
        save_party(d, mediator, {"sex": "male", "id_type": "resident_id", "id_number": "370682199001011234",
                                 "kind": "person"}, party=applicant)
        f.walk(d, mediator, "accept", "assign", "start_mediation")
        fe.invite(d, fe.elder(c1), mediator)
        engine.fire(d, "agree", mediator, **dict(ff.AGREEMENT, perform_by=date(2026, 3, 20)))
        w = type("World", (), dict(case=d.id, party=applicant.id, mediator=mediator.username,
                                   supervisor=supervisor.username, mediator_id=mediator.id))
        db.session.remove()
    client = app.test_client()
    login(client, w.mediator)
    page = client.get(f"/cases/{w.case}").get_data(as_text=True)
    assert client.post(f"/cases/{w.case}/parties/{w.party}/reveal",
                       data={"csrf_token": csrf(page)}).status_code == 200
    assert client.get(f"/cases/{w.case}/agreement/print").status_code == 200
    with app.app_context():
        from app.disputes.models import Dispute

        d = db.session.get(Dispute, w.case)
        f.walk(d, db.session.get(type(d.assignee), w.mediator_id), "start_performance", "fulfil", "close")
        fs.signed_off(d)
        db.session.remove()
    w.mediator_client = client
    return w


def test_the_app_has_code_lists_to_check():
    codes = raw_codes()
    assert {"agreement", "male", "written", "resident_id", "neighbour", "mediator"} <= codes


def test_timelines_and_the_audit_browser_show_labels_not_codes(app, world):
    codes = raw_codes()
    pages = {"case page (mediator)": world.mediator_client.get(f"/cases/{world.case}")}
    supervisor = app.test_client()
    login(supervisor, world.supervisor)
    # Exports, audited with their codes and filters: the case file printed, the statistics and the closures.
    for path in (f"/supervision/cases/{world.case}/casefile",
                 "/supervision/stats/export.xlsx?month_from=2026-01&month_to=2026-03&step=week",
                 "/supervision/closures/export.csv?outcome=agreement&review=signed_off&dispute_type=neighbour"
                 "&days_min=1&date_from=2026-01-01&date_to=2026-12-31"):
        assert supervisor.get(path).status_code == 200, path
    pages["case page (supervisor)"] = supervisor.get(f"/supervision/cases/{world.case}")
    pages["audit browser, the case"] = supervisor.get(f"/audit/?entity_type=dispute&entity_id={world.case}")
    pages["audit browser, everything"] = supervisor.get("/audit/")
    problems = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = visible(response.get_data(as_text=True))
        assert "调解协议" in text or "审计" in text  # the page rendered in Chinese
        found = offending(text, codes)
        if found:
            problems[name] = found
    assert problems == {}
    # The exports are there, said in words.
    everything = visible(pages["audit browser, everything"].get_data(as_text=True))
    assert "人民调解卷宗" in everything and "统计" in everything and "已结案件" in everything
    assert "2026-01-01" in everything and "2026-12-31" in everything


def test_the_scan_finds_what_it_looks_for(app):  # the app installs the exports' code lists
    codes = raw_codes()
    assert offending("结案方式：agreement", codes) == ["code 'agreement' in: 结案方式：agreement"]
    assert offending("性别：male", codes)
    assert offending("字段：['id_number', 'phone']", codes)
    assert offending("当事人：[607, 609]", codes)
    assert offending("user #6", codes) and offending("dispute #285", codes)
    assert offending("导出内容：statistics", codes) and offending("文件格式：print", codes)
    assert offending("筛选条件：{'first_day': '2026-01-01'}", codes)
    assert offending("结案方式：调解成功 · 2026年3月9日 · mediator1@example.org", codes) == []
    assert set(FIELD_LABELS) >= {"fields", "party_ids"}
