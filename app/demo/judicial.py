"""Judicial confirmation (司法确认) in the demo: two cases of the demo
mediator's community whose written agreements the parties took to the court
within the 30 days (People's Mediation Law art. 33), built like the year's
cases (app/demo/build.py) and moved through the engine:

- one the court confirmed valid, being performed;
- one the court rejected, which the mediator then took back into mediation
  (`mediate_after_rejection`), with its new 30-day period running.

Recent, so that both windows were open when the parties applied."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..auth.models import User
from ..disputes.codes import CONFIRMED, REJECTED
from ..disputes.intake import NewCase, PartyDetails, build as build_case
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


def load(seed: int) -> str:
    rng = random.Random(seed + 33)
    community = db.session.execute(select(Community).order_by(Community.id).limit(1)).scalar_one_or_none()
    if community is None:
        return "judicial confirmation: no city loaded"
    grid = db.session.execute(select(Grid).where(Grid.community_id == community.id).order_by(Grid.id)
                              .limit(1)).scalar_one()
    mediator = _first("mediator", community_id=community.id)
    reporter = _first("gridworker", grid_id=grid.id) or mediator
    now = clock.now()
    today = clock.local_date(now)
    made = []
    for kind, days_ago, ruling, note, again in CASES:
        at = now - timedelta(days=days_ago)
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
            at += timedelta(days=after, hours=2)
            data, reason = _data_for(trigger, dispute, mediator, rng)
            if trigger == "agree":
                data["form"] = "written"
                _session(dispute, mediator, at - timedelta(hours=1))
            fire(dispute, trigger, mediator, reason, now=at, **data)
        fire(dispute, "sign", mediator, now=at, signed_on=clock.local_date(at),
             signers=[key for key, _name in signer_choices(dispute)])
        at += timedelta(days=1)
        fire(dispute, "start_performance", mediator, now=at)
        at += timedelta(days=2)
        fire(dispute, "apply_confirmation", mediator, now=at, applied_on=clock.local_date(at), court=COURT)
        at += timedelta(days=8)
        fire(dispute, "record_ruling", mediator, note, now=at, ruled_on=clock.local_date(at), ruling=ruling)
        if again:
            at += timedelta(days=2)
            fire(dispute, "mediate_after_rejection", mediator, again, now=min(at, now))
        made.append(dispute.file_no)
    return f"judicial confirmation: {len(made)} cases applied for ({', '.join(made)}), one confirmed, one rejected " \
           f"and back in mediation"
