"""A dangerous step asks first, naming the step by its label, what it acts on
(the case's file number; a duty's lawyer and day; a referral's department...)
and what follows from it (app.confirm.step_question): the same words in the
form's data-confirm (the script's dialog) and in its question for a browser
without a script, escaped in the attribute whatever a name holds."""
import re
from html import unescape

import pytest
from sqlalchemy import select

from app.dates import day_text
from app.elders.models import ElderAssignment
from app.extensions import db
from app.opinions.models import LegalOpinion
from app.opinions.steps import ask
from app.rota.models import Duty
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_opinions as fo
from tests import factories_referrals as fr
from tests import factories_supervision as fs
from tests.factories import csrf, login

# A name holding what an attribute must not carry raw.
DEPARTMENT = '市场"监管"<局>&'


@pytest.fixture
def world(app):
    with app.app_context():
        coordinator, people, mediator, _other, d = fo.world(lawyers=3)
        f.walk(d, mediator, "start_mediation")
        referral = fr.referral(d, fr.department(DEPARTMENT), mediator)
        invitation = fe.invite(d, fe.elder(d.community, name="王老师"), mediator)
        lawyer = people[1][0]
        opinion = ask(d, lawyer, mediator, question="借条是否有效？")
        duty = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
        closed = fs.closed_case(mediator, d.community.grids[0])
        w = dict(case=d.id, number=d.file_no, mediator=mediator.username, referral=referral.id,
                 invitation=invitation.id, opinion=opinion.id, lawyer=lawyer.name, coordinator=coordinator.username,
                 duty=duty.id, duty_lawyer=duty.lawyer.name, duty_day=duty.day, closed=closed.id,
                 closed_number=closed.file_no,
                 supervisor=f.user("supervisor", street=d.community.street).username)
        assert d.file_no and closed.file_no
        db.session.remove()
    return w


def in_english(app, username):
    client = app.test_client()
    login(client, username)
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    return client


def asked(client, url: str, action: str) -> str:
    """The question of the form posting to `action` on the page at `url`: the same, unescaped, in its
    data-confirm and in its <noscript> question (a quote or a "<" in it would end or break the attribute)."""
    page = client.get(url)
    assert page.status_code == 200
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page.get_data(as_text=True),
                     re.S).group(0)
    script = re.search(r'data-confirm="([^"<>]*)"', form).group(1)
    without = re.search(r'<noscript><input type="hidden" name="_confirm" value="([^"<>]*)"></noscript>',
                        form).group(1)
    assert script == without
    return unescape(script)


def test_a_case_s_dangerous_step_names_itself_the_case_and_what_follows(app, world):
    mediator = in_english(app, world["mediator"])
    url = f"/cases/{world['case']}?step=fail"
    assert asked(mediator, url, f"/cases/{world['case']}/fire/fail") == (
        f"“Mediation failed (terminate)” on case {world['number']}? Mediation of the case ends.")
    withdraw = asked(mediator, f"/cases/{world['case']}?step=withdraw", f"/cases/{world['case']}/fire/withdraw")
    assert withdraw == (f"“Withdrawn by the parties” on case {world['number']}? "
                        "The case ends here. This cannot be undone.")


def test_a_step_that_is_not_dangerous_asks_nothing(app, world):
    page = in_english(app, world["mediator"]).get(f"/cases/{world['case']}?step=extend").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/cases/\d+/fire/extend".*?</form>', page, re.S).group(0)
    assert "data-confirm" not in form and "_confirm" not in form


def test_a_referral_s_withdrawal_names_its_department_escaped(app, world):
    mediator = in_english(app, world["mediator"])
    question = asked(mediator, f"/referrals/{world['referral']}", f"/referrals/{world['referral']}/withdraw")
    assert question == (f"“Withdraw” on the referral of case {world['number']} to {DEPARTMENT}? "
                        "The department stops working on it. This cannot be undone.")


def test_an_invitation_and_a_legal_opinion_request_are_named_on_the_case_page(app, world):
    mediator = in_english(app, world["mediator"])
    case = f"/cases/{world['case']}"
    assert asked(mediator, case, f"/elders/assignments/{world['invitation']}/withdraw") == (
        f"“Withdraw” on the invitation of 王老师 to case {world['number']}? "
        "The elder no longer takes part in the case. This cannot be undone.")
    assert asked(mediator, case, f"/opinions/{world['opinion']}/withdraw") == (
        f"“Withdraw the request” on the request to {world['lawyer']} on case {world['number']}? "
        "The lawyer can no longer answer it. This cannot be undone.")
    with app.app_context():  # asking changed nothing
        assert db.session.get(ElderAssignment, world["invitation"]).state != "withdrawn"
        assert db.session.get(LegalOpinion, world["opinion"]).state != "withdrawn"


def test_a_duty_s_cancellation_names_its_lawyer_and_day(app, world):
    coordinator = in_english(app, world["coordinator"])
    question = asked(coordinator, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/fire/cancel")
    assert question == (f"“Cancel the duty” on the duty of {world['duty_lawyer']} on "
                        f"{day_text(world['duty_day'], 'en')}? The seat is left empty and the lawyer is told. "
                        "This cannot be undone.")


def test_the_supervisor_s_return_names_the_case(app, world):
    supervisor = in_english(app, world["supervisor"])
    question = asked(supervisor, f"/supervision/cases/{world['closed']}",
                     f"/supervision/cases/{world['closed']}/review/return_case")
    assert question == (f"“Return to the mediator” on case {world['closed_number']}? "
                        "The case is reopened and goes back to its mediator with your comment.")


def test_in_chinese_the_question_reads_as_one_sentence_run(app, world):
    client = app.test_client()
    login(client, world["mediator"])
    question = asked(client, f"/cases/{world['case']}?step=fail", f"/cases/{world['case']}/fire/fail")
    assert question == f"对案件{world['number']}执行“调解不成（终止）”？本案调解将终止。"


def test_every_dangerous_step_of_every_workflow_names_what_it_acts_on_and_what_follows(app):
    """A workflow given a dangerous step later is named in its question (its domain's install_step_subject)
    and says what follows (a consequence of its own, or that it cannot be undone); a consequence names a
    dangerous step that exists (a renamed trigger would silently lose it)."""
    from app.confirm import _SUBJECTS, CONSEQUENCES
    from workflows import WORKFLOWS

    dangerous = {(wf.name, t.trigger): wf.state(t.dest).terminal
                 for wf in WORKFLOWS.values() for t in wf.transitions if t.danger}
    assert {name for name, _trigger in dangerous} <= set(_SUBJECTS)
    assert [key for key, terminal in dangerous.items() if not terminal and key not in CONSEQUENCES] == []
    assert set(CONSEQUENCES) <= set(dangerous)


def test_in_chinese_the_supervisor_s_return_says_where_the_case_goes_once(app, world):
    """The return's label already says 退回重办: what follows says to whom,
    with what, not the label again."""
    client = app.test_client()
    login(client, world["supervisor"])
    question = asked(client, f"/supervision/cases/{world['closed']}",
                     f"/supervision/cases/{world['closed']}/review/return_case")
    assert question.startswith(f"对案件{world['closed_number']}执行“")
    assert "退回调解员" in question and question.count("退回重办") == 1


def test_archiving_asks_first_as_it_seals_the_case_for_good(app, world):
    """Archived, a case is read-only for everyone: one tap on a phone sealed it without a word."""
    from app.disputes.models import Dispute

    with app.app_context():
        fs.signed_off(db.session.get(Dispute, world["closed"]))
        db.session.remove()
    mediator = in_english(app, world["mediator"])
    question = asked(mediator, f"/cases/{world['closed']}?step=archive", f"/cases/{world['closed']}/fire/archive")
    assert question == (f"“Archive (seal)” on case {world['closed_number']}? "
                        "The case file is sealed: nobody can change the case afterwards. This cannot be undone.")
    with app.app_context():
        assert db.session.get(Dispute, world["closed"]).state == "closed"  # asking changed nothing
