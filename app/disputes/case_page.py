"""The case page: the case, its history and the steps this user may take,
each with its form. Rendered by the disputes views after any action on the
case, and by other domains' views that act on a case (the elders' council)."""
from flask import render_template
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


def action_forms(dispute, locale, submitted=None, formdata=None):
    """(transition, form) for each step this user may take on the case; the
    form of `submitted` is refilled from `formdata` (to show its errors)."""
    mediators = None
    forms = []
    for t in engine.available(dispute, current_user):
        if "mediator_id" in t.required + t.optional and mediators is None:
            mediators = mediators_for(dispute)
        data = formdata if t.trigger == submitted else None
        forms.append((t, transition_form(t, dispute, locale, mediators or (), formdata=data)))
    return forms


def render_case(dispute, status=200, submitted=None, formdata=None, revealed=None):
    """The case page as a response, with `status`: `submitted` names the step
    whose form opens with `formdata`; `revealed` the parties shown unmasked."""
    locale = current_locale()
    return render_template(
        "disputes/show.html",
        d=dispute,
        wf=DISPUTE,
        state=DISPUTE.state(dispute.state),
        colour=colour(dispute),
        actions=action_forms(dispute, locale, submitted, formdata),
        open_action=submitted,
        timeline=timeline(dispute, locale),
        codes=codes,
        mask_id=mask_id,
        mask_phone=mask_phone,
        revealed=revealed or set(),
        may_reveal=dispute.may_reveal_to(current_user),
        may_edit=current_user.role in INTAKE_ROLES and not is_sealed(dispute),
    ), status
