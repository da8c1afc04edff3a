"""A swap request (换班申请): a lawyer who cannot sit a published duty asks a
named colleague, or anyone, to take it. The colleague accepts (or, when
named, declines); the coordinator approves, and only then does the seat
change hands, or refuses. The requester may withdraw until the coordinator
has decided. A request still open when the duty's day begins expires. A
colleague asked by name whose login is deactivated can no longer answer,
and one who took it can no longer sit it: the system declines for them, in
the deactivation's own transaction.
"""
from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

C = "coordinator"
L = "lawyer"

DUTY_SWAP = Workflow(
    name="duty_swap",
    label=N_("Duty swap request"),
    initial="requested",
    states=(
        State("requested", N_("Requested"), due_from="expires_at", timeout="expire"),
        State("accepted", N_("Accepted, awaiting approval"), due_from="expires_at", timeout="expire"),
        State("approved", N_("Approved"), terminal=True),
        State("declined", NC_("swap request state", "Declined"), terminal=True),
        State("refused", N_("Refused"), terminal=True),
        State("withdrawn", N_("Withdrawn"), terminal=True),
        State("expired", NC_("swap request state", "Expired"), terminal=True),
    ),
    transitions=(
        Transition("accept", ("requested",), "accepted", (L,), N_("Take the duty"),
                   guards=("may_take_swap",)),
        Transition("decline", ("requested",), "declined", (L, SYSTEM), NC_("swap request step", "Decline"),
                   guards=("is_named_colleague",)),
        # The colleague who took it had their login deactivated before the
        # coordinator decided: they could no longer sit it, so the system
        # declines for them, saying why (app/rota/swaps.py).
        Transition("decline", ("accepted",), "declined", (SYSTEM,), NC_("swap request step", "Decline"),
                   reason_required=True),
        Transition("approve", ("accepted",), "approved", (C,), N_("Approve the swap"),
                   guards=("swap_still_possible",)),
        Transition("refuse", ("accepted",), "refused", (C,), N_("Refuse the swap"),
                   reason_required=True, danger=True),
        Transition("withdraw", ("requested", "accepted"), "withdrawn", (L,), N_("Withdraw"),
                   guards=("is_swap_requester",), danger=True),
        Transition("expire", ("requested", "accepted"), "expired", (SYSTEM,), NC_("swap request step", "Expired")),
    ),
)
