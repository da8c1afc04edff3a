"""A case's photos and documents: the file written by app/uploads.py becomes
an Attachment row of the case and an "upload" event in its history, in the
caller's transaction."""
from .. import clock
from ..audit import record
from ..extensions import db
from ..uploads import Batch
from .models import Attachment, Dispute


def attach(batch: Batch, dispute: Dispute, file, actor, *, now=None) -> Attachment:
    """Store the (validated) file with `batch` (so that it is removed if the
    transaction fails), add its row to the case and append the upload event."""
    now = now or clock.now()
    stored = batch.store(file)
    attachment = Attachment(
        original_name=stored.original_name, stored_name=stored.stored_name, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256, uploaded_by_id=getattr(actor, "id", None), uploaded_at=now,
    )
    # Dispute.attachments is read-only (models.py): the row names its case itself.
    attachment.dispute = dispute
    db.session.add(attachment)
    db.session.flush()
    data = {"attachment_id": attachment.id, "file_name": attachment.original_name,
            "size": attachment.size, "sha256": attachment.sha256}
    if getattr(actor, "client_name", None):
        # An integrator (app/api) has no user row: the log names it here, as in its other events.
        data["api_client"] = actor.client_name
    record("dispute", dispute.id, "upload", actor, at=now, data=data)
    return attachment
