"""POST and GET /api/v1/disputes: cases sent by other systems, through the
single intake (app/disputes/intake.py), read back by the client that sent
them and by no one else."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC
from io import BytesIO
from typing import NamedTuple

from flask import current_app, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from .. import clock
from ..disputes import codes
from ..disputes.judicial import JudicialConfirmation, judicial_confirmations, judicial_confirmation
from ..disputes.intake import IntakeRefused, NewCase, PartyDetails, open_case
from ..disputes.models import Dispute
from ..extensions import db
from ..i18n import translate
from ..uploads import HEAD_BYTES, IMAGES, ImageRefused, clean_name, cleaned, max_bytes, sniff
from .guard import current_actor, current_client
from .models import ApiSubmission
from .problems import ApiProblem, field_errors
from .schemas import MAX_PHOTOS, DisputeIn

KEY_HEADER = "Idempotency-Key"
MULTIPART = "multipart/form-data"
DISPUTE_PART, PHOTO_PART = "dispute", "photos"


def utc(moment):
    """A stored (naive UTC) moment with its offset, as RFC 3339 wants."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def state_labels(dispute: Dispute) -> dict:
    label = dispute.__workflow__.state(dispute.state).label
    return {"zh": translate(label, "zh_Hans_CN"), "en": translate(label, "en")}


def confirmation_json(status: JudicialConfirmation) -> dict | None:
    if not status.applied:
        return None
    label = codes.RULINGS.get(status.ruling) if status.ruling else None
    return {"applied_on": status.applied_on, "court": status.court, "ruling": status.ruling,
            "ruling_label": {"zh": translate(label, "zh_Hans_CN"), "en": translate(label, "en")} if label else None,
            "ruled_on": status.ruled_on}


def as_json(submission: ApiSubmission, confirmation: JudicialConfirmation | None = None) -> dict:
    """The case as the API gives it; `confirmation` when already read (a list reads them at once)."""
    d = submission.dispute
    if confirmation is None:
        confirmation = judicial_confirmation(d)
    return {
        "id": d.id, "tracking_code": d.tracking_code, "state": d.state, "state_label": state_labels(d),
        "file_no": d.file_no, "channel": d.channel, "external_ref": submission.external_ref,
        "registered_at": utc(d.created_at), "changed_at": utc(d.changed_at), "closed_at": utc(d.closed_at),
        "outcome": d.outcome, "judicial_confirmation": confirmation_json(confirmation),
        "url": url_for("api.dispute", dispute_id=d.id, _external=True),
    }


def digest_of(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Sent(NamedTuple):
    """What a POST carried: the case's fields (validated), its photos as
    (pointer, file name, bytes), and the digest the Idempotency-Key rule compares."""
    data: dict
    photos: list[tuple[str, str, bytes | None]]
    digest: str


def invalid(errors: list[dict]):
    return ApiProblem(422, "The request is not valid: see errors, one entry per field.", errors=errors)


def validated(raw) -> dict:
    try:
        return DisputeIn().load(raw if raw is not None else {})
    except ValidationError as error:
        raise invalid(field_errors(error.messages))


def sent() -> Sent:
    """The body of POST /api/v1/disputes: JSON, or multipart (a JSON part
    named `dispute` and photo files named `photos`, in that order)."""
    if request.mimetype == MULTIPART:
        return sent_multipart()
    raw = request.get_json(silent=True)
    if raw is None and request.get_data() and request.is_json:
        raise invalid([{"pointer": "#", "detail": "Invalid JSON body."}])
    data = validated(raw)
    return Sent(data, base64_photos(data), digest_of(raw))


def sent_multipart() -> Sent:
    unknown = sorted((set(request.form) | set(request.files)) - {DISPUTE_PART, PHOTO_PART})
    if unknown:
        raise invalid([{"pointer": f"#/{name}", "detail": "Unknown part: send `dispute` and `photos` only.",
                        "location": "multipart"} for name in unknown])
    if DISPUTE_PART in request.form:
        text = request.form[DISPUTE_PART]
    elif DISPUTE_PART in request.files:  # curl's -F dispute=@case.json
        text = request.files[DISPUTE_PART].read().decode("utf-8", errors="replace")
    else:
        raise invalid([{"pointer": f"#/{DISPUTE_PART}", "detail": "Missing the JSON part `dispute`.",
                        "location": "multipart"}])
    try:
        raw = json.loads(text)
    except ValueError:
        raise invalid([{"pointer": f"#/{DISPUTE_PART}", "detail": "Invalid JSON in the part `dispute`.",
                        "location": "multipart"}])
    data = validated(raw)
    photos = base64_photos(data)
    files = [f for f in request.files.getlist(PHOTO_PART) if f.filename or f.content_length]
    start = len(photos)
    photos += [(f"#/photos/{start + i}", f.filename or f"photo-{start + i + 1}", f.read())
               for i, f in enumerate(files)]
    if len(photos) > MAX_PHOTOS:
        raise invalid([{"pointer": "#/photos", "detail": f"At most {MAX_PHOTOS} photos per case.",
                        "location": "multipart"}])
    # The same key with the same JSON part and the same photo bytes, in order, is the same request.
    return Sent(data, photos, digest_of({DISPUTE_PART: raw, PHOTO_PART: [
        hashlib.sha256(c).hexdigest() if c is not None else None for _, _, c in photos]}))


def base64_photos(data: dict) -> list[tuple[str, str, bytes | None]]:
    """The photos sent inside the JSON, decoded (None: not base64)."""
    found = []
    for i, text in enumerate(data.get("photos") or []):
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            content = None
        found.append((f"#/photos/{i}", f"photo-{i + 1}", content))
    return found


def photo_files(photos: list[tuple[str, str, bytes | None]]) -> list[FileStorage]:
    """Each photo checked by content and re-encoded as the web form's
    photos are; anything else is refused before a row is written."""
    found, errors = [], []
    for pointer, name, content in photos:
        if content is None:
            errors.append({"pointer": pointer, "detail": "Not base64."})
            continue
        kind = sniff(content[:HEAD_BYTES])
        if kind not in IMAGES:
            errors.append({"pointer": pointer, "detail": "Not a JPEG, PNG or WebP image."})
            continue
        if len(content) > max_bytes(kind):  # a photo: up to the request limit, as the web forms take
            errors.append({"pointer": pointer, "detail": "Larger than the upload limit."})
            continue
        upload = FileStorage(stream=BytesIO(content), filename=clean_name(name, kind), content_type=kind)
        try:
            found.append(cleaned(upload, current_app.config["UPLOAD_MAX_PIXELS"]))
        except ImageRefused as refused:
            errors.append({"pointer": pointer, "detail": str(refused.message)})
    if errors:
        raise ApiProblem(422, "A photo could not be taken: nothing was written.", errors=errors)
    return found


def submit():
    """(status, body) of a submission; the same key and body give the same answer."""
    client = current_client()
    key = (request.headers.get(KEY_HEADER) or "").strip() or None
    if key is not None and len(key) > 200:
        raise ApiProblem(422, "The Idempotency-Key header is longer than 200 characters.",
                         errors=[{"pointer": "#", "detail": "Idempotency-Key too long.", "location": "header"}])
    data, sent_photos, digest = sent()
    token = hashlib.sha256(f"api:{client.id}:{key}".encode()).hexdigest() if key else None
    earlier = replay(client, key, digest)
    if earlier is not None:
        return earlier
    photos = photo_files(sent_photos)
    parties = [PartyDetails(p["role"], p["name"], p.get("phone"), p.get("id_number"))
               for p in data.get("parties") or []]
    if not any(p.role == "applicant" for p in parties):
        # Stored data: the sending system stands in for an applicant it did not name.
        parties.insert(0, PartyDetails("applicant", f"{client.name}（来件）", data.get("reporter_phone")))
    case = NewCase(dispute_type=data["dispute_type"], facts=data["description"], parties=parties,
                   grid_id=data.get("grid_id"), community_id=data.get("community_id"), place=data["place"],
                   arose_on=data["reported_at"].date() if data.get("reported_at") else None,
                   submission_token=token)
    submitted = {"api_client": client.name, "channel": client.channel, "external_ref": data.get("external_ref"),
                 "community_id": data.get("community_id"), "grid_id": data.get("grid_id"), "place": data["place"],
                 "facts": data["description"], "reporter_phone": data.get("reporter_phone"),
                 "reported_at": data["reported_at"].isoformat() if data.get("reported_at") else None,
                 "idempotency_key": key}
    actor, now = current_actor(), clock.now()

    def link(dispute):
        db.session.add(ApiSubmission(client_id=client.id, dispute=dispute, external_ref=data.get("external_ref"),
                                     idempotency_key=key, body_hash=digest, created_at=now))

    try:
        opened = open_case(case, "api", actor, submitted, channel=client.channel,
                           photos=photos, now=now, also=link)
    except IntakeRefused as refused:
        # The intake names a form's field; an ID number is one of the parties'.
        pointer = "#/parties" if "id_number" in (refused.field or "") else f"#/{refused.field}"
        raise ApiProblem(422, str(refused.message), errors=[{"pointer": pointer, "detail": str(refused.message)}])
    if not opened.created:  # the same key at the same moment: the first one won
        return replay(client, key, digest)
    return 201, as_json(submission_of(opened.case))


def replay(client, key, digest):
    if key is None:
        return None
    earlier = db.session.execute(select(ApiSubmission).where(
        ApiSubmission.client_id == client.id, ApiSubmission.idempotency_key == key)).scalar_one_or_none()
    if earlier is None:
        return None
    if earlier.body_hash != digest:
        raise ApiProblem(409, "This Idempotency-Key was used with another body: use a new key for a new case.")
    return 201, as_json(earlier)


def submission_of(dispute: Dispute) -> ApiSubmission:
    return db.session.execute(select(ApiSubmission).where(ApiSubmission.dispute_id == dispute.id)).scalar_one()


def one(dispute_id: int) -> dict:
    submission = db.session.execute(select(ApiSubmission).where(
        ApiSubmission.dispute_id == dispute_id, ApiSubmission.client_id == current_client().id)
    ).scalar_one_or_none()
    if submission is None:  # another client's case, or none: the same answer
        raise ApiProblem(404, "No case of this client has this id.")
    return as_json(submission)


def listing(query: dict) -> dict:
    stmt = (select(ApiSubmission).join(ApiSubmission.dispute)
            .where(ApiSubmission.client_id == current_client().id).order_by(ApiSubmission.id))
    if query.get("external_ref"):
        stmt = stmt.where(ApiSubmission.external_ref == query["external_ref"])
    if query.get("changed_since"):
        try:
            since = clock.to_utc(query["changed_since"])
        except (OverflowError, ValueError):  # a moment the time zone cannot shift (year 1)
            raise ApiProblem(422, "changed_since is out of range.",
                             errors=[{"pointer": "#/changed_since", "detail": "Out of range.", "location": "query"}])
        stmt = stmt.where(Dispute.changed_at >= since)
    rows = db.session.execute(stmt.limit(query["limit"])).scalars().all()
    confirmations = judicial_confirmations([s.dispute for s in rows])
    return {"items": [as_json(s, confirmations[s.dispute_id]) for s in rows]}
