"""The demo mirrors the seed (DOMAIN.md §1, §5): the city's shape, a year of
disputes whose 现场化解率 and 调解成功率 are the reported ones, every dispute
type, sweep finds linked to their sweep, parties with full registration
fields, and session records on mediated cases. One load (the default size)
checked at once: it is the slowest thing the suite builds."""
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.auth.models import User
from app.demo.build import AGREEMENTS, AMOUNTS, FACTS
from app.disputes import codes
from app.disputes.models import Dispute, MediationSession, Party
from app.extensions import db
from app.org.models import Area, Community, Grid
from app.rota.models import Lawyer
from app.supervision import stats
from app.supervision.scope import Place, Scope
from app.validators import id_number_valid

# How near the demo's rates must be to the seed's (0.01 = one percentage point).
TOLERANCE = 0.01


def count(query):
    return db.session.execute(query).scalar()


def test_the_demo_mirrors_the_seeds_city_and_year(app):
    out = app.test_cli_runner().invoke(args=["demo", "load"])
    assert out.exit_code == 0, out.output
    assert "1000 disputes created" in out.output
    with app.app_context():
        # The city: 18 communities in 4 areas, 369 grids each with its grid worker, 390 grid workers, 20+ lawyers.
        assert count(select(func.count(Area.id))) == 4
        assert count(select(func.count(Community.id))) == 18
        assert count(select(func.count(func.distinct(Community.area_id)))) == 4
        assert count(select(func.count(Grid.id))) == 369
        assert count(select(func.count(User.id)).where(User.role == "gridworker")) == 390
        assert count(select(func.count(func.distinct(User.grid_id))).where(User.role == "gridworker")) == 369
        assert count(select(func.count(Lawyer.id))) >= 20

        # The year's figures as the statistics page counts them.
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        today = clock.local_date(clock.now())
        year = stats.live_dashboard(Scope(admin), Place(), today - timedelta(days=364), today, clock.now())
        totals = year.totals
        assert totals.registered >= 1000
        assert abs(totals.on_spot_rate - 0.967) <= TOLERANCE, (totals.on_spot, totals.registered)
        assert abs(totals.success_rate - 0.969) <= TOLERANCE, (totals.agreements, totals.accepted)
        assert totals.accepted >= 30
        # All 16 dispute types, each with facts that fit it.
        assert set(FACTS) == set(codes.DISPUTE_TYPES)
        assert {t for t, _ in year.by_type} == set(codes.DISPUTE_TYPES)
        # Cases spread over the year, not bunched in the last months.
        busy_months = [m for m, c in year.by_month if c.registered]
        assert len(busy_months) >= 12

        # Every dispute that came in by a sweep names the sweep that found it, and some did.
        sweep_cases = count(select(func.count(Dispute.id)).where(Dispute.channel == "sweep"))
        assert sweep_cases >= 1
        assert count(select(func.count(Dispute.id)).where(Dispute.channel == "sweep",
                                                          Dispute.sweep_id.is_(None))) == 0

        # Parties with the registration fields, and ID numbers that pass the checksum: the registered
        # cases' (a report still waiting to be registered, 待受理, holds only what its sender knew).
        built = (select(Party).join(Dispute).where(Dispute.channel != "sweep", Dispute.state != "submitted")
                 .order_by(Party.id).limit(200))
        parties = list(db.session.execute(built).scalars())
        assert parties
        for p in parties:
            assert p.sex and p.ethnicity and p.age and p.id_type == "resident_id" and p.occupation and p.address
            assert id_number_valid(p.id_number) and p.phone

        # Every case mediated to an agreement or a failure has a session record.
        mediated = select(Dispute.id).where(Dispute.agreed_at.is_not(None), Dispute.file_seq.is_not(None))
        without = count(select(func.count()).select_from(mediated.where(
            ~select(MediationSession.id).where(MediationSession.dispute_id == Dispute.id).exists()).subquery()))
        assert count(select(func.count()).select_from(mediated.subquery())) >= 25 and without == 0

        # Every agreement settles its own case: its facts are the case's, its terms its kind's, and the
        # sum it names is the agreed amount (a pollution case's agreement spoke of a burst water pipe
        # and two thousand yuan while its agreed amount was 400).
        agreed = db.session.execute(select(Dispute).where(Dispute.agreed_at.is_not(None))).scalars().all()
        assert agreed
        for d in agreed:
            matters, _responsibilities, terms = AGREEMENTS[d.dispute_type]
            assert d.agreement_facts == d.facts and d.agreement_matters == matters, d.id
            if d.agreed_amount:
                assert f"人民币{d.agreed_amount:,.2f}元" in d.agreement_terms, (d.id, d.agreement_terms)
            else:
                assert d.agreement_terms == terms.split("|")[1], d.id
        # Each kind's sums are its own (28,000 yuan a month for an elder's support read as made up).
        for kind, amount in db.session.execute(select(Dispute.dispute_type, Dispute.amount).where(
                Dispute.amount.is_not(None), Dispute.channel != "sweep")).all():
            assert amount in AMOUNTS[kind], (kind, amount)
        assert "citysupervisor and citycoordinator" in out.output
