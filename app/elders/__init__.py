"""五老和事会: the council of elders' roster, suggestions with conflict-of-interest
checks, the elder-assignment workflow and the elders' own pages.

A domain package: it imports the layers below it and disputes (an invitation is
for a case); nothing below imports it, supervision reads it."""


def init_app(app) -> None:
    """Hand the elder-assignment hooks to the engine (the step's own changes
    first, then who is told of them), put a case's invitations on its
    timeline and the elders' work on the today page, and withdraw the
    invitations waiting for an elder whose login is deactivated; list the
    open ones in a case's closing form."""
    from ..auth.accounts import install_deactivation_listener
    from ..confirm import install_step_subject
    from ..timeline import install_related
    from ..today import install_provider
    from ..disputes import loose_ends
    from . import notices, panel, rules, today
    from .models import staff_see_invitations

    rules.hooks.install()
    notices.hooks.install()
    notices.install()
    install_related("dispute", rules.assignments_of_case, shown_to=staff_see_invitations)
    install_provider("elder_invitation", today.elder_work)
    install_deactivation_listener(notices.account_deactivated)
    loose_ends.install("elder_assignment", panel.open_on_case)
    loose_ends.install_withdrawn("elder_assignment", panel.withdrawn_by_step)
    install_step_subject("elder_assignment", _asked_about)


def _asked_about(assignment) -> str:
    """An invitation as a dangerous step's question names it: its elder and its case's file number."""
    from flask_babel import gettext as _

    return _("the invitation of %(elder)s to case %(number)s", elder=assignment.elder.name,
             number=assignment.dispute.title)
