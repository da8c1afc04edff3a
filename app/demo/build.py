"""A Laiyang-like city (DOMAIN.md §1): 1 street, 4 areas, 18 communities,
369 grids, one user per role, more mediators and grid workers, and disputes
made through the intake service and moved through the engine, so that their
histories are real."""
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from workflows import DISPUTE

from .. import clock
from ..auth.models import User
from ..auth.passwords import hash_password
from ..disputes import codes
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..engine import fire
from ..extensions import db
from ..org import outlines as grid_outlines
from ..org.models import Area, Community, Grid, Street
from ..supervision.demo import sign_off_closure
from . import layout

STREET = "城厢街道"
AREAS = ["东片区", "西片区", "南片区", "北片区"]
COMMUNITIES = [
    "东关社区", "西关社区", "南关社区", "北关社区", "鹤山社区", "五龙社区", "梨乡社区", "富山社区", "旌旗社区",
    "清水社区", "昌山社区", "蚬河社区", "城东社区", "城西社区", "金山社区", "华山社区", "芦山社区", "柏林社区",
]
GRIDS_TOTAL = 369
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国秀英志强丽华文军海燕玉兰明亮春梅国庆桂芳德胜淑珍永红晓东立新俊杰"

FACTS = {
    "neighbour": "楼上漏水导致楼下天花板受损，双方就维修费用发生争执。",
    "parking": "小区内车位被长期占用，业主之间多次发生口角。",
    "marriage_family": "兄弟姐妹就老人赡养费用分担问题产生矛盾。",
    "property_mgmt": "业主拒交物业费，认为物业公司服务不到位。",
    "labour": "务工人员反映工程完工后工资未按时结清。",
    "housing_land": "两户因宅基地界线不清发生争执。",
    "consumer": "消费者购买的家电出现质量问题，与商家协商未果。",
    "damages": "电动车与行人发生碰撞，就医疗费赔偿产生分歧。",
}

# Paths through the dispute workflow, with weights: most disputes are
# resolved on the spot, as in the city's reported figures.
PATHS = [
    (30, ["resolve_on_spot", "close", "archive"]),
    (10, ["resolve_on_spot", "close"]),
    (6, ["resolve_on_spot"]),
    (8, []),
    (3, ["reject"]),
    (5, ["accept"]),
    (5, ["accept", "assign"]),
    (8, ["accept", "assign", "start_mediation"]),
    (2, ["accept", "assign", "start_mediation", "extend"]),
    (4, ["accept", "assign", "start_mediation", "agree"]),
    (4, ["accept", "assign", "start_mediation", "agree", "start_performance"]),
    (2, ["accept", "assign", "start_mediation", "agree", "start_performance", "breach"]),
    (6, ["accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close", "archive"]),
    (3, ["accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close"]),
    (2, ["accept", "assign", "start_mediation", "fail", "close"]),
    (1, ["accept", "assign", "start_mediation", "recuse"]),
    (1, ["accept", "withdraw"]),
]


def is_loaded() -> bool:
    return db.session.execute(select(Street.id).where(Street.name == STREET)).first() is not None


def has_users() -> bool:
    return db.session.execute(select(User.id).limit(1)).first() is not None


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


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
    for i, grid in enumerate(grids, start=1):
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
    for name in t.required + (t.optional if trigger == "agree" else ()):
        data[name] = {
            "route": rng.choice(list(codes.ROUTES)),
            "outcome": "双方当场达成谅解，网格员现场见证。",
            "mediator_id": mediator.id,
            "notice_given": True,
            "days": 15,
            "consent": True,
            "form": rng.choice(["written", "written", "oral"]),
            "terms": "被申请人于十五日内在社区调解室一次性支付维修费人民币两千元。",
            "main_facts": "被申请人家中水管破裂，致申请人房屋天花板及墙面受损。",
            "matters": "维修费用的数额及承担。",
            "responsibilities": "被申请人对漏水负全部责任；申请人对损失扩大无过错。",
            "perform_how": "一次性现金支付",
            "perform_where": "社区人民调解委员会调解室",
            "perform_by": (dispute.changed_at + timedelta(days=15)).date().isoformat(),
            "summary": "案件已依法办结，当事人无异议。",
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


def build_cases(count: int, seed: int, progress=None) -> None:
    rng = random.Random(seed)
    communities = [(c.id, c.street_id, c.name, [g.id for g in c.grids])
                   for c in db.session.execute(select(Community).order_by(Community.id)).scalars()]
    mediators = _actors("mediator", lambda u: u.community_id)
    gridworkers = _actors("gridworker", lambda u: u.grid_id)
    supervisors = _actors("supervisor", lambda u: u.street_id)
    weights = [w for w, _ in PATHS]
    paths = [p for _, p in PATHS]
    types = list(FACTS)
    today = clock.now()
    for i in range(count):
        community_id, street_id, community_name, grid_ids = rng.choice(communities)
        grid_id = rng.choice(grid_ids)
        if i % 8 == 0:  # the demo accounts' own community and grid get a share, so their pages show work
            community_id, street_id, community_name, grid_ids = communities[0]
            grid_id = grid_ids[0]
        mediator = mediators[community_id]
        reporter = gridworkers.get(grid_id, mediator)
        dtype = rng.choice(types)
        path = rng.choices(paths, weights)[0]
        at = today - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 10))
        channel = rng.choice(list(codes.CHANNELS))
        # The random draws keep their order, so a seed builds the same city as before.
        case = NewCase(
            dispute_type=dtype, facts=FACTS[dtype], grid_id=grid_id, place=f"{community_name}{rng.randint(1, 30)}号楼",
            amount=rng.choice([None, 500, 2000, 8000, 35000]), people_count=rng.randint(2, 6),
            risk=rng.choice(["low", "low", "medium", "high"]),
            parties=[PartyDetails("applicant", _name(rng), f"13{rng.randint(100000000, 999999999)}"),
                     PartyDetails("respondent", _name(rng), f"15{rng.randint(100000000, 999999999)}")],
        )
        dispute = open_case(case, "demo", reporter, {"channel": channel, "dispute_type": dtype},
                            channel=channel, now=at).case
        for trigger in path:
            at = min(at + timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 8)), today)
            actor = reporter if trigger == "resolve_on_spot" or (trigger == "close" and dispute.state == "resolved_on_spot") else mediator
            data, reason = _data_for(trigger, dispute, mediator, rng)
            if trigger == "archive":  # archiving waits for the street supervisor's sign-off (app/supervision)
                sign_off_closure(dispute, supervisors[street_id], at)
            fire(dispute, trigger, actor, reason, now=at, **data)
        if progress:
            progress(1)
