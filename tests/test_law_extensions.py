"""Extensions of the mediation period (issue 12, item 3): limited by the
settings (default one extension, at most 30 days in all), with the consent
of every party recorded (who, and how), refused with what the law allows."""
import json
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute, Party
from app.extensions import db
from tests import factories as f
from tests.factories import login
from tests.test_disputes_web import action, case_page, world  # noqa: F401  (fixture)

T0 = datetime(2026, 3, 2, 1, 0)


@pytest.fixture
def mediating(ctx):
    street, (c1, _), grids = f.org()
    m = f.user("mediator", community=c1)
    d = f.walk(f.dispute(m, grids[0], now=T0), m, "accept", "assign", "start_mediation", now=T0)
    return d, m


def extend(d, m, days, parties=None, how="signed"):
    parties = [p.id for p in d.parties] if parties is None else parties
    return engine.fire(d, "extend", m, "补充证据", days=days, consenting_parties=parties, consent_how=how)


def events(d):
    return db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id)).scalar()


def test_one_extension_of_at_most_30_days_by_default(mediating):
    d, m = mediating
    due = d.due_at
    extend(d, m, 20)
    assert (d.state, d.extension_count, d.extension_days, d.due_at) == ("extended", 1, 20, due + timedelta(days=20))
    assert "extend" not in [t.trigger for t in engine.available(d, m)]  # not offered once used up
    before = events(d)
    with force_locale("en"), pytest.raises(engine.GuardFailed) as refused:
        extend(d, m, 5)
    with force_locale("en"):
        message = str(refused.value.message)
    assert "at most 1 extension(s) of 30 days" in message and "has had 1 extension(s) of 20 days" in message
    fresh = db.session.get(Dispute, d.id)
    assert (fresh.extension_count, fresh.extension_days, fresh.due_at) == (1, 20, due + timedelta(days=20))
    assert events(d) == before
    assert verify() == []


def test_an_extension_beyond_the_days_allowed_is_refused(mediating):
    d, m = mediating
    before = events(d)
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="1 to 30 days"):
        extend(d, m, 31)
    assert (db.session.get(Dispute, d.id).state, events(d)) == ("mediating", before)


def test_the_limits_are_settings(app, mediating):
    d, m = mediating
    app.config.update(DISPUTE_MAX_EXTENSIONS=3, DISPUTE_MAX_EXTENSION_DAYS=40)
    extend(d, m, 15)
    extend(d, m, 15)
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="1 to 10 days"):
        extend(d, m, 11)  # 41 days in all
    extend(d, m, 10)
    assert (d.extension_count, d.extension_days) == (3, 40)
    with pytest.raises(engine.GuardFailed):
        extend(d, m, 1)


def test_every_party_must_consent_and_how_is_recorded(mediating):
    d, m = mediating
    applicant, respondent = d.parties
    before = events(d)
    with force_locale("en"), pytest.raises(engine.GuardFailed, match="consent of every party"):
        extend(d, m, 10, parties=[applicant.id])
    stranger = f.dispute(m, d.grid).parties[0]
    with pytest.raises(engine.GuardFailed):
        extend(d, m, 10, parties=[applicant.id, respondent.id, stranger.id])
    with pytest.raises(engine.MissingData):
        extend(d, m, 10, how="")
    assert events(d) == before
    # An agent's consent is not asked: the applicant and the respondent are.
    d.parties.append(Party(role="agent", name="代理人"))
    db.session.commit()
    extend(d, m, 10, parties=[applicant.id, respondent.id], how="phone")
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.entity_id == d.id, AuditEvent.entity_type == "dispute", AuditEvent.trigger == "extend")).scalar_one()
    data = json.loads(event.data)
    assert (sorted(data["consenting_parties"]), data["consent_how"]) == (sorted([applicant.id, respondent.id]), "phone")
    assert data["_row"]["extension_count"] == 1 and data["_row"]["extension_days"] == 10


def test_the_page_offers_the_parties_and_refuses_a_second_extension_saying_why(app, client, world):
    login(client, world.m1)
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        m = d.created_by
        f.walk(d, m, "accept", "assign", "start_mediation")
        ids = [str(p.id) for p in d.parties]
    page = case_page(client, world.case, step="extend")
    assert 'name="extend-consenting_parties"' in page and 'name="extend-consent_how"' in page
    assert "当事人1" in page
    first = action(client, world.case, "extend", days="30", consenting_parties=ids, consent_how="oral_recorded",
                   reason="双方同意")
    assert first.status_code == 302
    page = case_page(client, world.case)
    assert 'data-step="extend"' not in page and 'id="extend-version"' not in page
    with app.app_context():
        version = str(db.session.get(Dispute, world.case).version)
    second = action(client, world.case, "extend", page=page, version=version, days="5", consenting_parties=ids,
                    consent_how="signed", reason="再次延期")
    assert second.status_code == 422
    assert "最多延期1次" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Dispute, world.case).extension_count == 1


def test_the_timeline_names_the_parties_who_consented_and_how(app, client, world):
    login(client, world.m1)
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        f.walk(d, d.created_by, "accept", "assign", "start_mediation")
        ids = [p.id for p in d.parties]
        names = [p.name for p in d.parties]
    action(client, world.case, "extend", days="30", consenting_parties=[str(i) for i in ids],
           consent_how="oral_recorded", reason="双方同意")
    page = case_page(client, world.case)
    assert str(ids) not in page and str(ids[0]) + ", " not in page
    assert "、".join(names) in page or all(name in page for name in names)
    assert "oral_recorded" not in page
