"""A Laiyang-like city (DOMAIN.md §1): 1 street, 4 areas, 18 communities,
369 grids, 390 grid workers, one user per role and a mediator per community,
and a year of disputes of all 16 types, built by the intake service's
builder (parties with every registration field) and moved through the
engine, so that their histories are real. The year's 现场化解率 and 调解成功率
come out as the seed's (96.7%, 96.9%); mediated cases have session records."""
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from workflows import DISPUTE

from .. import clock
from ..auth.models import User
from ..auth.passwords import hash_password
from ..disputes import codes
from ..audit.chain import record
from ..disputes.intake import NewCase, PartyDetails, build as build_case
from ..disputes.models import MediationSession
from ..disputes.rules import signer_choices
from ..engine import create, fire
from ..extensions import db
from ..org import outlines as grid_outlines
from ..org.models import Area, Community, Grid, Street
from ..supervision.demo import sign_off_closure
from . import layout, people

STREET = "城厢街道"
AREAS = ["东片区", "西片区", "南片区", "北片区"]
COMMUNITIES = [
    "东关社区", "西关社区", "南关社区", "北关社区", "鹤山社区", "五龙社区", "梨乡社区", "富山社区", "旌旗社区",
    "清水社区", "昌山社区", "蚬河社区", "城东社区", "城西社区", "金山社区", "华山社区", "芦山社区", "柏林社区",
]
GRIDS_TOTAL = 369
# "一格一员" plus reserve: 390 full-time grid workers for 369 grids (the seed),
# the extra ones sharing the largest grids.
GRID_WORKERS_TOTAL = 390

# The seed's figures for the year: 现场化解率 96.7%, 调解成功率 96.9%.
ON_SPOT_SHARE = 0.967
SUCCESS_SHARE = 0.969

FACTS = {
    "marriage_family": "兄弟姐妹就老人赡养费用分担问题产生矛盾。",
    "neighbour": "楼上漏水导致楼下天花板受损，双方就维修费用发生争执。",
    "housing_land": "两户因宅基地界线不清发生争执。",
    "contract": "双方就装修合同的工程款结算发生争议。",
    "business": "合伙经营的小餐馆散伙后，双方就设备和盈余分配产生分歧。",
    "damages": "电动车与行人发生碰撞，就医疗费赔偿产生分歧。",
    "forest_land": "两村村民就承包山林的四至界线发生争执。",
    "expropriation": "旧村改造中，住户对房屋补偿面积的认定有异议。",
    "pollution": "沿街烧烤店油烟直排，楼上住户多次投诉。",
    "labour": "务工人员反映工程完工后工资未按时结清。",
    "consumer": "消费者购买的家电出现质量问题，与商家协商未果。",
    "medical": "患者家属对诊所的治疗费用和效果有异议。",
    "traffic": "两车在路口发生剐蹭，双方就责任和修车费用争执不下。",
    "property_mgmt": "业主拒交物业费，认为物业公司服务不到位。",
    "parking": "小区内车位被长期占用，业主之间多次发生口角。",
    "other": "邻居饲养的犬只夜间吠叫，影响他人休息。",
}

# Each kind's agreement (matters in dispute, responsibilities, what is agreed): an agreement
# reads as the settlement of its own case. "{amount}" is the agreed amount, in yuan; a case
# without an amount is settled by the words after "|" instead.
AGREEMENTS = {
    "marriage_family": ("赡养费用如何分担。", "各子女对父母均负有赡养义务。",
                        "兄弟姐妹按月分担赡养费，每月合计人民币{amount}元，于每月五日前交至老人账户。|兄弟姐妹轮流照料老人，每人每月一周，费用各自承担。"),
    "neighbour": ("维修费用的数额及承担。", "被申请人对漏水负全部责任；申请人对损失扩大无过错。",
                  "被申请人于十五日内一次性支付申请人维修费人民币{amount}元。|被申请人于十五日内请人修复申请人房屋受损的天花板及墙面。"),
    "housing_land": ("宅基地界线的确定。", "双方均有未按原批准图界用地的情形。",
                     "双方以镇政府原批准图界为准重新立界，界桩费用人民币{amount}元由双方平均负担。|双方以镇政府原批准图界为准，于十日内共同重新立界。"),
    "contract": ("装修工程款的结算。", "施工方部分工程未按约定完成，业主迟延付款。",
                 "业主于十日内向施工方支付剩余工程款人民币{amount}元，施工方于付款前完成未完工程。|施工方于二十日内完成未完工程，业主验收后结清工程款。"),
    "business": ("设备及盈余的分配。", "双方合伙账目清楚，各按出资比例分配。",
                 "一方于十日内向另一方支付盈余及设备折价款人民币{amount}元，设备归付款方所有。|设备按出资比例分割，盈余由双方平分。"),
    "damages": ("医疗费的数额及承担。", "电动车驾驶人负主要责任，行人负次要责任。",
                "电动车驾驶人于七日内一次性赔偿行人医疗费等各项损失人民币{amount}元。|电动车驾驶人承担行人的全部医疗费，凭票据于七日内结清。"),
    "forest_land": ("承包山林四至界线的确定。", "双方所持承包合同的界线描述不一致。",
                    "双方以一九九八年林权证附图为准确定界线，测量费用人民币{amount}元由双方平均负担。|双方以一九九八年林权证附图为准，于一个月内共同现场确认界线。"),
    "expropriation": ("房屋补偿面积的认定。", "原测量遗漏了住户自建的附属用房。",
                      "改造指挥部对遗漏的附属用房另行补偿人民币{amount}元，于三十日内支付。|改造指挥部于三十日内重新测量附属用房，按原补偿标准补偿。"),
    "pollution": ("油烟排放的整改及对住户的补偿。", "烧烤店未安装油烟净化设施，应负全部责任。",
                  "烧烤店于十五日内安装油烟净化设施并改为高空排放，并一次性补偿楼上住户人民币{amount}元。|烧烤店于十五日内安装油烟净化设施并改为高空排放，经住户确认后恢复营业。"),
    "labour": ("拖欠工资的数额及支付期限。", "用工方应按约定按时支付劳动报酬。",
               "用工方于七日内一次性结清拖欠工资人民币{amount}元。|用工方于七日内按考勤记录结清全部拖欠工资。"),
    "consumer": ("家电质量问题的处理。", "商家应对其销售商品的质量负责。",
                 "商家于七日内为消费者退货，并退还货款人民币{amount}元。|商家于七日内为消费者更换同型号新机。"),
    "medical": ("治疗费用的退还。", "诊所告知不充分，应负相应责任。",
                "诊所于十日内退还患者部分治疗费人民币{amount}元。|诊所免除患者后续复诊费用。"),
    "traffic": ("剐蹭责任及修车费用。", "变道一方负全部责任。",
                "变道一方于五日内一次性赔偿对方修车费人民币{amount}元。|变道一方承担对方车辆的全部修理费用，由修理厂直接结算。"),
    "property_mgmt": ("物业费的缴纳及服务整改。", "物业公司部分服务未达合同约定，业主拒缴物业费亦无依据。",
                      "业主于十日内补缴物业费人民币{amount}元，物业公司于一个月内完成楼道保洁和照明的整改。|业主补缴所欠物业费，物业公司于一个月内完成楼道保洁和照明的整改。"),
    "parking": ("车位的使用。", "占用他人车位的一方应负全部责任。",
                "占用方于三日内挪走车辆，并补偿车位所有人人民币{amount}元。|占用方于三日内挪走车辆，今后不再占用他人车位。"),
    "other": ("犬只吠叫扰民的处理。", "养犬人应采取措施避免犬只影响他人。",
              "养犬人于十日内为犬只安装止吠设施，并补偿邻居人民币{amount}元。|养犬人于十日内为犬只安装止吠设施，夜间将犬只关在室内。"),
}


# The sums each kind of case is about, in yuan (one of five drawn per case, as the demo always drew;
# None: no sum in dispute).
AMOUNTS = {
    "marriage_family": (None, 600, 1000, 1500, 3000), "neighbour": (None, 500, 2000, 5000, 8000),
    "housing_land": (None, None, 1000, 2000, 5000), "contract": (None, 8000, 20000, 35000, 60000),
    "business": (None, 10000, 20000, 35000, 50000), "damages": (None, 2000, 5000, 8000, 20000),
    "forest_land": (None, None, 1000, 3000, 5000), "expropriation": (None, 20000, 50000, 80000, 150000),
    "pollution": (None, None, 500, 1000, 2000), "labour": (None, 3000, 8000, 15000, 35000),
    "consumer": (None, 800, 2000, 3500, 6000), "medical": (None, 500, 1500, 3000, 8000),
    "traffic": (None, 500, 1500, 3000, 8000), "property_mgmt": (None, 800, 1500, 2400, 3600),
    "parking": (None, None, 300, 500, 1000), "other": (None, None, 200, 500, 1000),
}


def agreement_of(dispute, agreed_amount) -> dict:
    """The fields of `dispute`'s agreement, as its kind and its agreed amount say."""
    matters, responsibilities, terms = AGREEMENTS[dispute.dispute_type]
    with_amount, without = terms.split("|")
    return {"main_facts": dispute.facts, "matters": matters, "responsibilities": responsibilities,
            "terms": with_amount.format(amount=f"{agreed_amount:,.2f}") if agreed_amount else without}


# Paths through the dispute workflow. The year's cases are drawn so that the
# rates come out as the seed's (plan()); within each kind the paths rotate.
ON_SPOT_PATHS = [(30, ["resolve_on_spot", "close", "archive"]), (10, ["resolve_on_spot", "close"]),
                 (2, ["resolve_on_spot"])]
AGREED_PATHS = [
    ["accept", "assign", "start_mediation", "agree", "start_performance", "breach"],
    ["accept", "assign", "start_mediation", "agree"],
    ["accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close", "archive"],
    ["accept", "assign", "start_mediation", "agree", "start_performance"],
    ["accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close", "archive"],
    ["accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close"],
    ["accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close", "archive"],
]
# Accepted without an agreement (yet): the first is the demo mediator's open case.
NOT_AGREED_PATHS = [
    ["accept", "assign", "start_mediation"],
    ["accept", "assign", "start_mediation", "extend"],
    ["accept", "assign"],
    ["accept", "assign", "start_mediation", "fail", "close"],
    ["accept", "assign", "start_mediation", "recuse"],
    ["accept", "withdraw"],
]
# Neither accepted nor resolved on the spot.
PENDING_PATHS = [[], ["reject"], []]
# Cases still open started recently; finished ones any time in the year.
RECENT_DAYS = 25
YEAR_DAYS = 360
def is_loaded() -> bool:
    return db.session.execute(select(Street.id).where(Street.name == STREET)).first() is not None


def has_users() -> bool:
    return db.session.execute(select(User.id).limit(1)).first() is not None


def _name(rng) -> str:
    return people.name(rng)


def _user(username, display_name, role, password_hash, **where):
    return User(username=username, display_name=display_name, role=role, password_hash=password_hash,
                session_token=secrets.token_hex(16), active=True, **where)


def _draw_grids(communities, grids) -> None:
    """Outlines for the grid map, through the same validated import an
    administrator's GeoJSON file goes through."""
    per_community = [[g for g in grids if g.community_id == c.id] for c in communities]
    polygons = layout.city_layout([len(gs) for gs in per_community])
    named = [(g.code, f"{c.name}{g.name}", polygon)
             for c, gs, shapes in zip(communities, per_community, polygons) for g, polygon in zip(gs, shapes)]
    grid_outlines.import_geojson(layout.feature_collection(named), source="demo")


def build_org_and_users(password: str) -> str:
    rng = random.Random(1)
    # One hash for every demo account: argon2 is slow on purpose, and these
    # accounts share one published demo password anyway.
    pw = hash_password(password)
    street = Street(name=STREET)
    db.session.add(street)
    db.session.flush()
    areas = [Area(street_id=street.id, name=n) for n in AREAS]
    db.session.add_all(areas)
    db.session.flush()
    communities = [Community(street_id=street.id, area_id=areas[i % 4].id, name=n) for i, n in enumerate(COMMUNITIES)]
    db.session.add_all(communities)
    db.session.flush()
    grids = []
    for i in range(GRIDS_TOTAL):
        community = communities[i % len(communities)]
        number = i // len(communities) + 1
        grids.append(Grid(community_id=community.id, name=f"第{number}网格", households=rng.randint(200, 400),
                          code=f"LY{i % len(communities) + 1:02d}-{number:02d}"))
    db.session.add_all(grids)
    db.session.flush()
    _draw_grids(communities, grids)
    first = communities[0]
    first_grid = next(g for g in grids if g.community_id == first.id)
    users = [
        _user("mediator", "王调解", "mediator", pw, street_id=street.id, community_id=first.id),
        _user("gridworker", "李网格", "gridworker", pw, street_id=street.id, community_id=first.id,
              grid_id=first_grid.id),
        _user("elder", "张老", "elder", pw, street_id=street.id, community_id=first.id),
        _user("lawyer", "刘律师", "lawyer", pw, street_id=street.id),
        _user("coordinator", "陈协调", "coordinator", pw, street_id=street.id),
        _user("supervisor", "杨督导", "supervisor", pw, street_id=street.id),
        _user("admin", "管理员", "admin", pw),
    ]
    for i, community in enumerate(communities, start=1):
        users.append(_user(f"mediator{i:02d}", _name(rng), "mediator", pw, street_id=street.id,
                           community_id=community.id))
    # The demo account counts as one of the grid workers.
    staffed = grids + sorted(grids, key=lambda g: -g.households)[:GRID_WORKERS_TOTAL - len(grids) - 1]
    for i, grid in enumerate(staffed, start=1):
        users.append(_user(f"gw{i:04d}", _name(rng), "gridworker", pw, street_id=street.id,
                           community_id=grid.community_id, grid_id=grid.id))
    db.session.add_all(users)
    db.session.commit()
    return (f"1 street, {len(areas)} areas, {len(communities)} communities, {len(grids)} grids, "
            f"{len(users)} users")


def _data_for(trigger, dispute, mediator, rng):
    data = {}
    reason = None
    t = DISPUTE.transition(trigger, dispute.state)
    # Settled below the claim, without a draw of its own (the seed's order stays).
    agreed_amount = (dispute.amount * 4 / 5).quantize(Decimal("0.01")) if dispute.amount else None
    agreement = agreement_of(dispute, agreed_amount) if trigger == "agree" else {}
    for name in t.required + (t.optional if trigger == "agree" else ()):
        data[name] = {
            "route": rng.choice(list(codes.ROUTES)),
            "outcome": "双方当场达成谅解，网格员现场见证。",
            "mediator_id": mediator.id,
            "notice_given": True,
            "days": 15,
            "consenting_parties": [p.id for p in dispute.parties],
            "recused_mediator_id": dispute.assignee_id,
            "requested_by": str(dispute.parties[0].id) if dispute.parties else "mediator",
            "consent_how": rng.choice(list(codes.CONSENT_FORMS)),
            "form": rng.choice(["written", "written", "oral"]),
            **agreement,
            "perform_how": "一次性现金支付" if agreed_amount else "按协议约定履行",
            "perform_where": "社区人民调解委员会调解室",
            "perform_by": (dispute.changed_at + timedelta(days=15)).date().isoformat(),
            "summary": "案件已依法办结，当事人无异议。",
            "agreed_amount": agreed_amount,
        }.get(name, "—")
    if t.reason_required:
        reason = {"reject": "不属于人民调解受理范围，已告知当事人向有关部门反映。",
                  "extend": "双方同意延长调解期限，以便补充证据。",
                  "fail": "双方分歧较大，经多次调解未能达成一致。",
                  "breach": "回访得知被申请人未按期履行。",
                  "recuse": "当事人申请调解员回避。",
                  "withdraw": "申请人自愿撤回调解申请。"}.get(trigger, "—")
    return data, reason


@dataclass(frozen=True)
class Actor:
    """What the engine needs of a user; plain values, so that they survive
    the expiry of ORM objects at each commit."""

    id: int
    role: str
    street_id: int | None
    community_id: int | None
    grid_id: int | None


def _actors(role: str, key) -> dict:
    users = db.session.execute(select(User).where(User.role == role).order_by(User.id)).scalars()
    actors: dict = {}
    for u in users:  # the first wins: the demo account named after the role gets the cases of its place
        actors.setdefault(key(u), Actor(u.id, u.role, u.street_id, u.community_id, u.grid_id))
    return actors


def plan(count: int, rng) -> list[list[str]]:
    """The paths of `count` cases: resolved on the spot, accepted with an
    agreement, accepted without one, and neither, in the shares that give the
    seed's 现场化解率 and 调解成功率; each kind at least once or twice, so
    that a small demo still shows every page."""
    accepted = max(2, round(count * (1 - ON_SPOT_SHARE - 0.003)))
    not_agreed = max(1, round(accepted * (1 - SUCCESS_SHARE)))
    pending = max(2, round(count * 0.003))
    on_spot = max(0, count - accepted - pending)
    weights = [w for w, _ in ON_SPOT_PATHS]
    paths = [rng.choices([p for _, p in ON_SPOT_PATHS], weights)[0] for _ in range(on_spot)]
    paths += [NOT_AGREED_PATHS[i % len(NOT_AGREED_PATHS)] for i in range(not_agreed)]
    paths += [AGREED_PATHS[i % len(AGREED_PATHS)] for i in range(accepted - not_agreed)]
    paths += [PENDING_PATHS[i % len(PENDING_PATHS)] for i in range(pending)]
    return paths[:count]


def _is_open(path) -> bool:
    return not path or path[-1] not in ("close", "archive", "reject", "withdraw")


def _session(dispute, mediator, at) -> None:
    """The working record of a mediation session, audited as the case page records one."""
    row = MediationSession(dispute_id=dispute.id, held_at=at, place="社区人民调解委员会调解室",
                           attendees="、".join(p.name for p in dispute.parties) + "；调解员",
                           record="调解员告知双方权利义务后，双方分别陈述事实和诉求；调解员释法说理，双方同意按协议方案解决。",
                           recorded_by_id=mediator.id, recorded_at=at)
    db.session.add(row)
    db.session.flush()
    record("dispute", dispute.id, "session_recorded", mediator, at=at, data={
        "session_id": row.id, "held_at": clock.to_local(at).replace(microsecond=0).isoformat(),
        "place": row.place, "attendees": row.attendees, "record": row.record})
    db.session.commit()


def build_cases(count: int, seed: int, progress=None) -> None:
    """`count` disputes over the last year, registered through the intake
    service's builder and moved through the engine."""
    rng = random.Random(seed)
    communities = [(c.id, c.street_id, c.name, [g.id for g in c.grids])
                   for c in db.session.execute(select(Community).order_by(Community.id)).scalars()]
    mediators = _actors("mediator", lambda u: u.community_id)
    gridworkers = _actors("gridworker", lambda u: u.grid_id)
    supervisors = _actors("supervisor", lambda u: u.street_id)
    types = list(FACTS)
    # Screening sweeps register their own finds, linked to the sweep (app/followups/demo.py).
    channels = [c for c in codes.CHANNELS if c != "sweep"]
    paths = plan(count, rng)
    # Accepted cases first, so that the demo accounts' community gets them.
    paths.sort(key=lambda p: "accept" not in p)
    today = clock.now()
    local_today = clock.local_date(today)
    drawn = []
    for i, path in enumerate(paths):
        community_id, street_id, community_name, grid_ids = rng.choice(communities)
        grid_id = rng.choice(grid_ids)
        # The demo accounts' own community and grid get a share (the open mediated cases, half the others),
        # so that their pages show work.
        if i % 8 == 0 or ("accept" in path and (_is_open(path) or i % 2 == 0)):
            community_id, street_id, community_name, grid_ids = communities[0]
            grid_id = grid_ids[0]
        dtype = types[i % len(types)] if i < len(types) * 2 else rng.choice(types)
        days_ago = rng.randint(0, RECENT_DAYS if _is_open(path) else YEAR_DAYS)
        at = today - timedelta(days=days_ago, hours=rng.randint(0, 10))
        # Each step some days after the last, never later than now; the path fits in the days it has.
        step_days = max(0, min(6, days_ago // max(1, len(path))))
        first_step = min(at + timedelta(days=rng.randint(0, step_days), hours=rng.randint(1, 8)), today)
        drawn.append((path, community_id, street_id, community_name, grid_id, dtype, at, step_days, first_step))
    # Built in the order of their first step, so that file numbers (given on acceptance) follow the days
    # the cases were accepted, as a register's do.
    drawn.sort(key=lambda d: (d[8], d[6]))
    for path, community_id, street_id, community_name, grid_id, dtype, at, step_days, first_step in drawn:
        mediator = mediators[community_id]
        reporter = gridworkers.get(grid_id, mediator)
        channel = rng.choice(channels)
        case = NewCase(
            dispute_type=dtype, facts=FACTS[dtype], grid_id=grid_id, place=f"{community_name}{rng.randint(1, 30)}号楼",
            amount=rng.choice(AMOUNTS[dtype]), people_count=rng.randint(2, 6),
            risk=rng.choice(["low", "low", "medium", "high"]),
            parties=[PartyDetails("applicant", "—"), PartyDetails("respondent", "—")],
        )
        dispute = build_case(case, "demo", reporter, channel=channel, now=at)
        # Every party with the full registration fields (the intake form asks for fewer).
        for party in dispute.parties:
            for name, value in people.details(rng, party.role, local_today, community_name).items():
                setattr(party, name, value)
        create(dispute, reporter, {"channel": channel, "dispute_type": dtype}, now=at)
        for n, trigger in enumerate(path):
            before = at
            at = first_step if n == 0 else min(
                at + timedelta(days=rng.randint(0, step_days), hours=rng.randint(1, 8)), today)
            actor = reporter if trigger == "resolve_on_spot" or (trigger == "close" and dispute.state == "resolved_on_spot") else mediator
            data, reason = _data_for(trigger, dispute, mediator, rng)
            if trigger == "archive":  # archiving waits for the street supervisor's sign-off (app/supervision)
                # Signed off between the closure and the archiving, not in the same minute as either.
                sign_off_closure(dispute, supervisors[street_id], before + (at - before) / 2)
            if trigger in ("agree", "fail"):
                _session(dispute, mediator, at - timedelta(hours=1))
            fire(dispute, trigger, actor, reason, now=at, **data)
            if trigger == "agree" and dispute.agreement_form == "written":
                # Everyone signs the written agreement the day it is drafted.
                fire(dispute, "sign", mediator, now=at, signed_on=clock.local_date(at),
                     signers=[key for key, _name in signer_choices(dispute)])
        if path and path[-1] in ("start_mediation", "extend"):
            _session(dispute, mediator, min(at + timedelta(hours=2), today))
        if progress:
            progress(1)
