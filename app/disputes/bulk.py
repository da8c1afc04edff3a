"""A mediator takes several waiting reports at once (issue 16, item 9):
ticked on "my cases", each is accepted and assigned to the chosen colleague
of the community (a case accepted already is only assigned). Each case is its own transaction of two audited steps
(accept, then assign), checked against the version the page showed; a case
changed or taken meanwhile is named and left alone, the others go through."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from .. import engine
from ..auth.access import roles_required
from ..extensions import db
from ..validators import form_version
from .inbox import UNASSIGNED_STATE, has_inbox
from .models import Dispute
from .rules import community_mediators


def _choices(values: list[str]):
    """The ticked boxes, "case id:version" each; None if one is malformed."""
    chosen = []
    for value in values:
        case_id, _sep, version = value.partition(":")
        if not case_id.isdigit() or not version.isdigit():
            return None
        chosen.append((int(case_id), version))
    return chosen


def take_one(case_id: int, version: str, mediator_id: int) -> str | None:
    """Accept and assign one case; None when done, else why not."""
    dispute = db.session.get(Dispute, case_id)
    if dispute is None or not dispute.visible_to(current_user):
        return _("case %(id)s was not found in your community", id=case_id)
    title = dispute.title
    try:
        if dispute.state == UNASSIGNED_STATE:  # accepted already: only its mediator is missing
            engine.fire(dispute, "assign", current_user, expected_version=form_version(version), commit=False,
                        mediator_id=mediator_id)
        else:
            engine.fire(dispute, "accept", current_user, expected_version=form_version(version), commit=False)
            engine.fire(dispute, "assign", current_user, commit=False, mediator_id=mediator_id)
        db.session.commit()
    except engine.Refused as refused:
        db.session.rollback()
        db.session.expire_all()
        return f"{title}: {refused.message}"
    return None


@roles_required("mediator")
def bulk_assign():
    back = redirect(url_for(".mine") + "#inbox")
    if not has_inbox(current_user):
        return back
    chosen = _choices(request.form.getlist("case"))
    mediator_id = request.form.get("mediator_id", type=int)
    colleagues = {m.id: m for m in community_mediators(current_user.community_id)}
    if chosen is None:
        flash(_("The form was damaged: reload the page and tick the reports again."), "danger")
        return back
    if not chosen:
        flash(_("Tick at least one report to assign."), "warning")
        return back
    if mediator_id not in colleagues:
        flash(_("Choose a mediator of your community to assign the reports to."), "warning")
        return back
    problems = [problem for case_id, version in chosen if (problem := take_one(case_id, version, mediator_id))]
    done = len(chosen) - len(problems)
    if done:
        flash(ngettext("Assigned to %(name)s: %(num)d case.", "Assigned to %(name)s: %(num)d cases.", done,
                       name=colleagues[mediator_id].display_name), "success")
    for problem in problems:
        flash(_("Not assigned: %(why)s. Reload the page and look at it again.", why=problem), "warning")
    return back
