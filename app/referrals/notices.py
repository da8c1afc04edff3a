"""Who hears of a referral's steps, and what they read: the department's
liaisons when one is sent, returned or escalated; the case's mediators when
it is answered or escalated; the street's supervisors when it is escalated;
the liaisons and the mediators when a supervisor urges it (督办). Installed from the package's init_app."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from ..notifications.service import answered_by_steps, install_link, message

# Named as the lists name the referral (naming.py): by community, dispute type and the day it was sent.
MESSAGES = {
    "referral_sent": _l("New referral: %(community)s · %(dispute_type_label)s · sent %(sent_on)s. Please "
                        "acknowledge it."),
    "referral_returned": _l("The answer to the referral %(community)s · %(dispute_type_label)s · sent %(sent_on)s "
                            "was returned for more work."),
    "referral_answered": _l("%(department)s answered the referral %(community)s · %(dispute_type_label)s · sent "
                            "%(sent_on)s: please check the answer."),
    "referral_not_acknowledged": _l("Escalated: %(department)s has not acknowledged the referral %(community)s · "
                                    "%(dispute_type_label)s · sent %(sent_on)s in time."),
    "referral_overdue": _l("Escalated: %(department)s has not answered the referral %(community)s · "
                           "%(dispute_type_label)s · sent %(sent_on)s in time."),
    "referral_urged": _l("Urged by supervisor %(supervisor)s: %(department)s is to act on the referral "
                         "%(community)s · %(dispute_type_label)s · sent %(sent_on)s now; the supervisor's note is on "
                         "the referral's page."),
}

# What they said before (by the case's number), for the rows written then.
OLDER = {
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
        message(kind, msgid, older=OLDER[kind])
    install_link("referral", referral_page)
    # Signing answers "please acknowledge" and its escalation, answering the urging, urging the
    # escalation, checking the answer the "please check".
    answered_by_steps("referral")
