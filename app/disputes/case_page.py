"""The case page: the case, its history and the steps this user may take.
Rendered by the disputes views after any action on the case, and by other
domains' views that act on a case (the steps of the elders' invitations and
the legal-opinion requests, through row_steps.py).

Only the open step carries its form (the one just submitted, or the one named
by `?step=`); the others are headings whose form the page fetches when one is
opened (`step_form`), so that viewing a case does not build and render a form
with its tokens for every step it offers."""
from dataclasses import dataclass

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workflows import DISPUTE
from workflows.spec import SYSTEM

from .. import engine
from ..timeline import timeline_and_events
from ..engine.deadlines import colour
from ..engine.urgings import standing
from ..auth.roles import role_label
from ..engine.edits import is_sealed
from ..i18n import current_locale, translate
from ..labels import LIST_SEPARATOR
from ..privacy import mask_id, mask_phone
from . import codes, loose_ends
from .access import INTAKE_ROLES
from .forms import CLASSIFY_TRIGGERS, transition_form
from .judicial import judicial_confirmation_from
from .models import Dispute
from .rules import community_grids, mediators_for, responsible_now


# Said by the page opened on a step (?step=) and by the step's fetched form alike.
STEP_GONE = _l("This step is no longer offered on this case: it may have moved on. Reload the page.")
NO_SUCH_STEP = _l("A case has no step by this name: the address may be mistyped. Open the case and choose the "
                  "step from its list.")


def offered_step(dispute, trigger):
    """The transition `trigger` if this user may take it on the case now."""
    return next((t for t in engine.available(dispute, current_user) if t.trigger == trigger), None)


def not_offered(trigger, dispute) -> tuple:
    """Why a step asked for by name is not offered to this user: the message
    and the HTTP status. A name no step has, a step of other roles, or one the
    case's state offers but a check refuses (no party registered, another
    mediator's case) is said as such; only what is left may have moved on."""
    steps = [t for t in DISPUTE.transitions if t.trigger == trigger]
    if not steps:
        return NO_SUCH_STEP, 404
    if all(t.roles == (SYSTEM,) for t in steps):
        return _("No one takes this step: the system takes it when its time runs out."), 403
    if all(current_user.role not in t.roles for t in steps):
        locale = current_locale()
        takers = dict.fromkeys(role_label(role, locale) for t in steps for role in t.roles)
        return _("This step is not taken by your role, but by: %(roles)s.",
                 roles=translate(LIST_SEPARATOR, locale).join(takers)), 403
    problem = engine.why_not(dispute, trigger, current_user)
    if problem:
        return problem, 409
    return STEP_GONE, 409


# The guards whose refusal the user can do something about, for which the page lists the step as not available
# with the guard's reason (rather than leave it out, as a dead end): each with what blocks it, by the kind of
# its loose ends (app/disputes/loose_ends.py), linked; or None. The others (not the user's case, a period
# ended, a step already recorded...) leave the step out, as before.
# The steps by which a supervisor's return reopens a case: only a case whose
# history has one can carry a returned review's notice (no statement for the others).
REOPENED_BY_RETURN = frozenset(t.trigger for t in DISPUTE.transitions if "from_signoff_review" in t.guards)

SHOWN_WHEN_REFUSED = {"no_open_referrals": "referral", "has_parties": None}


@dataclass(frozen=True)
class RefusedStep:
    transition: object
    reason: str
    blockers: list  # LooseEnds, each with its link


def refused_steps(dispute, refusals) -> list[RefusedStep]:
    """The steps refused for a reason the user can act on, with the reason
    and what blocks them. A statement only on a case with such a step (a
    fulfilled case with an open referral)."""
    shown = []
    for r in refusals:
        if r.guard not in SHOWN_WHEN_REFUSED or any(s.transition.trigger == r.transition.trigger for s in shown):
            continue
        kind = SHOWN_WHEN_REFUSED[r.guard]
        provider = loose_ends.PROVIDERS.get(kind) if kind else None
        blockers = provider(dispute, current_user) if provider else []
        shown.append(RefusedStep(r.transition, str(r.message), blockers))
    return shown


def step_form(t, dispute, locale, formdata=None, version=None):
    """The form of one step; `version` is the case's version the user saw
    (the page's, when the form is fetched after the page), to catch stale forms."""
    mediators = mediators_for(dispute) if "mediator_id" in t.required + t.optional else ()
    grids = community_grids(dispute.community_id) \
        if t.trigger in CLASSIFY_TRIGGERS and dispute.grid_id is None else ()
    form = transition_form(t, dispute, locale, mediators, formdata=formdata, grids=grids)
    if formdata is None and version is not None:
        form.version.data = version
    return form


def render_case(dispute, status=200, submitted=None, formdata=None, revealed=None, submitted_form=None):
    """The case page as a response, with `status`: `submitted` names the step
    whose form opens with `formdata`, or as `submitted_form` when that form
    was validated (so that its fields carry their errors); `revealed` the
    parties shown unmasked."""
    locale = current_locale()
    open_action = submitted or request.args.get("step")
    # The history first: its events of the case give the judicial confirmation the steps' guards and the page
    # read, without a statement of its own.
    history, own_events = timeline_and_events(dispute, locale)
    if own_events is not None:
        judicial_confirmation_from(dispute, own_events)
    offered, refusals = engine.steps_and_refusals(dispute, current_user)
    if not submitted and open_action and all(t.trigger != open_action for t in offered):
        # An old link, a page left open or a mistyped address: say why rather than open nothing.
        flash(str(not_offered(open_action, dispute)[0]), "warning")
    def form_of(t):
        if t.trigger != open_action:
            return None
        if t.trigger == submitted and submitted_form is not None:
            return submitted_form
        return step_form(t, dispute, locale, formdata if t.trigger == submitted else None)

    actions = [(t, form_of(t)) for t in offered]
    return render_template(
        "disputes/show.html",
        d=dispute,
        wf=DISPUTE,
        state=DISPUTE.state(dispute.state),
        colour=colour(dispute),
        urged=standing(Dispute, [dispute]).get(dispute.id),  # a statement only while it may be urged
        responsible=responsible_now(dispute),  # a statement only while it has no lead
        actions=actions,
        refused=refused_steps(dispute, refusals),
        open_action=open_action,
        timeline=history,
        may_be_returned=own_events is None or any(e.trigger in REOPENED_BY_RETURN for e in own_events),
        codes=codes,
        mask_id=mask_id,
        mask_phone=mask_phone,
        revealed=revealed or set(),
        may_reveal=dispute.may_reveal_to(current_user),
        may_edit=current_user.role in INTAKE_ROLES and not is_sealed(dispute),
        may_print_slip=current_user.role in INTAKE_ROLES,
    ), status
