"""Two mediators inviting the same elder at once for their last free place:
one invitation is made, the other is refused, nothing is doubled."""
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
