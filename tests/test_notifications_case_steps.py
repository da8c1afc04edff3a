"""A mediator's notices about a case are read once they take the step each
asks for, in the step's own transaction (the engine's step hook,
app/notifications/service.py, with what each domain declares it answers):
acknowledging the lawyer's opinion, confirming the elder's report, asking
another lawyer or elder after a decline or an expiry, recording a
deactivated elder's answer, taking up an urged or newly assigned case. An
unrelated step (another row, another case, another lawyer's or elder's
notice) reads nothing, nor do colleagues' steps. And an elder's invitation is
read when a mediator records the elder's answer for them."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, engine
from app.elders import steps as elder_steps
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import ANSWERS, LINKS, link_to
from app.opinions.steps import act, ask
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_opinions as fo
from tests.factories import login


def unread(user, entity_type="dispute", entity_id=None):
    return sorted(db.session.execute(select(Notification.kind).where(
        Notification.user_id == user.id, Notification.entity_type == entity_type,
        Notification.entity_id == entity_id, Notification.read_at.is_(None))).scalars())


def unread_named(user, kind, key):
    """The unread notices of `kind` the user has, by the name their data gives under `key`."""
    return sorted(json.loads(n.data)[key] for n in db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind, Notification.read_at.is_(None))).scalars())


# Legal opinions -------------------------------------------------------------------

@pytest.fixture
def opinions(app):
    with app.app_context():
        _coordinator, people, mediator, _other, d = fo.world(lawyers=2)
        yield d, people, mediator


def answered(row, lawyer_user, text="按实际损失赔偿。"):
    act(row, "accept", lawyer_user)
    return act(row, "answer", lawyer_user, opinion=text)


def test_acknowledging_the_opinion_reads_the_notice_of_that_lawyer_only(opinions):
    d, ((first, first_user), (second, second_user)), mediator = opinions
    one = answered(ask(d, first, mediator, question="赔偿范围如何认定？"), first_user)
    two = answered(ask(d, second, mediator, question="是否超过诉讼时效？"), second_user)
    assert unread(mediator, entity_id=d.id) == ["opinion_answered", "opinion_answered"]
    # An unrelated step on the case itself answers neither.
    f.walk(d, mediator, "start_mediation")
    assert unread(mediator, entity_id=d.id) == ["opinion_answered", "opinion_answered"]
    act(one, "acknowledge", mediator)
    assert unread_named(mediator, "opinion_answered", "lawyer") == [second.name]
    note = db.session.execute(select(Notification).where(Notification.kind == "opinion_answered",
                                                         Notification.read_at.is_not(None))).scalar_one()
    assert note.read_at == one.changed_at  # in the step, at its time
    act(two, "acknowledge", mediator)
    assert unread(mediator, entity_id=d.id) == []


def test_asking_another_lawyer_reads_the_decline_and_a_colleagues_notice_stays_new(opinions):
    d, ((first, first_user), (second, _second_user)), mediator = opinions
    colleague = f.user("mediator", community=d.community)
    d = f.walk(f.dispute(mediator, d.grid), mediator, "accept")  # a case the two work together
    engine.fire(d, "assign", mediator, mediator_id=mediator.id, co_mediator_ids=[colleague.id])
    assert unread(colleague, entity_id=d.id) == ["co_mediator"]
    row = ask(d, first, mediator, question="赔偿范围如何认定？")
    act(row, "decline", first_user, "本周出差")
    assert unread(mediator, entity_id=d.id) == ["opinion_declined"]
    assert unread(colleague, entity_id=d.id) == ["co_mediator", "opinion_declined"]
    ask(d, second, mediator, question="赔偿范围如何认定？")
    assert unread(mediator, entity_id=d.id) == []
    assert unread(colleague, entity_id=d.id) == ["co_mediator", "opinion_declined"]  # not theirs to have done


def test_a_request_refused_reads_nothing(opinions):
    d, ((first, first_user), _second), mediator = opinions
    row = ask(d, first, mediator, question="赔偿范围如何认定？")
    act(row, "decline", first_user, "本周出差")
    with pytest.raises(engine.Refused):
        ask(d, first, mediator, question="")  # no question: refused, nothing written or read
    assert unread(mediator, entity_id=d.id) == ["opinion_declined"]


# The council of elders --------------------------------------------------------------

@pytest.fixture
def elders(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        d = fe.case_in_mediation(mediator, grids[0])
        yield c1, grids, mediator, d


def reported(d, mediator, elder, user):
    a = fe.invite(d, elder, mediator, session_at=fe.soon())  # a session that may be started now
    elder_steps.act(a, "accept", user)
    elder_steps.act(a, "start_session", user)
    return elder_steps.act(a, "file_report", user, work_done="分别与双方谈心", report_outcome="settled")


def test_confirming_an_elders_report_reads_the_notice_naming_that_elder(elders):
    c1, _grids, mediator, d = elders
    (one, one_user), (two, two_user) = fe.elder_with_login(c1), fe.elder_with_login(c1)
    first, second = reported(d, mediator, one, one_user), reported(d, mediator, two, two_user)
    assert unread(mediator, entity_id=d.id) == ["elder_reported", "elder_reported"]
    third, _ = fe.elder_with_login(c1)
    fe.invite(d, third, mediator)  # an unrelated step on the case's council
    assert unread(mediator, entity_id=d.id) == ["elder_reported", "elder_reported"]
    elder_steps.act(first, "confirm", mediator)
    assert unread_named(mediator, "elder_reported", "elder") == [two.name]
    elder_steps.act(second, "confirm", mediator)
    assert unread(mediator, entity_id=d.id) == []


def test_inviting_another_elder_reads_the_decline(elders):
    c1, _grids, mediator, d = elders
    (one, one_user), (two, _) = fe.elder_with_login(c1), fe.elder_with_login(c1)
    elder_steps.act(fe.invite(d, one, mediator), "decline", one_user, "身体不适")
    assert unread(mediator, entity_id=d.id) == ["elder_declined"]
    f.walk(d, mediator, "start_mediation")  # the case's own step answers nothing of the council's
    assert unread(mediator, entity_id=d.id) == ["elder_declined"]
    fe.invite(d, two, mediator)
    assert unread(mediator, entity_id=d.id) == []


def test_recording_for_a_deactivated_elder_reads_the_mediators_notice_and_the_elders_invitation(elders):
    from app.auth import accounts

    c1, grids, mediator, d = elders
    (one, one_user), (two, two_user) = fe.elder_with_login(c1), fe.elder_with_login(c1)
    first, second = fe.invite(d, one, mediator), fe.invite(d, two, mediator)
    admin = f.user("admin")
    accounts.set_active(one_user, False, admin)
    accounts.set_active(two_user, False, admin)
    db.session.commit()
    assert unread_named(mediator, "elder_login_deactivated", "elder") == sorted([one.name, two.name])
    assert unread(one_user, "elder_assignment", first.id) == ["elder_invited"]
    elder_steps.act(first, "record_accept", mediator, "电话告知：愿意参加")
    # The mediator did what they were asked for this elder; the other's notice waits for theirs.
    assert unread_named(mediator, "elder_login_deactivated", "elder") == [two.name]
    assert unread(one_user, "elder_assignment", first.id) == []  # the step answered the invitation
    assert unread(two_user, "elder_assignment", second.id) == ["elder_invited"]
    elder_steps.act(second, "withdraw", mediator, "不再需要")  # the other thing the notice offers
    assert unread_named(mediator, "elder_login_deactivated", "elder") == []
    # Withdrawing is not the elder's answer: their invitation stays as it was (and a login that cannot
    # read it is not told of the withdrawal).
    assert unread(two_user, "elder_assignment", second.id) == ["elder_invited"]


def test_the_mediator_recording_an_elders_answer_reads_the_elders_invitation(elders):
    c1, _grids, mediator, d = elders
    (one, one_user), (two, two_user) = fe.elder_with_login(c1), fe.elder_with_login(c1)
    accepted, declined = fe.invite(d, one, mediator), fe.invite(d, two, mediator)
    elder_steps.act(accepted, "record_accept", mediator, "电话告知：愿意参加")
    elder_steps.act(declined, "record_decline", mediator, "电话告知：外出")
    assert unread(one_user, "elder_assignment", accepted.id) == []
    assert unread(two_user, "elder_assignment", declined.id) == []
    note = db.session.execute(select(Notification).where(Notification.user_id == one_user.id)).scalar_one()
    assert note.read_at == accepted.changed_at
    # The decline the mediator recorded tells nobody (the one who took the step is not told), and the elder
    # had only the invitation.
    assert unread(mediator, entity_id=d.id) == []


def test_an_elder_without_a_login_has_nothing_to_read_and_the_step_goes_on(elders):
    c1, _grids, mediator, d = elders
    a = fe.invite(d, fe.elder(c1), mediator)
    elder_steps.act(a, "record_accept", mediator, "电话告知：愿意参加")
    assert a.state == "accepted"


# The case's own steps -----------------------------------------------------------------

T0 = datetime(2026, 3, 2, 2, 0)
NOW = T0 + timedelta(days=15)  # the report of T0 is long past its day for acceptance: late


@pytest.fixture
def late_case(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        colleague = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=street)
        d = f.dispute(mediator, grids[0], now=T0)
        other = f.dispute(mediator, grids[0], now=NOW)
        clock.set_now(NOW)
        yield d, other, mediator, colleague, supervisor
        clock.set_now(None)


def test_taking_up_an_urged_case_reads_the_urging_and_a_step_on_another_case_does_not(late_case):
    d, other, mediator, colleague, supervisor = late_case
    engine.fire(d, "urge_mediators", supervisor, urging="请今日内受理。")
    assert unread(mediator, entity_id=d.id) == ["case_urged"]
    assert unread(colleague, entity_id=d.id) == ["case_urged"]
    f.walk(other, mediator, "accept")  # another case
    assert unread(mediator, entity_id=d.id) == ["case_urged"]
    f.walk(d, mediator, "accept")
    assert unread(mediator, entity_id=d.id) == []
    assert unread(colleague, entity_id=d.id) == ["case_urged"]  # told too, but it was not their step


def test_the_assigned_mediators_read_their_notice_by_their_own_step_on_the_case(late_case):
    d, _other, mediator, colleague, _supervisor = late_case
    lead = f.user("mediator", community=d.community)
    f.walk(d, mediator, "accept")
    engine.fire(d, "assign", mediator, mediator_id=lead.id, co_mediator_ids=[colleague.id])
    assert unread(lead, entity_id=d.id) == ["assigned"]
    assert unread(colleague, entity_id=d.id) == ["co_mediator"]
    elder, _ = fe.elder_with_login(d.community)
    fe.invite(d, elder, lead)  # the council's row, not the case's step
    assert unread(lead, entity_id=d.id) == ["assigned"]
    f.walk(d, lead, "start_mediation")
    assert unread(lead, entity_id=d.id) == []
    assert unread(colleague, entity_id=d.id) == ["co_mediator"]
    f.walk(d, colleague, "extend")
    assert unread(colleague, entity_id=d.id) == []


def test_steps_after_the_agreement_send_no_statement_to_read_notices(app):
    """Signing, pressing for performance and the like come long after any
    notice a step answers: no rule is looked up for them, no statement sent."""
    with app.app_context():
        # Not "close": closing again a case the supervisor returned to 现场化解 answers the return's notice
        # (app/supervision/notices.py); a case is closed once or twice, not step after step.
        assert not any(ANSWERS.get(("dispute", t)) for t in ("sign", "start_performance", "urge", "breach",
                                                              "fulfil", "urge_mediators"))


# Where a notice about a case leads -------------------------------------------------

def test_a_notice_about_a_case_opens_the_case_page_from_one_link(app, elders):
    from app.disputes.notices import case_page

    _c1, _grids, _mediator, d = elders
    assert LINKS["dispute"] is case_page
    with app.test_request_context("/"):
        assert link_to("dispute", d.id) == f"/cases/{d.id}"


def unread_badge(html):
    found = re.search(r'id="unread-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


def test_the_mediators_bell_drops_once_they_acknowledge_the_opinion_on_the_case_page(app, client):
    from tests.test_opinions_web import step

    with app.app_context():  # left before the requests, which push their own
        _coordinator, ((first, first_user), _second), mediator, _other, d = fo.world(lawyers=2)
        row = answered(ask(d, first, mediator, question="赔偿范围如何认定？"), first_user)
        row_id, case_id, username = row.id, d.id, mediator.username
        db.session.remove()
    login(client, username)
    case_page = f"/cases/{case_id}"
    assert unread_badge(client.get(case_page).get_data(as_text=True)) == 1
    assert unread_badge(client.get(case_page).get_data(as_text=True)) == 1  # reading the page answers nothing
    assert step(client, case_page, row_id, "acknowledge").status_code == 302
    assert unread_badge(client.get(case_page).get_data(as_text=True)) == 0
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "list-group-item-warning" not in listing  # listed, no longer new
    assert 'action="/notifications/' in listing
