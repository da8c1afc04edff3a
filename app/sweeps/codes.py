"""Code lists of sweeps, with Chinese and English labels (stored codes; the
same label helpers as app/disputes/codes.py)."""
from ..disputes.codes import choices, label  # noqa: F401  (re-exported for the templates)

SWEEP_LEVELS = {
    "community": ("社区排查（每周）", "Community sweep"),
    "street": ("街道排查（每月）", "Street sweep"),
}

SWEEP_CHECKS = {
    "disputes": ("矛盾纠纷", "Disputes between residents"),
    "family": ("婚姻家庭", "Marriage and family"),
    "neighbours": ("邻里关系", "Neighbour relations"),
    "property": ("物业与停车", "Property management and parking"),
    "labour": ("欠薪与劳资", "Unpaid wages and labour"),
    "land": ("房屋土地", "Housing and land"),
    "safety": ("安全隐患", "Safety hazards"),
    "key_people": ("重点人群", "People who need attention"),
    "petitions": ("信访苗头", "Signs of petitions"),
}
