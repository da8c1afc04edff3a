"""The dispute case (纠纷案件) workflow.

Follows the People's Mediation Law 2010 and the MoJ 2002 working rules:
triage within a day, mediation concluded within 30 days of acceptance unless
both parties consent to an extension, and a 30-day window after an agreement
in which the parties may apply for judicial confirmation (司法确认).
"""
from datetime import timedelta

from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
G = "gridworker"
S = "supervisor"

OPEN_BEFORE_AGREEMENT = ("submitted", "accepted", "assigned", "mediating", "extended")
MEDIATING = ("mediating", "extended")

DISPUTE = Workflow(
    name="dispute",
    zh="纠纷案件",
    en="Dispute case",
    initial="submitted",
    states=(
        State("submitted", "待受理", "Submitted", deadline=timedelta(days=1)),
        State("accepted", "已受理", "Accepted", deadline=timedelta(days=30)),
        State("rejected", "不予受理", "Rejected", terminal=True),
        State("resolved_on_spot", "现场化解", "Resolved on the spot"),
        State("assigned", "已指派", "Assigned", deadline=timedelta(days=30)),
        State("mediating", "调解中", "Mediating", deadline=timedelta(days=30)),
        State("extended", "延期调解", "Mediating (extended)", deadline=timedelta(days=30)),
        State(
            "agreed",
            "达成协议",
            "Agreement reached",
            deadline=timedelta(days=30),
            timeout="confirmation_window_closed",
            whole_days=True,
        ),
        State("failed", "调解不成", "Mediation failed"),
        State("performing", "履行中", "Being performed"),
        State("fulfilled", "已履行", "Fulfilled"),
        State("breached", "未履行", "Not performed"),
        State("withdrawn", "已撤回", "Withdrawn", terminal=True),
        State("closed", "已结案", "Closed"),
        State("archived", "已归档", "Archived", terminal=True),
    ),
    transitions=(
        Transition("accept", ("submitted",), "accepted", (M,), "受理", "Accept", guards=("has_parties",)),
        Transition(
            "reject",
            ("submitted",),
            "rejected",
            (M,),
            "不予受理",
            "Reject",
            required=("route",),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "resolve_on_spot",
            ("submitted",),
            "resolved_on_spot",
            (M, G),
            "现场化解",
            "Resolve on the spot",
            required=("outcome",),
        ),
        Transition(
            "assign",
            ("accepted",),
            "assigned",
            (M,),
            "指派调解员",
            "Assign mediator",
            required=("mediator_id",),
            optional=("co_mediator_ids",),
            guards=("assignee_in_scope",),
            keep_deadline=True,
        ),
        Transition(
            "start_mediation",
            ("assigned",),
            "mediating",
            (M,),
            "告知权利义务并开始调解",
            "Give notice of rights and start mediation",
            required=("notice_given",),
            guards=("is_assignee",),
            keep_deadline=True,
        ),
        Transition(
            "extend",
            MEDIATING,
            "extended",
            (M,),
            "经双方同意延期",
            "Extend with both parties' consent",
            required=("days", "consent"),
            reason_required=True,
            guards=("is_assignee", "extension_days_valid"),
            keep_deadline=True,
            extend_by="days",
        ),
        Transition(
            "recuse",
            ("assigned",) + MEDIATING,
            "accepted",
            (M,),
            "回避（退回重新指派）",
            "Recuse (back for reassignment)",
            reason_required=True,
            keep_deadline=True,
        ),
        Transition(
            "agree",
            MEDIATING,
            "agreed",
            (M,),
            "达成调解协议",
            "Record agreement",
            required=("form", "terms"),
            optional=("main_facts", "matters", "responsibilities", "perform_how", "perform_where", "perform_by"),
            guards=("is_assignee", "both_sides_named", "agreement_complete"),
        ),
        Transition(
            "fail",
            MEDIATING + ("breached",),
            "failed",
            (M,),
            "调解不成（终止）",
            "Mediation failed (terminate)",
            required=("route",),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "start_performance",
            ("agreed",),
            "performing",
            (M,),
            "进入履行",
            "Start performance",
        ),
        Transition(
            "confirmation_window_closed",
            ("agreed",),
            "performing",
            (SYSTEM,),
            "司法确认期满，进入履行",
            "Judicial-confirmation window closed",
        ),
        Transition("fulfil", ("performing",), "fulfilled", (M,), "确认已履行", "Mark fulfilled"),
        Transition(
            "breach",
            ("performing",),
            "breached",
            (M,),
            "记录未履行",
            "Record non-performance",
            reason_required=True,
        ),
        Transition("urge", ("breached",), "performing", (M,), "督促履行", "Press for performance"),
        Transition(
            "resume_mediation",
            ("breached",),
            "mediating",
            (M,),
            "重新调解",
            "Mediate again",
            reason_required=True,
        ),
        Transition(
            "withdraw",
            OPEN_BEFORE_AGREEMENT + ("agreed", "performing", "breached"),
            "withdrawn",
            (M,),
            "当事人撤回",
            "Withdrawn by the parties",
            reason_required=True,
            danger=True,
        ),
        Transition(
            "close",
            ("resolved_on_spot",),
            "closed",
            (M, G),
            "结案",
            "Close",
            required=("summary",),
        ),
        Transition(
            "close",
            ("failed", "fulfilled"),
            "closed",
            (M,),
            "结案",
            "Close",
            required=("summary",),
        ),
        # A supervisor returns a closed case from its sign-off review
        # (workflows/signoff.py); the review's return fires this step, never
        # a button of its own, so the comment and the review go together.
        Transition(
            "reopen",
            ("closed",),
            "mediating",
            (S,),
            "督导退回重办",
            "Returned by the supervisor for more work",
            reason_required=True,
            guards=("from_signoff_review",),
        ),
        # Sealed only once a supervisor has signed the closure off.
        Transition("archive", ("closed",), "archived", (M, S), "归档（封存）", "Archive (seal)",
                   guards=("closure_signed_off",)),
    ),
)
