"""Code lists of follow-ups, with Chinese and English labels
(stored codes; the same label helpers as app/disputes/codes.py)."""
from ..disputes.codes import choices, label  # noqa: F401  (re-exported for the templates)

FOLLOWUP_KINDS = {
    "after_agreement": ("协议后回访", "After the agreement"),
    "perform_by": ("履行期限回访", "On the performance deadline"),
    "after_urging": ("督促后回访", "After pressing for performance"),
    "extra": ("补充回访", "Additional"),
}

METHODS = {
    "visit": ("上门走访", "Home visit"),
    "phone": ("电话回访", "Phone call"),
}

FULFILMENT = {
    "fully": ("已全部履行", "Fully performed"),
    "partly": ("部分履行", "Partly performed"),
    "not": ("未履行", "Not performed"),
    "unreachable": ("无法联系", "Could not be reached"),
}

SATISFACTION = {
    "satisfied": ("满意", "Satisfied"),
    "basic": ("基本满意", "Mostly satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
}
