"""The supervisor's review of a closed case (结案审核).

Closing a dispute opens a review: a supervisor of the case's street either
signs the closure off, or returns the case to its mediator with a comment,
which sends the dispute back into mediation (the dispute workflow's
`reopen`, fired by the return in the same transaction). A case is archived
(sealed) only after its closure was signed off. Each closure gets its own
review: a returned case that is closed again is reviewed again.
"""
from datetime import timedelta

from .spec import State, Transition, Workflow

S = "supervisor"

SIGNOFF = Workflow(
    name="signoff",
    zh="结案审核",
    en="Closure sign-off",
    initial="awaiting",
    states=(
        # Reviews are expected within a week (SIGNOFF_REVIEW_HOURS); an
        # overdue review turns red on the supervisor's list, nothing fires.
        State("awaiting", "待审核", "Awaiting sign-off", deadline=timedelta(days=7),
              deadline_setting="SIGNOFF_REVIEW_HOURS"),
        State("signed_off", "已审核通过", "Signed off", terminal=True),
        State("returned", "已退回", "Returned to the mediator", terminal=True),
    ),
    transitions=(
        Transition("sign_off", ("awaiting",), "signed_off", (S,), "审核通过", "Sign off",
                   optional=("comment",)),
        # The comment tells the mediator what to do again; it is also the
        # reason recorded on the case's `reopen` step.
        Transition("return_case", ("awaiting",), "returned", (S,), "退回重办", "Return to the mediator",
                   required=("comment",), guards=("case_still_closed",), danger=True),
    ),
)
