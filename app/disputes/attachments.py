"""Photos and documents on the case page: upload (mediators and grid workers
of the case, not on a sealed case) and serving (to whoever may see the case).
Storage and checks are in app/uploads.py, the row and its event in files.py."""
from flask import flash, g, redirect, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired

from .. import uploads
from ..audit.chain import lock_chain
from ..auth.access import roles_required
from ..engine.edits import SEALED, is_sealed
from ..extensions import db
from . import files
from .access import CASE_ROLES, INTAKE_ROLES, load_case, load_child
from .case_page import render_case
from .models import Attachment

UPLOAD_ROLES = INTAKE_ROLES


class AttachmentForm(FlaskForm):
    file = uploads.upload_field(_l("Photo or document (JPEG, PNG, WebP or PDF)"),
                                required=FileRequired(_l("Choose a photo or document.")))


def attachment_form(dispute):
    """The upload form for the case page, or None when this user may not
    upload to this case (the form with its errors after a refused upload)."""
    if current_user.role not in UPLOAD_ROLES or is_sealed(dispute):
        return None
    form = g.get("attachment_form")
    return form if form is not None else AttachmentForm(prefix="upload", formdata=None)


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
        return render_case(dispute, 422)
    with uploads.Batch() as batch:
        attachment = files.attach(batch, dispute, form.file.data, current_user)
        name = attachment.original_name
        db.session.commit()
        batch.done()
    flash(_("Attached: %(name)s.", name=name), "success")
    return redirect(url_for(".show", case_id=case_id, _anchor="attachments"))


@roles_required(*CASE_ROLES)
def attachment(case_id, attachment_id):
    dispute = load_case(case_id)
    item = load_child(Attachment, attachment_id, dispute)
    return uploads.serve(item, f"case {dispute.id}")
