"""Who hears of the case's own steps, and what they read: those who are to
act on a late case when a supervisor urges it (督办: its lead mediator, or its
community's mediators while it has none; rules.responsible_now), and the grid
worker who registered a case, when it is accepted (with its file number),
refused (with the mediators' reason, which the parties also read on "Check
progress") and closed: they told the parties that the community will handle
it. Installed from the package's init_app into the shared notifications
service and the engine's step hooks, with the page every notification about
a case opens (the case page: the elders', the legal opinions', the
assignment's too) and the steps that answer them."""
from flask import url_for
from flask_babel import lazy_gettext as _l

from workflows.dispute import DISPUTE, OPEN_BEFORE_AGREEMENT
from workflows.spec import SYSTEM

from ..engine import step_reason
from ..engine.hooks import install_step_hook
from ..notifications.service import answered_by, install_link, message, notify
from .rules import URGE_CASE

MESSAGES = {
    "case_urged": _l("Urged by supervisor %(supervisor)s: case %(case)s is overdue or due soon, act on it now; "
                     "the supervisor's note is in the case's history."),
    "registered_accepted": _l("Case %(case)s that you registered was accepted for mediation: its file number is "
                              "%(file_no)s."),
    "registered_rejected": _l("Case %(case)s that you registered was not accepted by the mediators. Their reason: "
                              "%(reason)s"),
    "registered_closed": _l("Case %(case)s that you registered is closed."),
}

# The case's own work up to its agreement: the steps a mediator takes on a
# case while it may be urged (and after its assignment). A notice asking them
# to act on the case, or telling them it is theirs now, is answered by their
# next such step, as the urging's mark on the lists ends with it; reading the
# case page answers nothing. The steps after an agreement (signing, pressing
# for performance) come long after and answer none of these: they read nothing.
CASE_WORK_STEPS = tuple(sorted({t.trigger for t in DISPUTE.transitions
                                if set(t.sources) & set(OPEN_BEFORE_AGREEMENT) and set(t.roles) - {SYSTEM}}
                               - {URGE_CASE}))

# The steps the registering grid worker hears of: the kind of notice each sends.
TOLD_TO_REGISTRAR = {"accept": "registered_accepted", "reject": "registered_rejected", "close": "registered_closed"}


def case_page(dispute_id: int) -> str:
    return url_for("disputes.show", case_id=dispute_id)


def tell_the_registrar(entity, actor, trigger, now) -> None:
    """The engine's step hook, after the step's effects (the file number is
    given by then): the grid worker who registered the case is told, unless
    they took the step themselves."""
    kind = TOLD_TO_REGISTRAR.get(trigger)
    if kind is None or entity.__entity_type__ != "dispute" or entity.created_by_id is None:
        return
    if entity.created_by_id == getattr(actor, "id", None):
        return
    registrar = entity.created_by
    if registrar is None or registrar.role != "gridworker" or not registrar.active:
        return
    data = {"case": f"#{entity.id}"}
    if trigger == "accept":
        data["file_no"] = entity.file_no
    elif trigger == "reject":
        data["reason"] = step_reason() or ""
    else:
        data["case"] = entity.title
    notify(registrar.id, kind, entity_type="dispute", entity_id=entity.id, data=data, now=now)


def install() -> None:
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    install_link("dispute", case_page)
    answered_by("dispute", CASE_WORK_STEPS, kinds=("case_urged",))
    install_step_hook(tell_the_registrar)
