"""Demo data of the rota: 22 volunteer lawyers (the demo `lawyer` account is
刘律师), two public legal-service rooms, a city-level coordinator
(`citycoordinator`, no street), one Saturday the street's coordinator closes
the rooms (the statutory holidays are the holiday calendar's, app/workdays.py:
planning skips them without a holiday of the rota's own), the last five
Saturdays sat (checked in, consultations, one no-show) and the next quarter
published, with swaps in each state a user meets: one approved, one awaiting
the coordinator, one asking the demo lawyer.

Past steps are taken at their own time through the engine, so histories,
guards and the timer behave as they would have."""
from __future__ import annotations

import random
import secrets
from datetime import date, time, timedelta

from sqlalchemy import select

from .. import clock, engine, workdays
from ..auth.models import User
from ..extensions import db
from ..org.models import Community
from . import admin, consultations, planning
from .models import Duty, Lawyer, Room, SwapRequest
from .swaps import request_swap

FIRMS = ["山东莱阳正大律师事务所", "山东鹤山律师事务所", "莱阳五龙律师事务所", "山东梨乡律师事务所",
         "山东昌山律师事务所", "烟台旌旗律师事务所"]
AREAS = ["婚姻家庭", "劳动争议", "房屋买卖", "交通事故", "合同纠纷", "物业纠纷", "借贷纠纷", "土地承包", "消费维权"]
NAMES = ["刘律师", "王建国", "李秀英", "张志强", "陈丽华", "杨文军", "赵海燕", "黄玉兰", "周明亮", "吴春梅", "徐国庆",
         "孙桂芳", "胡德胜", "朱淑珍", "高永红", "林晓东", "何立新", "郭俊杰", "马建华", "罗文英", "梁志刚", "宋春燕"]
TOPICS = [
    ("consultation", "租房押金不退", "建议先与房东协商，保留租赁合同和转账记录；协商不成可申请调解或起诉。"),
    ("consultation", "离婚后子女抚养费", "抚养费可协商变更，也可向法院起诉要求增加，需提供收入和支出证明。"),
    ("legal_aid", "工伤赔偿", "符合法律援助条件，告知申请材料，转介法律援助中心。"),
    ("mediation", "邻居装修噪音", "建议由社区人民调解委员会组织双方调解。"),
    ("notary", "继承公证材料", "告知继承公证所需材料清单及公证处地址。"),
    ("appraisal", "交通事故伤残鉴定", "说明鉴定程序，提供有资质的鉴定机构联系方式。"),
]


def _users(role: str) -> list[User]:
    return list(db.session.execute(select(User).where(User.role == role).order_by(User.id)).scalars())


def _lawyers(rng, password_hash: str) -> list[tuple[Lawyer, User]]:
    """22 lawyers with logins; the demo account `lawyer` is the first."""
    demo_user = _users("lawyer")[0]
    people = []
    for i, name in enumerate(NAMES):
        if i == 0:
            user = demo_user
        else:
            user = User(username=f"lawyer{i + 1:02d}", display_name=name, role="lawyer", password_hash=password_hash,
                        session_token=secrets.token_hex(16), active=True, street_id=demo_user.street_id)
            db.session.add(user)
            db.session.flush()
        lawyer = Lawyer(name=name, firm=FIRMS[i % len(FIRMS)], practice_areas="、".join(rng.sample(AREAS, 2)),
                        phone=f"139{rng.randint(10000000, 99999999)}", active=True, user_id=user.id,
                        changed_at=clock.now(), changed_by_id=None)
        db.session.add(lawyer)
        people.append((lawyer, user))
    db.session.commit()
    return people


def _city_coordinator(password_hash: str) -> User:
    """A coordinator with no street: the city's holidays are theirs, and they
    see and act on the rota of every street."""
    user = db.session.execute(select(User).where(User.username == "citycoordinator")).scalar_one_or_none()
    if user is None:
        user = User(username="citycoordinator", display_name="钱协调（市）", role="coordinator",
                    password_hash=password_hash, session_token=secrets.token_hex(16), active=True)
        db.session.add(user)
        db.session.commit()
    return user


CLOSURE = "工作室消防安全检修（暂停坐班）"


def _closure_day(today: date) -> date:
    """The first Saturday six weeks or more ahead that the holiday calendar
    leaves open (not a statutory holiday)."""
    day = today + timedelta(days=(5 - today.weekday()) % 7 + 42)
    while workdays.statutory_holidays(day, day):
        day += timedelta(days=7)
    return day


def _at(day: date, hour: int, minute: int = 0):
    return clock.at_local(day, time(hour, minute))


def load(seed: int) -> str:
    if db.session.execute(select(Lawyer.id).limit(1)).first() is not None:
        return "rota: already loaded"
    rng = random.Random(seed)
    coordinator = _users("coordinator")[0]
    lawyer_user = _users("lawyer")[0]
    real_now = clock.now()
    today = clock.local_date(real_now)
    try:
        people = _lawyers(rng, lawyer_user.password_hash)
        _city_coordinator(lawyer_user.password_hash)
        communities = list(db.session.execute(select(Community).order_by(Community.id).limit(5)).scalars())
        east = Room(name="东关社区公共法律服务工作室", community_id=communities[0].id, seats=2, opens=time(9, 0),
                    closes=time(16, 30), active=True, changed_at=real_now)
        hill = Room(name="鹤山社区公共法律服务工作室", community_id=communities[4].id, seats=1, opens=time(9, 0),
                    closes=time(12, 0), active=True, changed_at=real_now)
        for room in (east, hill):
            db.session.add(room)
        db.session.commit()
        # The rota's own holidays are the days the centre closes the rooms
        # besides the statutory ones (which close them anyway, planning.closures):
        # one Saturday of the coming quarter, before it is planned.
        closed = _closure_day(today)
        admin.add_holiday(CLOSURE, closed, closed, coordinator)

        # Unavailable dates: most lawyers mark a few of the coming Saturdays.
        ahead = [today + timedelta(days=(5 - today.weekday()) % 7 + 7 * w) for w in range(1, 14)]
        for lawyer, _user in people[1:]:
            admin.set_unavailable(lawyer, set(rng.sample(ahead, rng.choice([0, 1, 2, 3]))))
        db.session.commit()

        past_count = _past_saturdays(people, coordinator, today, rng)
        clock.set_now(real_now)
        first, last = today + timedelta(days=1), today + timedelta(weeks=13)
        result = planning.generate(first, last, coordinator)
        published = planning.publish(first, last, coordinator)
        swaps = _swaps(people, coordinator, today, rng)
    finally:
        clock.set_now(None)
    return (f"rota: {len(people)} lawyers (the demo lawyer is {NAMES[0]}), 2 rooms, city coordinator "
            f"'citycoordinator', the rooms closed on {closed.isoformat()} (besides the statutory holidays), "
            f"{past_count} past duties, "
            f"{published} published for the next quarter ({len(result.unfilled)} seats unfilled), {swaps} swaps")


def _past_saturdays(people, coordinator, today, rng) -> int:
    """Five Saturdays already sat: planned and published a week before,
    checked in on the day (one no-show), consultations logged."""
    by_id = {lw.id: (lw, u) for lw, u in people}
    saturdays = [today - timedelta(days=(today.weekday() - 5) % 7 or 7) - timedelta(weeks=w) for w in range(4, -1, -1)]
    count = 0
    for n, day in enumerate(saturdays):
        clock.set_now(_at(day - timedelta(days=6), 10))
        planning.generate(day, day, coordinator)
        planning.publish(day, day, coordinator)
        duties = list(db.session.execute(select(Duty).where(Duty.day == day, Duty.state == "published")
                                         .order_by(Duty.id)).scalars())
        for i, duty in enumerate(duties):
            count += 1
            if n == 2 and i == 0:
                continue  # nobody came: the timer marks the no-show after midnight
            lawyer, user = by_id[duty.lawyer_id]
            clock.set_now(_at(day, 9, 5))
            engine.fire(duty, "check_in", user)
            for k in range(rng.randint(1, 3)):
                service, topic, advice = TOPICS[(n * 3 + i + k) % len(TOPICS)]
                clock.set_now(_at(day, 10 + k, 15))
                row = consultations.log(duty, user, {"service_type": service, "topic": topic, "advice": advice,
                                                     "outcome": "来访人表示理解"})
                if service == "legal_aid":
                    consultations.refer_legal_aid(row, user)
                elif service == "consultation" and n == 4 and i == 0:
                    consultations.to_case(row, user, {
                        "applicant_name": "孙八", "applicant_phone": "13612345678", "respondent_name": "房东周某",
                        "dispute_type": "contract", "facts": "租期届满，房东拒不退还押金两千元，经律师咨询后同意调解。"})
        # What the timer does after midnight (fired here for these duties only).
        for duty in duties:
            trigger = "no_show" if duty.state == "published" else "complete"
            engine.fire(duty, trigger, engine.SYSTEM_ACTOR, now=_at(day + timedelta(days=1), 0, 5))
    return count


def _swaps(people, coordinator, today, rng) -> int:
    """One approved swap of the demo lawyer's, one awaiting the coordinator,
    one sent to the demo lawyer to answer."""
    me, me_user = people[0]
    by_id = {lw.id: (lw, u) for lw, u in people}
    duties = list(db.session.execute(select(Duty).where(Duty.state == "published").order_by(Duty.day, Duty.id))
                  .scalars())
    made = 0

    def free_colleague(duty, exclude):
        sitting = {d.lawyer_id for d in duties if d.day == duty.day}
        for lawyer, user in people:
            if lawyer.id not in sitting and lawyer.id not in exclude and duty.day not in lawyer.unavailable_days:
                return lawyer, user
        return None

    mine = [d for d in duties if d.lawyer_id == me.id]
    if len(mine) >= 2:
        taker = free_colleague(mine[-1], {me.id})
        if taker:
            swap = request_swap(mine[-1], me, taker[0], "当天需出庭，麻烦帮忙顶班。", me_user)
            engine.fire(swap, "accept", taker[1])
            engine.fire(swap, "approve", coordinator)
            made += 1
    others = [d for d in duties if d.lawyer_id != me.id]
    if others:
        asker = by_id[others[len(others) // 2].lawyer_id]
        taker = free_colleague(others[len(others) // 2], {asker[0].id, me.id})
        if taker:
            swap = request_swap(others[len(others) // 2], asker[0], taker[0], "家中有事。", asker[1])
            engine.fire(swap, "accept", taker[1])
            made += 1
    for duty in others[len(others) // 2 + 1:]:
        if free_colleague(duty, set()) is not None and me.id not in {d.lawyer_id for d in duties if d.day == duty.day} \
                and duty.day not in me.unavailable_days \
                and not db.session.execute(select(SwapRequest.id).where(SwapRequest.duty_id == duty.id)).first():
            asker = by_id[duty.lawyer_id]
            request_swap(duty, asker[0], me, "能否帮忙顶一下这个周六？", asker[1])
            made += 1
            break
    return made
