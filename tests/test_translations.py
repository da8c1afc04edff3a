"""One translation system: every label kept as data (workflow names, states,
transitions, code lists, field, role and roster labels, the history's words)
is an English msgid with its Chinese in the gettext catalogue; an English word
with two meanings is told apart by its message context; no code picks a
language's word by hand; and the pages show the same Chinese as before."""
import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import pgettext

from app.timeline import ROW_WORDS, TYPE_WORDS, WORDS
from app.auth.accounts import BY
from app.auth.sessions import CAUSES, ENDED_AFTER
from app.auth.two_factor import METHODS
from app.labels import TYPE_FIELD_LABELS
from app.auth.roles import ROLE_LABELS
from app.disputes import codes as dispute_codes
from app.elders import codes as elder_codes
from app.elders.roster import ROSTER_LABELS
from app.extensions import db
from app.followups import codes as followup_codes
from app.i18n import translate
from app.labels import CODE_LISTS, FIELD_LABELS, field_value, install_codes
from app.rota import codes as rota_codes
from app.supervision.models import OUTCOMES
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login
from workflows import WORKFLOWS
from workflows.i18n import Message

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CODE_MODULES = (dispute_codes, elder_codes, followup_codes, rota_codes)


def _code_lists():
    for module in CODE_MODULES:
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
                yield f"{module.__name__}.{name}", value
    yield "app.supervision.models.OUTCOMES", OUTCOMES


def _labels():
    """(where, label) for every label kept as data."""
    for wf in WORKFLOWS.values():
        yield f"workflow {wf.name}", wf.label
        for s in wf.states:
            yield f"state {wf.name}.{s.code}", s.label
        for t in wf.transitions:
            yield f"transition {wf.name}.{t.trigger}", t.label
    for where, labels in (("field", FIELD_LABELS), ("role", ROLE_LABELS), ("roster field", ROSTER_LABELS),
                          ("history word", WORDS), ("history word", TYPE_WORDS), ("history word", ROW_WORDS),
                          ("field of a kind of row", TYPE_FIELD_LABELS), ("sessions ended by", CAUSES),
                          ("session timed out after", ENDED_AFTER), ("changed on", BY), ("code given", METHODS),
                          *_code_lists()):
        for key, label in labels.items():
            yield f"{where} {key}", label


def test_every_label_kept_as_data_has_its_chinese_in_the_catalogue():
    with open(CATALOGUE, "rb") as po:
        catalogue = read_po(po)
    missing = []
    for where, label in _labels():
        context = label.context if isinstance(label, Message) else None
        entry = catalogue.get(label, context=context)
        if entry is None or not CHINESE.search(entry.string or ""):
            missing.append(f"{where}: {label!r}")
    assert not missing, "labels without Chinese in the catalogue:\n" + "\n".join(missing)


def test_a_label_is_translated_in_the_language_asked_for_or_the_requests(app):
    submitted = WORKFLOWS["dispute"].state("submitted").label
    assert translate(submitted, "zh_Hans_CN") == translate(submitted, "zh") == "待受理"
    assert translate(submitted, "en") == "Submitted"
    with app.test_request_context():
        assert translate(submitted) == "待受理"  # the default language
    assert translate("", "zh_Hans_CN") == ""  # not the catalogue's header


@pytest.mark.parametrize("label, chinese", [
    (WORKFLOWS["dispute"].state("accepted").label, "已受理"),
    (WORKFLOWS["elder_assignment"].state("accepted").label, "已接受"),
    (WORKFLOWS["dispute"].transition("accept", "submitted").label, "受理"),
    (WORKFLOWS["elder_assignment"].transition("accept", "invited").label, "接受邀请"),
    (WORKFLOWS["followup"].state("done").label, "已回访"),
    (WORKFLOWS["sweep"].state("done").label, "已排查"),
    (WORKFLOWS["elder_assignment"].state("done").label, "已完成"),
    (WORKFLOWS["followup"].state("escalated").label, "已报督导"),
    (WORKFLOWS["followup"].transition("escalate", "overdue").label, "逾期上报督导"),
    (WORKFLOWS["lawyer_duty"].state("planned").label, "已排班"),
    (WORKFLOWS["sweep"].state("planned").label, "待排查"),
    (WORKFLOWS["sweep"].label, "矛盾纠纷排查"),
    (dispute_codes.CHANNELS["sweep"], "排查"),
    (dispute_codes.DISPUTE_TYPES["other"], "其他"),
    (dispute_codes.ROUTES["other"], "其他途径"),
    (dispute_codes.ID_TYPES["other"], "其他证件"),
    (FIELD_LABELS["grid_id"], "网格"),
    (ROSTER_LABELS["grid_id"], "居住网格"),
    (FIELD_LABELS["unavailable"], "不便值班的日期"),
    (ROSTER_LABELS["unavailable"], "不便参加的日期"),
    (FIELD_LABELS["note"], "留言"),
    (ROSTER_LABELS["note"], "说明"),
    (FIELD_LABELS["published"], "发布数"),
    (WORKFLOWS["lawyer_duty"].state("published").label, "已发布"),
    (WORDS["create"], "登记"),
])
def test_one_english_word_with_two_meanings_keeps_a_chinese_word_for_each(label, chinese):
    assert translate(label, "zh_Hans_CN") == chinese


def test_ui_words_with_two_meanings_are_told_apart_by_their_context(app):
    with app.test_request_context():
        assert (pgettext("date range", "From"), pgettext("date range", "To")) == ("起始日期", "截止日期")
        assert (pgettext("state", "From"), pgettext("state", "To")) == ("起始状态", "目标状态")
        assert pgettext("registration time", "Registered") == "登记时间"
        assert pgettext("number of cases", "Registered") == "登记数"
        assert pgettext("account", "Role") == "角色"
        assert translate(FIELD_LABELS["role"]) == "当事人身份"


def test_the_history_reads_the_code_lists_the_domains_installed(app):
    assert {"dispute_type", "channel", "route", "role", "fulfilment", "checked", "report_outcome"} <= set(CODE_LISTS)
    assert field_value("dispute_type", "neighbour", "zh_Hans_CN") == "邻里"
    assert field_value("checked", ["family", "safety"], "zh_Hans_CN") == "婚姻家庭、安全隐患"
    assert field_value("checked", ["family", "safety"], "en") == "Marriage and family, Safety hazards"
    assert field_value("consent", True, "zh_Hans_CN") == "是"
    install_codes("route", dispute_codes.ROUTES)  # the same list again: nothing changes
    with pytest.raises(ValueError):
        install_codes("route", dispute_codes.CHANNELS)


def test_no_code_picks_a_word_by_the_language():
    """No `zh if … else en`, no `pair[1 if english else 0]`, no .zh / .en."""
    found = []
    for path in [*(ROOT / "app").rglob("*.py"), *(ROOT / "workflows").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and node.attr in ("zh", "en"):
                found.append(where)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith"
                  and node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith("en")):
                found.append(where)
    for path in (ROOT / "app" / "templates").rglob("*.html"):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\[\s*[01] if |\.(zh|en)\b|\.label\(locale\)", line):
                found.append(f"{path.relative_to(ROOT)}:{lineno}")
    assert not found, found


# ---- the pages show the same Chinese as before


def _english(client, page):
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/cases/"})


@pytest.fixture
def case(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        return f.dispute(mediator, grids[0]).id, mediator.username


def test_a_case_page_names_its_state_and_steps_in_the_users_language(client, case):
    case_id, mediator = case
    login(client, mediator)
    page = client.get(f"/cases/{case_id}?step=accept").get_data(as_text=True)
    assert 'id="case-state">待受理<' in page and 'data-trigger="accept">受理</button>' in page
    assert "登记时间" in page and "申请人" in page  # the registration time; a party's role
    _english(client, page)
    page = client.get(f"/cases/{case_id}?step=accept").get_data(as_text=True)
    assert 'id="case-state">Submitted<' in page and 'data-trigger="accept">Accept</button>' in page


def test_the_diagram_page_names_states_and_steps_and_its_columns(client, case):
    _case_id, mediator = case
    login(client, mediator)
    page = client.get("/workflows/dispute").get_data(as_text=True)
    assert "<th>起始状态</th><th>目标状态</th>" in page
    assert "待受理" in page and "submitted --&gt; accepted: 受理\n" in page
    assert "agreed --&gt; performing: 司法确认期满，进入履行（到期自动）" in page


def test_the_elders_unavailable_dates_are_dates_not_states(app, client):
    with app.app_context():
        street, (c1, _c2), _grids = f.org()
        elder_id = fe.elder(c1).id
        coordinator = f.user("coordinator", street=street).username
        db.session.remove()
    login(client, coordinator)
    page = client.get(f"/elders/roster/{elder_id}").get_data(as_text=True)
    assert "不便参加的日期" in page and "起始日期" in page
    assert "起始状态" not in page and "不便值班的日期" not in page
