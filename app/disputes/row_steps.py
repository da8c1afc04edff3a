"""The steps of a case's rows of other domains (an elder's invitation, a
legal-opinion request): shown in the row's section of the case page, taken
there by a button or a small form, and sent back to that page, or to the
row's own page for the person the row is addressed to, with the message and
the form's errors.

Each domain builds its steps' forms with `build_step_form`, describes its
rows once with a `RowSteps` (its panel module) and hands its view `take_step`
what only the view knows; the markup of the steps is
the macro `step_forms` of templates/_row_steps.html. This module knows no
domain: what differs between them (who may see a row, what a step records,
what else a section shows) stays with each."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import bindparam, select
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from workflows import DISPUTE

from .. import engine
from ..audit.models import AuditEvent
from ..engine.deadlines import colour
from ..engine.errors import Refused
from ..extensions import db
from ..form_errors import correct_the_marked, lead_to
from ..i18n import current_locale, translate
from ..labels import reason_text
from ..validators import form_version
from .access import load_case
from .case_page import render_case

# The steps whose reason a row shows (read from the audit log, the one place
# it is kept), and the states they lead to: the rows' workflows name them alike
# (an elder's decline recorded by the mediator leads to "declined" too; the
# mediator's note on an elder who did not come is shown the same way).
REASONED = ("decline", "record_decline", "withdraw", "record_no_show")
REASONED_STATES = ("declined", "withdrawn", "no_show")


@dataclass(frozen=True)
class RowSteps:
    """One kind of row shown with its steps on the case page."""

    entity_type: str  # the row's name in the audit log: "elder_assignment"
    name: str  # the key of a form sent back (on `g`) and the prefix of its element's id: "elder"
    anchor: str  # the row's section of the case page: "elders"
    endpoint: str  # the view taking a step: "elders.step"
    id_arg: str  # the argument naming the row in its URLs: "assignment_id"
    step_form: Callable  # (trigger, row, formdata=None) -> the step's form
    fields: tuple[str, ...] = ()  # what some steps ask besides a reason, in the order shown
    open_steps: tuple[str, ...] = ()  # the steps whose form is shown opened
    # (row, trigger) -> what the step did and what comes next, said after it; None (or no
    # sentence for the step) says "Done: <the step's label>."
    outcome: Callable | None = None
    # (row, trigger) -> StepWords for the current reader, or None: a step named,
    # explained and asked about in the reader's own terms (an elder "leaves the
    # case" where a mediator "withdraws the invitation").
    words: Callable | None = None

    def words_for(self, row, trigger: str):
        return self.words(row, trigger) if self.words is not None else None

    def url(self, row, trigger: str) -> str:
        return url_for(self.endpoint, trigger=trigger, **{self.id_arg: row.id})

    def element_id(self, row, trigger: str) -> str:
        """The id of the element holding a step's form (the message's link leads to it)."""
        return f"{self.name}-step-{row.id}-{trigger}"

    @property
    def submitted_key(self) -> str:
        return f"{self.name}_step"


@dataclass(frozen=True)
class StepWords:
    """What a step's button says instead of the step's label, a sentence
    shown under it, and the question asked before it is taken (a dangerous
    step is always asked about: with its own question, or app.confirm.step_question's)."""

    label: str | None = None
    hint: str | None = None
    question: str | None = None


def build_step_form(row, trigger: str, prefix: str, formdata=None, fields: Callable[[], dict] | None = None):
    """The form of one step on `row`: the version the user saw (a stale form
    is refused), a reason where the step needs one, then what `fields()` adds
    for this step (unbound fields by name, in the order shown; a "reason"
    among them replaces the plain one). The prefix
    keeps the forms of several rows and steps on one page apart."""

    class _Form(FlaskForm):
        version = HiddenField()

    t = row.__workflow__.transition(trigger, row.state)
    if t is not None and t.reason_required:
        _Form.reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)],
                                     render_kw={"rows": 2})
    for name, unbound in (fields() if fields is not None else {}).items():
        setattr(_Form, name, unbound)
    form = _Form(formdata=formdata, prefix=f"{prefix}{row.id}-{trigger}")
    if formdata is None:
        form.version.data = row.version
    return form


@dataclass
class Row:
    """A row of the section: the row itself, its deadline's colour, the
    reason of its decline or withdrawal, and its steps as (transition, form)."""

    item: Any
    colour: str | None
    reason: str | None
    actions: list = field(default_factory=list)


@dataclass
class Panel:
    """A case's section of such rows (its builder gives None where it would show nothing)."""

    rows: list[Row]
    may_ask: bool  # the user may add a row from the section


# Built once: a case page asks whenever one of its rows was declined or withdrawn.
_REASONS = (select(AuditEvent.entity_id, AuditEvent.reason)
            .where(AuditEvent.entity_type == bindparam("entity_type"),
                   AuditEvent.entity_id.in_(bindparam("ids", expanding=True)), AuditEvent.trigger.in_(REASONED)))


def reasons_of(steps: RowSteps, rows) -> dict[int, str]:
    """The reason given for each declined or withdrawn row, in the page's language."""
    ids = [r.id for r in rows if r.state in REASONED_STATES]
    if not ids:
        return {}
    found = db.session.execute(_REASONS, {"entity_type": steps.entity_type, "ids": ids}).all()
    locale = current_locale()
    return {i: reason_text(reason, locale) for i, reason in found}  # the system's own reasons in the page's language


def actions_for(steps: RowSteps, row, user) -> list:
    """The steps `user` may take on `row`, each with its form: the one just
    sent back with its errors, or a fresh one."""
    submitted = g.get(steps.submitted_key)
    forms = []
    for t in engine.available(row, user):
        data = submitted[2] if submitted and submitted[:2] == (row.id, t.trigger) else None
        forms.append((t, data or steps.step_form(t.trigger, row)))
    return forms


def section_rows(steps: RowSteps, rows, now) -> list[Row]:
    """The rows of a case's section, each with what the section shows of it."""
    reasons = reasons_of(steps, rows)
    return [Row(r, colour(r, now), reasons.get(r.id), actions_for(steps, r, current_user)) for r in rows]


def take_step(steps: RowSteps, row, trigger: str, *, load: Callable, act: Callable, data: Callable,
              own_role: str, own_page: Callable, own_endpoint: str):
    """The view of a step on `row` (already loaded in the user's scope):
    check the form, take the step through the domain's `act` with the
    version the user saw, and redirect; or send back the page it came from
    with the form and the refusal. `load(id)` reads the row again after a
    refusal; `data(trigger, form)` is what the step records besides its
    reason; the user of `own_role` (the one the row is addressed to) acts from
    `own_page(row, status)`, at `own_endpoint`, everyone else from the case page."""
    if trigger not in row.__workflow__.triggers():
        abort(404)
    form = steps.step_form(trigger, row, request.form)

    def back(current, status):
        setattr(g, steps.submitted_key, (row.id, trigger, form))
        if current_user.role == own_role:
            return own_page(current, status)
        return render_case(load_case(current.dispute_id), status)

    if not form.validate():
        correct_the_marked(form, steps.element_id(row, trigger))  # its <details> opens (_row_steps.html)
        return back(row, 422)
    recorded = data(trigger, form)
    reason = form.reason.data if hasattr(form, "reason") else None
    t = row.__workflow__.transition(trigger, row.state)
    try:
        act(row, trigger, current_user, reason, expected_version=form_version(form.version.data), **recorded)
    except Refused as refused:
        flash(str(refused.message), "danger")
        if refused.status == 422:
            # A refusal of what was sent (a guard's: the elder away that day, the session already planned
            # then): the form comes back open with the refusal in it and what was typed, the message at the
            # top leading there; on a phone the top of a long case page is far from the closed form.
            said = str(refused.message)
            if refused.field and refused.field in form:
                form[refused.field].errors = [*form[refused.field].errors, said]
            else:
                form.form_errors.append(said)
            lead_to(form, steps.element_id(row, trigger))
        return back(load(row.id), refused.status)
    said = steps.outcome(row, trigger) if steps.outcome is not None else None
    flash(said or _("Done: %(action)s.", action=translate(t.label)), "success")
    if current_user.role == own_role:
        return redirect(url_for(own_endpoint, **{steps.id_arg: row.id}))
    # A step taken from a case's step form (the closing form's list of what is
    # still open) goes back to that form; only a step of the case's workflow.
    back_to = request.form.get("back_to_step", "")
    if back_to in DISPUTE.triggers():
        return redirect(url_for("disputes.show", case_id=row.dispute_id, step=back_to, _anchor=f"act-{back_to}"))
    return redirect(url_for("disputes.show", case_id=row.dispute_id, _anchor=steps.anchor))
