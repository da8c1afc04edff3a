"""Every event the app records reads in words in the audit log: its action,
what it is about, each field of its data and the codes those hold.

Statically: every `record(...)` call in app/ (and the helpers that pass a
trigger on to it) is read, and each trigger it can write, with the entity
type it names, must have a label (app/timeline.py, or its workflow's
transition), each field of its data a label, and each cause of ended
sessions a code label. Then an administrator's own changes (a holiday
notice, a department's periods, an API client, a two-step reset, a new
password) are made and the audit page is read in Chinese: no code, no
Python list or dict, no holiday notice by its day number."""
import ast
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api import clients
from app.api.models import ApiClient
from app.auth import accounts, sessions, two_factor
from app.auth.models import User
from app.engine.registry import workflow_for_entity_type
from app.extensions import db
from app.labels import CODE_LISTS, GROUPS, TYPE_CODE_LISTS, field_label
from app.main.calendar_admin import add_entry
from app.engine.registry import registered_models
from app.supervision.audit_subjects import ENTITY_LABELS
from app.timeline import ROW_WORDS, word
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf, login
from tests.factories_api import bearer, cli_client
from tests.test_no_raw_codes import visible

APP = Path(__file__).resolve().parent.parent / "app"
RECORDERS = {"record", "audit_record"}
# Helpers that pass a trigger on to record(): name -> the position of the trigger among their arguments.
PASSING_ON = {"commit_change": 2, "reassign": 4, "end": 2}
# Triggers record() is given from a name, not a literal: (entity type, trigger).
NAMED_TRIGGERS = {("user", sessions.LOGOUT), ("user", sessions.TIMEOUT), ("dispute", "deadline_moved"),
                  ("dispute", "shred"), ("user", "user_deactivated"), ("user", "user_reactivated")}
# The payload's own structure, not a field: an edit's before/after pairs.
NOT_FIELDS = {"changes"}


def _name(func) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _text(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def recorded() -> list[tuple[str, int, str | None, str | None, list[str]]]:
    """(file, line, entity type, trigger, data fields) of each call that writes an event, as far as its
    source says them (None: not a literal)."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in RECORDERS and len(node.args) >= 3 and _text(node.args[0]) is not None:
                entity_type, trigger = _text(node.args[0]), _text(node.args[2])
            elif name in PASSING_ON and len(node.args) > PASSING_ON[name] and _text(node.args[PASSING_ON[name]]):
                entity_type, trigger = None, _text(node.args[PASSING_ON[name]])
            else:
                continue
            fields = []
            for keyword in node.keywords:
                if keyword.arg == "data" and isinstance(keyword.value, ast.Dict):
                    for key, value in zip(keyword.value.keys, keyword.value.values):
                        if _text(key) and _text(key) not in NOT_FIELDS:
                            fields.append(_text(key))
                            if isinstance(value, ast.Dict):  # a dict recorded in one field: its keys are shown too
                                fields += [f"{_text(key)}.{_text(k)}" for k in value.keys if _text(k)]
            found.append((str(path.relative_to(APP.parent)), node.lineno, entity_type, trigger, fields))
    return found


def labelled(entity_type: str | None, trigger: str) -> bool:
    if word(entity_type, trigger, "en") is not None:
        return True
    wf = workflow_for_entity_type(entity_type) if entity_type else None
    return wf is not None and any(t.trigger == trigger for t in wf.transitions)


def field_labelled(field: str, entity_type: str | None) -> bool:
    """A field, or "field.key" of a dict recorded in one: labelled by its group (an export's filters), else
    as a field of its own."""
    outer, _, key = field.partition(".")
    if key and outer in GROUPS:
        return key in GROUPS[outer].keys
    return field_label(key or outer, "en", entity_type) != (key or outer)


def test_the_scan_finds_the_recorders(app):
    calls = recorded()
    assert len(calls) > 60
    assert any(c[3] == "calendar_notice_added" and "deadlines_moved" in c[4] for c in calls)
    assert any(c[3] == "department_deadline_removed" and "before.ack_hours" in c[4] for c in calls)
    assert any(c[3] == "rota_roster_edit" for c in calls)  # passed on by commit_change


def test_every_trigger_and_field_recorded_has_a_label(app):
    with app.app_context():
        missing = []
        for where, line, entity_type, trigger, fields in recorded():
            if trigger is not None and not labelled(entity_type, trigger):
                missing.append(f"{where}:{line} trigger {entity_type}/{trigger}")
            missing += [f"{where}:{line} field {entity_type}/{k}" for k in fields if not field_labelled(k, entity_type)]
        missing += [f"named trigger {t}" for t in sorted(NAMED_TRIGGERS) if not labelled(*t)]
        assert missing == []


def test_the_rows_of_no_workflow_named_by_their_own_words_are_known_to_the_browser(app):
    with app.app_context():
        assert {entity_type for entity_type, _trigger in ROW_WORDS} <= set(ENTITY_LABELS)
        assert not {entity_type for entity_type, _trigger in ROW_WORDS} & {n for n, _m in registered_models()}
        assert word("api_client", "create", "en") == "API client added"
        assert word("dispute", "create", "en") == "Registered"


def test_every_cause_of_ended_sessions_and_every_way_of_acting_has_a_label(app):
    """The codes recorded under "cause" (literal, or passed to the helpers that end sessions) and the other
    account codes are in the code lists the history shows."""
    causes = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                causes |= {_text(v) for k, v in zip(node.keys, node.values) if _text(k) == "cause" and _text(v)}
            elif isinstance(node, ast.Call) and _name(node.func) in ("end_others", "end_all_sessions") \
                    and len(node.args) == 3 and _text(node.args[2]):
                causes.add(_text(node.args[2]))
    assert {"logout_one", "second_factor_reset", "deactivated"} <= causes
    with app.app_context():
        assert causes <= set(TYPE_CODE_LISTS[("user", "cause")])
        assert {"web", "cli"} <= set(TYPE_CODE_LISTS[("user", "by")])
        assert {two_factor.TOTP, two_factor.RECOVERY_CODE} <= set(TYPE_CODE_LISTS[("user", "method")])
        assert {"idle", "lifetime"} == set(TYPE_CODE_LISTS[("user", "after")])
        assert set(TYPE_CODE_LISTS[("department", "kind")]) == set(TYPE_CODE_LISTS[("referral", "kind")])
        assert "kind" in CODE_LISTS  # a party's kind stays its own list


CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")
REPR = re.compile(r"[\[{]'|'[\]}]")
RAW_VALUE = re.compile(r"[：:]\s*(web|cli|joint|totp|idle|lifetime)\b")


@pytest.fixture
def admin_changes(app):
    """An administrator's own changes, each as the walk made them."""
    with app.app_context():
        _street, (community, _c2), _grids = f.org()
        community = community.id
        f.user("admin", username="root")
        f.user("supervisor", username="sup9")
        department = fr.department("环保", ack_hours=24, answer_days=7).id
    login(app.test_client(), "sup9")  # a session the reset below ends
    with app.app_context():
        admin, other = (db.session.execute(select(User).where(User.username == name)).scalar_one()
                        for name in ("root", "sup9"))
        add_entry("元旦", date(2027, 1, 1), date(2027, 1, 3), [], admin)
        client_row, _token = clients.create("12345 热线", ["disputes:write"], admin, community_id=community)
        clients.rotate(client_row, admin)
        two_factor.reset(other, admin, "web", reason="手机丢失")
        accounts.set_password(other, "a new long password 12", admin, "web")
        db.session.commit()
        app.config["SUPERVISION_PER_PAGE"] = 100
    token = cli_client(app, "hotline", "disputes:write")
    assert app.test_client().get("/api/v1/disputes", headers=bearer(token)).status_code == 403  # api_refused
    return department


def test_an_administrators_own_changes_read_in_words_in_chinese(app, client, admin_changes):
    login(client, "root")
    html = client.get(f"/referrals/departments/{admin_changes}").get_data(as_text=True)
    for data in ({"kind": "joint", "ack_hours": 48, "answer_days": 10}, {"kind": "joint", "ack_hours": 12,
                                                                         "answer_days": 5}):
        assert client.post(f"/referrals/departments/{admin_changes}/deadlines",
                           data={"csrf_token": csrf(html), **data}).status_code == 302
    assert client.post(f"/referrals/departments/{admin_changes}/deadlines/joint/remove",
                       data={"csrf_token": csrf(html), "_confirmed": "1"}).status_code == 302
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    triggers = set(re.findall(r'<tr data-trigger="([^"]+)"', html))
    assert {"calendar_notice_added", "department_deadline_set", "department_deadline_removed", "create", "rotate",
            "api_refused", "second_factor_reset", "password_set", "logout"} <= triggers
    text = visible(html.split('id="events"', 1)[1])  # the log's table, not the filters' datalists
    assert CODE.findall(text) == []
    assert REPR.findall(text) == []
    assert RAW_VALUE.findall(text) == []
    assert not re.search(r"#\s*7\d{5}", text)  # a holiday notice is not named by its first day's ordinal
    assert "联合调处" in text  # the department's kind of referral, by its label
    assert "disputes:write" not in text  # an API client's scopes, by their labels
    assert "姓名" not in text  # a department's or a festival's name is no person's name


def test_an_administrators_own_changes_read_in_words_in_english(app, client, admin_changes):
    login(client, "root")
    html = client.get(f"/referrals/departments/{admin_changes}").get_data(as_text=True)
    client.post(f"/referrals/departments/{admin_changes}/deadlines",
                data={"csrf_token": csrf(html), "kind": "joint", "ack_hours": 48, "answer_days": 10})
    client.post(f"/referrals/departments/{admin_changes}/deadlines",
                data={"csrf_token": csrf(html), "kind": "joint", "ack_hours": 12, "answer_days": 5})
    client.post("/language/en", data={"csrf_token": csrf(html)})
    text = visible(client.get("/audit/").get_data(as_text=True))
    for shown in ("Holiday notice entered", "New Year's Day Jan 1, 2027 to Jan 3, 2027", "Holidays: Jan 1, 2027, Jan 2, 2027",
                  "Department's own periods set", "What is asked: Joint mediation",
                  "Before: Hours to acknowledge: 48; Days to answer: 10", "API client added",
                  "API client given a new token", "API call refused", "By: On the web pages",
                  "Cause: Two-step verification reset by an administrator",
                  "What it may do: Send cases"):
        assert shown in text, shown
    assert "Registered" not in text
    with app.app_context():
        assert db.session.execute(select(ApiClient)).scalars().first() is not None
        assert db.session.execute(select(User).where(User.username == "sup9")).scalar_one().active


def test_a_digest_that_differs_from_a_consistent_log_reads_as_one_finding(app, client, admin_changes):
    """The chain holds, the kept digest differs: said together, with what it means and what to do."""
    login(client, "root")
    client.post("/language/en", data={"csrf_token": csrf(client.get("/audit/").get_data(as_text=True))})
    with app.app_context():
        from app.audit.chain import current_digest

        events = current_digest().events
    page = client.get("/audit/verify", query_string={"digest": f"audit-digest events={events} head={'ab' * 32}"})
    text = visible(page.get_data(as_text=True))
    assert "The log is intact" not in text  # no all-clear beside the mismatch
    assert "consistent in itself" in text and "The kept digest does NOT match" in text
    assert "What to do:" in text
    kept = client.get("/audit/digest.txt").get_data(as_text=True).strip()
    text = visible(client.get("/audit/verify", query_string={"digest": kept}).get_data(as_text=True))
    assert "The log is intact" in text and "What to do:" not in text
