"""A mediator takes several waiting reports at once (issue 16, item 9):
ticked on "my cases", each is accepted and assigned to the chosen colleague
of the community (a case accepted already is only assigned). Each case is its own transaction of two audited steps
(accept, then assign), checked against the version the page showed; a case
changed or taken meanwhile is named and left alone, the others go through.

A report still typed "Other" or without a grid (a resident's, app/public) is
not accepted blindly: its row asks for the type and grid, as accepting it on
its page does (forms.CLASSIFY), and they are saved as an audited edit in the
case's transaction. A ticked one whose type or grid is left unchosen is
skipped and named, with its row's link to accept it on its page."""
from __future__ import annotations

from babel.lists import format_list
from flask import redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext, pgettext
from flask_login import current_user

from .. import engine
from ..auth.access import roles_required
from ..engine.edits import edit as engine_edit
from ..extensions import db
from ..form_errors import flash_in
from ..i18n import current_locale
from ..validators import form_version
from . import codes
from .forms import unclassified
from .inbox import UNASSIGNED_STATE, WAITING_STATE, has_inbox
from .models import Dispute
from .rules import community_grids, community_mediators

DONE, SKIPPED, REFUSED = "done", "skipped", "refused"


def _choices(values: list[str]):
    """The ticked boxes, "case id:version" each; None if one is malformed."""
    chosen = []
    for value in values:
        case_id, _sep, version = value.partition(":")
        if not case_id.isdigit() or not version.isdigit():
            return None
        chosen.append((int(case_id), version))
    return chosen


class Grids(dict):
    """The grids of each community met, read once per request."""

    def __missing__(self, community_id):
        grids = self[community_id] = community_grids(community_id)
        return grids


def to_classify(reports, grids: Grids) -> dict[int, tuple[str, ...]]:
    """For each report of `reports` that accepting asks to classify, what it
    asks ("dispute_type", "grid_id"). Reads a community's grids only when a
    report lacks its grid (most have one)."""
    asked = {}
    for d in reports:
        if d.state != WAITING_STATE:
            continue
        names = unclassified(d, grids[d.community_id] if d.grid_id is None else ())
        if names:
            asked[d.id] = names
    return asked


ROW_FIELDS = {"dispute_type": "type-%d", "grid_id": "grid-%d"}  # a report's choices, named by its row


def chosen_in_row(dispute, names, grids) -> dict | None:
    """The type and grid chosen in the report's row ("type-<id>",
    "grid-<id>"), as an edit's changes; None while one is left unchosen.
    A value the row does not offer (sent by hand) is refused."""
    changes = {}
    if "dispute_type" in names:
        value = request.form.get(ROW_FIELDS["dispute_type"] % dispute.id, "")
        if value and value not in codes.DISPUTE_TYPES:
            raise engine.Refused(_("choose its type from the list"))
        changes["dispute_type"] = value
    if "grid_id" in names:
        value = request.form.get(ROW_FIELDS["grid_id"] % dispute.id, "")
        if value and (not value.isdigit() or int(value) not in {g.id for g in grids}):
            raise engine.Refused(_("choose one of the grids of its community"))
        changes["grid_id"] = int(value) if value else None
    return None if not all(changes.values()) else changes


MISSING = {"dispute_type": _l("type not chosen"), "grid_id": _l("grid not chosen")}


def take_one(case_id: int, version: str, mediator_id: int, grids: Grids) -> tuple[str, str | None]:
    """Accept (with the type and grid chosen in its row, where it asks
    for them) and assign one case: (DONE, its title now: the file number a
    report gets on acceptance), (SKIPPED, its title and what is left
    unchosen) when its type or grid is not chosen, or (REFUSED, why not)."""
    dispute = db.session.get(Dispute, case_id)
    if dispute is None or not dispute.visible_to(current_user):
        return REFUSED, _("case %(id)s was not found in your community", id=case_id)
    title = dispute.title
    try:
        if dispute.state == UNASSIGNED_STATE:  # accepted already: only its mediator is missing
            engine.fire(dispute, "assign", current_user, expected_version=form_version(version), commit=False,
                        mediator_id=mediator_id)
        else:
            expected = form_version(version)
            names = to_classify([dispute], grids).get(dispute.id)
            if names:
                changes = chosen_in_row(dispute, names, grids[dispute.community_id])
                if changes is None:
                    unchosen = [str(MISSING[n]) for n in names if not request.form.get(ROW_FIELDS[n] % dispute.id)]
                    return SKIPPED, f"{title} ({pgettext('list separator', ', ').join(unchosen)})"
                # As on the case page (views.fire): an edit, before and after kept, in the step's transaction.
                engine_edit(dispute, current_user, changes, expected_version=expected, commit=False)
                expected = dispute.version
            engine.fire(dispute, "accept", current_user, expected_version=expected, commit=False)
            engine.fire(dispute, "assign", current_user, commit=False, mediator_id=mediator_id)
        db.session.commit()
    except engine.Refused as refused:
        db.session.rollback()
        db.session.expire_all()
        return REFUSED, f"{title}: {refused.message}"
    return DONE, dispute.title if dispute.title == title else f"{title} → {dispute.title}"


@roles_required("mediator")
def bulk_assign():
    back = redirect(url_for(".mine") + "#inbox")
    if not has_inbox(current_user):
        return back
    chosen = _choices(request.form.getlist("case"))
    mediator_id = request.form.get("mediator_id", type=int)
    colleagues = {m.id: m for m in community_mediators(current_user.community_id)}
    if chosen is None:
        flash_in("inbox", _("The form was damaged: reload the page and tick the reports again."), "danger")
        return back
    if not chosen:
        flash_in("inbox", _("Tick at least one report to assign."), "warning")
        return back
    if mediator_id not in colleagues:
        flash_in("inbox", _("Choose a mediator of your community to assign the reports to."), "warning")
        return back
    grids = Grids()
    results = [take_one(case_id, version, mediator_id, grids) for case_id, version in chosen]
    taken = [what for kind, what in results if kind == DONE]
    skipped = [what for kind, what in results if kind == SKIPPED]
    # Said in the inbox, where the page opens after the post (at the top they were a screen above, unseen).
    if taken:
        flash_in("inbox", ngettext("Assigned to %(name)s: %(num)d case (%(cases)s).",
                                   "Assigned to %(name)s: %(num)d cases (%(cases)s).", len(taken),
                                   name=colleagues[mediator_id].display_name, cases=format_list(taken, locale=current_locale())),
                 "success")
    if skipped:
        flash_in("inbox", ngettext("Not accepted: %(cases)s. Choose what is missing in its row below and accept it "
                                   "again, or accept it on its page (the link in its row).",
                                   "Not accepted: %(cases)s. Choose what is missing in their rows below and accept "
                                   "them again, or accept each on its page (the link in its row).",
                                   len(skipped), cases=format_list(skipped, locale=current_locale())), "warning")
    for kind, problem in results:
        if kind == REFUSED:
            flash_in("inbox", _("Not assigned: %(why)s. Reload the page and look at it again.", why=problem),
                     "warning")
    return back
