"""Demo data for the council of elders: a dozen elders of the street across
its communities (all five kinds, their strong dispute types, dialects, a few
unavailable days and declared relations), the demo `elder` account linked to
张德厚 of 东关社区, and invitations in each state on the demo cases of that
community, made through the engine at their own times so that their
histories are real. One open case is left for the demo mediator to ask for
elders, with one elder flagged by a declared relation and one by surname and
grid."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..audit.chain import record
from ..auth.models import User
from ..disputes.models import Dispute
from ..engine.core import SYSTEM_ACTOR, fire
from ..extensions import db
from ..org.models import Community, Street
from . import steps
from .models import Elder, ElderRelation, ElderUnavailability
from .rules import CASE_STATES

# name, kind, community index, strong types, dialects, most at once, active
ELDERS = [
    ("张德厚", "teacher", 0, ["neighbour", "marriage_family"], "普通话、莱阳话", 3, True),
    ("李淑珍", "model_worker", 0, ["marriage_family", "neighbour", "property_mgmt"], "莱阳话", 2, True),
    ("王建国", "cadre", 0, ["housing_land", "expropriation", "neighbour"], "普通话", 2, True),
    ("刘振华", "veteran", 1, ["neighbour", "parking", "traffic"], "普通话、莱阳话", 2, True),
    ("陈秀英", "teacher", 1, ["marriage_family"], "莱阳话", 2, True),
    ("赵志刚", "expert", 2, ["property_mgmt", "damages", "consumer"], "普通话", 3, True),
    ("孙桂兰", "model_worker", 2, ["labour", "neighbour"], "莱阳话", 2, True),
    ("周德胜", "cadre", 3, ["housing_land", "forest_land", "expropriation"], "普通话、胶东话", 2, True),
    ("吴玉梅", "teacher", 4, ["marriage_family", "neighbour"], "莱阳话", 2, True),
    ("郑国庆", "veteran", 5, ["damages", "traffic"], "普通话", 1, True),
    ("黄明亮", "expert", 6, ["medical", "damages"], "普通话", 2, True),
    ("马春梅", "cadre", 7, ["labour", "contract"], "普通话", 2, False),
]

REPORT = ("与双方分别谈心，讲清相邻关系中互谅互让的道理，现场查看了漏水位置。",
          "建议由物业出具维修方案，双方按责任比例分担费用并写入书面协议。")


def _elders(street, communities, rng_phone) -> list[Elder]:
    now = clock.now()
    made = []
    for i, (name, kind, ci, types, dialects, most, active) in enumerate(ELDERS):
        community = communities[ci]
        grid = community.grids[i % len(community.grids)] if community.grids else None
        made.append(Elder(
            name=name, category=kind, street_id=street.id, community_id=community.id,
            grid_id=grid.id if grid else None, address=f"{community.name}{10 + i}号楼{1 + i % 3}单元",
            phone=f"139{rng_phone + i:08d}", expertise=types, languages=dialects, max_concurrent=most,
            active=active, created_at=now, changed_at=now,
            notes=None if active else "2026年起因身体原因不再参加和事会工作。",
        ))
    db.session.add_all(made)
    db.session.flush()
    return made


def _open_cases(community_id) -> list[Dispute]:
    return list(db.session.execute(
        select(Dispute).where(Dispute.community_id == community_id, Dispute.state.in_(CASE_STATES),
                              Dispute.assignee_id.is_not(None))
        .order_by(Dispute.id)
    ).scalars())


def _at(moment):
    clock.set_now(moment)
    return moment


def _story(dispute, elder, elder_user, steps_to_take, start):
    """Invite at `start` for a session two days later, then take the steps."""
    mediator = dispute.assignee
    t = _at(start)
    a = steps.invite(dispute, elder, mediator, session_at=t + timedelta(days=2), session_place="社区人民调解室",
                     override_reason="双方当事人均表示信任，同意由其参与调解" if _flagged(elder, dispute) else None)
    for trigger in steps_to_take:
        if trigger == "accept":
            steps.act(a, "accept", elder_user, now=_at(t + timedelta(hours=5)))
        elif trigger == "decline":
            steps.act(a, "decline", elder_user, "近期在外地照顾孙辈，无法参加。", now=_at(t + timedelta(hours=20)))
        elif trigger == "expire":
            fire(a, "expire", SYSTEM_ACTOR, now=_at(a.due_at))
        elif trigger == "start_session":
            steps.act(a, "start_session", mediator, now=_at(a.session_at))
        elif trigger == "file_report":
            steps.act(a, "file_report", elder_user, now=_at(a.session_at + timedelta(hours=3)),
                      work_done=REPORT[0], advice=REPORT[1], report_outcome="settled")
        elif trigger == "confirm":
            steps.act(a, "confirm", mediator, now=_at(a.session_at + timedelta(days=1)))
    return a


def _flagged(elder, dispute) -> bool:
    from .candidates import conflicts_of

    return bool(conflicts_of(elder, dispute))


def load(seed: int) -> str:
    street = db.session.execute(select(Street).order_by(Street.id)).scalars().first()
    if street is None:
        return "elders: no street, nothing loaded"
    communities = list(db.session.execute(
        select(Community).where(Community.street_id == street.id).order_by(Community.id)).scalars())
    cases = _open_cases(communities[0].id)
    showcase = cases[-1] if cases else None
    elders = _elders(street, communities, seed * 1000)
    zhang, li, wang = elders[0], elders[1], elders[2]
    account = db.session.execute(select(User).where(User.username == "elder")).scalar_one_or_none()
    if account is not None:
        zhang.user_id = account.id
    today = clock.today()
    li.unavailable.append(ElderUnavailability(start_on=today + timedelta(days=3), end_on=today + timedelta(days=9),
                                              note="外出体检"))
    elders[3].unavailable.append(ElderUnavailability(start_on=today, end_on=today + timedelta(days=2),
                                                     note="家中有事"))
    if showcase is not None:
        # For the flags on the case left to try: a declared relation to one
        # party, and an elder of the party's surname living in the case's grid.
        party = showcase.parties[-1]
        li.relations.append(ElderRelation(name=party.name, relation="relative"))
        wang.name, wang.grid_id = party.name[0] + wang.name[1:], showcase.grid_id
    _audit_roster(elders)

    real_now = clock.now()
    made = 0
    try:
        plan = [
            (zhang, ["accept", "start_session", "file_report", "confirm"], timedelta(days=20)),
            (wang, ["decline"], timedelta(days=12)),
            (li, ["expire"], timedelta(days=8)),
            (zhang, ["accept"], timedelta(hours=30)),
            (zhang, [], timedelta(hours=3)),
        ]
        for (elder, path, ago), dispute in zip(plan, cases[:-1]):
            user = account if elder is zhang else _elder_account(elder) if "decline" in path else None
            _story(dispute, elder, user, path, real_now - ago)
            made += 1
    finally:
        clock.set_now(None)
    shown = f"; ask for elders on case {showcase.title} to see two of them flagged" if showcase else ""
    return (f"elders: {len(elders)} on the roster ({sum(e.active for e in elders)} active), "
            f"{made} invitations on demo cases, 'elder' is {zhang.name}{shown}")


def _audit_roster(elders) -> None:
    """The coordinator put them on the roster: one audited event each."""
    coordinator = db.session.execute(select(User).where(User.username == "coordinator")).scalar_one_or_none()
    db.session.flush()
    for e in elders:
        record("elder", e.id, "roster_add", coordinator or SYSTEM_ACTOR, data={
            "name": e.name, "category": e.category, "community_id": e.community_id, "grid_id": e.grid_id,
            "phone": e.phone, "expertise": e.expertise, "max_concurrent": e.max_concurrent, "active": e.active,
            "user_id": e.user_id, "relations": len(e.relations), "unavailable": len(e.unavailable),
        })
    db.session.commit()


def _elder_account(elder):
    """A login for an elder who answers in the demo (as the council's members do, by phone)."""
    from flask import current_app

    from ..auth.passwords import hash_password

    username = f"elder{elder.id:02d}"
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(username=username, display_name=elder.name, role="elder", street_id=elder.street_id,
                    community_id=elder.community_id, password_hash=hash_password(current_app.config["DEMO_PASSWORD"]),
                    session_token=secrets.token_hex(16), active=True)
        db.session.add(user)
        db.session.flush()
    elder.user_id = user.id
    db.session.commit()
    return user
