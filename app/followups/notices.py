"""Who hears of this package's steps, and what they read: a case's
mediators when they are assigned it (the dispute's assign step, whose
effect is in rules.py), and its mediators and street supervisors when a
follow-up falls overdue or is escalated, and its mediators when a supervisor
urges it (督办). Installed from the package's
init_app into the shared notifications service."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..disputes.notices import CASE_WORK_STEPS
from ..notifications.service import answered_by, answered_by_steps, install_link, message

MESSAGES = {
    "assigned": _l("You were assigned case %(case)s."),
    "co_mediator": _l("You were added as a co-mediator of case %(case)s."),
    "followup_overdue": _l("The follow-up of case %(case)s planned for %(day)s was not made in time."),
    "followup_escalated": _l("Escalated: the follow-up of case %(case)s planned for %(day)s is overdue."),
    "followup_urged": _l("Urged by supervisor %(supervisor)s: make the follow-up of case %(case)s planned for "
                         "%(day)s now; the supervisor's note is on the follow-up's page."),
}


def followup_page(followup_id: int) -> str:
    return url_for("followups.show", followup_id=followup_id)


def install() -> None:
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    # A notice about a case opens the case page: the dispute package installs that link.
    install_link("followup", followup_page)
    answered_by_steps("followup")  # the visit recorded answers its overdue and urged notices
    # The case's lead or co-mediator taking up its work answers "you were assigned".
    answered_by("dispute", CASE_WORK_STEPS, kinds=("assigned", "co_mediator"))
