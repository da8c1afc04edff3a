"""The supervisor's review of a closed case (结案审核).

Closing a dispute opens a review: a supervisor of the case's street either
signs the closure off, or returns the case to its mediator with a comment,
which sends the dispute back into mediation (the dispute workflow's
`reopen`, fired by the return in the same transaction). A case is archived
(sealed) only after its closure was signed off. Each closure gets its own
review: a returned case that is closed again is reviewed again.
"""
from datetime import timedelta

from .i18n import N_
from .spec import State, Transition, Workflow

S = "supervisor"

SIGNOFF = Workflow(
    name="signoff",
    label=N_("Closure sign-off"),
    initial="awaiting",
    states=(
        # Reviews are expected within a week (SIGNOFF_REVIEW_HOURS); an
        # overdue review turns red on the supervisor's list, nothing fires.
        State("awaiting", N_("Awaiting sign-off"), deadline=timedelta(days=7),
              deadline_setting="SIGNOFF_REVIEW_HOURS"),
        State("signed_off", N_("Signed off"), terminal=True),
        State("returned", N_("Returned to the mediator"), terminal=True),
    ),
    transitions=(
        Transition("sign_off", ("awaiting",), "signed_off", (S,), N_("Sign off"),
                   optional=("comment",)),
        # The comment tells the mediator what to do again; it is also the
        # reason recorded on the case's `reopen` step.
        Transition("return_case", ("awaiting",), "returned", (S,), N_("Return to the mediator"),
                   required=("comment",), optional=("to_intake",), guards=("case_still_closed",), danger=True),
    ),
)
