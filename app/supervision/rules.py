"""How the sign-off review is tied to the dispute workflow.

- Closing a case opens a review (an effect of the dispute's `close`).
- Archiving needs the latest review signed off (guard `closure_signed_off`).
- Returning a review sends the case back into mediation: the return's
  effect fires the dispute's `reopen` in the same transaction, and `reopen`
  refuses to run any other way (guard `from_signoff_review`).
- Either decision tells the case's mediators, in its transaction (notices.py).
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, inspect, select

from .. import engine
from ..disputes.lists import CLOSED_AWAITING, CLOSED_TO_ARCHIVE
from ..disputes.models import Dispute
from ..engine.hooks import Hooks
from ..extensions import db
from .models import OUTCOME_OF_STATE, SignOff
from .notices import RETURNED, SIGNED_OFF, tell_the_mediators

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()


def latest_signoff(dispute_id: int) -> SignOff | None:
    return db.session.execute(
        select(SignOff).where(SignOff.dispute_id == dispute_id).order_by(SignOff.round.desc()).limit(1)
    ).scalar_one_or_none()


@hooks.guard("closure_signed_off")
def closure_signed_off(dispute, actor, data):
    review = latest_signoff(dispute.id)
    # A case closed before reviews existed has none; it may be archived as before.
    if review is not None and review.state != "signed_off":
        return _l("The closure awaits a supervisor's sign-off: the case can be archived once it is signed off.")
    return None


@hooks.guard("from_signoff_review")
def from_signoff_review(dispute, actor, data):
    if not data or not data.get("signoff_id"):
        return _l("A closed case is reopened by returning its sign-off review, with a comment.")
    return None


@hooks.guard("case_still_closed")
def case_still_closed(review, actor, data):
    if review.dispute.state != "closed":
        return _l("The case is no longer closed, so this review cannot return it.")
    return None


def _closed_from(dispute) -> str | None:
    """The state the case is being closed from: the engine has just moved
    `state`, and the attribute's history still holds the old value."""
    before = inspect(dispute).attrs.state.history.deleted
    return before[0] if before else None


@hooks.effect("dispute", "close")
def open_review(dispute, actor, data, now):
    source = _closed_from(dispute)
    if source is None:  # not reached through fire(); read what the row says
        source = "resolved_on_spot" if dispute.outcome and not dispute.file_no else (
            "refused" if dispute.refused_at else "failed" if dispute.route else "fulfilled")
    rounds = db.session.execute(
        select(func.count(SignOff.id)).where(SignOff.dispute_id == dispute.id)
    ).scalar()
    review = SignOff(
        dispute_id=dispute.id, round=rounds + 1, street_id=dispute.street_id, community_id=dispute.community_id,
        outcome=OUTCOME_OF_STATE[source], summary=data["summary"], closed_by_id=actor.id, closed_at=now,
    )
    engine.create(review, actor, {"dispute_id": dispute.id, "round": review.round, "closed_as": review.outcome},
                  now=now, commit=False)


@hooks.effect("dispute", "reopen")
@hooks.effect("dispute", "reopen_on_spot")
@hooks.effect("dispute", "reopen_for_intake")
def clear_closure(dispute, actor, data, now):
    dispute.closed_at = None


@hooks.effect("signoff", "sign_off")
def record_sign_off(review, actor, data, now):
    review.decided_by_id = actor.id
    review.decided_at = now
    review.comment = (data.get("comment") or "").strip() or None
    tell_the_mediators(review, SIGNED_OFF, actor, now)


@hooks.effect("signoff", "return_case")
def send_back(review, actor, data, now):
    comment = data["comment"].strip()
    review.decided_by_id = actor.id
    review.decided_at = now
    review.comment = comment
    engine.fire(review.dispute, reopen_trigger(review, bool(data.get("to_intake"))), actor, comment, now=now,
                commit=False, signoff_id=review.id)
    tell_the_mediators(review, RETURNED, actor, now)


def reopen_trigger(review, to_intake: bool) -> str:
    """Back to where the closure came from: a mediated case into mediation;
    an on-the-spot one to 现场化解, or to 待受理 when the supervisor says it
    needs real mediation (acceptance, a file number, a lead mediator)."""
    if to_intake:
        return "reopen_for_intake"  # refused by its guard for an accepted case
    return "reopen_on_spot" if review.outcome == "on_spot" else "reopen"


def reviews_of_case(dispute):
    """The case's timeline shows its sign-off reviews' steps."""
    return "signoff", select(SignOff.id).where(SignOff.dispute_id == dispute.id)


def closed_rank():
    """For "my cases" (disputes.lists.install_closure_stages): a closed case
    whose closure awaits its sign-off waits for a supervisor; the others (signed
    off, or closed before reviews existed) for their mediator to archive them.
    Only a case's latest review can be awaiting: each return ends one."""
    awaiting = select(SignOff.id).where(SignOff.dispute_id == Dispute.id, SignOff.state == "awaiting").exists()
    return case((awaiting, CLOSED_AWAITING), else_=CLOSED_TO_ARCHIVE)


def latest_state():
    """For "my cases": the state of a case's latest review (NULL without one),
    a column of the page's own statement."""
    return (select(SignOff.state).where(SignOff.dispute_id == Dispute.id)
            .order_by(SignOff.round.desc()).limit(1).correlate(Dispute).scalar_subquery())
