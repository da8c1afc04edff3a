"""Guards and effects of the elder-assignment workflow
(workflows/elder_assignment.py), and the link that puts its steps on the
case's timeline."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from workflows import DISPUTE
from workflows.elder_assignment import NOT_BEGUN, ON_BEHALF

from .. import clock, engine
from ..dates import day_text, deadline_text, moment_text
from ..engine.core import state_deadline
from ..engine.deadlines import warn_time
from ..engine.hooks import Hooks
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, N_, translate
from ..labels import LIST_SEPARATOR, install_old_reasons, install_reason, system_reason
from . import codes, times
from .candidates import unavailable_problem, why_not_invitable
from .models import ElderAssignment

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()

WF = "elder_assignment"
# The case states in which elders may be asked to help.
CASE_STATES = ("accepted", "assigned", "mediating", "extended", "breached")
# What the case's leaving those states withdraws (the system may withdraw
# only these): an invitation already in session stays open for its report.
WITHDRAWN_WITH_CASE = NOT_BEGUN
# How far ahead a session may be planned.
PLAN_AHEAD = timedelta(days=90)


def works_on_case(dispute, user) -> bool:
    """A mediator who works the case; before a lead is assigned, any mediator
    who can see it (the centre routes the case to the council)."""
    if user.role != "mediator" or not dispute.visible_to(user):
        return False
    return dispute.assignee_id is None or dispute.works_on(user)


@hooks.guard("works_the_case")
def works_the_case(assignment, actor, data):
    if actor.role == "mediator" and not works_on_case(assignment.dispute, actor):
        return _l("Only the mediators working on this case may do this.")
    return None


@hooks.guard("own_invitation")
def own_invitation(assignment, actor, data):
    if actor.role == "elder" and assignment.elder.user_id != actor.id:
        return _l("This invitation is addressed to another elder: only they can answer it.")
    return None


def case_closed_message(dispute):
    """Why elders cannot be asked for this case now, or None."""
    if dispute.state not in CASE_STATES:
        return _l("Elders can be asked while the case is open (%(states)s); it is now “%(state)s”.",
                  states=translate(LIST_SEPARATOR).join(translate(DISPUTE.state(s).label) for s in CASE_STATES),
                  state=translate(DISPUTE.state(dispute.state).label))
    return None


@hooks.guard("elder_declines_first")
def elder_declines_first(assignment, actor, data):
    """An elder who has not accepted answers by declining; stepping aside
    (recusal) is for an invitation they have taken up."""
    if actor.role == "elder" and assignment.state in ("suggested", "invited"):
        return _l("Decline the invitation instead, with your reason.")
    return None


@hooks.guard("case_open")
def case_open(assignment, actor, data):
    return case_closed_message(assignment.dispute)


@hooks.guard("invitation_planned")
def invitation_planned(assignment, actor, data):
    if data is None:
        return None
    planned = times.to_utc(data.get("session_at"))
    if planned is None:
        return _l("Give the planned date and time of the session.")
    now = clock.now()
    if planned <= now:
        return _l("The planned session must be in the future.")
    if planned > now + PLAN_AHEAD:
        return _l("A session can be planned at most %(days)s days ahead.", days=PLAN_AHEAD.days)
    return None


@hooks.guard("elder_invitable")
def elder_invitable(assignment, actor, data):
    if data is None:
        return None
    planned = times.to_utc(data.get("session_at"))
    if planned is None:
        return None  # invitation_planned says what is missing
    return why_not_invitable(assignment.elder, assignment.dispute, clock.local_date(planned),
                             exclude_id=assignment.id)


@hooks.guard("elder_still_able")
def elder_still_able(assignment, actor, data):
    """Accepting checks again what inviting checked of the elder alone: they
    may have left the council, or marked the session day unavailable, since."""
    elder = assignment.elder
    if not elder.active:
        return _l("%(name)s has retired from the council and cannot take this invitation.", name=elder.name)
    if assignment.session_at is not None:
        day = clock.local_date(assignment.session_at)
        if elder.unavailable_on(day) is not None:
            return _l("%(name)s marked %(day)s as unavailable: decline the invitation, or remove that date first.",
                      name=elder.name, day=day_text(day))
    return None


@hooks.guard("conflict_overridden")
def conflict_overridden(assignment, actor, data):
    if data is None or not assignment.conflicts:
        return None
    if not str(data.get("override_reason") or "").strip():
        return _l("This elder may have a conflict of interest: give the reason for inviting them anyway.")
    return None


@hooks.guard("not_expired")
def not_expired(assignment, actor, data):
    if assignment.due_at is not None and clock.now() >= assignment.due_at:
        return expired_message(assignment)
    return None


def expired_message(assignment):
    return _l("This invitation expired at %(when)s without an answer: it can no longer be answered.",
              when=deadline_text(assignment.due_at))


@hooks.guard("report_complete")
def report_complete(assignment, actor, data):
    if data is None:
        return None
    if not str(data.get("work_done") or "").strip():
        return _l("Say what was done at the session.")
    if data.get("report_outcome") not in codes.REPORT_OUTCOMES:
        return _l("Choose the outcome of the session.")
    return None


@hooks.effect(WF, "invite")
def record_invitation(assignment, actor, data, now):
    assignment.session_at = times.to_utc(data["session_at"])
    assignment.session_place = (data.get("session_place") or "").strip() or None
    # A reason is kept only where there was a conflict to override.
    reason = (data.get("override_reason") or "").strip()
    assignment.override_reason = reason if assignment.conflicts and reason else None
    assignment.invited_by_id = actor.id
    assignment.invited_at = now
    # An invitation cannot wait for an answer past the session it is for.
    if assignment.due_at is not None and assignment.session_at < assignment.due_at:
        assignment.due_at = assignment.session_at
        assignment.warn_at = warn_time(assignment.due_at, assignment.deadline_started_at)


@hooks.guard("session_movable")
def session_movable(assignment, actor, data):
    """A session moved to a day the elder marked unavailable, or to the time
    and place it already has, is refused (invitation_planned checks the time
    as when inviting)."""
    if data is None:
        return None
    planned = times.to_utc(data.get("session_at"))
    if planned is None:
        return None  # invitation_planned says what is missing
    place = (data.get("session_place") or "").strip() or None
    if planned == assignment.session_at and place == assignment.session_place:
        return _l("The session is already planned for this time and place: give another time or place to move it.")
    return unavailable_problem(assignment.elder, clock.local_date(planned))


@hooks.effect(WF, "reschedule")
def record_new_plan(assignment, actor, data, now):
    """The new time and place, and the due time that follows the time: an
    accepted invitation's is the session itself; an invitation's answer is
    due when it was (the step keeps its clock), never later than the new
    session, as when inviting."""
    assignment.session_at = times.to_utc(data["session_at"])
    assignment.session_place = (data.get("session_place") or "").strip() or None
    if assignment.state == "accepted":
        assignment.due_at = assignment.session_at
    elif assignment.state == "invited" and assignment.deadline_started_at is not None:
        period = state_deadline(assignment.__workflow__.state("invited"))
        answer_by = assignment.deadline_started_at + period if period is not None else assignment.due_at
        assignment.due_at = min(answer_by, assignment.session_at) if answer_by else assignment.session_at
    assignment.warn_at = warn_time(assignment.due_at, assignment.deadline_started_at)


def _answered(answer):
    def apply(assignment, actor, data, now):
        assignment.answer = answer
        assignment.answered_at = now

    return apply


for _trigger, _answer in (("accept", "accepted"), ("decline", "declined"), ("expire", "expired"),
                          ("record_accept", "accepted"), ("record_decline", "declined")):
    hooks.effect(WF, _trigger)(_answered(_answer))


# What a mediator records for an elder ---------------------------------------

# The note of a step recorded on the elder's behalf: stored in English, read
# in the page's language (app/labels.py), with the mediator's own words kept.
RECORDED_FOR_ELDER = install_reason(N_("Recorded by the mediator on the elder's behalf"))
RECORDED_FOR_ELDER_NOTE = install_reason(N_("Recorded by the mediator on the elder's behalf: %(note)s"))


def on_behalf(assignment, trigger: str, note: str | None) -> tuple[str | None, dict]:
    """The reason and the data of a step a mediator records for the elder;
    other steps' unchanged."""
    if trigger not in ON_BEHALF:
        return note, {}
    note = (note or "").strip()
    if note:
        reason = system_reason(RECORDED_FOR_ELDER_NOTE, note=note)
    else:  # a decline needs the elder's reason: none given, the engine asks for it
        t = assignment.__workflow__.transition(trigger, assignment.state)
        reason = None if t is not None and t.reason_required else system_reason(RECORDED_FOR_ELDER)
    return reason, {"on_behalf_of": assignment.elder.name}


# How long before the planned session it may be started. An hour: elders and
# parties gather in the mediation room before the time, and a mediator may
# open the session once everyone is there; earlier than that (the day before,
# the morning of an evening session) a tap is a mistake, not a meeting, and
# would ask for a report on a session that has not happened. A whole day's
# leeway would still allow that.
START_EARLY = timedelta(hours=1)


def session_starts_from(assignment):
    """The moment from which the invitation's session may be started (None: any time)."""
    if assignment.session_at is None:
        return None
    return assignment.session_at - START_EARLY


def starts_later(assignment):
    """For an accepted invitation whose session cannot be started yet, the
    moment from which it can (the pages say it instead of the button)."""
    opens = session_starts_from(assignment) if assignment.state == "accepted" else None
    return opens if opens is not None and clock.now() < opens else None


@hooks.guard("session_can_start")
def session_can_start(assignment, actor, data):
    opens = session_starts_from(assignment)
    if opens is not None and clock.now() < opens:
        return _l("The session is planned for %(when)s: it can be started from %(start)s.",
                  when=moment_text(assignment.session_at), start=moment_text(opens))
    return None


@hooks.effect(WF, "start_session")
def record_session_start(assignment, actor, data, now):
    """The report is due some days after the session: counted from the
    planned time when the session is started before it (START_EARLY)."""
    assignment.session_started_at = now
    if assignment.session_at is not None and assignment.session_at > now and assignment.due_at is not None:
        assignment.due_at += assignment.session_at - now
        assignment.deadline_started_at = assignment.session_at
        assignment.warn_at = warn_time(assignment.due_at, assignment.deadline_started_at)


@hooks.effect(WF, "file_report")
def record_report(assignment, actor, data, now):
    assignment.report_work_done = data["work_done"].strip()
    assignment.report_advice = (data.get("advice") or "").strip() or None
    assignment.report_outcome = data["report_outcome"]
    assignment.reported_at = now


def assignments_of_case(dispute):
    """A case's timeline shows its elders' invitations' steps too."""
    return "elder_assignment", select(ElderAssignment.id).where(ElderAssignment.dispute_id == dispute.id)


# The case's steps out of the states open for elders ----------------------

# Why the system withdrew the invitations, by the case's new state.
WITHDRAWN_BECAUSE = {
    "agreed": N_("The case reached agreement: the invitation was withdrawn automatically"),
    "performing": N_("The case was pressed for performance: the invitation was withdrawn automatically"),
    "failed": N_("Mediation of the case failed: the invitation was withdrawn automatically"),
    "refused": N_("A party refused mediation: the invitation was withdrawn automatically"),
    "withdrawn": N_("The parties withdrew the case: the invitation was withdrawn automatically"),
}
CASE_MOVED_ON = N_("The case moved on: the invitation was withdrawn automatically")
for _msgid in (*WITHDRAWN_BECAUSE.values(), CASE_MOVED_ON):
    install_reason(_msgid)


def _old_reasons() -> dict[str, str]:
    """The reasons written before, in Chinese, naming the case's new state."""
    return {f"案件已转为“{translate(state.label, DEFAULT_LOCALE)}”，五老邀请自动撤回":
            WITHDRAWN_BECAUSE.get(state.code, CASE_MOVED_ON) for state in DISPUTE.states}


install_old_reasons(_old_reasons)

def withdraw_with_case(dispute, actor, data, now):
    """Withdraw, in the case's own transaction, the invitations that could
    no longer be accepted or started. The system withdraws them (the case's
    step may be taken by a mediator who does not work it); the reason names
    the case's new state, and the case's own event names who took the step.

    An invitation accepted for a session that has come is left as it is:
    not withdrawn (the elder may well have helped reach the agreement), and
    not recorded as taken part either. The system cannot know whether the
    elder came, and a wrong "took part" is terminal and counts in the
    elder's record (the load table's "Done"), while asking the mediator
    costs one click: the case's section and its closing form offer the two
    steps (took part, did not come), and the mediator's today page lists it
    until then. Until recorded it counts as open for the elder."""
    if dispute.state in CASE_STATES:
        return
    params = {"dispute_id": dispute.id}
    if engine.first_row(db.session, _ANY_WITHDRAWABLE, params) is None:
        return  # most cases: no invitation to withdraw, and no ORM query to ask
    open_ = db.session.execute(_WITHDRAWABLE, params).scalars().all()
    reason = system_reason(WITHDRAWN_BECAUSE.get(dispute.state, CASE_MOVED_ON))
    for assignment in open_:
        if not session_came(assignment, now):
            engine.fire(assignment, "withdraw", engine.SYSTEM_ACTOR, reason, now=now, commit=False)


# The reason of the system's "took part" that earlier versions recorded at the
# case's step (read in the page's language in the history of those cases).
TOOK_PART_AT_SESSION = install_reason(
    N_("The elder had accepted and the planned session has come when the case moved on: recorded as taken part"))


def session_came(assignment, now) -> bool:
    """An accepted invitation whose planned session has come: the mediator records whether the elder came."""
    return assignment.state == "accepted" and assignment.session_at is not None and assignment.session_at <= now


@hooks.guard("session_has_come")
def session_has_come(assignment, actor, data):
    """An elder is recorded as having taken part only once the session has
    come (or was started: they are there); before it, one who will not come
    is withdrawn (with the reason)."""
    if assignment.state == "accepted":
        return planned_time_passed(assignment, actor, data)
    return None


@hooks.guard("planned_time_passed")
def planned_time_passed(assignment, actor, data):
    """Not before the planned time, even in a session started early
    (START_EARLY): an elder not there an hour before may still come."""
    if assignment.session_at is not None and assignment.session_at > clock.now():
        return _l("The session is planned for %(when)s: record after it whether the elder came. If they will not "
                  "come, withdraw the invitation.", when=moment_text(assignment.session_at))
    return None


# Built once: this runs on many of a case's steps, and building the statement
# (and its cache key) cost about three times running it (bench/engine.py);
# the plain existence check on the session's cursor (engine.first_row, its
# states as fixed bind values) costs a fraction of even a Core execution.
_WITHDRAWABLE_WHERE = (ElderAssignment.dispute_id == bindparam("dispute_id"),
                       ElderAssignment.state.in_(WITHDRAWN_WITH_CASE))
_ANY_WITHDRAWABLE = select(ElderAssignment.id).where(
    ElderAssignment.dispute_id == bindparam("dispute_id"),
    ElderAssignment.state.in_([bindparam(f"state_{i}", state) for i, state in enumerate(WITHDRAWN_WITH_CASE)]),
).limit(1)
_WITHDRAWABLE = select(ElderAssignment).where(*_WITHDRAWABLE_WHERE).order_by(ElderAssignment.id)


# The elder's login deactivated (app/auth/accounts.py) --------------------

# Deactivating a login ends the login, not the elder's place on the council
# (retiring them is the coordinator's roster change: elder.active). Earlier
# versions withdrew an invited elder's invitations with the deactivation, for
# they could no longer answer; since a mediator records an elder's answer on
# their behalf, nothing is withdrawn: the case's mediators are told to record
# it (app/elders/notices.py). The reason stays for those earlier events.
ACCOUNT_DEACTIVATED = install_reason(
    N_("The elder's account was deactivated: the invitation was withdrawn automatically"))
# The invitations in which the elder had a step of their own to take
# (answer, start the session, file the report): now the mediator's to record.
WAITING_FOR_THE_ELDER = ("invited", "accepted", "in_session")


def open_for_deactivated(elder) -> list[ElderAssignment]:
    """The invitations of an elder whose login was deactivated that still
    wait for a step of the elder's: their mediators will record it."""
    return list(db.session.execute(select(ElderAssignment).where(
        ElderAssignment.elder_id == elder.id, ElderAssignment.state.in_(WAITING_FOR_THE_ELDER))
        .order_by(ElderAssignment.id)).scalars())


# Read from the workflow, so that a new way out of those states is covered too.
CASE_ENDING_TRIGGERS = sorted({t.trigger for t in DISPUTE.transitions
                               if t.dest not in CASE_STATES and set(t.sources) & set(CASE_STATES)})
for _trigger in CASE_ENDING_TRIGGERS:
    hooks.effect("dispute", _trigger)(withdraw_with_case)
