"""Judicial confirmation (司法确认) in the demo: two cases of the demo
mediator's community whose agreements the parties took to the court within
the 30 days (People's Mediation Law art. 33), moved through the engine: two
of the year's cases whose windows are open, or, in a demo too small to have
them, two built like the year's (app/demo/build.py):

- one the court confirmed valid (its agreement agreed or being performed);
- one the court rejected, which the mediator then took back into mediation
  (`mediate_after_rejection`), with its new 30-day period running."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from .. import clock
from ..audit.models import AuditEvent
from ..auth.models import User
from ..disputes.agreement import confirmation_window
from ..disputes.codes import CONFIRMED, REJECTED
from ..disputes.intake import NewCase, PartyDetails, build as build_case
from ..disputes.judicial import judicial_confirmation
from ..disputes.models import Dispute
from ..disputes.rules import signer_choices
from ..engine import create, fire
from ..extensions import db
from ..org.models import Community, Grid
from . import people
from .build import AMOUNTS, FACTS, _data_for, _session

COURT = "莱阳市人民法院"
# (type, days ago it was registered, the ruling, the court's reasons as the mediator noted them,
#  why the mediator took it back into mediation)
CASES = [
    ("neighbour", 24, CONFIRMED, "协议内容合法有效，裁定确认。", None),
    ("contract", 22, REJECTED, "协议约定的违约金明显过高，部分条款违反法律规定，裁定驳回申请。",
     "法院裁定驳回司法确认申请；双方同意重新调解，变更违约金条款。"),
]


def _first(role: str, **where):
    query = select(User).where(User.role == role, User.active.is_(True))
    for name, value in where.items():
        query = query.where(getattr(User, name) == value)
    return db.session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()


def _candidates(community_id: int, mediator_id: int) -> list[Dispute]:
    """The year's cases of the demo mediator whose agreement's window is still
    open and not yet applied for, the most recent first."""
    found = db.session.execute(
        select(Dispute).where(Dispute.community_id == community_id, Dispute.assignee_id == mediator_id,
                              Dispute.state.in_(("agreed", "performing")))
        .order_by(Dispute.agreed_at.desc(), Dispute.id)).scalars()
    return [d for d in found if (window := confirmation_window(d)) is not None and window.is_open
            and not judicial_confirmation(d).applied]


def _built(kind, days_ago, community, grid, mediator, reporter, rng, now) -> Dispute:
    """A case like the year's, written agreement signed and being performed."""
    today = clock.local_date(now)
    at = now - timedelta(days=days_ago)
    # File numbers follow acceptance: accepted after every case the demo has accepted so far, its steps
    # then share the time left before now (the judicial steps share what remains after them).
    last = db.session.execute(select(func.max(AuditEvent.at)).where(AuditEvent.trigger == "accept")).scalar()
    if last is not None and last >= at:
        at = last + (now - last) / 20
    step = min(timedelta(days=1), (now - at) / 10)
    case = NewCase(dispute_type=kind, facts=FACTS[kind], grid_id=grid.id,
                   place=f"{community.name}{rng.randint(1, 30)}号楼", amount=AMOUNTS[kind][-1],
                   people_count=2, risk="low",
                   parties=[PartyDetails("applicant", "—"), PartyDetails("respondent", "—")])
    dispute = build_case(case, "demo", reporter, channel="walk_in", now=at)
    for party in dispute.parties:
        for name, value in people.details(rng, party.role, today, community.name).items():
            setattr(party, name, value)
    create(dispute, reporter, {"channel": "walk_in", "dispute_type": kind}, now=at)
    for trigger, after in (("accept", 0), ("assign", 0), ("start_mediation", 1), ("agree", 3)):
        at += step * after + step / 12
        data, reason = _data_for(trigger, dispute, mediator, rng)
        if trigger == "agree":
            data["form"] = "written"
            _session(dispute, mediator, at - step / 24)
        fire(dispute, trigger, mediator, reason, now=at, **data)
    fire(dispute, "sign", mediator, now=at, signed_on=clock.local_date(at),
         signers=[key for key, _name in signer_choices(dispute)])
    fire(dispute, "start_performance", mediator, now=at + step)
    return dispute


def load(seed: int) -> str:
    """Two of the year's cases whose windows are open (a small demo, without
    them, gets two built for it: a full one keeps the seed's rates)."""
    rng = random.Random(seed + 33)
    community = db.session.execute(select(Community).order_by(Community.id).limit(1)).scalar_one_or_none()
    if community is None:
        return "judicial confirmation: no city loaded"
    grid = db.session.execute(select(Grid).where(Grid.community_id == community.id).order_by(Grid.id)
                              .limit(1)).scalar_one()
    mediator = _first("mediator", community_id=community.id)
    reporter = _first("gridworker", grid_id=grid.id) or mediator
    now = clock.now()
    found = _candidates(community.id, mediator.id)
    made = []
    for n, (kind, days_ago, ruling, note, again) in enumerate(CASES):
        dispute = found[n] if n < len(found) else _built(kind, days_ago, community, grid, mediator, reporter,
                                                         rng, now)
        # The steps share the time from the case's last step to now, in order.
        start = dispute.changed_at
        gap = (now - start) / 4
        at = start + gap
        fire(dispute, "apply_confirmation", mediator, now=at, applied_on=clock.local_date(at), court=COURT)
        at += gap
        fire(dispute, "record_ruling", mediator, note, now=at, ruled_on=clock.local_date(at), ruling=ruling)
        if again:
            fire(dispute, "mediate_after_rejection", mediator, again, now=at + gap)
        made.append(dispute.file_no)
    return f"judicial confirmation: {len(made)} cases applied for ({', '.join(made)}), one confirmed, one rejected " \
           f"and back in mediation"
