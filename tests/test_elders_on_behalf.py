"""An elder without a login account (many retired elders have none): the
mediator records for them, from what they said by phone or in person, their
acceptance or decline and that they took part, each step the mediator's in
the audit log with a note that it was recorded on the elder's behalf; and an
elder who took part is not "withdrawn" by the agreement the case reaches.
Through the web client; the same steps through the services (who may take
them, the system's record at the case's end) are in test_elders_workflow.py."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.elders.models import ElderAssignment
from app.elders.rules import RECORDED_FOR_ELDER, RECORDED_FOR_ELDER_NOTE
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
    assert offered == ["record_accept", "record_decline", "reschedule", "withdraw"]
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
        session_at = a.session_at

    # Before the session, "took part" is not offered; once it has come, it is.
    page = client.get(f"/cases/{w['case']}").get_data(as_text=True)
    card = page[page.index(f'data-assignment-id="{w["a"]}"'):]
    assert "record_participation" not in card[:card.index("</section>")]
    clock.set_now(session_at)
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
