"""Case-file numbers (YYYY)莱人调字第N号: per year, no gaps, no duplicates, even
when mediators accept cases at the same moment."""
from datetime import datetime

from sqlalchemy import select

from app import engine
from app.auth.models import User
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.test_concurrency import run_together


def test_concurrent_first_accepts_of_a_year_get_distinct_gapless_numbers(app):
    with app.app_context():
        street, (c1, _), grids = f.org()
        mediators = [f.user("mediator", community=c1) for _ in range(4)]
        cases = [(f.dispute(mediators[0], grids[0]).id, m.id) for m in mediators]

    def accept(case_id, user_id):
        def job():
            engine.fire(db.session.get(Dispute, case_id), "accept", db.session.get(User, user_id),
                        now=datetime(2027, 1, 1, 8, 0))
        return job

    results = run_together(app, *(accept(c, u) for c, u in cases))
    assert [kind for kind, _ in results] == ["ok"] * 4, results
    with app.app_context():
        numbers = db.session.execute(select(Dispute.file_seq, Dispute.file_no).order_by(Dispute.file_seq)).all()
        assert [seq for seq, _ in numbers] == [1, 2, 3, 4]
        assert numbers[0][1] == "(2027)莱人调字第1号"


def test_numbers_restart_each_year_and_a_refused_accept_uses_none(ctx):
    street, (c1, _), grids = f.org()
    m = f.user("mediator", community=c1)
    # 23:00 on 31 December in Beijing (15:00 UTC): still the old year.
    a = f.walk(f.dispute(m, grids[0]), m, "accept", now=datetime(2026, 12, 31, 15, 0))
    bare = f.dispute(m, grids[0], parties=0)  # the has_parties guard refuses it
    try:
        engine.fire(bare, "accept", m, now=datetime(2027, 1, 2, 9, 0))
    except engine.GuardFailed:
        pass
    b = f.walk(f.dispute(m, grids[0]), m, "accept", now=datetime(2027, 1, 2, 9, 0))
    c = f.walk(f.dispute(m, grids[0]), m, "accept", now=datetime(2027, 1, 3, 9, 0))
    assert (a.file_year, a.file_seq) == (2026, 1)
    assert [(x.file_year, x.file_seq) for x in (b, c)] == [(2027, 1), (2027, 2)]


def test_the_year_is_the_centres_local_year_on_new_years_night(ctx):
    """00:30 and 07:59 Beijing time on 1 January are 16:30 and 23:59 UTC on
    31 December: the cases are numbered in the new year, from 1."""
    street, (c1, _), grids = f.org()
    m = f.user("mediator", community=c1)
    late = f.walk(f.dispute(m, grids[0]), m, "accept", now=datetime(2026, 12, 31, 15, 59))  # 23:59 local
    half_past = f.walk(f.dispute(m, grids[0]), m, "accept", now=datetime(2026, 12, 31, 16, 30))  # 00:30
    before_eight = f.walk(f.dispute(m, grids[0]), m, "accept", now=datetime(2026, 12, 31, 23, 59))  # 07:59
    assert late.file_no == "(2026)莱人调字第1号"
    assert (half_past.file_year, half_past.file_seq, half_past.file_no) == (2027, 1, "(2027)莱人调字第1号")
    assert (before_eight.file_year, before_eight.file_seq, before_eight.file_no) == (2027, 2, "(2027)莱人调字第2号")
