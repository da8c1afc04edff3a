"""Supervisors: closure history with replay, sign-off, the audit browser,
statistics and exports.

The layer above the domains: it reads every domain package (and the audit
core, for the audit browser and the integrity pages); no domain imports it."""


def init_app(app) -> None:
    """Keep the statistics' counters with every flush, hand the sign-off
    review's hooks to the engine, put a case's reviews on its timeline and
    the reviews waiting on the today page, group a mediator's closed cases
    by their review, and tell the mediators of the review's decision."""
    from ..confirm import install_step_subject
    from ..disputes.lists import install_closure_stages
    from ..timeline import install_related
    from ..today import install_provider
    from . import counters, notices, rules, today

    counters.follow_every_session()
    rules.hooks.install()
    notices.install()
    install_related("dispute", rules.reviews_of_case)
    install_closure_stages(rules.closed_rank, rules.latest_state)
    install_provider("signoff", today.reviews_due)
    install_step_subject("signoff", _asked_about)


def _asked_about(review) -> str:
    """A closure's review as a dangerous step's question names it: by its case's file number."""
    from flask_babel import gettext as _

    return _("case %(number)s", number=review.dispute.title)
