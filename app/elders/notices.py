"""Who hears of an invitation's steps (app/notifications): the
elder when invited or called off, the case's mediators when the elder
answers no, lets it expire, steps aside or files the report. Each
notification is written by the step's own effect, so it exists exactly
when the step does.

An elder whose login is deactivated (app/auth/accounts.py) stays on the
council and keeps their invitations: the case's mediators are told to record
the elder's steps on their behalf from then on. An elder without a working
login is not sent what they could not read.

The elder's notifications open their invitation page; the mediators' open
the case page, where the council's section shows the invitation."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from workflows import ELDER_ASSIGNMENT
from workflows.elder_assignment import ON_BEHALF, PARTICIPATION

from ..engine.hooks import Hooks
from ..extensions import db
from ..i18n import translate
from ..notifications.service import (RowNow, answered_by, answered_by_steps, install_link, install_state, message,
                                     notify, settled_message)
from . import rules, times, wording
from .models import Elder, ElderAssignment

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()

WF = "elder_assignment"

MESSAGES = {
    "elder_invited": _l("You are invited to help mediate case %(case)s: a session at %(session_at)s. Please accept "
        "or decline."),
    "elder_invitation_withdrawn": _l("The invitation to help with case %(case)s was withdrawn."),
    "elder_declined": _l("%(elder)s declined the invitation to help with case %(case)s: you may ask another "
        "elder."),
    "elder_expired": _l("%(elder)s did not answer the invitation for case %(case)s in time: you may ask "
        "another elder."),
    "elder_withdrew": _l("%(elder)s withdrew from case %(case)s."),
    # Sent by earlier versions, which withdrew the invitation with the account: kept for those notifications.
    "elder_account_deactivated": _l("The account of %(elder)s was deactivated: their invitation to help with case "
                                    "%(case)s was withdrawn. You may ask another elder."),
    "elder_login_deactivated": _l("The account of %(elder)s was deactivated, but they are still on the council: "
                                  "their invitation for case %(case)s stays. Record for them what they tell you "
                                  "by phone or in person, or withdraw the invitation."),
    # A moved session, both plans said: the places under "_label" keys, read in the reader's language where
    # the place was left to the mediator (wording.TO_BE_TOLD, a msgid) and as typed otherwise.
    "elder_session_moved": _l("The session of case %(case)s was moved to %(session_at)s, %(place_label)s. It "
                              "was planned for %(previous_session_at)s, %(previous_place_label)s."),
    "elder_reported": _l("%(elder)s filed the report of the session on case %(case)s: please confirm it."),
}


def invitation_page(assignment_id: int) -> str:
    return url_for("elders.invitation", assignment_id=assignment_id)


def case_mediators(assignment, actor) -> list[int]:
    """The case's lead and co-mediators, the way an assignment notifies them;
    while the case has none, the mediator who sent the invitation. Never the
    one who took the step."""
    dispute = assignment.dispute
    ids = [dispute.assignee_id] if dispute.assignee_id else []
    ids += [m.id for m in dispute.co_mediators if m.id not in ids]
    if not ids and assignment.invited_by_id:
        ids = [assignment.invited_by_id]
    return [i for i in ids if i != getattr(actor, "id", None)]


def _about(assignment) -> dict:
    return {"case": assignment.dispute.title, "elder": assignment.elder.name}


def _tell_mediators(kind: str):
    def tell(assignment, actor, data, now):
        for user_id in case_mediators(assignment, actor):
            notify(user_id, kind, entity_type="dispute", entity_id=assignment.dispute_id, data=_about(assignment),
                   now=now)

    return tell


for _trigger, _kind in (("decline", "elder_declined"), ("expire", "elder_expired"),
                        ("file_report", "elder_reported")):
    hooks.effect(WF, _trigger)(_tell_mediators(_kind))


@hooks.effect(WF, "invite")
def tell_the_elder(assignment, actor, data, now):
    if not assignment.elder.can_log_in:  # an elder without a (working) login is asked by phone
        return
    user_id = assignment.elder.user_id
    session_at = times.to_utc(data["session_at"])  # stored UTC, said in the centre's time (app.dates)
    notify(user_id, "elder_invited", entity_type="elder_assignment", entity_id=assignment.id, now=now,
           data={"case": assignment.dispute.title, "session_at": session_at.isoformat(timespec="minutes")})


@hooks.effect(WF, "reschedule")
def tell_the_elder_of_the_move(assignment, actor, data, now):
    """The elder (who can read it) hears of the new time and place, and of
    the old, whether they have answered yet or not."""
    if not assignment.elder.can_log_in:  # asked by phone: the mediator tells them
        return
    previous = times.to_utc(data.get("previous_session_at"))
    notify(assignment.elder.user_id, "elder_session_moved", entity_type="elder_assignment",
           entity_id=assignment.id, now=now,
           data={"case": assignment.dispute.title, "session_at": assignment.session_at.isoformat(timespec="minutes"),
                 "place_label": assignment.session_place or wording.TO_BE_TOLD,
                 "previous_session_at": previous.isoformat(timespec="minutes") if previous else None,
                 "previous_place_label": data.get("previous_session_place") or wording.TO_BE_TOLD})


@hooks.effect(WF, "withdraw")
def tell_the_other_side(assignment, actor, data, now):
    """An elder stepping aside tells the mediators; a mediator (or the case's
    end) calling the invitation off tells the elder, once they were asked."""
    if actor.role == "elder":
        _tell_mediators("elder_withdrew")(assignment, actor, data, now)
    elif assignment.elder.can_log_in and assignment.invited_at is not None:
        notify(assignment.elder.user_id, "elder_invitation_withdrawn", entity_type="elder_assignment",
               entity_id=assignment.id, data={"case": assignment.dispute.title}, now=now)


def account_deactivated(user, actor, now):
    """An elder's login deactivated: they stay on the council (retiring them
    is the coordinator's roster change) and their invitations stay; each
    open one's mediators are told that they now record the elder's steps
    on their behalf (rules.open_for_deactivated). A sentence for whoever
    deactivated it, or None."""
    elder = db.session.execute(select(Elder).where(Elder.user_id == user.id)).scalar_one_or_none()
    if elder is None:
        return None
    rows = rules.open_for_deactivated(elder)
    for assignment in rows:
        for user_id in case_mediators(assignment, actor):
            notify(user_id, "elder_login_deactivated", entity_type="dispute", entity_id=assignment.dispute_id,
                   data=_about(assignment), now=now)
    if not rows:
        return None
    return ngettext("%(num)d open invitation of the council of elders stays: the elder is still on the council, "
                    "and the mediators of its case are told to record the elder's answers for them.",
                    "%(num)d open invitations of the council of elders stay: the elder is still on the council, "
                    "and the mediators of their cases are told to record the elder's answers for them.", len(rows))


# An invitation's notice once the elder answered it (or it ended otherwise):
# said without its question, its current state beside it (notifications.states_of).
INVITED_SETTLED = _l("You were invited to help mediate case %(case)s: a session at %(session_at)s.")


def invitations_now(ids: list[int]) -> dict[int, RowNow]:
    """The invitations' states, for the notices about them in the list: one statement."""
    rows = db.session.execute(select(ElderAssignment.id, ElderAssignment.state)
                              .where(ElderAssignment.id.in_(ids))).all()
    return {i: RowNow(translate(ELDER_ASSIGNMENT.state(state).label), state != "invited") for i, state in rows}


# What the mediators are told about the case, and the step on an invitation
# that does what the notice asks: another elder invited after a decline, an
# expiry or the older deactivation notice ("you may ask another elder"); the
# report confirmed; a deactivated elder's answer or attendance recorded, or
# the invitation withdrawn. "Withdrew" asks for nothing and stays new. The
# notices of several elders on one case are told apart by the elder named.
ASK_ANOTHER = ("elder_declined", "elder_expired", "elder_account_deactivated")
RECORDED_FOR_THEM = tuple(dict.fromkeys(ON_BEHALF + PARTICIPATION + ("withdraw",)))


def the_case(assignment) -> tuple[str, int]:
    return "dispute", assignment.dispute_id


def the_elder_named(assignment) -> dict:
    return {"elder": assignment.elder.name}


def the_elders_login(assignment) -> int | None:
    return assignment.elder.user_id


def install() -> None:
    """Called from the package's init_app: the sentences of its notifications,
    the pages they open and the steps that answer them."""
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    install_link("elder_assignment", invitation_page)
    answered_by_steps(WF)  # accepting or declining answers the invitation
    install_state(WF, invitations_now)
    settled_message("elder_invited", INVITED_SETTLED)
    # ...and so does the mediator recording the elder's answer or attendance for them.
    answered_by(WF, ON_BEHALF, kinds=("elder_invited",), reader=the_elders_login)
    answered_by(WF, ("invite",), kinds=ASK_ANOTHER, about=the_case)
    answered_by(WF, ("confirm",), kinds=("elder_reported",), about=the_case, naming=the_elder_named)
    answered_by(WF, RECORDED_FOR_THEM, kinds=("elder_login_deactivated",), about=the_case, naming=the_elder_named)
