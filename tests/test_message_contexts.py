"""One English word, two meanings (issue 16, item 2).

When the catalogue translates one msgid differently under different message
contexts, the word has several meanings, and a plain (context-free) use of it
gets whichever translation the plain entry has: "From" read 起始状态 on a date
range, "Registered" 登记时间 on a count. So a word that the catalogue
translates more than one way may be used without a context only where the
registry below says what the plain word means; a new ambiguous word fails
here until its uses name their meaning (`pgettext`, `_lp`, `NC_`) or the
plain meaning is written down. The pages issue 16 named are checked too."""
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from tests import factories as f
from tests import factories_rota as fr
from tests.factories import login

CATALOG = Path(__file__).resolve().parent.parent / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"

# msgid -> what it means where it is used without a context (and so what its
# plain translation must say), for words that also have contexts of their own.
PLAIN_MEANINGS = {
    "Accepted": "the column of invitations an elder accepted (elders' load)",
    "Acknowledged": "when a referral was acknowledged, on its page (a time)",
    "Active": "an elder on the council's roster (在册; an account's state has the context \"account state\")",
    "Address": "a party's or an elder's home or employer address",
    "Answered": "the column of invitations an elder answered (elders' load)",
    "Applicant's ID number": "the intake form's field",
    "Applicant's phone": "the intake form's field",
    "Cancel": "a button that leaves a form unsaved",
    "Cancelled": "a state: the row was cancelled",
    "Code": "a code in the workflow diagram's legend",
    "Declined": "the column of invitations an elder declined (elders' load)",
    "Done": "a generic finished state",
    "Due": "a case's deadline",
    "Expired": "the column of invitations that expired (elders' load)",
    "Exported": "the step: something was exported",
    "Good at": "an elder's strengths on their card",
    "Grid": "the grid a case belongs to",
    "Invite": "the button that invites an elder",
    "Month": "the month column of a statistics table",
    "Name": "a person's or an organisation's name on a form",
    "Note": "a note left with a swap request",
    "Other": "the last choice of a code list",
    "Overdue": "anything past its deadline",
    "Place": "where a dispute arose",
    "Planned for": "when a follow-up or session is planned",
    "Published": "a duty's state",
    "Respondent's phone": "the intake form's field",
    "Screening sweep": "the sweep workflow's name",
    "Sent": "when a referral was sent, on its page (a time)",
    "Seats per Saturday": "the room form's field",
    "Unavailable dates": "a lawyer's dates they cannot sit",
    "Withdraw": "the step that withdraws a lawyer's swap request",
    "closed": "'closed on' before a case's closing time",
}


def catalogue_senses() -> dict[str, dict]:
    """msgid -> {context (None for none): its Chinese translation}."""
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
    senses = defaultdict(dict)
    for message in catalog:
        if message.id:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            senses[msgid][message.context] = message.string if isinstance(message.string, str) else message.string[0]
    return senses


def ambiguous(senses: dict) -> dict[str, dict]:
    """The words the catalogue translates more than one way."""
    return {msgid: by_context for msgid, by_context in senses.items() if len(set(by_context.values())) > 1}


def test_a_word_translated_several_ways_is_used_plainly_only_where_its_plain_meaning_is_known():
    unexplained = sorted(msgid for msgid, by_context in ambiguous(catalogue_senses()).items()
                         if None in by_context and msgid not in PLAIN_MEANINGS)
    assert unexplained == [], (
        "these words are translated differently under different contexts but also used without one; give each "
        "use its context (pgettext / _lp / NC_), or state the plain meaning in PLAIN_MEANINGS")


def test_the_registry_names_only_words_that_still_need_it():
    senses = ambiguous(catalogue_senses())
    stale = sorted(msgid for msgid in PLAIN_MEANINGS if msgid not in senses or None not in senses[msgid])
    assert stale == []


def test_the_check_catches_a_plain_use_of_a_word_with_two_meanings():
    senses = {"From": {"date range": "起始日期", "state": "起始状态", None: "起始状态"},
              "Role": {"party": "当事人身份", "account": "角色"}, "Yes": {None: "是"}}
    found = ambiguous(senses)
    assert set(found) == {"From", "Role"}
    assert [m for m, by in found.items() if None in by and m not in PLAIN_MEANINGS] == ["From"]


def test_the_words_issue_16_named_read_right_in_the_catalogue():
    senses = catalogue_senses()
    assert senses["From"]["date range"] == "起始日期" and senses["To"]["date range"] == "截止日期"
    assert None not in senses["From"] and None not in senses["To"]
    assert senses["Registered"]["number of cases"] == "登记数"
    assert None not in senses["Registered"] and None not in senses["Outcome"]
    assert senses["Outcome"]["elder's report"] != senses["Outcome"]["closure"]
    assert senses["Outcome"]["consultation"] != senses["Outcome"]["closure"]
    assert senses["Role"]["account"] == "角色"


@pytest.fixture
def people(app):
    with app.app_context():
        coordinator, _room, _lawyers = fr.rota_world()
        street = coordinator.street_id
        from app.org.models import Street

        supervisor = f.user("supervisor", street=db.session.get(Street, street))
        names = type("People", (), dict(coordinator=coordinator.username, supervisor=supervisor.username))
        db.session.remove()
    return names


def test_the_pages_say_what_they_mean(app, people):
    coordinator = app.test_client()
    login(coordinator, people.coordinator)
    plan = coordinator.get("/rota/plan").get_data(as_text=True)
    assert "起始日期" in plan and "截止日期" in plan
    assert "起始状态" not in plan and "目标状态" not in plan
    supervisor = app.test_client()
    login(supervisor, people.supervisor)
    audit = supervisor.get("/audit/").get_data(as_text=True)
    assert "起始日期" in audit and "起始状态" not in audit
    assert '<label class="form-label small mb-0" for="role">角色</label>' in audit and "当事人身份" not in audit
    stats = supervisor.get("/supervision/stats").get_data(as_text=True)
    assert "登记数" in stats and "登记时间" not in stats
    export = supervisor.get("/supervision/stats/export.csv")
    assert export.status_code == 200 and "登记数" in export.get_data(as_text=True)
