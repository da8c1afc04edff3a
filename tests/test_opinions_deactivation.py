"""A volunteer lawyer whose login an administrator deactivates (the users
page or `flask users deactivate`) can no longer answer: their requests
waiting for an answer are withdrawn by the system in the deactivation's own
transaction and the case's mediators told; an opinion already given stays;
reactivating brings nothing back."""
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth import accounts
from app.auth.models import User
from app.extensions import db
from app.opinions.models import LegalOpinion
from tests import factories as f
from tests.factories import login
from tests.test_opinions_web import answered, ask, client_of, english, notes_of, world  # noqa: F401
from tests.test_users_admin import post_form, state_of

REASON = "The lawyer's account was deactivated: the request for a legal opinion was withdrawn automatically"


def waiting_and_answered(app, world):
    """The world's lawyer with an opinion given on the case and, since, a
    new request on it waiting for their answer: (answered id, waiting id)."""
    given = answered(app, world)
    assert ask(client_of(app, world["mediator"]), world["case"], world["lawyer"],
               question="能否要求对方赔礼道歉？").status_code == 302
    with app.app_context():
        waiting = db.session.execute(select(LegalOpinion.id).where(
            LegalOpinion.lawyer_id == world["lawyer"], LegalOpinion.state == "requested")).scalar_one()
    return given, waiting


def state(app, opinion_id):
    with app.app_context():
        return db.session.get(LegalOpinion, opinion_id).state


def opinion_events(app, opinion_id):
    with app.app_context():
        return [(e.trigger, e.actor_role, e.reason) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "legal_opinion", AuditEvent.entity_id == opinion_id)
            .order_by(AuditEvent.id)).scalars()]


def admin_client(app):
    with app.app_context():
        admin = f.user("admin")
        db.session.commit()
        username = admin.username
    client = app.test_client()
    login(client, username)
    english(client)
    return client


def test_deactivating_a_lawyer_on_the_users_page_withdraws_their_waiting_request_only(app, world):
    given, waiting = waiting_and_answered(app, world)
    admin = admin_client(app)
    uid = world["lawyer_user_id"]
    answer = post_form(admin, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate",
                       {"reason": "离开中心", "state": state_of(admin, uid)})
    assert answer.status_code == 302
    page = admin.get(answer.location).get_data(as_text=True)
    assert "1 request for a legal opinion waiting for their answer was withdrawn" in page
    assert state(app, waiting) == "withdrawn" and state(app, given) == "answered"
    assert opinion_events(app, waiting)[-1] == ("withdraw", "system", REASON)
    assert opinion_events(app, given)[-1][0] == "answer"
    assert notes_of(app, world["mediator_id"]).count("opinion_lawyer_deactivated") == 1
    with app.app_context():
        # In one chain after the account's own event, and the log verifies.
        deactivated = db.session.execute(select(AuditEvent.id).where(
            AuditEvent.trigger == "user_deactivated", AuditEvent.entity_id == uid)).scalar_one()
        withdrawn = db.session.execute(select(AuditEvent.id).where(
            AuditEvent.entity_type == "legal_opinion", AuditEvent.entity_id == waiting,
            AuditEvent.trigger == "withdraw")).scalar_one()
        assert withdrawn > deactivated
        assert verify() == []
    mediator = client_of(app, world["mediator"])
    english(mediator)
    inbox = mediator.get("/notifications/").get_data(as_text=True)
    assert f"The account of {world['lawyer_name']} was deactivated" in inbox
    assert REASON in unescape(mediator.get(f"/cases/{world['case']}").get_data(as_text=True))


def test_the_cli_deactivates_the_same_way_and_reactivating_brings_nothing_back(app, world):
    given, waiting = waiting_and_answered(app, world)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "deactivate", world["lawyer_user"], "--reason", "离开中心"])
    assert out.exit_code == 0, out.output
    assert "1 request for a legal opinion waiting for their answer was withdrawn" in out.output
    assert state(app, waiting) == "withdrawn" and state(app, given) == "answered"
    assert opinion_events(app, waiting)[-1] == ("withdraw", "system", REASON)
    assert "opinion_lawyer_deactivated" in notes_of(app, world["mediator_id"])
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.trigger == "user_deactivated", AuditEvent.entity_id == world["lawyer_user_id"])).scalar_one()
        assert event.reason == "离开中心" and event.actor_id is None
    before = opinion_events(app, waiting), notes_of(app, world["mediator_id"])
    back = runner.invoke(args=["users", "reactivate", world["lawyer_user"]])
    assert back.exit_code == 0 and "reactivated" in back.output
    with app.app_context():
        assert db.session.get(User, world["lawyer_user_id"]).active
    assert state(app, waiting) == "withdrawn" and state(app, given) == "answered"
    assert (opinion_events(app, waiting), notes_of(app, world["mediator_id"])) == before
    again = runner.invoke(args=["users", "reactivate", world["lawyer_user"]])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert runner.invoke(args=["users", "deactivate", "nobody-here"]).exit_code != 0


def test_deactivating_an_account_of_no_lawyer_withdraws_nothing(app, world):
    assert ask(client_of(app, world["mediator"]), world["case"], world["lawyer"]).status_code == 302
    out = app.test_cli_runner().invoke(args=["users", "deactivate", world["other_mediator"]])
    assert out.exit_code == 0 and "legal opinion" not in out.output
    with app.app_context():
        assert db.session.execute(select(LegalOpinion.state)).scalars().all() == ["requested"]


def test_the_withdrawal_is_in_the_deactivations_transaction(app, world, monkeypatch):
    """A later listener failing undoes the withdrawal with the deactivation."""
    assert ask(client_of(app, world["mediator"]), world["case"], world["lawyer"]).status_code == 302

    def fails(user, actor, now):
        raise RuntimeError("a later listener failed")

    monkeypatch.setattr(accounts, "DEACTIVATION_LISTENERS", [*accounts.DEACTIVATION_LISTENERS, fails])
    with app.app_context():
        user = db.session.get(User, world["lawyer_user_id"])
        with pytest.raises(RuntimeError):
            accounts.set_active(user, False, None)
        db.session.rollback()
        assert db.session.get(User, world["lawyer_user_id"]).active
        assert db.session.execute(select(LegalOpinion.state)).scalars().all() == ["requested"]
        assert verify() == []
