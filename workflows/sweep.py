"""The screening sweep (矛盾纠纷排查) workflow.

Each community sweeps every week and the street every month (the periods are
settings, see app/followups/periods.py). The timer runner plans one sweep per
place and period; recording it marks it done. A period that ends without a
record makes the sweep "missed": red, and still recordable afterwards (a
sweep held in time but written down late), with the miss kept in the log.
"""
from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

RECORDERS = ("mediator", "gridworker", "supervisor", "coordinator")

SWEEP = Workflow(
    name="sweep",
    label=N_("Screening sweep"),
    initial="planned",
    states=(
        State("planned", NC_("sweep state", "Planned"), due_from="period_ends_at", timeout="miss"),
        State("missed", N_("Missed"), late=True),
        State("done", NC_("sweep state", "Done"), terminal=True),
    ),
    transitions=(
        Transition(
            "record",
            ("planned", "missed"),
            "done",
            RECORDERS,
            N_("Record the sweep"),
            required=("held_on", "checked", "findings"),
            optional=("participants", "participant_ids"),
            guards=("sweep_recorder_in_place", "sweep_date_in_period", "participants_known"),
        ),
        Transition("miss", ("planned",), "missed", (SYSTEM,), N_("Period ended without a sweep")),
    ),
)
