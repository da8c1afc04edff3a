"""Dangerous forms ask before they act, with or without a script.

A form marked `data-confirm` is asked about by app.js (the browser's confirm
dialog). Without a script (turned off, or blocked on an office PC) that
question was never asked: one click rejected a case or published a rota.
Such a form also carries, inside `<noscript>`, its question as `_confirm`
(the `ask_without_script` macro of `_form.html`); a browser running scripts
does not parse `<noscript>`'s content (and app.js drops it from a form it
fetches, which a `<template>` parses as if no script ran), so only a form
sent without a script has it. A POST that has the question but not `_confirmed` is answered with
the question on a page of its own, whose form sends the same fields again
with `_confirmed`; the view then runs as it would have. Nothing is done
before the answer, so nothing is audited for the question itself. A user
whose role the view refuses (`roles_required`) gets the refusal at once,
not a question whose "Yes" leads to it; the view's other checks (scope,
the form) come after the answer. A form carrying a password is never asked
about: the page would send the typed secret back to the browser.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workflows.i18n import N_

from .i18n import current_locale, translate

QUESTION = "_confirm"
ANSWERED = "_confirmed"


def ask_before_acting():
    """A before-request hook. It asks only where Flask-WTF's CSRF check ran
    and passed (`g.csrf_valid`): a form of this site's pages, sent by a
    browser that loaded one. A path that no view serves, a view exempt from
    the check (the JSON API) and a forged form are answered as before, never
    with this page. A form carrying files is not asked about (they could not
    be sent again from the page; no dangerous form has a file field)."""
    if (request.method != "POST" or not g.get("csrf_valid") or request.files
            or QUESTION not in request.form or request.form.get(ANSWERED) == "1"):
        return None
    if any("password" in name for name in request.form):
        return None  # the page would carry the typed secret back: such a form is not asked about
    roles = getattr(current_app.view_functions.get(request.endpoint), "_roles", None)
    if roles is not None and getattr(current_user, "role", None) not in roles:
        return None  # the view refuses this user: nothing to ask about
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != QUESTION]
    # The view's own URL, built again from its endpoint: never a path as the request spelled it.
    action = url_for(request.endpoint, **(request.view_args or {}))
    if request.query_string:
        action += "?" + request.query_string.decode("latin-1")
    return render_template("confirm.html", question=request.form[QUESTION], fields=fields, action=action,
                           back=_back()), 200


def _back() -> str:
    """The page the form was on, when it is this site's and not the form's
    own address (a form sent back with its errors is shown there, and a GET
    of it is refused); the start page else."""
    referrer = request.referrer
    if referrer:
        parts, here = urlsplit(referrer), urlsplit(request.host_url)
        if (parts.scheme, parts.netloc) == (here.scheme, here.netloc) and parts.path != request.path:
            return referrer
    return url_for("main.index")


# What a dangerous step asks (`step_question`, a template global, in every
# step form's data-confirm and its question without a script): the step by
# its label, what it acts on (each domain says how its rows are named, with
# `install_step_subject`), and what follows from it, so that a mediator on a small
# screen knows what the dialog is about without the page behind it.
_SUBJECTS: dict[str, Callable[[Any], str]] = {}

# What the step does besides what its label says, where the workflow's
# comments and states tell it (workflows/*.py); short, said after the question.
# A step without one that ends its row (a terminal state) says it cannot be undone.
CONSEQUENCES = {
    ("dispute", "reject"): N_("The case is not taken up for mediation. This cannot be undone."),
    ("dispute", "fail"): N_("Mediation of the case ends."),
    ("dispute", "party_refuses"): N_("Mediation of the case ends."),
    ("dispute", "withdraw"): N_("The case ends here. This cannot be undone."),
    ("dispute", "archive"): N_("The case file is sealed: nobody can change the case afterwards. This cannot be undone."),
    ("referral", "withdraw"): N_("The department stops working on it. This cannot be undone."),
    ("elder_assignment", "withdraw"): N_("The elder no longer takes part in the case. This cannot be undone."),
    ("legal_opinion", "withdraw"): N_("The lawyer can no longer answer it. This cannot be undone."),
    ("lawyer_duty", "complete"): N_("Consultations cannot be logged on it afterwards."),
    # Withdrawing is asked by the requester alone; they may ask again at once.
    ("duty_swap", "withdraw"): N_("The duty stays yours: sit it, or ask for a swap again."),
    ("duty_swap", "refuse"): N_("The duty stays with the lawyer who asked; both lawyers are told."),
    ("lawyer_duty", "cancel"): N_("The seat is left empty and the lawyer is told. This cannot be undone."),
    ("signoff", "return_case"): N_("The case is reopened and goes back to its mediator with your comment."),
}
CANNOT_BE_UNDONE = N_("This cannot be undone.")


def install_step_subject(workflow_name: str, subject: Callable[[Any], str]) -> None:
    """How the rows of a workflow are named in a step's question (a domain's
    init_app): `subject(row)`, in the request's language."""
    _SUBJECTS[workflow_name] = subject


def step_question(row, t, note: str | None = None) -> str:
    """The question asked before the step `t` on `row`, or "" where the step is
    not a dangerous one. `note`: a sentence of the page's own said before the
    consequence (a duty ended before its room closes)."""
    if t is None or not t.danger:
        return ""
    workflow = row.__workflow__
    subject = _SUBJECTS.get(workflow.name)
    step = translate(t.label)
    said = [_("“%(step)s” on %(subject)s?", step=step, subject=subject(row)) if subject
            else _("“%(step)s”?", step=step)]
    if note:
        said.append(note)
    consequence = CONSEQUENCES.get((workflow.name, t.trigger))
    if consequence is None and workflow.has_state(t.dest) and workflow.state(t.dest).terminal:
        consequence = CANNOT_BE_UNDONE
    if consequence:
        said.append(translate(consequence))
    # Chinese sentences follow one another without a space.
    return ("" if current_locale().startswith("zh") else " ").join(said)
