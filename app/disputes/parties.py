"""A case's parties (当事人): add one, or correct one, from the case page.

Kept like a field edit (engine/edits.py): the case's version is checked and
bumped, and one audit event records each changed field before and after, in
one transaction. ID numbers and phones are never shown unmasked here: the
edit form leaves them blank (keep), takes a new value, or removes them.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from .. import engine
from ..auth.access import roles_required
from ..engine.edits import SEALED, check_editable, commit_change, is_sealed
from ..form_errors import correct_the_marked
from ..i18n import current_locale as _locale
from ..privacy import mask_id, mask_phone
from ..validators import form_version
from .access import INTAKE_ROLES, load_case, load_child
from .case_page import render_case
from .forms import PartyForm
from .models import Party

FIELDS = PartyForm.FIELDS
PARTY_ROLES = INTAKE_ROLES  # mediators and grid workers, on the cases they can see


def save_party(dispute, actor, values: dict, *, party=None, expected_version=None, now=None) -> dict:
    """Add a party to the case (party=None) or change `party` to `values`
    (field -> value, fields of FIELDS). Returns {field: [before, after]} of
    what changed; an edit that changes nothing writes nothing."""
    if actor.role not in PARTY_ROLES:
        raise engine.Forbidden(_l("Your role may not change the parties of a case."))
    check_editable(dispute, actor, expected_version)
    if party is not None and party.dispute_id != dispute.id:
        raise ValueError("the party belongs to another case")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"save_party() cannot set {sorted(unknown)}")
    diff = {}
    for name, value in values.items():
        before = getattr(party, name) if party is not None else None
        if before != value:
            diff[name] = [before, value]
    if not diff:
        return {}
    added = party is None
    target = {"party": party}

    def apply():
        if added:
            target["party"] = Party(**values)
            dispute.parties.append(target["party"])
        else:
            for name, (_, value) in diff.items():
                setattr(party, name, value)

    commit_change(dispute, actor, "add_party" if added else "edit_party", apply,
                  lambda: {"party_id": target["party"].id, "changes": diff}, now=now)
    return diff


@roles_required(*PARTY_ROLES)
def new_party(case_id):
    return _party_page(load_case(case_id), None)


@roles_required(*PARTY_ROLES)
def edit_party(case_id, party_id):
    dispute = load_case(case_id)
    return _party_page(dispute, load_child(Party, party_id, dispute))


def _party_page(dispute, party):
    if is_sealed(dispute):
        flash(str(SEALED), "warning")
        if request.method == "GET":
            return redirect(url_for(".show", case_id=dispute.id))
        return render_case(dispute, 409)
    form = PartyForm(obj=party if request.method == "GET" else None)
    form.party = party
    form.fill_choices(_locale(), [p for p in dispute.parties if p.role != "agent" and p is not party])
    if request.method == "GET":
        form.version.data = dispute.version
        form.acts_for_id.data = str(party.acts_for_id or "") if party is not None else ""
        form.id_number.data = form.phone.data = ""  # never shown unmasked: blank keeps the stored value
    if party is not None:  # the stored values, masked, as placeholders
        if party.id_number:
            form.id_number.render_kw = dict(form.id_number.render_kw or {}, placeholder=mask_id(party.id_number))
        if party.phone:
            form.phone.render_kw = dict(form.phone.render_kw or {}, placeholder=mask_phone(party.phone))
    status = 200
    if form.validate_on_submit():
        version = str(form.version.data or "")
        try:
            diff = save_party(dispute, current_user, form.values(party), party=party,
                              expected_version=form_version(version))
        except engine.Refused as refused:
            flash(str(refused.message), "danger")
            status = refused.status
        else:
            if party is None:
                flash(_("Party added."), "success")
            else:
                flash(_("Saved: %(n)s field(s) changed.", n=len(diff)) if diff else _("Nothing was changed."),
                      "success")
            return redirect(url_for(".show", case_id=dispute.id) + "#parties")
    elif form.is_submitted():
        correct_the_marked(form)  # a page of its own: the form is right below the message
        status = 422
    return render_template("disputes/party_form.html", form=form, d=dispute, party=party), status
