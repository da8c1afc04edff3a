"""The legal-opinion request (请公益律师出具法律意见) workflow.

A mediator working a case asks a volunteer lawyer of the roster a question
on it (requested). The lawyer accepts, or declines with a reason; once
accepted they write the opinion (answered), with the laws cited if they
wish, and a mediator of the case acknowledges it (acknowledged). Until it
is answered the mediator may withdraw the request, with a reason. With no
answer in time (seven days from the request, accepted or not) the timer
expires it; when the case leaves the states open for it (an agreement, a
termination...) the system withdraws it in the case's own transaction, as it
does when the lawyer is taken off the roster (in the roster change's); a
lawyer off the roster can no longer accept or answer.

A request is made in one transaction with its row: the row is created as a
draft and the "request" step, with its guards, takes it out of the draft at
once; a refused request leaves nothing behind, so no row ever rests in the
draft state.
"""
from datetime import timedelta

from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
L = "lawyer"

# Open for an answer: the states the mediator may withdraw and the timer may expire.
AWAITING = ("requested", "accepted")
ANSWER_DAYS = timedelta(days=7)

LEGAL_OPINION = Workflow(
    name="legal_opinion",
    label=N_("Legal opinion request"),
    initial="draft",
    states=(
        State("draft", NC_("legal opinion state", "Being drafted"), transient=True),
        State("requested", NC_("legal opinion state", "Opinion requested"), deadline=ANSWER_DAYS,
              deadline_setting="LEGAL_OPINION_ANSWER_HOURS", timeout="expire"),
        # Accepting keeps the request's due time: the lawyer answers within the same seven days.
        State("accepted", NC_("legal opinion state", "Accepted"), deadline=ANSWER_DAYS,
              deadline_setting="LEGAL_OPINION_ANSWER_HOURS", timeout="expire"),
        State("declined", NC_("legal opinion state", "Declined"), terminal=True),
        State("answered", NC_("legal opinion state", "Opinion given")),
        State("acknowledged", NC_("legal opinion state", "Acknowledged"), terminal=True),
        State("withdrawn", NC_("legal opinion state", "Withdrawn"), terminal=True),
        State("expired", NC_("legal opinion state", "Expired without an answer"), terminal=True),
    ),
    transitions=(
        Transition("request", ("draft",), "requested", (M,), NC_("legal opinion step", "Ask for a legal opinion"),
                   guards=("opinion_works_the_case", "opinion_case_open", "lawyer_active", "lawyer_has_account",
                           "lawyer_not_asked_yet",
                           "question_given", "lawyer_conflict_overridden")),
        Transition("accept", ("requested",), "accepted", (L,), NC_("legal opinion step", "Accept"),
                   keep_deadline=True,
                   guards=("own_request", "request_not_expired", "opinion_case_open", "lawyer_active")),
        Transition("decline", AWAITING, "declined", (L,), NC_("legal opinion step", "Decline"),
                   reason_required=True, guards=("own_request", "request_not_expired")),
        Transition("answer", ("accepted",), "answered", (L,), NC_("legal opinion step", "Give the opinion"),
                   guards=("own_request", "request_not_expired", "lawyer_active", "opinion_given")),
        Transition("acknowledge", ("answered",), "acknowledged", (M,),
                   NC_("legal opinion step", "Acknowledge the opinion"), guards=("opinion_works_the_case",)),
        # The system withdraws too, in the case's own transaction, when the case's step ends what a
        # lawyer can be asked for (an agreement, termination, withdrawal...).
        Transition("withdraw", AWAITING, "withdrawn", (M, SYSTEM), NC_("legal opinion step", "Withdraw the request"),
                   reason_required=True, danger=True, guards=("opinion_works_the_case",)),
        Transition("expire", AWAITING, "expired", (SYSTEM,), NC_("legal opinion step", "No answer in time")),
    ),
)
