"""Two mediators inviting the same elder at once for their last free place:
one invitation is made, the other is refused, nothing is doubled."""
import pytest
from sqlalchemy import select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.disputes.models import Dispute
from app.elders import steps
from app.elders.models import Elder, ElderAssignment
from app.extensions import db
from tests import factories as f
from tests import factories_elders as fe
from tests.test_concurrency import run_together


def test_two_invitations_for_an_elders_last_place_one_wins(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        a, b = f.user("mediator", community=c1), f.user("mediator", community=c1)
        case_a, case_b = fe.case_in_mediation(a, grids[0]).id, fe.case_in_mediation(b, grids[1]).id
        elder_id = fe.elder(c1, max_concurrent=1).id
        a_id, b_id = a.id, b.id
        when = fe.tomorrow_at()

    def invite(user_id, case_id):
        def job():
            dispute, elder = db.session.get(Dispute, case_id), db.session.get(Elder, elder_id)
            return steps.invite(dispute, elder, db.session.get(User, user_id), session_at=when).id
        return job

    results = run_together(app, invite(a_id, case_a), invite(b_id, case_b))
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    [error] = [value for kind, value in results if kind == "error"]
    assert isinstance(error, engine.GuardFailed) and "已达其同时承担的上限" in str(error)  # as many as they take
    with app.app_context():
        rows = db.session.execute(select(ElderAssignment)).scalars().all()
        assert [r.state for r in rows] == ["invited"]
        triggers = db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "elder_assignment")).scalars().all()
        assert sorted(triggers) == ["create", "invite"]
        assert verify() == []


def test_an_invitation_on_a_case_that_ended_since_it_was_read_is_refused(app):
    """The case read before the invitation is read again under the chain
    lock: a step that ended it meanwhile is seen by the guards (PostgreSQL;
    on SQLite the invitation's transaction reads the case under the write lock)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer")
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        case_id = fe.case_in_mediation(mediator, grids[0]).id
        elder = fe.elder(c1)
        dispute = db.session.get(Dispute, case_id)
        assert dispute.state == "assigned"
        with app.app_context():  # another user's request, its own session: ends the case and commits
            other = db.session.get(Dispute, case_id)
            f.walk(other, other.assignee, "start_mediation", "fail")
        with pytest.raises(engine.GuardFailed):
            steps.invite(dispute, elder, mediator, session_at=fe.tomorrow_at())
        assert db.session.execute(select(ElderAssignment)).scalars().all() == []
