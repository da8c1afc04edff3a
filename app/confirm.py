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
before the answer, so nothing is audited for the question itself.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request, url_for

QUESTION = "_confirm"
ANSWERED = "_confirmed"


def ask_before_acting():
    """A before-request hook, after the CSRF check and the login check: a
    forged or anonymous POST is refused by those first."""
    if request.method != "POST" or QUESTION not in request.form or request.form.get(ANSWERED) == "1":
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != QUESTION]
    action = request.full_path if request.query_string else request.path
    return render_template("confirm.html", question=request.form[QUESTION], fields=fields, action=action,
                           back=_back()), 200


def _back() -> str:
    """The page the form was on, when it is this site's; the start page else."""
    referrer = request.referrer
    if referrer:
        parts, here = urlsplit(referrer), urlsplit(request.host_url)
        if (parts.scheme, parts.netloc) == (here.scheme, here.netloc):
            return referrer
    return url_for("main.index")
