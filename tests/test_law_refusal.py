"""A party's refusal ends mediation (People's Mediation Law art. 26), issue
12 item 5: an outcome of its own, counted in the statistics (the counters
and the live count agree) and named in the statistics' definitions."""
import json
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute, Party
from app.extensions import db
from app.supervision import stats
from app.supervision.counters import StatCount, rebuild
from app.supervision.scope import Place, Scope
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_stats import page_figures

NOW = datetime(2026, 5, 1, 4, 0)
REGISTERED = datetime(2026, 4, 2, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        m, g = fs.user_named(w.m_a1), fs.grid(w.grid_a1)
        refused = f.walk(f.dispute(m, g, now=REGISTERED), m, "accept", "assign", "start_mediation", now=REGISTERED)
        w.refused = refused.id
        w.agreed = f.walk(f.dispute(m, g, now=REGISTERED), m, "accept", "assign", "start_mediation", "agree",
                          now=REGISTERED).id
        w.failed = f.walk(f.dispute(m, g, now=REGISTERED), m, "accept", "assign", "start_mediation", "fail",
                          now=REGISTERED).id
        db.session.remove()
        return w


def refuse(d, m, party_id, route="court", reason="被申请人明确表示拒绝继续调解"):
    return engine.fire(d, "party_refuses", m, reason, refusing_party=party_id, route=route,
                       now=datetime(2026, 4, 10, 2, 0))


def test_a_partys_refusal_ends_mediation_as_an_outcome_of_its_own(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.refused)
        m = fs.user_named(world.m_a1)
        respondent = d.parties[1]
        refuse(d, m, respondent.id)
        assert (d.state, d.route, d.refused_at) == ("refused", "court", datetime(2026, 4, 10, 2, 0))
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_id == d.id, AuditEvent.entity_type == "dispute",
            AuditEvent.trigger == "party_refuses")).scalar_one()
        assert json.loads(event.data)["refusing_party"] == respondent.id
        assert "agree" not in [t.trigger for t in engine.available(d, m)]
        f.walk(d, m, "close")
        assert fs.review_of(d).outcome == "refused"
        assert verify() == []


def test_bad_input_is_refused_and_nothing_is_written(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.refused)
        m = fs.user_named(world.m_a1)
        other_case_party = db.session.get(Dispute, world.agreed).parties[0]
        d.parties.append(Party(role="agent", name="代理人"))
        db.session.commit()
        agent = d.parties[-1]
        before = db.session.execute(select(func.count(AuditEvent.id))).scalar()
        for party_id in (other_case_party.id, agent.id, None):
            with force_locale("en"), pytest.raises((engine.GuardFailed, engine.MissingData)):
                refuse(d, m, party_id)
        with pytest.raises(engine.MissingData):
            refuse(d, m, d.parties[0].id, route="")
        with pytest.raises(engine.MissingData):
            refuse(d, m, d.parties[0].id, reason="")
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar() == before
        assert db.session.get(Dispute, world.refused).state == "mediating"


def test_refusals_are_counted_apart_from_failures_and_agreements(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.refused)
        refuse(d, fs.user_named(world.m_a1), d.parties[0].id)
        scope = Scope(fs.user_named(world.sup_a))
        counted = stats.dashboard(scope, Place(), date(2026, 4, 1), date(2026, 4, 30), NOW)  # the counters
        live = stats.live_dashboard(scope, Place(), date(2026, 4, 1), date(2026, 4, 30), NOW)
        for board in (counted, live):
            t = board.totals
            assert (t.registered, t.accepted, t.agreements, t.refused) == (3, 3, 1, 1)
            assert board.by_type[0][1].refused == 1
        before = sorted((r.dim, r.key, r.refused) for r in db.session.execute(select(StatCount)).scalars())
        rebuild()
        db.session.commit()
        assert sorted((r.dim, r.key, r.refused) for r in db.session.execute(select(StatCount)).scalars()) == before


def test_the_statistics_page_shows_and_defines_the_refusals(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.refused)
        refuse(d, fs.user_named(world.m_a1), d.parties[0].id)
    clock.set_now(NOW)
    login(client, world.sup_a)
    page = client.get("/supervision/stats?month_from=2026-04&month_to=2026-04").get_data(as_text=True)
    assert page_figures(page)["total_refused"] == "1"
    definitions = page.split('id="definitions"')[1].split("</details>")[0]
    assert "当事人拒绝调解" in definitions and "第二十六条" in definitions
