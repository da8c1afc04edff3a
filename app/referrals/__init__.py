"""Referrals (分流交办) of a part of a case to a government department, and
the departments' liaisons who answer them: the models (models.py), the
periods per department and kind (deadlines.py), guards and effects, among
them the rule that a case does not close while a referral is open
(rules.py), who is told (notices.py), the pages of the mediators and of the
liaisons (views.py, wired by blueprint.py), the statistics by department
(stats.py) and the demo's referrals (demo.py).

A domain package: it may import the layers below (workflows, the foundation,
the audit core, the engine, the shared services) and disputes, which it
builds on (a referral belongs to a case). Nothing below it imports it;
supervision reads it.
"""


def init_app(app) -> None:
    """Hand the referral workflow's guards and effects (and the case's
    closing guard) to the engine, put a case's referrals on its timeline,
    install the messages, the today page's items and the closing form's list."""
    from .. import today
    from ..confirm import install_step_subject
    from ..timeline import install_related, install_subject
    from ..disputes import loose_ends
    from . import notices, rules, views
    from .today import referrals_due

    rules.hooks.install()
    install_related("dispute", rules.referrals_of_case)
    install_subject("referral", rules.referral_subjects)
    notices.install()
    today.install_provider("referral", referrals_due)
    loose_ends.install("referral", views.open_on_case)
    install_step_subject("referral", _asked_about)


def _asked_about(referral) -> str:
    """A referral as a dangerous step's question names it: its department and its case's file number."""
    from flask_babel import gettext as _

    return _("the referral of case %(number)s to %(department)s", number=referral.dispute.title,
             department=referral.department.name)
