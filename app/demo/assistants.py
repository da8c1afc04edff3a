"""The demo's grid assistants (网格助手, role `assistant`): `assistant` on the
demo grid worker's grid and four more on other grids of the first
communities, each having reported a dispute of their grid."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from ..auth.models import User
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..extensions import db
from ..org.models import Grid

REPORTS = [
    ("neighbour", "3单元楼道长期堆放杂物，邻居之间多次争吵。", "孙玉兰"),
    ("parking", "小区东门车位被外来车辆长期占用，业主与车主发生口角。", "郑德胜"),
    ("property_mgmt", "电梯多次故障，业主与物业就维修费用分摊产生分歧。", "何淑珍"),
    ("neighbour", "楼上住户夜间噪音扰民，楼下老人多次投诉。", "高春梅"),
    ("labour", "楼内装修工人反映工钱被拖欠。", "罗永红"),
]
NAMES = ["周楼长", "吴阿姨", "郑大爷", "冯老师", "陈师傅"]


def load(seed: int) -> str:
    gridworker = db.session.execute(select(User).where(User.username == "gridworker")).scalar_one_or_none()
    if gridworker is None or db.session.execute(select(User.id).where(User.username == "assistant")).first():
        return "grid assistants: already loaded or no demo grid worker"
    grids = list(db.session.execute(select(Grid).order_by(Grid.id).limit(5)).scalars())
    grids.sort(key=lambda g: g.id != gridworker.grid_id)  # `assistant` shares the demo grid worker's grid
    made = []
    for i, (grid, name, (kind, facts, applicant)) in enumerate(zip(grids, NAMES, REPORTS)):
        user = User(username="assistant" if i == 0 else f"assistant{i + 1:02d}", display_name=name,
                    role="assistant", password_hash=gridworker.password_hash, session_token=secrets.token_hex(16),
                    active=True, street_id=grid.community.street_id, community_id=grid.community_id,
                    grid_id=grid.id)
        db.session.add(user)
        db.session.commit()
        open_case(NewCase(dispute_type=kind, facts=facts, grid_id=grid.id,
                          parties=(PartyDetails(role="applicant", name=applicant),)),
                  "assistant", user, {"facts": facts, "dispute_type": kind, "grid_id": grid.id},
                  channel="assistant")
        made.append(user.username)
    return f"grid assistants: {len(made)} on {len(made)} grids (log in as assistant), one report each"
