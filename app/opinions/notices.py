"""Who hears of a legal-opinion request's steps (app/notifications): the
lawyer when asked or when the request is withdrawn; the case's mediators when
the lawyer declines, answers, or lets it expire. Each notification is written
by the step's own effect, so it exists exactly when the step does.

A lawyer taken off the roster (app/rota/admin.py), or whose login an
administrator deactivates (app/auth/accounts.py), has their requests waiting
for an answer withdrawn, and the case's mediators are told.

The lawyer's notifications open their request page; the mediators' open the
case page, where the legal-opinion section shows the request."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from ..engine.hooks import Hooks
from ..extensions import db
from ..notifications.service import answered_by, answered_by_steps, install_link, message, notify
from ..rota.models import Lawyer
from . import rules

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()

WF = "legal_opinion"

MESSAGES = {
    "opinion_requested": _l("You are asked for a legal opinion on case %(case)s. Please accept or decline."),
    "opinion_withdrawn": _l("The request for a legal opinion on case %(case)s was withdrawn."),
    "opinion_declined": _l("%(lawyer)s declined to give a legal opinion on case %(case)s: you may ask another "
                           "lawyer."),
    "opinion_expired": _l("%(lawyer)s did not answer the request for a legal opinion on case %(case)s in time: "
                          "you may ask another lawyer."),
    "opinion_lawyer_left": _l("%(lawyer)s left the roster of volunteer lawyers: their request for a legal opinion "
                              "on case %(case)s was withdrawn. You may ask another lawyer."),
    "opinion_lawyer_deactivated": _l("The account of %(lawyer)s was deactivated: their request for a legal "
                                     "opinion on case %(case)s was withdrawn. You may ask another lawyer."),
    "opinion_answered": _l("%(lawyer)s gave the legal opinion on case %(case)s: please read and acknowledge it."),
}


def request_page(opinion_id: int) -> str:
    return url_for("opinions.show", opinion_id=opinion_id)


def case_mediators(row, actor) -> list[int]:
    """The case's lead and co-mediators; while the case has none, the
    mediator who asked. Never the one who took the step."""
    dispute = row.dispute
    ids = [dispute.assignee_id] if dispute.assignee_id else []
    ids += [m.id for m in dispute.co_mediators if m.id not in ids]
    if not ids and row.requested_by_id:
        ids = [row.requested_by_id]
    return [i for i in ids if i != getattr(actor, "id", None)]


def _tell_mediators(kind: str):
    def tell(row, actor, data, now):
        for user_id in case_mediators(row, actor):
            notify(user_id, kind, entity_type="dispute", entity_id=row.dispute_id, now=now,
                   data={"case": row.dispute.title, "lawyer": row.lawyer.name})

    return tell


for _trigger, _kind in (("decline", "opinion_declined"), ("expire", "opinion_expired"),
                        ("answer", "opinion_answered")):
    hooks.effect(WF, _trigger)(_tell_mediators(_kind))


def _tell_the_lawyer(kind: str):
    def tell(row, actor, data, now):
        if row.lawyer.user_id is None:  # not asked (lawyer_has_account); an old request, kept quiet
            return
        notify(row.lawyer.user_id, kind, entity_type=WF, entity_id=row.id, data={"case": row.dispute.title},
               now=now)

    return tell


hooks.effect(WF, "request")(_tell_the_lawyer("opinion_requested"))
hooks.effect(WF, "withdraw")(_tell_the_lawyer("opinion_withdrawn"))


def _withdraw_and_tell(lawyer, actor, now, because: str, kind: str) -> list:
    """The requests waiting for this lawyer's answer withdrawn
    (rules.withdraw_for_leaving) and each case's mediators told, in kind's
    words (the lawyer too, by the withdrawal's own effect); the rows."""
    rows = rules.withdraw_for_leaving(lawyer, actor, now, because)
    for row in rows:
        for user_id in case_mediators(row, actor):
            notify(user_id, kind, entity_type="dispute", entity_id=row.dispute_id, now=now,
                   data={"case": row.dispute.title, "lawyer": lawyer.name})
    return rows


def lawyer_left(lawyer, actor, now) -> None:
    """A lawyer taken off the roster (app/rota/admin.py)."""
    _withdraw_and_tell(lawyer, actor, now, rules.LAWYER_LEFT, "opinion_lawyer_left")


def account_deactivated(user, actor, now):
    """A lawyer's login deactivated (app/auth/accounts.py): they stay on the
    roster, but can no longer accept or answer (rules.can_answer), so their
    requests waiting for an answer go as when they leave it. A sentence for
    the administrator, or None."""
    lawyer = db.session.execute(select(Lawyer).where(Lawyer.user_id == user.id)).scalar_one_or_none()
    if lawyer is None:
        return None
    rows = _withdraw_and_tell(lawyer, actor, now, rules.ACCOUNT_DEACTIVATED, "opinion_lawyer_deactivated")
    if not rows:
        return None
    return ngettext("%(num)d request for a legal opinion waiting for their answer was withdrawn; the mediators "
                    "of its case are told.",
                    "%(num)d requests for a legal opinion waiting for their answer were withdrawn; the mediators "
                    "of their cases are told.", len(rows))


# What the mediators are told about the case, and the step on a request that
# does what the notice asks: another lawyer asked after a decline, an expiry
# or a lawyer leaving ("you may ask another lawyer"); the opinion
# acknowledged, the notice naming its lawyer (a case may ask several).
ASK_ANOTHER = ("opinion_declined", "opinion_expired", "opinion_lawyer_left", "opinion_lawyer_deactivated")


def the_case(row) -> tuple[str, int]:
    return "dispute", row.dispute_id


def the_lawyer_named(row) -> dict:
    return {"lawyer": row.lawyer.name}


def install() -> None:
    """Called from the package's init_app: the sentences of its notifications,
    the pages they open and the steps that answer them."""
    for kind, msgid in MESSAGES.items():
        message(kind, msgid)
    install_link(WF, request_page)
    answered_by_steps(WF)  # the lawyer accepting, declining or answering answers "please accept or decline"
    answered_by(WF, ("request",), kinds=ASK_ANOTHER, about=the_case)
    answered_by(WF, ("acknowledge",), kinds=("opinion_answered",), about=the_case, naming=the_lawyer_named)
