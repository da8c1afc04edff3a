"""Demo data for supervisors: the street supervisor's reviews of the demo's
closed cases (the city builder signs off the archived ones as it goes, see
sign_off_closure), one closure returned to its mediator with a comment, one
of the demo mediator's signed off and left for them to archive, the rest left
awaiting sign-off; and a city supervisor account."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import clock, engine
from ..auth.models import User
from ..auth.passwords import hash_password
from ..extensions import db
from .models import SignOff
from .rules import latest_signoff

SIGN_OFF_NOTES = ("结案材料齐全，同意结案。", "调解过程规范，协议已履行，同意归档。", None)
RETURN_COMMENT = "结案小结未写明履行情况和回访结果，请补充回访记录后重新结案。"


def sign_off_closure(dispute, supervisor, at) -> None:
    """Sign the closure of a demo case off just before it is archived."""
    review = latest_signoff(dispute.id)
    note = SIGN_OFF_NOTES[dispute.id % len(SIGN_OFF_NOTES)]
    engine.fire(review, "sign_off", supervisor, now=at, comment=note)


def _sign_off_one_of_the_demo_mediator_s(awaiting) -> int:
    """Sign off the newest of the demo mediator's awaiting closures, so that
    their "my cases" has a case waiting for them to archive it."""
    mediator = db.session.execute(select(User).where(User.username == "mediator")).scalar_one_or_none()
    theirs = [r for r in awaiting if mediator is not None and r.dispute.assignee_id == mediator.id]
    if len(theirs) < 2:  # one is left awaiting, for that group
        return 0
    review = theirs[-1]
    supervisor = db.session.execute(
        select(User).where(User.role == "supervisor", User.street_id == review.street_id).order_by(User.id)
    ).scalars().first()
    if supervisor is None:
        return 0
    engine.fire(review, "sign_off", supervisor, now=min(review.closed_at + timedelta(days=1), clock.now()),
                comment=SIGN_OFF_NOTES[0])
    return 1


def load(seed: int) -> str:
    """Return one awaiting closure (the oldest) to its mediator; sign one of
    the demo mediator's off (for them to archive); add a city supervisor (no
    street) who sees the whole city."""
    returned = 0
    awaiting = list(db.session.execute(
        select(SignOff).where(SignOff.state == "awaiting").order_by(SignOff.closed_at, SignOff.id)
    ).scalars())
    if awaiting:
        review = awaiting[0]
        supervisor = db.session.execute(
            select(User).where(User.role == "supervisor", User.street_id == review.street_id).order_by(User.id)
        ).scalars().first()
        if supervisor is not None:
            at = min(review.closed_at + timedelta(days=1), clock.now())
            engine.fire(review, "return_case", supervisor, now=at, comment=RETURN_COMMENT)
            returned = 1
    signed_for_demo = _sign_off_one_of_the_demo_mediator_s(awaiting[returned:])
    city = db.session.execute(select(User).where(User.username == "citysupervisor")).scalar_one_or_none()
    if city is None:
        db.session.add(User(username="citysupervisor", display_name="孙督导（市）", role="supervisor",
                            password_hash=hash_password(current_app.config["DEMO_PASSWORD"]),
                            session_token=secrets.token_hex(16), active=True))
        db.session.commit()
    signed = db.session.execute(select(SignOff.id).where(SignOff.state == "signed_off")).all()
    waiting = len(awaiting) - returned - signed_for_demo
    return (f"supervision: {len(signed)} closures signed off, {waiting} awaiting sign-off, {returned} returned "
            f"to the mediator; city supervisor 'citysupervisor'")
