"""The follow-up visit (回访) workflow.

An agreement is only worth its performance: the mediation committee visits or
phones the parties to check it (People's Mediation Law art. 31). Follow-ups
are scheduled when an agreement is recorded (app/followups/scheduling.py).

Each follow-up carries three moments fixed when it is scheduled, so the
timers fire at the same times whenever the runner happens to run:
`planned_for` (the start of the planned day: it becomes due), `visit_by`
(the end of the grace period: it is overdue) and `escalate_at` (the street
supervisor is told). An overdue or escalated follow-up is red whatever its
next due time ("late" states); the mediator can still record the visit.

A supervisor of the case's street (or of the city) urges the case's
mediators to make an escalated visit (督办), with a note: a step that keeps
the state (no timer runs from it, so nothing escalates again) and tells them.
"""
from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
S = "supervisor"
OPEN = ("scheduled", "due", "overdue", "escalated")

FOLLOWUP = Workflow(
    name="followup",
    label=N_("Follow-up visit"),
    initial="scheduled",
    states=(
        State("scheduled", N_("Scheduled"), due_from="planned_for", timeout="become_due"),
        State("due", NC_("follow-up state", "Due"), due_from="visit_by", timeout="fall_overdue"),
        State("overdue", NC_("follow-up state", "Overdue"), due_from="escalate_at", timeout="escalate", late=True),
        State("escalated", NC_("follow-up state", "Escalated to the supervisor"), late=True),
        State("done", NC_("follow-up state", "Done"), terminal=True),
        State("cancelled", N_("Cancelled"), terminal=True),
    ),
    transitions=(
        Transition("become_due", ("scheduled",), "due", (SYSTEM,), N_("Became due")),
        Transition("fall_overdue", ("due",), "overdue", (SYSTEM,), N_("Became overdue")),
        Transition("escalate", ("overdue",), "escalated", (SYSTEM,),
                   NC_("follow-up step", "Escalated to the supervisor")),
        Transition("urge", ("escalated",), "escalated", (S,), NC_("follow-up step", "Urge the mediators"),
                   required=("urging",), guards=("followup_by_case_supervisor",), keep_deadline=True),
        Transition(
            "record_visit",
            OPEN,
            "done",
            (M,),
            N_("Record the visit"),
            required=("method", "fulfilment", "visited_on"),
            optional=("reached", "satisfaction", "notes", "mark_fulfilled"),
            guards=("followup_by_case_mediator", "followup_case_has_agreement", "visit_date_valid",
                    "visit_outcome_consistent"),
        ),
        # Fired by the case's own steps (fulfilled, withdrawn, failed, mediated
        # again): a follow-up of an agreement no longer being performed.
        Transition(
            "cancel",
            OPEN,
            "cancelled",
            (M, SYSTEM),
            NC_("follow-up step", "Cancel"),
            reason_required=True,
        ),
    ),
)
