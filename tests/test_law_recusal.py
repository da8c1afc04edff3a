"""Recusal (回避), issue 12 item 4: a party may ask for it (which party and
why are recorded); a recused mediator is never again lead or co-mediator of
the case; the assignment list says why they are missing; a second recusal
of the same mediator is refused."""
import json
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute, Recusal
from app.extensions import db
from tests import factories as f
from tests.factories import login
from tests.test_disputes_web import case_page


@pytest.fixture
def case(ctx):
    street, (c1, _), grids = f.org()
    lead, other = f.user("mediator", community=c1), f.user("mediator", community=c1)
    d = f.walk(f.dispute(lead, grids[0]), lead, "accept", "assign", "start_mediation")
    return d, lead, other


def recuse(d, actor, mediator_id, requested_by, reason="申请人认为调解员与被申请人是亲属"):
    return engine.fire(d, "recuse", actor, reason, recused_mediator_id=mediator_id, requested_by=requested_by)


def events(d):
    return db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id)).scalar()


def test_a_party_asks_for_it_and_who_and_why_are_recorded(case):
    d, lead, other = case
    applicant = d.parties[0]
    recuse(d, lead, lead.id, str(applicant.id))
    assert (d.state, d.assignee_id) == ("accepted", None)
    (row,) = db.session.execute(select(Recusal).where(Recusal.dispute_id == d.id)).scalars()
    assert (row.mediator_id, row.party_id, row.recorded_by_id) == (lead.id, applicant.id, lead.id)
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.entity_id == d.id, AuditEvent.entity_type == "dispute", AuditEvent.trigger == "recuse")).scalar_one()
    data = json.loads(event.data)
    assert (data["recused_mediator_id"], data["requested_by"]) == (lead.id, str(applicant.id))
    assert event.reason == "申请人认为调解员与被申请人是亲属"
    assert verify() == []


def test_the_recused_mediator_is_refused_as_lead_and_as_co_mediator(case):
    d, lead, other = case
    recuse(d, lead, lead.id, str(d.parties[1].id))
    before = events(d)
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="stepped aside"):
        engine.fire(d, "assign", other, mediator_id=lead.id)
    with pytest.raises(engine.GuardFailed):
        engine.fire(d, "assign", other, mediator_id=other.id, co_mediator_ids=[lead.id])
    assert (db.session.get(Dispute, d.id).state, events(d)) == ("accepted", before)
    engine.fire(d, "assign", other, mediator_id=other.id)
    assert d.assignee_id == other.id and not d.co_mediators


def test_a_recused_co_mediator_too(case):
    d, lead, other = case
    recuse(d, lead, lead.id, "mediator")
    engine.fire(d, "assign", other, mediator_id=other.id, co_mediator_ids=[])
    third = f.user("mediator", community=d.community)
    d.co_mediators = [third]
    db.session.commit()
    recuse(d, other, third.id, str(d.parties[0].id))
    assert d.recused_ids() == {lead.id, third.id}
    with pytest.raises(engine.GuardFailed):
        engine.fire(d, "assign", other, mediator_id=other.id, co_mediator_ids=[third.id])


def test_a_second_recusal_of_the_same_mediator_is_refused(case):
    d, lead, other = case
    recuse(d, lead, lead.id, str(d.parties[0].id))
    engine.fire(d, "assign", other, mediator_id=other.id)
    before = events(d)
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="already stepped aside"):
        recuse(d, other, lead.id, str(d.parties[1].id))
    assert events(d) == before
    assert db.session.execute(select(func.count(Recusal.id))).scalar() == 1


def test_bad_requests_are_refused_and_nothing_is_written(case):
    d, lead, other = case
    stranger_party = f.dispute(lead, d.grid).parties[0]
    before = events(d)
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="lead or a co-mediator"):
        recuse(d, lead, other.id, "mediator")  # not on the case
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="who asked"):
        recuse(d, lead, lead.id, str(stranger_party.id))
    with pytest.raises(engine.MissingData):
        recuse(d, lead, lead.id, "")
    with pytest.raises(engine.MissingData):
        recuse(d, lead, lead.id, "mediator", reason=" ")
    assert (db.session.get(Dispute, d.id).state, events(d)) == ("mediating", before)


def test_the_assignment_list_says_why_they_are_missing(app, client):
    with app.app_context():
        street, (c1, _), grids = f.org()
        lead, other = f.user("mediator", community=c1), f.user("mediator", community=c1)
        d = f.walk(f.dispute(lead, grids[0]), lead, "accept", "assign", "start_mediation")
        recuse(d, lead, lead.id, str(d.parties[0].id))
        case_id, lead_name, other_name, other_login = d.id, lead.display_name, other.display_name, other.username
        lead_id = lead.id
    login(client, other_login)
    page = case_page(client, case_id, step="assign")
    select_html = re.search(r'<select[^>]*name="assign-mediator_id".*?</select>', page, re.S).group(0)
    assert other_name in select_html and f'value="{lead_id}"' not in select_html
    assert f"{lead_name}未列入" in page and "申请人 当事人1" in page
