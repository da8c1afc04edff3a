"""The case page: the case, its history and the steps this user may take.
Rendered by the disputes views after any action on the case, and by other
domains' views that act on a case (the elders' council).

Only the open step carries its form (the one just submitted, or the one named
by `?step=`); the others are headings whose form the page fetches when one is
opened (`step_form`), so that viewing a case does not build and render a form
with its tokens for every step it offers."""
from flask import flash, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workflows import DISPUTE

from .. import engine
from ..timeline import timeline
from ..engine.deadlines import colour
from ..engine.edits import is_sealed
from ..i18n import current_locale
from ..privacy import mask_id, mask_phone
from . import codes
from .access import INTAKE_ROLES
from .forms import transition_form
from .rules import mediators_for


# Said by the page opened on a step (?step=) and by the step's fetched form alike.
STEP_GONE = _l("This step is no longer offered on this case: it may have moved on. Reload the page.")


def offered_step(dispute, trigger):
    """The transition `trigger` if this user may take it on the case now."""
    return next((t for t in engine.available(dispute, current_user) if t.trigger == trigger), None)


def step_form(t, dispute, locale, formdata=None, version=None):
    """The form of one step; `version` is the case's version the user saw
    (the page's, when the form is fetched after the page), to catch stale forms."""
    mediators = mediators_for(dispute) if "mediator_id" in t.required + t.optional else ()
    form = transition_form(t, dispute, locale, mediators, formdata=formdata)
    if formdata is None and version is not None:
        form.version.data = version
    return form


def render_case(dispute, status=200, submitted=None, formdata=None, revealed=None):
    """The case page as a response, with `status`: `submitted` names the step
    whose form opens with `formdata`; `revealed` the parties shown unmasked."""
    locale = current_locale()
    open_action = submitted or request.args.get("step")
    offered = engine.available(dispute, current_user)
    if not submitted and open_action and all(t.trigger != open_action for t in offered):
        # An old link or a page left open: the step is gone, say so rather than open nothing.
        flash(str(STEP_GONE), "warning")
    actions = [(t, step_form(t, dispute, locale, formdata if t.trigger == submitted else None)
                if t.trigger == open_action else None)
               for t in offered]
    return render_template(
        "disputes/show.html",
        d=dispute,
        wf=DISPUTE,
        state=DISPUTE.state(dispute.state),
        colour=colour(dispute),
        actions=actions,
        open_action=open_action,
        timeline=timeline(dispute, locale),
        codes=codes,
        mask_id=mask_id,
        mask_phone=mask_phone,
        revealed=revealed or set(),
        may_reveal=dispute.may_reveal_to(current_user),
        may_edit=current_user.role in INTAKE_ROLES and not is_sealed(dispute),
    ), status
