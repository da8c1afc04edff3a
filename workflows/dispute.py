"""The dispute case (纠纷案件) workflow.

Follows the People's Mediation Law 2010 and the MoJ 2002 working rules:
triage within a day, mediation concluded within 30 days of acceptance unless
both parties consent to an extension, and a 30-day window after an agreement
in which the parties may apply for judicial confirmation (司法确认).
"""
from datetime import timedelta

from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
G = "gridworker"
S = "supervisor"

OPEN_BEFORE_AGREEMENT = ("submitted", "accepted", "assigned", "mediating", "extended")
MEDIATING = ("mediating", "extended")

DISPUTE = Workflow(
    name="dispute",
    label=N_("Dispute case"),
    initial="submitted",
    states=(
        State("submitted", N_("Submitted"), deadline=timedelta(days=1)),
        State("accepted", NC_("case state", "Accepted"), deadline=timedelta(days=30)),
        State("rejected", N_("Rejected"), terminal=True),
        State("resolved_on_spot", N_("Resolved on the spot")),
        State("assigned", N_("Assigned"), deadline=timedelta(days=30)),
        State("mediating", N_("Mediating"), deadline=timedelta(days=30)),
        State("extended", N_("Mediating (extended)"), deadline=timedelta(days=30)),
        State(
            "agreed",
            N_("Agreement reached"),
            deadline=timedelta(days=30),
            timeout="confirmation_window_closed",
            whole_days=True,
        ),
        State("failed", N_("Mediation failed")),
        State("performing", N_("Being performed")),
        State("fulfilled", N_("Fulfilled")),
        State("breached", N_("Not performed")),
        State("withdrawn", N_("Withdrawn"), terminal=True),
        State("closed", N_("Closed")),
        State("archived", N_("Archived"), terminal=True),
    ),
    transitions=(
        Transition("accept", ("submitted",), "accepted", (M,), NC_("case step", "Accept"), guards=("has_parties",)),
        Transition(
            "reject",
            ("submitted",),
            "rejected",
            (M,),
            N_("Reject"),
            required=("route",),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "resolve_on_spot",
            ("submitted",),
            "resolved_on_spot",
            (M, G),
            N_("Resolve on the spot"),
            required=("outcome",),
        ),
        Transition(
            "assign",
            ("accepted",),
            "assigned",
            (M,),
            N_("Assign mediator"),
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
            N_("Give notice of rights and start mediation"),
            required=("notice_given",),
            guards=("is_assignee",),
            keep_deadline=True,
        ),
        Transition(
            "extend",
            MEDIATING,
            "extended",
            (M,),
            N_("Extend with both parties' consent"),
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
            N_("Recuse (back for reassignment)"),
            reason_required=True,
            keep_deadline=True,
        ),
        Transition(
            "agree",
            MEDIATING,
            "agreed",
            (M,),
            N_("Record agreement"),
            required=("form", "terms"),
            optional=("main_facts", "matters", "responsibilities", "perform_how", "perform_where", "perform_by"),
            guards=("is_assignee", "both_sides_named", "agreement_complete"),
        ),
        Transition(
            "fail",
            MEDIATING + ("breached",),
            "failed",
            (M,),
            N_("Mediation failed (terminate)"),
            required=("route",),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "start_performance",
            ("agreed",),
            "performing",
            (M,),
            N_("Start performance"),
        ),
        Transition(
            "confirmation_window_closed",
            ("agreed",),
            "performing",
            (SYSTEM,),
            N_("Judicial-confirmation window closed"),
        ),
        Transition("fulfil", ("performing",), "fulfilled", (M,), N_("Mark fulfilled")),
        Transition(
            "breach",
            ("performing",),
            "breached",
            (M,),
            N_("Record non-performance"),
            reason_required=True,
        ),
        Transition("urge", ("breached",), "performing", (M,), N_("Press for performance")),
        Transition(
            "resume_mediation",
            ("breached",),
            "mediating",
            (M,),
            N_("Mediate again"),
            reason_required=True,
        ),
        Transition(
            "withdraw",
            OPEN_BEFORE_AGREEMENT + ("agreed", "performing", "breached"),
            "withdrawn",
            (M,),
            N_("Withdrawn by the parties"),
            reason_required=True,
            danger=True,
        ),
        Transition(
            "close",
            ("resolved_on_spot",),
            "closed",
            (M, G),
            N_("Close"),
            required=("summary",),
            # Not while a department still works on a part of it (app/referrals).
            guards=("no_open_referrals",),
        ),
        Transition(
            "close",
            ("failed", "fulfilled"),
            "closed",
            (M,),
            N_("Close"),
            required=("summary",),
            guards=("no_open_referrals",),
        ),
        # A supervisor returns a closed case from its sign-off review
        # (workflows/signoff.py); the review's return fires this step, never
        # a button of its own, so the comment and the review go together.
        Transition(
            "reopen",
            ("closed",),
            "mediating",
            (S,),
            N_("Returned by the supervisor for more work"),
            reason_required=True,
            guards=("from_signoff_review",),
        ),
        # Sealed only once a supervisor has signed the closure off.
        Transition("archive", ("closed",), "archived", (M, S), N_("Archive (seal)"),
                   guards=("closure_signed_off",)),
    ),
)
