"""Legal opinions on a case (the request page, the steps) and the lawyers'
own pages: their list of requests and one request with the case's facts."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from workflows.legal_opinion import AWAITING

from .. import clock
from ..auth.access import load_visible, roles_required
from ..dates import day_text
from ..disputes import codes as dispute_codes
from ..disputes.access import load_case
from ..disputes.row_steps import take_step
from ..engine.deadlines import colour
from ..engine.errors import Refused
from ..extensions import db
from ..form_errors import correct_the_marked
from ..privacy import mask_id, mask_name, mask_phone
from ..rota.models import Lawyer
from ..rota.roster import lawyer_of
from . import rules
from .forms import NOT_CHOSEN, RequestForm
from .models import LegalOpinion
from .panel import STEPS, actions_for, case_opinions, opinion_panel, reasons_of
from .steps import act, ask

WF = LegalOpinion.__workflow__
# The requests in which the lawyer took no part: the lawyer reads neither the
# question nor the case of these, only that the request ended and why.
ENDED = ("declined", "expired", "withdrawn")
# Once the case is closed, the lawyer who gave an opinion on it keeps that
# opinion and the question it answers (their own professional record), the
# case's number and type, and the parties' roles with their names masked: no
# facts, no place, no phone or ID number. Their part in the case is over, and
# the centre keeps what they no longer need from them (PIPL: the least data).
CASE_OVER = ("closed", "archived")
# How many of the requests no longer waiting for them a lawyer's list shows, the latest first.
PAST_SHOWN = 30
ENDED_WORDS = {
    "declined": _l("You declined this request: the case is no longer shown to you."),
    "withdrawn": _l("The request was withdrawn before you answered it: the case is no longer shown to you."),
    "expired": _l("The request expired without your answer: the case is no longer shown to you."),
}


def lawyer_sees(row, user) -> str:
    """How much of the request and its case `user` reads on the request's
    pages: "all" (staff, or the lawyer while they take part), "ended" (a
    lawyer whose request ended without an opinion: neither the question nor
    the case), "closed" (a lawyer who gave an opinion on a case now closed:
    the question, their opinion, the case's number and type, the parties'
    names masked)."""
    if getattr(user, "role", None) != "lawyer":
        return "all"
    if row.state in ENDED:
        return "ended"
    if row.dispute.state in CASE_OVER:
        return "closed"
    return "all"


def ended_words(row) -> str | None:
    """What the lawyer reads of a request that ended without their opinion, in place of its question."""
    words = ENDED_WORDS.get(row.state)
    return str(words) if words is not None else None


def template_helpers():
    return {"opinion_panel": opinion_panel, "opinion_steps": STEPS, "opinion_wf": WF,
            "opinion_conflict_words": rules.conflict_words, "waiting_opinions": waiting_opinions}


def waiting_opinions() -> int:
    """How many requests wait for the current lawyer's answer (their landing page says so)."""
    return db.session.scalar(
        select(func.count(LegalOpinion.id)).join(Lawyer, Lawyer.id == LegalOpinion.lawyer_id)
        .where(Lawyer.user_id == current_user.id, LegalOpinion.state.in_(AWAITING))) or 0


def _asking_case(case_id):
    """The case, if the current mediator may ask a lawyer on it."""
    dispute = load_case(case_id)
    if not rules.works_on_case(dispute, current_user):
        abort(403)
    return dispute


def _with_choices(dispute, form):
    """Offer the active lawyers who can answer, those on duty on the next
    Saturday first (the page lists the others with the reason)."""
    saturday, choices = rules.choices_for(dispute)

    def label(c):
        flag = " ⚠ " + _("possible conflict") if c.conflicts else ""
        return f"{c.lawyer.name} · {c.lawyer.firm}{flag}"

    groups = {"": [(NOT_CHOSEN, _("Choose…"))]}
    on_duty = [(c.lawyer.id, label(c)) for c in choices if c.on_duty and c.can_answer]
    others = [(c.lawyer.id, label(c)) for c in choices if not c.on_duty and c.can_answer]
    if on_duty:
        groups[_("On duty on Saturday %(day)s", day=day_text(saturday))] = on_duty
    if others:
        groups[_("Other lawyers of the roster")] = others
    form.lawyer_id.choices = groups
    return saturday, choices


def _request_page(dispute, form, offered, status=200):
    saturday, choices = offered
    return render_template("opinions/new.html", d=dispute, form=form, choices=[c for c in choices if c.can_answer],
                           without_account=[c for c in choices if not c.can_answer], why_not=rules.why_cannot_answer,
                           saturday=saturday,
                           closed=rules.case_closed_message(dispute), asked=case_opinions(dispute.id),
                           codes=dispute_codes), status


@roles_required("mediator")
def new_request(case_id):
    """The request form (GET) and the request (POST)."""
    dispute = _asking_case(case_id)
    form = RequestForm()
    offered = _with_choices(dispute, form)
    if request.method == "GET":
        return _request_page(dispute, form, offered)
    if not form.validate():
        correct_the_marked(form, "opinion-request")
        return _request_page(dispute, form, offered, 422)
    lawyer = db.session.get(Lawyer, form.lawyer_id.data)
    try:
        ask(dispute, lawyer, current_user, question=form.question.data, override_reason=form.override_reason.data)
    except Refused as refused:
        if str(refused.message) == str(rules.CONFLICT_NEEDS_REASON):  # the field to correct is on the form
            form.override_reason.errors = [str(refused.message)]
            correct_the_marked(form, "opinion-request")
        elif rules.case_closed_message(dispute) is None:  # else the page says it, once
            flash(str(refused.message), "danger")
        return _request_page(dispute, form, offered, refused.status)
    flash(_("Request sent to %(name)s.", name=lawyer.name), "success")
    return redirect(url_for("disputes.show", case_id=case_id, _anchor="opinions"))


def load_opinion(opinion_id) -> LegalOpinion:
    """The request, if this user may see it; otherwise 404 (another lawyer's
    request too: nothing about it is shown)."""
    return load_visible(LegalOpinion, opinion_id, "legal opinion")


@roles_required("mediator", "lawyer")
def step(opinion_id, trigger):
    # Another lawyer's request answers 404, as a missing one does: which ids exist is not told.
    return take_step(STEPS, load_opinion(opinion_id), trigger, load=load_opinion, act=act, data=_step_data,
                     own_role="lawyer", own_page=_opinion_page, own_endpoint="opinions.show")


def _step_data(trigger, form) -> dict:
    """What a step records besides its reason: the opinion and the laws it cites."""
    if trigger != "answer":
        return {}
    return {"opinion": form.opinion.data.strip(), "laws_cited": (form.laws_cited.data or "").strip() or None}


@roles_required("lawyer")
def mine():
    """The lawyer's requests: to answer first, then the rest, the latest first."""
    me = lawyer_of(current_user)
    open_, past = [], []
    if me is not None:
        mine_ = (select(LegalOpinion).options(joinedload(LegalOpinion.dispute))
                 .where(LegalOpinion.lawyer_id == me.id).order_by(LegalOpinion.id.desc()))
        open_ = list(db.session.execute(mine_.where(LegalOpinion.state.in_(AWAITING))).scalars())
        # The others only grow in number: the database picks the latest rather than a lawyer's years of them.
        past = list(db.session.execute(
            mine_.where(LegalOpinion.state.not_in((*AWAITING, "draft"))).limit(PAST_SHOWN)).scalars())
    now = clock.now()
    return render_template("opinions/mine.html", me=me, open_=open_, past=past, codes=dispute_codes,
                           colour=lambda r: colour(r, now), sees=lambda r: lawyer_sees(r, current_user),
                           ended_words=ended_words)


def _opinion_page(row, status=200):
    return render_template(
        "opinions/show.html", o=row, d=row.dispute, sees=lawyer_sees(row, current_user), ended=ended_words(row),
        colour=colour(row), actions=actions_for(row, current_user), codes=dispute_codes, mask_id=mask_id,
        mask_phone=mask_phone, mask_name=mask_name,
        reason=reasons_of([row]).get(row.id),
    ), status


@roles_required("lawyer", "mediator", "supervisor", "admin")
def show(opinion_id):
    """What the lawyer needs of the case: type, place, facts, the parties
    with their personal data masked, the question; the answer form."""
    return _opinion_page(load_opinion(opinion_id))
