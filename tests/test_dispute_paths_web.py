"""Every path of the dispute workflow, step by step through the web client,
as the mediator (and, for on-the-spot resolution, the grid worker) would."""
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login
from tests.test_disputes_web import WRITTEN, action, case_page, world  # noqa: F401  (fixture)

ORAL = dict(form="oral", terms="口头约定：三日内赔礼道歉")
EVERY_PARTY = object()  # stands for the ids of every party of the case
FIRST_PARTY = object()  # and for the id of its first party


def with_party_ids(app, case_id, data):
    with app.app_context():
        ids = [str(p.id) for p in db.session.get(Dispute, case_id).parties]
    return {k: (ids if v is EVERY_PARTY else ids[0] if v is FIRST_PARTY else v) for k, v in data.items()}


def steps(world, other=None):
    """`other`: a second mediator of the case's community, the lead who is
    recused at a party's request (and may never be assigned again)."""
    m = world.m1_id
    return {
        "reject": [("reject", dict(route="administrative", reason="属于行政机关处理范围"))],
        "on the spot, closed and archived": [
            ("resolve_on_spot", dict(outcome="双方当场和解")), ("close", dict(summary="现场化解")), ("archive", {})],
        "withdrawn after acceptance": [("accept", {}), ("withdraw", dict(reason="申请人撤回"))],
        "extended, recused, reassigned, failed": [
            ("accept", {}), ("assign", dict(mediator_id=str(other), co_mediator_ids=str(m))),
            ("start_mediation", dict(notice_given="y")),
            ("extend", dict(days="15", consenting_parties=EVERY_PARTY, consent_how="signed", reason="双方同意补充证据")),
            ("recuse", dict(recused_mediator_id=str(other), requested_by=FIRST_PARTY, reason="当事人申请回避")),
            ("assign", dict(mediator_id=str(m))),
            ("start_mediation", dict(notice_given="y")), ("fail", dict(route="court", reason="分歧较大")),
            ("close", dict(summary="调解不成，已告知诉讼")), ("archive", {})],
        "breached, pressed, mediated again, fulfilled": [
            ("accept", {}), ("assign", dict(mediator_id=str(m))), ("start_mediation", dict(notice_given="y")),
            ("agree", ORAL), ("start_performance", {}), ("breach", dict(reason="未按期赔礼道歉")),
            ("urge", {}), ("breach", dict(reason="督促后仍未履行")), ("resume_mediation", dict(reason="重新调解")),
            ("agree", WRITTEN), ("start_performance", {}), ("fulfil", {}), ("close", dict(summary="已履行完毕")),
            ("archive", {})],
        "breached and failed": [
            ("accept", {}), ("assign", dict(mediator_id=str(m))), ("start_mediation", dict(notice_given="y")),
            ("agree", ORAL), ("start_performance", {}), ("breach", dict(reason="拒不履行")),
            ("fail", dict(route="court", reason="告知可向法院起诉")), ("close", dict(summary="终止调解"))],
    }


PATHS = ["reject", "on the spot, closed and archived", "withdrawn after acceptance",
         "extended, recused, reassigned, failed", "breached, pressed, mediated again, fulfilled",
         "breached and failed"]
END = {"reject": "rejected", "on the spot, closed and archived": "archived",
       "withdrawn after acceptance": "withdrawn", "extended, recused, reassigned, failed": "archived",
       "breached, pressed, mediated again, fulfilled": "archived", "breached and failed": "closed"}


@pytest.mark.parametrize("path", PATHS)
def test_every_path_through_the_web(app, client, world, path):
    login(client, world.m1)
    with app.app_context():
        other = f.user("mediator", community=db.session.get(Dispute, world.case).community).id
    walked = steps(world, other)[path]
    for trigger, data in walked:
        if trigger == "archive":  # archiving waits for the supervisor's sign-off
            with app.app_context():
                fs.signed_off(db.session.get(Dispute, world.case))
        response = action(client, world.case, trigger, **with_party_ids(app, world.case, data))
        assert response.status_code == 302, (trigger, response.status_code,
                                             response.get_data(as_text=True)[-3000:])
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert d.state == END[path]
        triggers = db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == world.case, AuditEvent.from_state.isnot(None))
            .order_by(AuditEvent.seq)).scalars().all()
        assert triggers == [trigger for trigger, _ in walked]
        assert verify() == []
    page = case_page(client, world.case)
    if END[path] in ("archived", "rejected", "withdrawn"):
        assert 'id="actions"' not in page  # nothing more can be done


def test_grid_worker_resolves_on_the_spot_and_closes(app, client, world):
    login(client, world.gw)
    assert action(client, world.case, "resolve_on_spot", outcome="邻里当场和解").status_code == 302
    assert action(client, world.case, "close", summary="网格员现场化解").status_code == 302
    page = case_page(client, world.case)
    assert 'data-step="archive"' not in page  # archiving is for mediators and supervisors
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "closed"
    token = csrf(page)
    response = client.post(f"/cases/{world.case}/fire/archive", data={"archive-csrf_token": token,
                                                                       "archive-version": "3"})
    assert response.status_code == 403
