"""Who hears of the case's own steps, and what they read: those who are to
act on a late case when a supervisor urges it (督办: its lead mediator, or its
community's mediators while it has none; rules.responsible_now). Installed
from the package's init_app into the shared notifications service, with the
page every notification about a case opens (the case page: the elders', the
legal opinions', the assignment's too) and the steps that answer them."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from workflows.dispute import DISPUTE, OPEN_BEFORE_AGREEMENT
from workflows.spec import SYSTEM

from ..notifications.service import answered_by, install_link, message
from .rules import URGE_CASE

MESSAGES = {
    "case_urged": _l("Urged by supervisor %(supervisor)s: case %(case)s is overdue or due soon, act on it now; "
                     "the supervisor's note is in the case's history."),
}

# The case's own work up to its agreement: the steps a mediator takes on a
# case while it may be urged (and after its assignment). A notice asking them
# to act on the case, or telling them it is theirs now, is answered by their
# next such step, as the urging's mark on the lists ends with it; reading the
# case page answers nothing. The steps after an agreement (signing, pressing
# for performance) come long after and answer none of these: they read nothing.
CASE_WORK_STEPS = tuple(sorted({t.trigger for t in DISPUTE.transitions
                                if set(t.sources) & set(OPEN_BEFORE_AGREEMENT) and set(t.roles) - {SYSTEM}}
                               - {URGE_CASE}))


def case_page(dispute_id: int) -> str:
    return url_for("disputes.show", case_id=dispute_id)


def install() -> None:
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    install_link("dispute", case_page)
    answered_by("dispute", CASE_WORK_STEPS, kinds=("case_urged",))
