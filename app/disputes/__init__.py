"""The dispute case (纠纷案件): models, intake, parties, sessions, agreements,
attachments, lists, scope rules, and the workflow's guards and effects.

A domain package: imports workflows/, the foundation, the audit core, the
engine and the shared services; never another domain, supervision or the
shell."""


def init_app(app) -> None:
    """Hand the dispute workflow's guards and effects to the engine, and the
    erasure of a case's personal data at the end of retention to the audit
    core (`flask audit shred`) and the timer (a tick job); a mediator's inbox of
    waiting reports and a supervisor's overdue cases to the today page; the
    notice of an urged case to the notifications."""
    from ..confirm import install_step_subject
    from ..today import install_provider
    from . import inbox, notices, overdue, retention, rules

    install_provider("inbox", inbox.today_items)
    install_provider(overdue.KIND, overdue.today_items)

    rules.hooks.install()
    notices.install()
    retention.init_app(app)
    install_step_subject("dispute", _asked_about)


def _asked_about(dispute) -> str:
    """A case as a dangerous step's question names it: by its file number."""
    from flask_babel import gettext as _

    return _("case %(number)s", number=dispute.title)
