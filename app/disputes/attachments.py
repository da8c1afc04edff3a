"""Photos and documents on the case page: upload (mediators and grid workers
of the case, not on a sealed case) and serving (to whoever may see the case).
Storage and checks are in app/uploads.py, the row and its event in files.py."""
from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l, pgettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired

from .. import uploads
from ..audit.chain import lock_chain
from ..auth.access import roles_required
from ..engine.edits import SEALED, is_sealed
from ..extensions import db
from ..fetched_forms import gone, requested
from ..form_errors import lead_to
from . import files
from .access import CASE_ROLES, INTAKE_ROLES, load_case, load_child
from .case_page import render_case
from .models import Attachment

UPLOAD_ROLES = INTAKE_ROLES


class AttachmentForm(FlaskForm):
    # Several at once, all attached or none (a refusal names the file to leave out).
    file = uploads.upload_field(_l("Photos or documents (JPEG, PNG, WebP or PDF)"),
                                required=FileRequired(_l("Choose a photo or document.")), multiple=True)


def may_upload(dispute) -> bool:
    return current_user.role in UPLOAD_ROLES and not is_sealed(dispute)


def attachment_form(dispute):
    """The upload form in place on the case page: the form with its errors
    after a refused upload, or a blank one when the page was opened with it
    (app/fetched_forms.py); None otherwise."""
    if not may_upload(dispute):
        return None
    form = g.get("attachment_form")
    if form is None and requested("upload"):
        form = AttachmentForm(prefix="upload", formdata=None)
    return form


@roles_required(*UPLOAD_ROLES)
def upload_form(case_id):
    """The upload form, alone: the case page fetches it when its panel opens."""
    dispute = load_case(case_id)
    if is_sealed(dispute):
        return gone(SEALED, 409)
    return render_template("disputes/_upload_form.html", d=dispute,
                           form=AttachmentForm(prefix="upload", formdata=None))


def attachment_is_image(attachment) -> bool:
    return uploads.is_image(attachment)


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@roles_required(*UPLOAD_ROLES)
def attachment_upload(case_id):
    dispute = load_case(case_id)
    # Hold the case row so that a concurrent archive cannot seal it between this check and the commit.
    lock_chain(db.session)  # the chain lock before any row lock (app/audit/chain.py)
    db.session.refresh(dispute, with_for_update=True)
    if is_sealed(dispute):
        flash(str(SEALED), "warning")
        return render_case(dispute, 409)
    form = AttachmentForm(prefix="upload")
    if not form.validate_on_submit():
        g.attachment_form = form
        flash(_("The file was not attached: see the message next to the field."), "danger")
        lead_to(form, "attachments")
        return render_case(dispute, 422)
    with uploads.Batch() as batch:
        names = [files.attach(batch, dispute, file, current_user).original_name for file in form.file.data]
        db.session.commit()
        batch.done()
    flash(_("Attached: %(name)s.", name=pgettext("list separator", ", ").join(names)), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="attachments"))


@roles_required(*CASE_ROLES)
def attachment(case_id, attachment_id):
    dispute = load_case(case_id)
    item = load_child(Attachment, attachment_id, dispute)
    return uploads.serve(item, f"case {dispute.id}")
