"""The elder-assignment (五老和事会指派) workflow.

A mediator working a case picks an elder of the council from a ranked list
(suggested) and invites them for a planned session (invited). The elder
answers: accepted, or declined with a reason; with no answer in time the
timer expires the invitation (ELDER_INVITE_HOURS, 48 hours by default, and
never later than the planned session). An accepted invitation goes into
session, the elder files a short report, and a mediator of the case confirms
it (done). Either side may withdraw while it is open: an elder's recusal, or
the mediator calling the invitation off.

Many elders have no login account. A mediator working the case records for
them what they said (by phone or in person): their acceptance or decline,
and that they took part (took_part), which also ends an invitation whose
elder files no report. The audit event names the mediator as the actor and
says it was recorded on the elder's behalf. Once the planned session has
come, the mediator records as well that an elder who accepted did not come
(no_show, with an optional note), for an elder with or without an account.

Until the session starts, the mediator may move it (reschedule: a new time,
checked as when inviting, and place, with an optional reason); the elder is
told of the old and the new, and what depends on the time (when it can be
started, the due times) follows the new one.

An invitation is accepted, and its session started, only while the case is
still open for elders (accepted or being mediated). The case's step that
ends that (an agreement, termination, withdrawal, pressing for performance)
withdraws, as the system and in the same transaction, the invitations still
suggested or invited, and those accepted for a session still ahead. An
accepted invitation whose planned session has come is not withdrawn (an
elder who helped is not "withdrawn" by the agreement they helped reach), nor
recorded by the system as taken part: only the mediator knows whether the
elder came, so it waits for their record (took part, or did not come), as
one already in session waits for its report.
An elder's login deactivated ends nothing here: the elder is still on the
council (retiring them from it is the coordinator's roster change), and a
mediator records their answers as for an elder without an account.

What each step needs (the planned time, the report's contents) is checked by
named guards, so that the same rules hold for the web forms and for anything
else that calls the engine.
"""
from datetime import timedelta

from .i18n import N_, NC_
from .spec import SYSTEM, State, Transition, Workflow

M = "mediator"
E = "elder"

OPEN = ("suggested", "invited", "accepted", "in_session")
NOT_BEGUN = ("suggested", "invited", "accepted")
# The invitations whose planned session the mediator may still move: not yet
# started (once in session, the time is what happened).
RESCHEDULABLE = ("invited", "accepted")
# The steps a mediator takes on an elder's behalf (an elder without an account).
ON_BEHALF = ("record_accept", "record_decline", "record_participation")
# What the mediator records of an accepted elder once the session has come:
# whether they took part (a terminal state either way).
PARTICIPATION = ("record_participation", "record_no_show")

ELDER_ASSIGNMENT = Workflow(
    name="elder_assignment",
    label=N_("Council of elders assignment"),
    initial="suggested",
    states=(
        State("suggested", N_("Suggested")),
        State(
            "invited",
            N_("Invited"),
            deadline=timedelta(hours=48),
            deadline_setting="ELDER_INVITE_HOURS",
            timeout="expire",
        ),
        # Due at the planned session: the colour tells the elder it is near.
        State("accepted", NC_("elder invitation state", "Accepted"), due_from="session_at"),
        State("declined", NC_("elder invitation state", "Declined"), terminal=True),
        State("expired", N_("Expired (no answer)"), terminal=True),
        # The report is expected within a few days of the session.
        State("in_session", N_("In session"), deadline=timedelta(days=3)),
        State("reported", N_("Report filed"), deadline=timedelta(days=7)),
        State("done", NC_("elder invitation state", "Done"), terminal=True),
        # The elder took part, as the mediator recorded it (no report of their own); before the mediator
        # recorded "did not come" too, the system also took this step when the case moved on after the
        # session the elder had accepted (such events stay in the log).
        State("took_part", NC_("elder invitation state", "Took part"), terminal=True),
        # The elder accepted but did not come to the session, as the mediator recorded it.
        State("no_show", NC_("elder invitation state", "Did not come"), terminal=True),
        # Neither the state nor the step says "recusal": the mediator, or the system when the case moves on,
        # withdraws too; the reason says why.
        State("withdrawn", NC_("elder invitation state", "Withdrawn"), terminal=True),
    ),
    transitions=(
        Transition(
            "invite",
            ("suggested",),
            "invited",
            (M,),
            NC_("elder invitation step", "Invite"),
            guards=("works_the_case", "case_open", "invitation_planned", "elder_invitable", "conflict_overridden"),
        ),
        Transition(
            "accept",
            ("invited",),
            "accepted",
            (E,),
            NC_("elder invitation step", "Accept"),
            guards=("own_invitation", "not_expired", "case_open", "elder_still_able"),
        ),
        Transition(
            "decline",
            ("invited",),
            "declined",
            (E,),
            NC_("elder invitation step", "Decline"),
            reason_required=True,
            guards=("own_invitation", "not_expired"),
        ),
        # The mediator records the elder's answer, given by phone or in person.
        Transition(
            "record_accept",
            ("invited",),
            "accepted",
            (M,),
            NC_("elder invitation step", "Record the elder's acceptance"),
            guards=("works_the_case", "not_expired", "case_open", "elder_still_able"),
        ),
        Transition(
            "record_decline",
            ("invited",),
            "declined",
            (M,),
            NC_("elder invitation step", "Record the elder's decline"),
            reason_required=True,
            guards=("works_the_case", "not_expired"),
        ),
        Transition("expire", ("invited",), "expired", (SYSTEM,), N_("No answer in time")),
        # The mediator moves the planned session (time and place) of an
        # invitation not yet in session: one step per state, back to itself,
        # keeping the answer's clock (the new time may only shorten it); the
        # accepted one's due time, the session itself, moves with it.
        *(Transition(
            "reschedule",
            (state,),
            state,
            (M,),
            NC_("elder invitation step", "Move the session"),
            # An unanswered invitation past its answer's time has expired; an
            # accepted one whose time passed without a start (put off on the
            # day) may still be moved.
            guards=("works_the_case", *(("not_expired",) if state == "invited" else ()), "case_open",
                    "invitation_planned", "session_movable"),
            keep_deadline=True,
        ) for state in RESCHEDULABLE),
        Transition(
            "start_session",
            ("accepted",),
            "in_session",
            (M, E),
            N_("Session started"),
            # Not before the planned session (from an hour before it): an
            # early tap would file the elder as in session, and ask for a
            # report, on a meeting that has not happened.
            guards=("works_the_case", "own_invitation", "case_open", "session_can_start"),
        ),
        Transition(
            "file_report",
            ("in_session",),
            "reported",
            (E,),
            N_("File the report"),
            guards=("own_invitation", "report_complete"),
        ),
        # Not only while the case is open: the mediator records the elder's
        # part after the agreement too. SYSTEM stays among its roles so that
        # the log's earlier system events of this step replay; nothing fires
        # it as the system any more.
        Transition(
            "record_participation",
            ("accepted", "in_session"),
            "took_part",
            (M, SYSTEM),
            NC_("elder invitation step", "Record that the elder took part"),
            # Not before the session, as "did not come": taking part in a
            # meeting that has not happened is a mis-click, and final.
            guards=("works_the_case", "session_has_come"),
        ),
        # The elder accepted and did not come: recorded once the session has
        # come (before it, an elder who will not come is withdrawn), while the
        # case is open or after it moved on.
        Transition(
            "record_no_show",
            ("accepted", "in_session"),
            "no_show",
            (M,),
            NC_("elder invitation step", "Record that the elder did not come"),
            # The planned time itself, also for a session started up to an
            # hour before it: the elder may still come until then.
            guards=("works_the_case", "planned_time_passed"),
        ),
        Transition(
            "confirm",
            ("reported",),
            "done",
            (M,),
            N_("Confirm"),
            guards=("works_the_case",),
        ),
        # The system also withdraws, when the case's own step ends what
        # elders can do, the invitations whose session has not begun.
        Transition(
            "withdraw",
            NOT_BEGUN,
            "withdrawn",
            (M, E, SYSTEM),
            NC_("elder invitation step", "Withdraw"),
            reason_required=True,
            guards=("works_the_case", "own_invitation", "elder_declines_first"),
            danger=True,
        ),
        Transition(
            "withdraw",
            ("in_session",),
            "withdrawn",
            (M, E),
            NC_("elder invitation step", "Withdraw"),
            reason_required=True,
            guards=("works_the_case", "own_invitation", "elder_declines_first"),
            danger=True,
        ),
    ),
)
