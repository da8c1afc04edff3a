"""The referral (分流交办) workflow: a part of a case the centre cannot
settle is sent to the department that can (公安, 行政执法, 应急, 环保, 市场监管 or
one an administrator adds), whose liaison acknowledges it, works on it and
answers; the centre checks the answer.

Each referral carries two moments fixed when it is sent, from its
department's and kind's periods (app/referrals/deadlines.py): `ack_by`, by
which the liaison must acknowledge it, and `answer_by`, by which the
department must answer. A return for more work sets a new `answer_by`. A
referral not acknowledged or not answered in time is escalated to the
street's supervisors: a "late" state, red whatever comes next, from
which the liaison can still act. There a supervisor of the case's street
(or of the city) urges the department (督办) with a note: a step that keeps
the state (the referral stays escalated and red until the liaison acts, and
no timer runs from an escalated state, so an urged referral is not escalated
again) and moves no deadline: `answer_by` is what the department's figures
count an answer on time against (app/supervision/departments.py).
"""
from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
L = "liaison"
S = "supervisor"

# States in which the referral is still the department's or the centre's
# business: the case cannot close while one of its referrals is in one.
OPEN = ("draft", "sent", "ack_escalated", "acknowledged", "in_progress", "answer_escalated", "answered")
WORKING = ("acknowledged", "in_progress", "answer_escalated")
ESCALATED = ("ack_escalated", "answer_escalated")

REFERRAL = Workflow(
    name="referral",
    label=N_("Referral to a department"),
    initial="draft",
    states=(
        State("draft", NC_("referral state", "To be sent")),
        State("sent", NC_("referral state", "Sent"), due_from="ack_by", timeout="escalate_unacknowledged"),
        State("ack_escalated", NC_("referral state", "Not acknowledged: escalated"), late=True),
        State("acknowledged", NC_("referral state", "Acknowledged"), due_from="answer_by",
              timeout="escalate_overdue"),
        State("in_progress", NC_("referral state", "In progress"), due_from="answer_by",
              timeout="escalate_overdue"),
        State("answer_escalated", NC_("referral state", "Answer overdue: escalated"), late=True),
        State("answered", NC_("referral state", "Answered")),
        State("verified", NC_("referral state", "Accepted"), terminal=True),
        State("withdrawn", NC_("referral state", "Withdrawn"), terminal=True),
    ),
    transitions=(
        Transition("send", ("draft",), "sent", (M,), NC_("referral step", "Send to the department"),
                   guards=("referral_by_case_mediator",)),
        Transition("escalate_unacknowledged", ("sent",), "ack_escalated", (SYSTEM,),
                   NC_("referral step", "Not acknowledged in time: escalated to the supervisor")),
        Transition("acknowledge", ("sent", "ack_escalated"), "acknowledged", (L,),
                   NC_("referral step", "Acknowledge"), guards=("liaison_of_department",)),
        Transition("start_work", ("acknowledged",), "in_progress", (L,), NC_("referral step", "Start work"),
                   guards=("liaison_of_department",)),
        Transition("escalate_overdue", ("acknowledged", "in_progress"), "answer_escalated", (SYSTEM,),
                   NC_("referral step", "Not answered in time: escalated to the supervisor")),
        # 督办: one transition per escalated state, each back to itself.
        *(Transition("urge", (state,), state, (S,), NC_("referral step", "Urge the department"),
                     required=("urging",), guards=("referral_by_case_supervisor",), keep_deadline=True)
          for state in ESCALATED),
        Transition("answer", WORKING, "answered", (L,), NC_("referral step", "Answer"),
                   required=("answer",), guards=("liaison_of_department",)),
        Transition("accept_answer", ("answered",), "verified", (M,), NC_("referral step", "Accept the answer"),
                   guards=("referral_by_case_mediator",)),
        Transition("return_for_redo", ("answered",), "in_progress", (M,),
                   NC_("referral step", "Return for more work"), reason_required=True,
                   guards=("referral_by_case_mediator",)),
        Transition("withdraw", OPEN, "withdrawn", (M,), NC_("referral step", "Withdraw"), reason_required=True,
                   guards=("referral_by_case_mediator",), danger=True),
    ),
)
