"""Follow-up visits (回访) after an agreement: planning them when a case's
agreement is recorded (scheduling.py), their guards and effects and this
package's effects on the dispute's own steps (rules.py), the visits' pages
(views.py), what the mediators and supervisors are told (notices.py), and
their items on the today page (today.py).

A domain package: it may import the layers below (workflows, the foundation,
the audit core, the engine, the shared services) and the other domains that
it builds on: disputes (a follow-up belongs to a case) and sweeps (the
sweep workflow's guards and effects are still written in rules.py). Nothing
below it imports it; supervision reads it.
"""


def init_app(app) -> None:
    """Hand the follow-up and sweep workflows' guards and effects to the
    engine, put a case's follow-ups on its timeline, install the messages,
    the today page's items and the closing form's list."""
    from .. import today
    from ..confirm import install_step_subject
    from ..timeline import install_related
    from ..disputes import loose_ends
    from . import notices, rules, views
    from .today import followups_due

    rules.hooks.install()
    install_related("dispute", rules.followups_of_case)
    notices.install()
    today.install_provider("followup", followups_due)
    loose_ends.install("followup", views.open_on_case)
    install_step_subject("followup", _asked_about)


def _asked_about(followup) -> str:
    """A follow-up as a dangerous step's question would name it (none of its steps asks yet): its case and day."""
    from flask_babel import gettext as _

    from ..dates import day_text

    return _("the follow-up of case %(number)s planned for %(day)s", number=followup.dispute.title,
             day=day_text(followup.planned_for))
