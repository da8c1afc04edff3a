"""What an invitation's steps say to the person taking them, on a phone as
much as at a desk: the elder's "withdraw" named for what it is (leaving the
case), the question asked before a step that cannot be taken back, and what
was done and what comes next once it is taken (where to go, whom to ask, by
when the report is due). Staff phone numbers are not kept in the system: the
elder is pointed to the mediator who invited them, by name and community."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from ..dates import deadline_text, moment_text
from ..disputes.row_steps import StepWords
from ..i18n import N_


def inviter(assignment) -> str:
    """The mediator who sent the invitation, with their community (the case's,
    where their account names none): whom the elder asks."""
    mediator = assignment.invited_by
    if mediator is None:
        return _("the case's mediator")
    community = mediator.community or assignment.dispute.community
    if community is None:
        return mediator.display_name
    return _("%(mediator)s (%(community)s)", mediator=mediator.display_name, community=community.name)


# Said where the place was left open when inviting (stored in a notice as this msgid).
TO_BE_TOLD = N_("place to be told by the mediator")


def place_of(assignment) -> str:
    """The session's place, or that the mediator will tell it (the place may be left open when inviting)."""
    return assignment.session_place or _(TO_BE_TOLD)


def _is_elder() -> bool:
    return getattr(current_user, "role", None) == "elder"


def words(assignment, trigger: str) -> StepWords | None:
    case = assignment.dispute.title
    if trigger == "start_session":
        return StepWords(question=_("Start the mediation session of case %(case)s now? Press this only at the "
                                    "session itself: your report is asked for from then on.", case=case)
                         if _is_elder() else
                         _("Record that the session of case %(case)s has started now? The elder's report is "
                           "asked for from then on.", case=case))
    if trigger == "withdraw" and _is_elder():
        return StepWords(
            label=_("Leave this case"),
            hint=_("If you cannot take part after all: the mediator is told and will invite someone else."),
            question=_("Leave case %(case)s? You will no longer take part in it; the mediator is told and will "
                       "invite another elder. This cannot be undone.", case=case))
    return None


def outcome(assignment, trigger: str) -> str | None:
    """The message after an elder's step, or a moved session (others get the plain "Done: …")."""
    if trigger == "reschedule":
        when, place = moment_text(assignment.session_at), place_of(assignment)
        if assignment.elder.can_log_in:
            return _("Session moved to %(when)s, %(place)s: the elder is notified.", when=when, place=place)
        return _("Session moved to %(when)s, %(place)s. The elder has no working login: tell them by phone or in "
                 "person.", when=when, place=place)
    if not _is_elder():
        return None
    if trigger == "accept":
        when = moment_text(assignment.session_at)
        if assignment.session_place:
            return _("Accepted. Please come to %(place)s at %(when)s. If anything changes, contact %(mediator)s, "
                     "who invited you.", place=assignment.session_place, when=when, mediator=inviter(assignment))
        return _("Accepted. The session is at %(when)s; the place is still to be decided: %(mediator)s, who "
                 "invited you, will tell you. Ask them if you have not heard by then.",
                 when=when, mediator=inviter(assignment))
    if trigger == "start_session":
        return _("Session started: please file your report by %(deadline)s.",
                 deadline=deadline_text(assignment.due_at))
    if trigger == "withdraw":
        return _("You left case %(case)s: the mediator is told and will invite someone else.",
                 case=assignment.dispute.title)
    if trigger == "file_report":
        return _("Report filed: the mediator is told and will confirm it.")
    return None
