"""Notifications: the in-app messages each user receives about steps that
concern them (service.py: `notify`, written in the step's own transaction),
their page and the bell (views.py), and the e-mail outbox that copies them
by mail once the step has committed (mail.py, a timer job). A step marks
read the notices it answers, as the domains declare them (service.answered_by:
by default the actor's notices about the row; a mediator's about the case of
an elder's or a lawyer's row; an elder's invitation answered for them), one
hook every engine step passes through.

A shared service: the domains call it and install, from their own init_app,
the sentence of each kind of notification they send (`message`) and the page
a notification about their rows opens (`install_link`). It may import the
foundation (extensions, clock), the audit core, the engine's timers and the
other shared services (auth, paging); never a domain package.
"""


def init_app(app) -> None:
    from ..engine import timers
    from ..engine.hooks import install_step_hook
    from . import mail, service

    timers.install_job("e-mails sent", mail.send_pending)
    install_step_hook(service.read_what_the_step_answers)
