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

from urllib.parse import urlsplit

from flask import current_app, g, render_template, request, url_for
from flask_login import current_user

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
