"""Who hears of a referral's steps, and what they read: the department's
liaisons when one is sent, returned or escalated; the case's mediators when
it is answered or escalated; the street's supervisors when it is escalated;
the liaisons and the mediators when a supervisor urges it (督办). Installed from the package's init_app."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..notifications.service import install_link, message

MESSAGES = {
    "referral_sent": _l("Case %(case)s was referred to %(department)s: please acknowledge it."),
    "referral_returned": _l("The answer of %(department)s on case %(case)s was returned for more work."),
    "referral_answered": _l("%(department)s answered the referral of case %(case)s: please check the answer."),
    "referral_not_acknowledged": _l("Escalated: %(department)s has not acknowledged the referral of case "
                                    "%(case)s in time."),
    "referral_overdue": _l("Escalated: %(department)s has not answered the referral of case %(case)s in time."),
    "referral_urged": _l("Urged by supervisor %(supervisor)s: %(department)s is to act on the referral of case "
                         "%(case)s now; the supervisor's note is on the referral's page."),
}


def referral_page(referral_id: int) -> str:
    return url_for("referrals.show", referral_id=referral_id)


def install() -> None:
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    install_link("referral", referral_page)
