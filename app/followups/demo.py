"""Demo data for follow-ups and sweeps, made through the engine like the
rest, so every row has its history.

- Sweeps: each community's last eight weeks and the street's last three
  months, recorded by their people, naming who took part among the people
  the system knows (app/sweeps/demo.py: hence loaded after the departments'
  liaisons and the grid assistants); a few weeks missed (one of them by the
  demo accounts' own community, so its red shows on their pages), and the
  current periods planned.
- Two disputes found by the demo community's last sweep, registered from it.
- Follow-ups: the demo cases' agreements planned theirs as they were made;
  those more than ten days old were visited (the centre does its work), the
  recent ones become due, overdue or escalated by the timer; and the demo
  mediator gets one due today, one overdue and one escalated.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from workflows.followup import OPEN

from .. import clock, engine
from ..auth.models import User
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..disputes.models import Dispute
from ..engine.core import SYSTEM_ACTOR
from ..engine.timers import tick
from ..extensions import db
from ..org.models import Community, Street
from ..sweeps.codes import SWEEP_CHECKS
from ..sweeps.demo import participant_ids
from ..sweeps.models import Sweep
from ..sweeps.periods import period_of, previous, sweep_period_kind
from ..sweeps.service import find, new_sweep
from . import scheduling
from .models import FollowUp


FINDINGS = [
    "走访楼栋十二个、商户五家，未发现新的矛盾纠纷。",
    "发现邻里噪音纠纷一起，已现场劝导并登记。",
    "小区停车位争议仍在，物业已承诺本周内划线。",
    "排查出两户因漏水引发的纠纷苗头，已通知网格员跟进。",
    "走访独居老人三户，家庭关系和睦，无矛盾。",
    "发现工地欠薪苗头一起，已告知劳动监察并登记。",
]
# Those the system does not know (the alliance members it knows are chosen
# by app/sweeps/demo.py).
PARTICIPANTS = "物业经理、楼栋长"
WEEKS = 8
MONTHS = 3
FOUND = [
    ("parking", "3号楼前两户因车位归属发生争执，多次口角。", "孙建国", "周丽华"),
    ("neighbour", "楼上装修噪音扰民，楼下住户多次投诉未果。", "吴海燕", "郑志强"),
]


def _first(role: str, **where) -> User | None:
    query = select(User).where(User.role == role, User.active.is_(True))
    for name, value in where.items():
        query = query.where(getattr(User, name) == value)
    return db.session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()


def _periods(level: str, today, count: int) -> list:
    kind = sweep_period_kind(level)
    current = period_of(kind, today)
    periods = [current]
    for _ in range(count):
        periods.append(previous(kind, periods[-1]))
    return list(reversed(periods))


def _sweep_history(rng, level, street_id, community_id, recorders, today, now, miss) -> tuple[int, int]:
    """Plan, and record or miss, each period of one place; returns (recorded, missed)."""
    recorded = missed = 0
    periods = _periods(level, today, WEEKS if level == "community" else MONTHS)
    for i, period in enumerate(periods):
        if find(level, street_id, community_id, period.first) is not None:
            continue
        sweep = new_sweep(level, street_id, community_id, period.first, SYSTEM_ACTOR, period.starts_at)
        db.session.commit()
        current = i == len(periods) - 1
        if current or i in miss:
            if not current:
                engine.fire(sweep, "miss", SYSTEM_ACTOR, now=sweep.period_ends_at)
                missed += 1
            continue
        held = min(period.first + timedelta(days=rng.randint(0, (period.last - period.first).days)), today)
        at = clock.day_start(held) + timedelta(hours=rng.randint(9, 16))
        engine.fire(sweep, "record", rng.choice(recorders), now=min(at, now), held_on=held,
                    checked=rng.sample(list(SWEEP_CHECKS), 3), findings=rng.choice(FINDINGS),
                    participants=PARTICIPANTS, participant_ids=participant_ids(rng, street_id, community_id))
        recorded += 1
    return recorded, missed


def _sweeps(rng, now) -> tuple[int, int, Sweep | None]:
    today = clock.local_date(now)
    recorded = missed = 0
    demo_sweep = None
    communities = list(db.session.execute(select(Community).order_by(Community.id)).scalars())
    for n, community in enumerate(communities):
        recorders = [u for u in (_first("mediator", community_id=community.id),
                                 _first("gridworker", community_id=community.id)) if u]
        if not recorders:
            continue
        # The demo accounts' community missed the week three weeks ago; a few others a random week.
        miss = {WEEKS - 3} if n == 0 else ({rng.randint(0, WEEKS - 1)} if rng.random() < 0.3 else set())
        r, m = _sweep_history(rng, "community", community.street_id, community.id, recorders, today, now, miss)
        recorded, missed = recorded + r, missed + m
        if n == 0:
            demo_sweep = db.session.execute(
                select(Sweep).where(Sweep.community_id == community.id, Sweep.state == "done")
                .order_by(Sweep.period_start.desc()).limit(1)).scalar_one_or_none()
    for street in db.session.execute(select(Street).order_by(Street.id)).scalars():
        recorders = [u for u in (_first("supervisor", street_id=street.id),
                                 _first("coordinator", street_id=street.id)) if u]
        if recorders:
            r, m = _sweep_history(rng, "street", street.id, None, recorders, today, now, set())
            recorded, missed = recorded + r, missed + m
    return recorded, missed, demo_sweep


def _found_disputes(sweep: Sweep) -> int:
    """Register what the demo community's last sweep found, as a grid worker would from its page."""
    worker = _first("gridworker", community_id=sweep.community_id)
    if worker is None or worker.grid_id is None:
        return 0
    at = clock.day_start(sweep.held_on) + timedelta(hours=15)
    for dispute_type, facts, applicant, respondent in FOUND:
        case = NewCase(dispute_type=dispute_type, facts=facts, grid_id=worker.grid_id,
                       community_id=sweep.community_id, place=f"{sweep.place_name}3号楼", sweep_id=sweep.id,
                       parties=[PartyDetails("applicant", applicant, "13905351234"),
                                PartyDetails("respondent", respondent, "13705355678")])
        open_case(case, "sweep", worker, {"channel": "sweep", "dispute_type": dispute_type, "sweep_id": sweep.id},
                  now=at)
    return len(FOUND)


def _visit_old_followups(rng, now) -> int:
    """Follow-ups planned more than ten days ago were made, on their day."""
    old = db.session.execute(
        select(FollowUp.id).where(FollowUp.state.in_(OPEN), FollowUp.planned_for < now - timedelta(days=10))
        .order_by(FollowUp.id)
    ).scalars().all()
    for followup_id in old:
        followup = db.session.get(FollowUp, followup_id)
        mediator = followup.dispute.assignee
        if mediator is None or followup.dispute.state not in scheduling.AGREEMENT_STATES:
            continue
        at = followup.planned_for + timedelta(hours=rng.randint(10, 30))
        engine.fire(followup, "record_visit", mediator, now=at, method=rng.choice(["visit", "phone"]),
                    reached="双方当事人", fulfilment=rng.choice(["fully", "fully", "partly"]),
                    satisfaction=rng.choice(["satisfied", "satisfied", "basic"]), visited_on=clock.local_date(at),
                    notes="当事人表示正在按协议履行。")
    return len(old)


def _demo_mediator_work(now) -> int:
    """Give the demo mediator a follow-up due today, one overdue and one escalated: each an extra visit of a
    case that has none planned for that day (an agreement's own follow-up on the same day would be one
    visit listed twice, on the today page and the case's)."""
    mediator = db.session.execute(select(User).where(User.username == "mediator")).scalar_one_or_none()
    if mediator is None:
        return 0
    cases = db.session.execute(
        select(Dispute).where(Dispute.assignee_id == mediator.id, Dispute.state.in_(scheduling.AGREEMENT_STATES))
        .order_by(Dispute.id)
    ).scalars().all()
    today = clock.local_date(now)
    made = 0
    for days_ago in (0, 4, 6):
        day = today - timedelta(days=days_ago)
        dispute = next((d for d in cases if day not in scheduling.open_days(d.id)), None)
        if dispute is None:
            continue
        cases.remove(dispute)  # one extra visit per case, as before
        scheduling.plan(dispute, "extra", day, mediator, min(clock.day_start(day) - timedelta(days=3), now))
        db.session.commit()
        made += 1
    return made


def load(seed: int) -> str:
    rng = random.Random(seed + 6)
    now = clock.now()
    recorded, missed, demo_sweep = _sweeps(rng, now)
    found = _found_disputes(demo_sweep) if demo_sweep is not None else 0
    visited = _visit_old_followups(rng, now)
    extra = _demo_mediator_work(now)
    fired = tick(now=now, only={"followup", "sweep"}, jobs=False).fired
    followups = db.session.execute(select(FollowUp.state)).scalars().all()
    return (f"sweeps: {recorded} recorded, {missed} missed, {found} disputes found by them; follow-ups: "
            f"{len(followups)} ({visited} visited, {extra} for the demo mediator, {len(fired)} timer steps), "
            f"{sum(s in ('overdue', 'escalated') for s in followups)} overdue or escalated")
