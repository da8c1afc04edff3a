"""The council of elders joined to the rest: who is notified of each step of
an invitation (written with the step, gone with a refused one), and the
invitations a case's step withdraws when elders can no longer help."""
import re
from datetime import datetime, timedelta

import pytest

from app import clock, engine
from app.audit.verify import verify
from app.elders import steps
from app.elders.models import ElderAssignment
from app.elders.rules import CASE_ENDING_TRIGGERS, CASE_STATES, WITHDRAWN_BECAUSE
from app.engine.timers import tick
from app.extensions import db
from app.labels import reason_text
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_integration as fi
from tests.factories import csrf, login

NOW = datetime(2026, 3, 9, 2, 0)  # 10:00 in Shanghai


@pytest.fixture
def world(ctx):
    clock.set_now(NOW)
    _street, (c1, c2), grids = f.org()
    lead = f.user("mediator", community=c1)
    co = f.user("mediator", community=c1)
    bystander = f.user("mediator", community=c1)  # sees the case, does not work it
    d = f.walk(f.dispute(lead, grids[0]), lead, "accept")
    engine.fire(d, "assign", lead, mediator_id=lead.id, co_mediator_ids=[co.id])
    elder, elder_user = fe.elder_with_login(c1)
    return dict(c1=c1, c2=c2, grids=grids, lead=lead, co=co, bystander=bystander, dispute=d, elder=elder,
                elder_user=elder_user)


def invite(w, **kw):
    return fe.invite(w["dispute"], w["elder"], w["lead"], **kw)


# ---- notifications


def test_an_invited_elder_is_told_and_the_link_opens_the_invitation(world, app):
    a = invite(world, session_at=fe.tomorrow_at(15))
    [note] = fi.notes(world["elder_user"].id)
    assert (note.kind, note.entity_type, note.entity_id) == ("elder_invited", "elder_assignment", a.id)
    text, url = fi.read(app, note)
    assert world["dispute"].title in text and "15:00" in text and "2026" in text
    assert url == f"/elders/invitations/{a.id}"
    # An elder without a login is asked by phone: nobody to notify, nothing fails.
    fe.invite(world["dispute"], fe.elder(world["c1"]), world["lead"])
    assert len(fi.notes(kind="elder_invited")) == 1


def test_a_refused_invitation_notifies_nobody(world, monkeypatch):
    before = fi.audit_count()
    with fi.refused_late(monkeypatch, "elder_assignment", "invite"), pytest.raises(engine.GuardFailed, match="after"):
        invite(world)
    assert fi.notes(world["elder_user"].id) == [] and fi.count(ElderAssignment) == 0
    assert fi.audit_count() == before
    # Refused up front (a session in the past): nothing either.
    with pytest.raises(engine.Refused):
        invite(world, session_at=NOW - timedelta(hours=1))
    assert fi.notes(world["elder_user"].id) == []


def test_a_declining_elder_tells_the_lead_and_co_mediators(world, app, monkeypatch):
    a = invite(world)
    w = world
    with fi.refused_late(monkeypatch, "elder_assignment", "decline"), pytest.raises(engine.GuardFailed):
        steps.act(a, "decline", w["elder_user"], "那几天不在本地")
    db.session.refresh(a)
    assert a.state == "invited" and fi.notes(kind="elder_declined") == []
    with pytest.raises(engine.Conflict):  # a stale form: refused before anything is written
        steps.act(a, "decline", w["elder_user"], "那几天不在本地", expected_version=a.version - 1)
    assert fi.notes(kind="elder_declined") == []

    steps.act(a, "decline", w["elder_user"], "那几天不在本地")
    assert fi.recipients("elder_declined") == sorted([w["lead"].id, w["co"].id])
    note = fi.notes(w["lead"].id, "elder_declined")[0]
    text, url = fi.read(app, note)
    assert w["elder"].name in text and w["dispute"].title in text
    assert url == f"/cases/{w['dispute'].id}"


def test_an_expired_invitation_tells_the_mediators_and_a_failed_run_tells_nobody(world, monkeypatch):
    a = invite(world, session_at=NOW + timedelta(days=4))
    clock.set_now(a.due_at + timedelta(minutes=1))
    with fi.refused_late(monkeypatch, "elder_assignment", "expire"):
        report = tick(jobs=False)
    assert [row[:3] for row in report.failed] == [("elder_assignment", a.id, "expire")]
    assert fi.notes(kind="elder_expired") == []
    assert ("elder_assignment", a.id, "expire") in tick(jobs=False).fired
    assert fi.recipients("elder_expired") == sorted([world["lead"].id, world["co"].id])


def test_a_filed_report_tells_the_mediators(world, monkeypatch):
    w = world
    a = invite(w, session_at=fe.soon())
    steps.act(a, "accept", w["elder_user"])
    steps.act(a, "start_session", w["elder_user"])
    report = dict(work_done="分别与双方谈心", advice=None, report_outcome="settled")
    with fi.refused_late(monkeypatch, "elder_assignment", "file_report"), pytest.raises(engine.GuardFailed):
        steps.act(a, "file_report", w["elder_user"], **report)
    assert fi.notes(kind="elder_reported") == []
    steps.act(a, "file_report", w["elder_user"], **report)
    assert fi.recipients("elder_reported") == sorted([w["lead"].id, w["co"].id])


def test_a_recusal_tells_the_mediators_and_a_withdrawal_tells_the_elder(world):
    w = world
    a = invite(w)
    steps.act(a, "accept", w["elder_user"])
    steps.act(a, "withdraw", w["elder_user"], "发现与当事人是远亲")
    assert fi.recipients("elder_withdrew") == sorted([w["lead"].id, w["co"].id])
    other, other_user = fe.elder_with_login(w["c1"])
    b = fe.invite(w["dispute"], other, w["co"])
    steps.act(b, "withdraw", w["co"], "已另请他人")
    [note] = fi.notes(other_user.id, "elder_invitation_withdrawn")
    assert (note.entity_type, note.entity_id) == ("elder_assignment", b.id)
    assert len(fi.notes(kind="elder_withdrew")) == 2  # a mediator's withdrawal tells the elder, not the mediators


def test_before_a_lead_is_assigned_the_inviting_mediator_is_told(ctx):
    _street, (c1, _c2), grids = f.org()
    m = f.user("mediator", community=c1)
    d = f.walk(f.dispute(m, grids[0]), m, "accept")
    e, elder_user = fe.elder_with_login(c1)
    a = fe.invite(d, e, m)
    steps.act(a, "decline", elder_user, "身体不适")
    assert fi.recipients("elder_declined") == [m.id]


@pytest.fixture
def web(app):
    """The world's ids, built in a context of its own: requests must not
    share a pushed context (and its cached CSRF token) with the builder."""
    with app.app_context():
        clock.set_now(NOW)
        _street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = f.walk(f.dispute(lead, grids[0]), lead, "accept", "assign")
        elder, elder_user = fe.elder_with_login(c1)
        a = fe.invite(d, elder, lead)
        ids = dict(lead=lead.username, elder=elder_user.username, elder_user_id=elder_user.id, case=d.id,
                   title=d.title, assignment=a.id)
        db.session.remove()
    return ids


def test_the_elder_reads_the_notification_and_opens_the_invitation(app, client, web):
    login(client, web["elder"])
    listing = client.get("/notifications/").get_data(as_text=True)
    assert web["title"] in listing
    [note_id] = re.findall(r'data-notification="(\d+)" data-read="no"', listing)
    opened = client.post(f"/notifications/{note_id}/open", data={"csrf_token": csrf(listing)})
    assert opened.status_code == 302 and opened.location.endswith(f"/elders/invitations/{web['assignment']}")
    assert client.get(opened.location).status_code == 200


# ---- the case's end withdraws what elders can no longer do


def test_the_steps_that_end_the_elders_part_are_read_from_the_workflow():
    # A party's refusal and the repairs of cases mediated without acceptance (issue 12) end it too.
    assert CASE_ENDING_TRIGGERS == ["agree", "fail", "party_refuses", "repair_unaccepted",
                                    "repair_unaccepted_to_intake", "urge", "withdraw"]
    assert "recuse" not in CASE_ENDING_TRIGGERS and "breached" in CASE_STATES


def _in_states(w):
    """Invitations of the case in each state an invitation can be open in,
    and a declined one."""
    m, d = w["lead"], w["dispute"]
    people = [fe.elder_with_login(w["c1"], max_concurrent=3) for _ in range(4)]
    suggested = ElderAssignment(dispute_id=d.id, elder_id=people[0][0].id, created_at=clock.now(), conflicts=[],
                                factors=[])
    engine.create(suggested, m, {"elder_id": people[0][0].id})
    invited = fe.invite(d, people[1][0], m)
    accepted = fe.invite(d, people[2][0], m)
    steps.act(accepted, "accept", people[2][1])
    in_session = fe.invite(d, w["elder"], m, session_at=fe.soon())
    steps.act(in_session, "accept", w["elder_user"])
    steps.act(in_session, "start_session", w["elder_user"])
    declined = fe.invite(d, people[3][0], m)
    steps.act(declined, "decline", people[3][1], "出差")
    return dict(suggested=suggested, invited=invited, accepted=accepted, in_session=in_session,
                declined=declined), people


@pytest.mark.parametrize("ending", ["withdraw", "agree", "fail"])
def test_a_case_leaving_the_open_states_withdraws_its_open_invitations(world, ending):
    w = world
    d, m = w["dispute"], w["lead"]
    f.walk(d, m, "start_mediation")
    rows, people = _in_states(w)
    before = {name: a.version for name, a in rows.items()}
    f.walk(d, m, ending)
    states = {name: db.session.get(ElderAssignment, a.id).state for name, a in rows.items()}
    assert states == dict(suggested="withdrawn", invited="withdrawn", accepted="withdrawn",
                          in_session="in_session", declined="declined")
    for name in ("suggested", "invited", "accepted"):
        last = fi.events_of("elder_assignment", rows[name].id)[-1]
        assert (last.trigger, last.from_state, last.to_state, last.actor_role) == ("withdraw", name, "withdrawn",
                                                                                   "system")
        assert last.actor_id is None and last.at == d.changed_at
        # Stored as the English message, read in the page's language: naming how the case moved on.
        assert last.reason == WITHDRAWN_BECAUSE[d.state]
        assert reason_text(last.reason, "zh_Hans_CN").endswith("五老邀请自动撤回")
        assert reason_text(last.reason, "en").endswith("the invitation was withdrawn automatically")
        assert rows[name].version == before[name] + 1
    # The elders who had been asked hear of it; the one never asked does not.
    told = fi.recipients("elder_invitation_withdrawn")
    assert told == sorted([people[1][1].id, people[2][1].id])
    # An elder in session still files the report: the system may not withdraw a session begun.
    with pytest.raises(engine.Forbidden):
        engine.fire(rows["in_session"], "withdraw", engine.SYSTEM_ACTOR, "案件已结束")
    steps.act(rows["in_session"], "file_report", w["elder_user"], work_done="谈心", report_outcome="settled")
    assert verify() == []


def test_pressing_for_performance_withdraws_the_invitations_of_a_breached_case(world):
    w = world
    d, m = w["dispute"], w["lead"]
    f.walk(d, m, "start_mediation", "agree", "start_performance", "breach")
    a = invite(w)  # elders may help with a case not performed
    f.walk(d, m, "urge")
    db.session.refresh(a)
    assert (d.state, a.state) == ("performing", "withdrawn")
    assert verify() == []


def test_steps_that_stay_open_for_elders_leave_the_invitations_alone(world):
    w = world
    d, m = w["dispute"], w["lead"]
    f.walk(d, m, "start_mediation")
    a = invite(w)
    f.walk(d, m, "extend", "recuse")  # still open for elders: extended, then back to accepted
    db.session.refresh(a)
    assert (d.state, a.state) == ("accepted", "invited")


def test_a_mediator_who_does_not_work_the_case_may_still_end_it(world):
    """The withdrawal is the system's: the case's step is not refused for an
    elder guard its taker would not pass."""
    w = world
    a = invite(w)
    f.walk(w["dispute"], w["bystander"], "withdraw")
    db.session.refresh(a)
    assert a.state == "withdrawn"
    case_event = fi.events_of("dispute", w["dispute"].id)[-1]
    assert (case_event.trigger, case_event.actor_id) == ("withdraw", w["bystander"].id)


def test_a_refused_case_step_withdraws_nothing(world, monkeypatch):
    w = world
    a = invite(w)
    before = fi.audit_count()
    with fi.refused_late(monkeypatch, "dispute", "withdraw"), pytest.raises(engine.GuardFailed):
        f.walk(w["dispute"], w["lead"], "withdraw")
    db.session.refresh(a)
    db.session.refresh(w["dispute"])
    assert (w["dispute"].state, a.state) == ("assigned", "invited")
    assert fi.audit_count() == before and fi.notes(kind="elder_invitation_withdrawn") == []
    assert verify() == []


def test_the_case_page_shows_the_withdrawal_in_its_history(app, client, web):
    login(client, web["lead"])
    page = client.get(f"/cases/{web['case']}/steps/withdraw").get_data(as_text=True)  # as the page fetches it
    version = re.search(r'id="withdraw-version" name="withdraw-version" type="hidden" value="(\d+)"', page).group(1)
    answer = client.post(f"/cases/{web['case']}/fire/withdraw",
                         data={"withdraw-csrf_token": csrf(page), "withdraw-version": version,
                               "withdraw-reason": "双方已自行和解"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[-2000:]
    history = client.get(f"/cases/{web['case']}").get_data(as_text=True)
    assert "五老邀请自动撤回" in history  # the withdrawal's reason, on the case's timeline
    with app.app_context():
        assert db.session.get(ElderAssignment, web["assignment"]).state == "withdrawn"
        assert fi.recipients("elder_invitation_withdrawn") == [web["elder_user_id"]]
        assert verify() == []
