"""Who hears of the case's own steps, and what they read: those who are to
act on a late case when a supervisor urges it (督办: its lead mediator, or its
community's mediators while it has none; rules.responsible_now). Installed
from the package's init_app into the shared notifications service, with the
page every notification about a case opens (the case page: the elders', the
legal opinions', the assignment's too)."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..notifications.service import install_link, message

MESSAGES = {
    "case_urged": _l("Urged by supervisor %(supervisor)s: case %(case)s is overdue or due soon, act on it now; "
                     "the supervisor's note is in the case's history."),
}


def case_page(dispute_id: int) -> str:
    return url_for("disputes.show", case_id=dispute_id)


def install() -> None:
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    install_link("dispute", case_page)
