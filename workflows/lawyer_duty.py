"""The volunteer lawyer's Saturday duty (律师周六值班): one seat of one room
on one Saturday, held by one lawyer.

A duty is planned by the rota generator, published with the rest of the
plan, then checked in by its own lawyer on that day and completed. A duty
nobody checked in for is marked a no-show by the timer at midnight (local
time) after its day; one still checked in then is completed by the timer.
A planned duty that was never published lapses the same way. The due time of
all three comes from the duty's own `day_ends_at` column, set when the duty
is created, so the timer needs no per-installation setting.

A no-show is the timer's guess, not a fact: a lawyer who sat but never
checked in (a flat phone, a forgotten tap) would carry it in their yearly
figures for good. So it is not final: the coordinator of the duty's street
may record, with what shows the lawyer came, that the duty was sat, within
DUTY_NO_SHOW_CORRECTION_DAYS of its day (config.py); then it is completed.
"""
from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

C = "coordinator"
L = "lawyer"

LAWYER_DUTY = Workflow(
    name="lawyer_duty",
    label=N_("Lawyer's Saturday duty"),
    initial="planned",
    states=(
        State("planned", NC_("duty state", "Planned"), due_from="day_ends_at", timeout="lapse"),
        State("published", N_("Published"), due_from="day_ends_at", timeout="no_show"),
        State("checked_in", N_("Checked in"), due_from="day_ends_at", timeout="complete"),
        State("completed", N_("Completed"), terminal=True),
        # Not terminal: the coordinator may correct it (correct_no_show) for a while; no timer leaves it.
        State("no_show", N_("No-show")),
        State("cancelled", N_("Cancelled"), terminal=True),
    ),
    transitions=(
        Transition("publish", ("planned",), "published", (C,), N_("Publish")),
        Transition("check_in", ("published",), "checked_in", (L,), N_("Check in"),
                   guards=("own_duty_today",)),
        # Dangerous: once completed, no consultation can be logged on the duty.
        Transition("complete", ("checked_in",), "completed", (L, C, SYSTEM), N_("Finish the duty"),
                   guards=("own_duty_or_coordinator",), danger=True),
        Transition("no_show", ("published",), "no_show", (SYSTEM,), N_("No-show")),
        # The lawyer came but did not check in: the coordinator records it, saying what shows it.
        Transition("correct_no_show", ("no_show",), "completed", (C,), N_("Record that the lawyer came"),
                   reason_required=True, guards=("no_show_correctable",)),
        Transition("lapse", ("planned",), "cancelled", (SYSTEM,), N_("Lapsed unpublished")),
        Transition("cancel", ("planned", "published"), "cancelled", (C,), N_("Cancel the duty"),
                   reason_required=True, danger=True),
    ),
)
