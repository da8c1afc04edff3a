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
    from .. import today
    from . import notices, rules  # noqa: F401  (rules: its @guard/@effect register when imported)
    from .today import followups_due

    notices.install()
    today.install_provider("followup", followups_due)
