"""An elder without a login account (many retired elders have none): the
mediator records for them, from what they said by phone or in person, their
acceptance or decline and that they took part, each step the mediator's in
the audit log with a note that it was recorded on the elder's behalf; and an
elder who took part is not "withdrawn" by the agreement the case reaches."""
import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.elders import steps
from app.elders.models import ElderAssignment
from app.elders.rules import RECORDED_FOR_ELDER, RECORDED_FOR_ELDER_NOTE, TOOK_PART_AT_SESSION
from app.extensions import db
from app.labels import reason_text
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login


def events(a_id):
    return db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "elder_assignment",
                                                       AuditEvent.entity_id == a_id)
                              .order_by(AuditEvent.seq)).scalars().all()


def counts():
    return (db.session.scalar(select(func.count()).select_from(ElderAssignment)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


# ---- through the web, as the mediator of the walk did it


@pytest.fixture
def web_world(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        d = fe.case_in_mediation(mediator, grids[0])
        elder = fe.elder(c1, name="李淑珍")  # on the roster, no login
        a = fe.invite(d, elder, mediator, session_at=clock.now() + timedelta(days=2))
        ids = dict(case=d.id, a=a.id, mediator=mediator.username, mediator_id=mediator.id)
        db.session.remove()
    return ids


def step(client, page, a_id, trigger, note=None):
    version = re.search(rf'name="a{a_id}-{trigger}-version" type="hidden" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf(page), f"a{a_id}-{trigger}-version": version}
    if note is not None:
        data[f"a{a_id}-{trigger}-reason"] = note
    return client.post(f"/elders/assignments/{a_id}/{trigger}", data=data)


def test_the_mediator_records_the_elders_acceptance_and_part_and_the_agreement_keeps_it(app, client, web_world):
    w = web_world
    login(client, w["mediator"])
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    card = page[page.index(f'data-assignment-id="{w["a"]}"'):]
    card = card[:card.index("</section>")]
    assert "This elder has no login account" in card
    offered = re.findall(r'data-trigger="(\w+)"', card)
    assert offered == ["record_accept", "record_decline", "withdraw"]
    assert "Say how the elder told you" in card  # the note's hint

    assert step(client, page, w["a"], "record_accept", "电话告知：愿意参加").status_code == 302
    with app.app_context():
        a = db.session.get(ElderAssignment, w["a"])
        assert (a.state, a.answer) == ("accepted", "accepted")
        last = events(w["a"])[-1]
        assert (last.trigger, last.from_state, last.to_state) == ("record_accept", "invited", "accepted")
        assert (last.actor_id, last.actor_role) == (w["mediator_id"], "mediator")
        assert last.reason == RECORDED_FOR_ELDER_NOTE % {"note": "电话告知：愿意参加"}
        assert json.loads(last.data)["on_behalf_of"] == "李淑珍"

    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    assert step(client, page, w["a"], "record_participation", "").status_code == 302
    with app.app_context():
        a = db.session.get(ElderAssignment, w["a"])
        assert a.state == "took_part"
        last = events(w["a"])[-1]
        assert (last.trigger, last.to_state, last.actor_id) == ("record_participation", "took_part",
                                                                w["mediator_id"])
        assert last.reason == RECORDED_FOR_ELDER and json.loads(last.data)["on_behalf_of"] == "李淑珍"
        # The agreement leaves an elder who took part alone: no "withdrawn automatically".
        d = db.session.get(f.Dispute, w["case"])
        lead = db.session.get(f.User, w["mediator_id"])
        f.walk(d, lead, "start_mediation", "agree")
        assert db.session.get(ElderAssignment, w["a"]).state == "took_part"
        assert [e.trigger for e in events(w["a"])][-1] == "record_participation"
        assert verify() == []
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    card = page[page.index(f'data-assignment-id="{w["a"]}"'):]
    assert 'data-state="took_part">Took part<' in card[:card.index("</section>")]
    assert "电话告知：愿意参加" in page  # the note reads in the case's history


def test_the_mediator_records_a_decline_with_the_elders_reason(app, client, web_world):
    w = web_world
    login(client, w["mediator"])
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    with app.app_context():
        before = counts()
    answer = step(client, page, w["a"], "record_decline", "  ")
    assert answer.status_code == 422
    with app.app_context():
        assert counts() == before
    assert step(client, page, w["a"], "record_decline", "腿脚不便，去不了").status_code == 302
    with app.app_context():
        a = db.session.get(ElderAssignment, w["a"])
        assert (a.state, a.answer) == ("declined", "declined")
        last = events(w["a"])[-1]
        assert (last.trigger, last.actor_id, json.loads(last.data)["on_behalf_of"]) == ("record_decline", w["mediator_id"],
                                                                            "李淑珍")
        assert reason_text(last.reason, "en") == "Recorded by the mediator on the elder's behalf: 腿脚不便，去不了"
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    assert "腿脚不便，去不了" in page  # the reason on the card, and the next candidate is offered


# ---- through the services


@pytest.fixture
def world(ctx):
    _street, (c1, c2), grids = f.org()
    mediator = f.user("mediator", community=c1)
    d = fe.case_in_mediation(mediator, grids[0])
    return dict(c1=c1, c2=c2, grids=grids, mediator=mediator, dispute=d)


def refused(call, match):
    before = counts()
    with force_locale("en"), pytest.raises(engine.Refused, match=match):
        call()
    db.session.rollback()
    assert counts() == before, "a refused step wrote something"


def test_only_a_mediator_working_the_case_records_for_the_elder(world):
    d, m = world["dispute"], world["mediator"]
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(d, e, m)
    # An elder answers for themselves, with the elder's own buttons.
    assert [t.trigger for t in engine.available(a, elder_user)] == ["accept", "decline"]
    refused(lambda: steps.act(a, "record_accept", elder_user), "Your role may not")
    bystander = f.user("mediator", community=world["c1"])
    refused(lambda: steps.act(a, "record_accept", bystander), "Only the mediators working on this case")
    # The same for an elder with an account ("recorded by the mediator by phone").
    steps.act(a, "record_accept", m)
    steps.act(a, "start_session", m)
    steps.act(a, "record_participation", m, "讲了邻里相处之道")
    assert a.state == "took_part"
    assert events(a.id)[-1].reason == RECORDED_FOR_ELDER_NOTE % {"note": "讲了邻里相处之道"}
    assert verify() == []


def test_an_answer_cannot_be_recorded_once_the_invitation_expired(world):
    e = fe.elder(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"])
    clock.set_now(a.due_at + timedelta(minutes=1))
    try:
        refused(lambda: steps.act(a, "record_accept", world["mediator"]), "expired")
    finally:
        clock.set_now(None)


def test_at_the_agreement_an_elder_whose_accepted_session_came_took_part_and_one_still_ahead_is_withdrawn(world):
    d, m = world["dispute"], world["mediator"]
    f.walk(d, m, "start_mediation")
    came = fe.invite(d, fe.elder(world["c1"], max_concurrent=3), m, session_at=clock.now() + timedelta(hours=2))
    ahead = fe.invite(d, fe.elder(world["c1"], max_concurrent=3), m, session_at=clock.now() + timedelta(days=3))
    for a in (came, ahead):
        steps.act(a, "record_accept", m)
    clock.set_now(clock.now() + timedelta(hours=5))  # the first session was held; the parties agreed
    try:
        f.walk(d, m, "agree")
        assert (came.state, ahead.state) == ("took_part", "withdrawn")
        last = events(came.id)[-1]
        assert (last.trigger, last.from_state, last.actor_role, last.actor_id) == ("record_participation",
                                                                                   "accepted", "system", None)
        assert last.reason == TOOK_PART_AT_SESSION
        assert reason_text(last.reason, "en").endswith("recorded as taken part")
        assert events(ahead.id)[-1].trigger == "withdraw"
        assert verify() == []
    finally:
        clock.set_now(None)
