"""Legal opinions (请公益律师出具法律意见): a mediator working a case asks a
volunteer lawyer of the rota's roster a question on it, the lawyer answers
with a written opinion, and the mediator acknowledges it.

A domain package: it imports the layers below it, disputes (a request is on
a case) and rota (the lawyers and their Saturday duties); nothing below
imports it."""


def init_app(app) -> None:
    """Hand the legal-opinion hooks to the engine (the step's own changes
    first, then who is told of them), put a case's requests on its timeline
    (for those who may read them) and the work they ask for on the today page,
    withdraw a lawyer's requests when the roster takes them off or their
    login is deactivated, and list the open ones in a case's closing form."""
    from ..auth.accounts import install_deactivation_listener
    from ..confirm import install_step_subject
    from ..rota.admin import install_on_leaving
    from ..timeline import install_related
    from ..today import install_provider
    from ..disputes import loose_ends
    from . import notices, panel, rules, today
    from .models import staff_see_opinions

    rules.hooks.install()
    notices.hooks.install()
    notices.install()
    install_related("dispute", rules.opinions_of_case, shown_to=staff_see_opinions)
    install_provider("legal_opinion", today.opinion_work)
    install_on_leaving(notices.lawyer_left)
    install_deactivation_listener(notices.account_deactivated)
    loose_ends.install("legal_opinion", panel.open_on_case)
    loose_ends.install_withdrawn("legal_opinion", panel.withdrawn_by_step)
    install_step_subject("legal_opinion", _asked_about)


def _asked_about(opinion) -> str:
    """A request as a dangerous step's question names it: its lawyer and its case's file number."""
    from flask_babel import gettext as _

    return _("the request to %(lawyer)s on case %(number)s", lawyer=opinion.lawyer.name,
             number=opinion.dispute.title)
