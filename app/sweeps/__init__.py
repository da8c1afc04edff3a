"""Screening sweeps (排查): each community's weekly and the street's monthly
sweep, planned by the timer (service.plan_sweeps), recorded by the place's
staff, missed when the period ends unrecorded, and the disputes a sweep
found registered from its page (views.py). Who sees and records which sweep
is scope.py; the periods are periods.py; the today page's items today.py.

A domain package: it may import the layers below (workflows, the foundation,
the audit core, the engine, the shared services) and disputes (a dispute
found by a sweep is registered through the disputes' intake). It must not
import followups, which builds on it.
"""


def init_app(app) -> None:
    from .. import today
    from ..engine import timers
    from . import alliance
    from .service import plan_sweeps
    from .today import sweeps_due

    alliance.hooks.install()
    timers.install_job("sweeps planned", plan_sweeps)
    today.install_provider("sweep", sweeps_due)
