"""The demo's sweeps name who took part from the people the system knows,
so the statistics' "sweeps by who took part" has figures in the demo."""
from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.auth.models import User
from app.extensions import db
from app.supervision import stats
from app.supervision.scope import Place, Scope
from app.sweeps.alliance import candidates
from app.sweeps.codes import PARTICIPANT_KINDS
from app.sweeps.models import Sweep, SweepParticipant


def test_the_demos_sweeps_count_by_who_took_part(app):
    out = app.test_cli_runner().invoke(args=["demo", "load", "--cases", "25"])
    assert out.exit_code == 0, out.output
    with app.app_context():
        held = db.session.execute(select(Sweep).where(Sweep.state == "done")).scalars().all()
        assert held
        rows = db.session.execute(select(SweepParticipant)).scalars().all()
        # Every held sweep names someone, each one offered for that sweep's place, with the kind offered.
        assert {r.sweep_id for r in rows} == {s.id for s in held}
        by_sweep = {s.id: s for s in held}
        offered = {}
        for r in rows:
            s = by_sweep[r.sweep_id]
            if (s.street_id, s.community_id) not in offered:
                offered[(s.street_id, s.community_id)] = {(u.id, k) for u, k in
                                                         candidates(s.street_id, s.community_id)}
            assert (r.user_id, r.kind) in offered[(s.street_id, s.community_id)]
        # The statistics page's figures: every kind of member took part in some sweep of the year.
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        today = clock.local_date(clock.now())
        board = stats.dashboard(Scope(admin), Place(), today - timedelta(days=364), today, clock.now())
        assert set(board.alliance) == set(PARTICIPANT_KINDS)
        assert all(board.alliance[kind] >= 1 for kind in PARTICIPANT_KINDS), board.alliance
        in_year = [s for s in held if s.held_on >= today - timedelta(days=364)]
        assert board.alliance["cadre"] == len(in_year)  # a cadre joins every sweep the demo records
        assert db.session.execute(select(func.count(func.distinct(SweepParticipant.sweep_id))).where(
            SweepParticipant.kind == "police")).scalar() == board.alliance["police"]
