"""The demo's departments and referrals: the five departments of "1+5+X"
with a liaison each (`liaison` answers for 市场监管), and referrals of the
demo mediator's community's open cases in every state of the workflow, some
of them overdue and escalated by the timer."""
from __future__ import annotations

import itertools
import secrets
from datetime import timedelta

from sqlalchemy import select

from .. import clock, engine
from ..auth.models import User
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..disputes.models import Dispute
from ..engine.timers import tick
from ..extensions import db
from ..org.models import Department
from .codes import DEFAULT_DEPARTMENTS
from .models import Referral
from .service import refer

LIAISONS = {"市场监管": ("liaison", "赵联络"), "公安": ("liaison_police", "钱警官"),
            "行政执法": ("liaison_enforcement", "孙执法"), "应急": ("liaison_emergency", "李应急"),
            "环保": ("liaison_environment", "周环保")}
REQUESTS = {
    "市场监管": ("enforce", "小区底商餐馆油烟直排、夜间噪声扰民，请依法检查处理并反馈结果。"),
    "公安": ("inspect", "双方多次发生肢体冲突，请社区民警到场劝导并出具情况说明。"),
    "行政执法": ("enforce", "一楼住户私搭乱建占用公共通道，请核查并依法处理。"),
    "应急": ("inspect", "楼道堆放电动车电池及杂物，存在消防隐患，请到场检查。"),
    "环保": ("verify_facts", "居民反映附近作坊排放异味，请检测并出具意见。"),
}
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
        # The demo mediator's community first, so that `mediator` sees them.
        .order_by(Dispute.community_id != mediator.community_id, Dispute.id).limit(len(PLAN))).scalars())
    now = clock.now()
    # A small demo year may have fewer open cases than the plan: a case then
    # carries several referrals (to different departments), as real ones do;
    # with none open at all, a report of the demo mediator's community waits.
    if not cases:
        cases.append(open_case(NewCase(
            dispute_type="neighbour", community_id=mediator.community_id, place="幸福路12号院底商",
            facts="居民反映底商经营扰民，请求协调处理。",
            parties=[PartyDetails("applicant", "居民甲", "13905350001")]),
            "demo", mediator, {"demo": True}, channel="walk_in", now=now - timedelta(days=12)).case)
    made = 0
    for case, (name, hours_ago, steps) in zip(itertools.cycle(cases), PLAN):
        actor = case.assignee if case.assignee is not None else db.session.execute(
            select(User).where(User.role == "mediator", User.community_id == case.community_id)
            .order_by(User.username != "mediator", User.id).limit(1)).scalar_one()
        kind, request = REQUESTS[name]
        if hours_ago is None:
            draft = Referral(dispute=case, department=depts[name], kind=kind, request=request,
                             created_by_id=actor.id, created_at=now, returns=0)
            engine.create(draft, actor, {"department": name, "kind": kind, "request": request}, now=now)
            made += 1
            continue
        sent_at = now - timedelta(hours=hours_ago)
        referral = refer(case, depts[name].id, kind, request, actor, sent_at)
        at = sent_at
        for trigger in steps:
            at += timedelta(hours=1)
            who = liaisons[name] if trigger in ("acknowledge", "start_work", "answer") else actor
            data = {"answer": "已到场检查，责令当事方限期整改，整改情况已复查。"} if trigger == "answer" else {}
            engine.fire(referral, trigger, who, REASONS.get(trigger), now=at, **data)
        made += 1
    fired = tick(now=now, only={"referral"}, jobs=False).fired
    return (f"referrals: {len(depts)} departments, {len(liaisons)} liaisons (log in as liaison), {made} referrals, "
            f"{len(fired)} escalated by the timer")
