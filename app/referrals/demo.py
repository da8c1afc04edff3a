"""The demo's departments and referrals: the five departments of "1+5+X"
with a liaison each (`liaison` answers for 市场监管), and referrals of the
demo mediator's community's open cases in every state of the workflow, some
of them overdue and escalated by the timer."""
from __future__ import annotations

import secrets
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from .. import clock, engine
from ..auth.models import User
from ..disputes import codes
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..disputes.models import Dispute
from ..engine.timers import tick
from ..extensions import db
from ..i18n import translate
from ..org.models import Department
from .codes import DEFAULT_DEPARTMENTS
from .models import Referral
from .service import refer

LIAISONS = {"市场监管": ("liaison", "赵联络"), "公安": ("liaison_police", "钱警官"),
            "行政执法": ("liaison_enforcement", "孙执法"), "应急": ("liaison_emergency", "李应急"),
            "环保": ("liaison_environment", "周环保")}
# What a department is asked depends on what the case is about (a request
# about kitchen fumes on a rent-deposit case read as nonsense); the kind of
# request on the department.
KINDS = {"市场监管": "enforce", "公安": "inspect", "行政执法": "enforce", "应急": "inspect", "环保": "verify_facts"}
BUSINESS = "请核查涉事经营者的经营行为，依法处理并反馈结果。"
LAND = "请核查有关土地、房屋的界址和审批情况，并出具意见。"
LOSS = "请调取现场记录、核实损失情况并出具意见。"
ESTATE = "请核查小区公共部位及停车管理情况，并依法处理。"
ASKS = {
    "marriage_family": "一方反映受到家庭暴力威胁，请到场了解情况并协助做好安全防范。",
    "neighbour": "双方因漏水、噪声等问题多次争执，请到场核查并出具情况说明。",
    "housing_land": LAND, "forest_land": LAND, "expropriation": LAND,
    "contract": BUSINESS, "business": BUSINESS, "consumer": BUSINESS,
    "damages": LOSS, "traffic": LOSS,
    "pollution": "请对现场噪声、异味等情况进行检测并出具意见。",
    "labour": "请核查用工及工资支付情况，依法处理并反馈结果。",
    "medical": "请协调核实诊疗经过并出具意见。",
    "property_mgmt": ESTATE, "parking": ESTATE,
}


# The cases a department is sent, by what they are about (the demo's choice: a
# mediator refers any case anywhere): a domestic-violence threat goes to the
# police, not to market regulation.
FITS = {
    "市场监管": ("business", "consumer", "contract", "property_mgmt", "labour"),
    "公安": ("marriage_family", "traffic", "damages", "neighbour"),
    "行政执法": ("housing_land", "expropriation", "forest_land", "parking", "property_mgmt"),
    "应急": ("housing_land", "neighbour", "property_mgmt"),
    "环保": ("pollution", "neighbour"),
}
# Sent an hour at least after the case came in.
AFTER_INTAKE = timedelta(hours=1)


def _request(case: Dispute, department: str) -> tuple[str, str]:
    matter = translate(codes.DISPUTE_TYPES.get(case.dispute_type, codes.DISPUTE_TYPES["other"]), "zh_Hans_CN")
    place = f"{case.place}的" if case.place else ""
    ask = ASKS.get(case.dispute_type, "请到场了解情况并反馈处理意见。")
    return KINDS[department], f"关于{place}{matter}纠纷：{ask}"


# (department, hours before now it was sent, steps taken after it), one per
# state of the workflow; the timer adds the escalations.
PLAN = [
    ("市场监管", None, ()),                                   # 待派单
    ("市场监管", 2, ()),                                       # 已派单, on track
    ("市场监管", 30, ()),                                      # not acknowledged: escalated
    ("市场监管", 20, ("acknowledge",)),                        # 已签收
    ("市场监管", 48, ("acknowledge", "start_work")),           # 办理中
    ("市场监管", 24 * 9, ("acknowledge", "start_work")),       # answer overdue: escalated
    ("市场监管", 72, ("acknowledge", "answer")),               # 已反馈
    ("公安", 24 * 5, ("acknowledge", "answer", "accept_answer")),  # 已核验
    ("行政执法", 24 * 4, ("acknowledge", "answer", "return_for_redo")),  # 退回重办 → 办理中
    ("应急", 24 * 3, ("withdraw",)),                           # 已撤回
    ("环保", 26, ()),                                           # not acknowledged: escalated
]
REASONS = {"return_for_redo": "请补充现场检查记录和整改照片。", "withdraw": "当事人已自行和解，无需部门处理。"}


def _cases_for_plan(cases: list[Dispute], now, mediator) -> list[Dispute]:
    """A case for each entry of PLAN, from `cases` in their order (the demo
    mediator's community first), one the department fits: one that came in
    before the referral's planned time, each used once while such a case is
    left, else used again (a case carries several referrals, as real ones
    do); else the oldest fitting one (the referral then goes out after its
    intake, later than planned). A small demo year may have no fitting case:
    one is made in the demo mediator's community, a report that came in a day
    before the referral."""
    used: Counter[int] = Counter()
    chosen = []
    for name, hours_ago, _steps in PLAN:
        sent = now - timedelta(hours=hours_ago or 0)
        fitting = [c for c in cases if c.dispute_type in FITS[name]]
        in_time = [c for c in fitting if c.created_at + AFTER_INTAKE <= sent]
        # The least used first (in the cases' order among equals): a department's list shows several cases.
        case = min(in_time, key=lambda c: used[c.id], default=None) \
            or min(fitting, key=lambda c: c.created_at, default=None)
        if case is None:
            case = _walk_in(FITS[name][0], mediator, sent - timedelta(days=1))
            cases.append(case)
        used[case.id] += 1
        chosen.append(case)
    return chosen


# What the walk-ins made for the departments are about (FITS' first type of each).
WALK_INS = {
    "business": ("幸福路12号院底商", "居民反映底商经营扰民，多次协商未果，请求协调处理。"),
    "marriage_family": ("幸福路8号院2号楼", "一方反映配偶酒后多次争吵并扬言动手，请求调解并保障安全。"),
    "housing_land": ("幸福路3号院", "两户因院墙界址和翻建房屋发生争执，请求调解。"),
    "pollution": ("幸福路15号底商", "居民反映烧烤店油烟和夜间噪声扰民，请求协调处理。"),
}


def _walk_in(dispute_type: str, mediator, at) -> Dispute:
    place, facts = WALK_INS[dispute_type]
    return open_case(NewCase(
        dispute_type=dispute_type, community_id=mediator.community_id, place=place, facts=facts,
        parties=[PartyDetails("applicant", "居民甲", "13905350001"), PartyDetails("respondent", "居民乙")]),
        "demo", mediator, {"demo": True}, channel="walk_in", now=at).case


def departments() -> dict[str, Department]:
    """The five default departments (the migration inserts them; a database
    made without migrations gets them here)."""
    found = {d.name: d for d in db.session.execute(
        select(Department).where(Department.street_id.is_(None))).scalars()}
    for name in DEFAULT_DEPARTMENTS:
        if name not in found:
            found[name] = Department(name=name, street_id=None, ack_hours=24, answer_days=7, active=True)
            db.session.add(found[name])
    db.session.flush()
    return found


def _liaisons(depts, password_hash) -> dict[str, User]:
    users = {}
    for name, (username, display) in LIAISONS.items():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            user = User(username=username, display_name=display, role="liaison", password_hash=password_hash,
                        session_token=secrets.token_hex(16), active=True, department_id=depts[name].id)
            db.session.add(user)
        users[name] = user
    db.session.commit()
    return users


def load(seed: int) -> str:
    mediator = db.session.execute(select(User).where(User.username == "mediator")).scalar_one_or_none()
    if mediator is None:
        return "referrals: no demo mediator, nothing made"
    depts = departments()
    liaisons = _liaisons(depts, mediator.password_hash)
    if db.session.execute(select(Referral.id).limit(1)).first() is not None:
        return "referrals: already loaded"
    cases = list(db.session.execute(
        select(Dispute).where(Dispute.state.in_(("submitted", "accepted", "assigned", "mediating")))
        # The demo mediator's community first, so that `mediator` sees them; accepted cases before reports
        # (a mediator may refer a report before accepting it, but seldom does).
        .order_by(Dispute.community_id != mediator.community_id, Dispute.state == "submitted", Dispute.id)
        .limit(len(PLAN) * 20)).scalars())
    now = clock.now()
    made = 0
    chosen = _cases_for_plan(cases, now, mediator)
    for case, (name, hours_ago, steps) in zip(chosen, PLAN):
        actor = case.assignee if case.assignee is not None else db.session.execute(
            select(User).where(User.role == "mediator", User.community_id == case.community_id)
            .order_by(User.username != "mediator", User.id).limit(1)).scalar_one()
        kind, request = _request(case, name)
        if hours_ago is None:
            draft = Referral(dispute=case, department=depts[name], kind=kind, request=request,
                             created_by_id=actor.id, created_at=now, returns=0)
            engine.create(draft, actor, {"department": name, "kind": kind, "request": request}, now=now)
            made += 1
            continue
        sent_at = min(max(now - timedelta(hours=hours_ago), case.created_at + AFTER_INTAKE), now)
        referral = refer(case, depts[name].id, kind, request, actor, sent_at)
        # An hour between steps, less when the referral went out later than planned: none after now.
        gap = min(timedelta(hours=1), (now - sent_at) / (len(steps) + 1))
        at = sent_at
        for trigger in steps:
            at += gap
            who = liaisons[name] if trigger in ("acknowledge", "start_work", "answer") else actor
            data = {"answer": "已到场检查，责令当事方限期整改，整改情况已复查。"} if trigger == "answer" else {}
            engine.fire(referral, trigger, who, REASONS.get(trigger), now=at, **data)
        made += 1
    fired = tick(now=now, only={"referral"}, jobs=False).fired
    return (f"referrals: {len(depts)} departments, {len(liaisons)} liaisons (log in as liaison), {made} referrals, "
            f"{len(fired)} escalated by the timer")
