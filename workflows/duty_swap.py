"""A swap request (换班申请): a lawyer who cannot sit a published duty asks a
named colleague, or anyone, to take it. The colleague accepts (or, when
named, declines); the coordinator approves, and only then does the seat
change hands, or refuses. The requester may withdraw until the coordinator
has decided. A request still open when the duty's day begins expires.
"""
from .spec import SYSTEM, State, Transition, Workflow

C = "coordinator"
L = "lawyer"

DUTY_SWAP = Workflow(
    name="duty_swap",
    zh="律师换班申请",
    en="Duty swap request",
    initial="requested",
    states=(
        State("requested", "待接班", "Requested", due_from="expires_at", timeout="expire"),
        State("accepted", "待审批", "Accepted, awaiting approval", due_from="expires_at", timeout="expire"),
        State("approved", "已批准", "Approved", terminal=True),
        State("declined", "已婉拒", "Declined", terminal=True),
        State("refused", "未批准", "Refused", terminal=True),
        State("withdrawn", "已撤回", "Withdrawn", terminal=True),
        State("expired", "已过期", "Expired", terminal=True),
    ),
    transitions=(
        Transition("accept", ("requested",), "accepted", (L,), "同意接班", "Take the duty",
                   guards=("may_take_swap",)),
        Transition("decline", ("requested",), "declined", (L,), "婉拒", "Decline",
                   guards=("is_named_colleague",)),
        Transition("approve", ("accepted",), "approved", (C,), "批准换班", "Approve the swap",
                   guards=("swap_still_possible",)),
        Transition("refuse", ("accepted",), "refused", (C,), "不予批准", "Refuse the swap",
                   reason_required=True, danger=True),
        Transition("withdraw", ("requested", "accepted"), "withdrawn", (L,), "撤回申请", "Withdraw",
                   guards=("is_swap_requester",), danger=True),
        Transition("expire", ("requested", "accepted"), "expired", (SYSTEM,), "过期", "Expired"),
    ),
)
