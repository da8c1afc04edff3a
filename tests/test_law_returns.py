"""Returning an on-the-spot closure (issue 12, item 1): the return takes the
case back to where its closure came from, a case without acceptance never
gets an agreement, and cases already returned into mediation without
acceptance are listed and repaired through the engine."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.supervision.models import SignOff
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        w.on_spot = fs.closed_case(fs.user_named(w.m_a1), fs.grid(w.grid_a1), fs.ON_SPOT_PATH).id
        w.mediated = fs.closed_case(fs.user_named(w.m_a1), fs.grid(w.grid_a1), fs.FAILED_PATH).id
        db.session.remove()
        return w


def post_return(client, case_id, comment, to_intake=False):
    page = client.get(f"/supervision/cases/{case_id}").get_data(as_text=True)
    version = re.search(r'id="return_case-version" name="return_case-version" type="hidden" value="(\d+)"',
                        page).group(1)
    data = {"return_case-csrf_token": csrf(page), "return_case-version": version, "return_case-comment": comment}
    if to_intake:
        data["return_case-to_intake"] = "y"
    return client.post(f"/supervision/cases/{case_id}/review/return_case", data=data)


def agree(d, mediator):
    return engine.fire(d, "agree", mediator, form="oral", terms="赔偿五百元")


def test_a_returned_on_the_spot_case_goes_back_to_the_on_the_spot_step(app, client, world):
    login(client, world.sup_a)
    page = client.get(f"/supervision/cases/{world.on_spot}").get_data(as_text=True)
    assert 'name="return_case-to_intake"' in page  # the choice is offered for an on-the-spot closure
    response = post_return(client, world.on_spot, "化解经过写得不清楚，请补充后重新结案。")
    assert response.status_code == 302
    with app.app_context():
        d = db.session.get(Dispute, world.on_spot)
        assert (d.state, d.file_no, d.assignee_id, d.closed_at) == ("resolved_on_spot", None, None, None)
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id,
            AuditEvent.trigger == "reopen_on_spot")).scalar_one()
        assert (event.from_state, event.to_state) == ("closed", "resolved_on_spot")
        # Any mediator of the community: no agreement without acceptance.
        other = f.user("mediator", community=d.community)
        assert "agree" not in [t.trigger for t in engine.available(d, other)]
        with pytest.raises(engine.NotAllowed):
            agree(d, other)
        # Corrected and closed again: a second review, still an on-the-spot outcome.
        f.walk(d, fs.user_named(world.m_a1), "close")
        rounds = db.session.execute(select(SignOff.round, SignOff.outcome).where(SignOff.dispute_id == d.id)
                                    .order_by(SignOff.round)).all()
        assert [tuple(r) for r in rounds] == [(1, "on_spot"), (2, "on_spot")]
        assert verify() == []


def test_the_supervisor_may_send_it_to_intake_and_it_is_mediated_only_after_acceptance(app, client, world):
    login(client, world.sup_a)
    assert post_return(client, world.on_spot, "需要正式调解，请受理。", to_intake=True).status_code == 302
    with app.app_context():
        d = db.session.get(Dispute, world.on_spot)
        m = fs.user_named(world.m_a1)
        assert (d.state, d.file_no) == ("submitted", None)
        assert {t.trigger for t in engine.available(d, m)} >= {"accept"}
        with pytest.raises(engine.NotAllowed):
            agree(d, m)
        f.walk(d, m, "accept", "assign", "start_mediation")
        assert d.file_no is not None and d.assignee_id == m.id
        agree(d, m)
        assert d.state == "agreed" and verify() == []


def test_an_accepted_case_cannot_be_sent_to_intake(app, client, world):
    login(client, world.sup_a)
    with app.app_context():
        before = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    response = post_return(client, world.mediated, "重新受理", to_intake=True)
    assert response.status_code == 422
    assert "file number" in response.get_data(as_text=True) or "案号" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Dispute, world.mediated).state == "closed"
        assert db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar() == before


def test_a_mediated_case_still_returns_into_mediation(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.mediated)
        fs.return_case(d, fs.user_named(world.sup_a))
        assert d.state == "mediating" and d.file_no is not None


def _legacy_unaccepted(case_id):
    """The shape a return left before the fix: an on-the-spot case in
    mediation, with no file number (written as the old code left it)."""
    db.session.execute(update(Dispute).where(Dispute.id == case_id).values(state="mediating", closed_at=None))
    db.session.commit()
    return db.session.get(Dispute, case_id)


def test_a_case_in_mediation_without_acceptance_never_gets_an_agreement(app, world):
    with app.app_context():
        d = _legacy_unaccepted(world.on_spot)
        anyone = f.user("mediator", community=d.community)
        assert "agree" not in [t.trigger for t in engine.available(d, anyone)]
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="never accepted"):
            agree(d, anyone)
        assert db.session.get(Dispute, world.on_spot).agreed_at is None


def test_the_check_command_lists_them_and_the_repair_goes_through_the_engine(app, world):
    runner = app.test_cli_runner()
    with app.app_context():
        _legacy_unaccepted(world.on_spot)
    listed = runner.invoke(args=["disputes", "unaccepted"])
    assert listed.exit_code == 1 and f"case #{world.on_spot}\tstate mediating" in listed.output
    assert f"#{world.mediated}" not in listed.output
    no_reason = runner.invoke(args=["disputes", "unaccepted", "--fix"])
    assert no_reason.exit_code == 2
    with app.app_context():
        assert db.session.get(Dispute, world.on_spot).state == "mediating"
    fixed = runner.invoke(args=["disputes", "unaccepted", "--fix", "--reason", "退回时未受理，恢复为现场化解"])
    assert fixed.exit_code == 0, fixed.output
    assert "1 case(s) repaired" in fixed.output
    with app.app_context():
        d = db.session.get(Dispute, world.on_spot)
        assert d.state == "resolved_on_spot"
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_id == d.id, AuditEvent.entity_type == "dispute",
            AuditEvent.trigger == "repair_unaccepted")).scalar_one()
        assert (event.from_state, event.reason) == ("mediating", "退回时未受理，恢复为现场化解")
    again = runner.invoke(args=["disputes", "unaccepted"])
    assert again.exit_code == 0 and "no case past acceptance" in again.output


def test_the_repair_may_send_them_to_intake(app, world):
    runner = app.test_cli_runner()
    with app.app_context():
        _legacy_unaccepted(world.on_spot)
    fixed = runner.invoke(args=["disputes", "unaccepted", "--fix", "--to-intake", "--reason", "需正式受理"])
    assert fixed.exit_code == 0, fixed.output
    with app.app_context():
        assert db.session.get(Dispute, world.on_spot).state == "submitted"
