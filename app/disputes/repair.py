"""Cases that a supervisor's return sent into mediation without acceptance
(before returns took an on-the-spot closure back to 现场化解): found, and
taken back through the engine with the operator's reason.

Such a case has no file number yet stands in a state past acceptance; it
drops out of both the on-the-spot and the agreement counts, and any mediator
of its community could record an agreement on it.
"""
from sqlalchemy import select

from workflows.dispute import UNACCEPTED_REPAIRABLE

from .. import engine
from ..extensions import db
from .models import Dispute

# Past acceptance, for listing: the repairable states, and those a case can
# reach from them (closed, archived, withdrawn) that need a person's judgement.
PAST_ACCEPTANCE = UNACCEPTED_REPAIRABLE + ("assigned", "accepted")


def unaccepted_cases(session=None) -> list[Dispute]:
    """Cases past acceptance that were never accepted, oldest first."""
    session = session or db.session
    return list(session.execute(
        select(Dispute).where(Dispute.file_seq.is_(None), Dispute.state.in_(PAST_ACCEPTANCE)).order_by(Dispute.id)
    ).scalars())


def repair(dispute: Dispute, actor, reason: str, *, to_intake: bool = False) -> Dispute:
    """Back to 现场化解 (or to 待受理 with `to_intake`), in one audited step."""
    trigger = "repair_unaccepted_to_intake" if to_intake else "repair_unaccepted"
    return engine.fire(dispute, trigger, actor, reason)
