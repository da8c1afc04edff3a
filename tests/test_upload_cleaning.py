"""Attachments that could harm: a photo's EXIF (the GPS position of a
resident's phone) is removed by re-encoding, upright; an image bomb or a
damaged photo is refused with nothing written; a PDF (which may carry
scripts) is served only as a download."""
import hashlib
import io
import json
import os
import random
import re

import pytest
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.audit.models import AuditEvent
from app.disputes.models import Attachment, Dispute
from app.extensions import db
from app.ratelimit import RateEvent
from app.uploads import Batch, ImageRefused, clean_image
from tests import factories as f
from tests.factories import csrf, login
from tests.test_attachments import attachments, audit_count, english, intake_page, stored_files, upload
from tests.test_public import english as public_english
from tests.test_public import report, tracking_code
from tests.uploads_data import (
    BLUE, CAMERA, PDF, RED, jpeg, jpeg_claiming, phone_photo, png, png_bomb, truncated_jpeg,
)

@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(c1=c1.id, g1=grids[0].id, m1=m1.username, case=f.dispute(m1, grids[0]).id)
        return type("World", (), w)


def count(app, model):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar()


METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment", "dpi")


def stored_bytes(app, stored_name):
    with open(os.path.join(app.config["UPLOAD_DIR"], stored_name), "rb") as fh:
        return fh.read()


def assert_clean_and_upright(content, fmt="JPEG"):
    """No metadata left, and the phone's sideways photo shown upright: 40 x 60,
    blue on top, red below."""
    image = Image.open(io.BytesIO(content))
    assert image.format == fmt
    assert len(image.getexif()) == 0
    assert not set(image.info) & set(METADATA), image.info.keys()
    for secret in (CAMERA.encode(), b"GPS", b"taken at home", b"xmpmeta", b"Exif\x00\x00"):
        assert secret not in content
    assert image.size == (40, 60)
    image = image.convert("RGB")
    top, bottom = image.getpixel((20, 5)), image.getpixel((20, 50))
    assert all(abs(a - b) <= 12 for a, b in zip(top, BLUE)), top
    assert all(abs(a - b) <= 12 for a, b in zip(bottom, RED)), bottom


# Staff: the case page's upload and the intake form

@pytest.mark.parametrize("fmt, name, content_type", [
    ("JPEG", "现场.jpg", "image/jpeg"), ("PNG", "现场.png", "image/png"), ("WEBP", "现场.webp", "image/webp"),
])
def test_staff_photo_is_kept_without_exif_and_upright(app, client, world, fmt, name, content_type):
    photo = phone_photo(fmt)
    assert b"GPS" in photo or b"Exif" in photo  # the phone's data is there to begin with
    login(client, world.m1)
    response = upload(client, world.case, photo, name)
    assert response.status_code == 302
    ((aid, original, ctype, size, sha, stored),) = attachments(app, world.case)
    assert (original, ctype) == (name, content_type)
    kept = stored_bytes(app, stored)
    assert_clean_and_upright(kept, fmt)
    # The row and the audit event describe the bytes kept, not those sent.
    assert (size, sha) == (len(kept), hashlib.sha256(kept).hexdigest())
    with app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert event.trigger == "upload"
        assert json.loads(event.data) == {"attachment_id": aid, "file_name": name, "size": len(kept), "sha256": sha}
    served = client.get(f"/cases/{world.case}/attachments/{aid}")
    assert served.status_code == 200 and served.data == kept
    assert served.headers["Content-Disposition"].startswith("inline;")


def test_intake_photo_is_kept_without_exif_and_upright(app, client, world):
    login(client, world.m1)
    page, token = intake_page(client)
    response = client.post("/cases/new", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "submission_token": token, "channel": "walk_in", "dispute_type": "neighbour",
        "grid_id": str(world.g1), "facts": "噪音", "applicant_name": "赵六", "risk": "low",
        "photo": (io.BytesIO(phone_photo()), "噪音现场.jpg")})
    assert response.status_code == 302
    case_id = int(response.location.rstrip("/").split("/")[-1])
    ((aid, _, _, _, _, stored),) = attachments(app, case_id)
    assert_clean_and_upright(stored_bytes(app, stored))


def test_jpeg_keeps_a_sensible_quality(app, client, world):
    """Re-encoded with the photo's own quantisation tables: about the size it
    came with, and the same picture."""
    rnd = random.Random(13)
    image = Image.new("RGB", (320, 240))
    image.frombytes(bytes(rnd.randrange(256) if (x // 16 + y // 16) % 2 else (200, 180, 40)[c]
                          for y in range(240) for x in range(320) for c in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    sent = out.getvalue()
    with app.app_context():
        kept = clean_image(sent, app.config["UPLOAD_MAX_PIXELS"])
    assert 0.8 * len(sent) <= len(kept) <= 1.2 * len(sent)
    a, b = Image.open(io.BytesIO(sent)).convert("L"), Image.open(io.BytesIO(kept)).convert("L")
    assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] < 6


@pytest.mark.parametrize("content, message", [
    (png_bomb(), "The image is too large (9000 by 9000 pixels): at most 50 million pixels."),
    (jpeg_claiming(30000, 30000), "The image is too large"),
    (truncated_jpeg(), "The image could not be read: the file may be damaged."),
    (jpeg()[:40] + b"\x00" * 200, "The image could not be read"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "The image could not be read"),
    (b"RIFF\x30\x00\x00\x00WEBPVP8 " + b"\xff" * 40, "The image could not be read"),
])
def test_bomb_or_damaged_photo_is_refused_and_nothing_is_written(app, client, world, content, message):
    login(client, world.m1)
    english(client)
    before = audit_count(app)
    response = upload(client, world.case, content, "photo.png" if content.startswith(b"\x89PNG") else
                      "photo.webp" if content.startswith(b"RIFF") else "photo.jpg")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<div class="invalid-feedback" id="[\w-]+-error1">[^<]*' + re.escape(message), page)
    assert "The file was not attached" in page
    assert attachments(app) == [] and stored_files(app) == [] and audit_count(app) == before


def test_pixel_limit_is_a_setting(app, client, world):
    app.config["UPLOAD_MAX_PIXELS"] = 1_500_000
    login(client, world.m1)
    english(client)
    response = upload(client, world.case, png(1500, 1001), "scan.png")
    assert response.status_code == 422
    assert ("The image is too large (1500 by 1001 pixels): at most 1.5 million pixels."
            in response.get_data(as_text=True))
    assert upload(client, world.case, png(1500, 1000), "scan.png").status_code == 302
    assert len(attachments(app)) == 1 and len(stored_files(app)) == 1


def test_intake_with_a_bomb_registers_nothing(app, client, world):
    login(client, world.m1)
    english(client)
    page, token = intake_page(client)
    with app.app_context():
        before = db.session.execute(select(func.count(Dispute.id))).scalar()
    response = client.post("/cases/new", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "submission_token": token, "channel": "walk_in", "dispute_type": "neighbour",
        "grid_id": str(world.g1), "facts": "噪音", "applicant_name": "赵六", "risk": "low",
        "photo": (io.BytesIO(png_bomb()), "bomb.png")})
    assert response.status_code == 422
    assert "The image is too large (9000 by 9000 pixels)" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(Dispute.id))).scalar() == before
    assert attachments(app) == [] and stored_files(app) == []


def test_a_photo_not_cleaned_by_a_form_is_cleaned_when_stored(app):
    """Batch.store() itself never keeps a photo as sent."""
    with app.test_request_context():
        with Batch() as batch:
            stored = batch.store(FileStorage(io.BytesIO(phone_photo()), filename="raw.jpg"))
            batch.done()
        with open(os.path.join(app.config["UPLOAD_DIR"], stored.stored_name), "rb") as fh:
            kept = fh.read()
        assert_clean_and_upright(kept)
        assert stored.size == len(kept)
        with pytest.raises(ImageRefused), Batch() as batch:
            batch.store(FileStorage(io.BytesIO(png_bomb()), filename="bomb.png"))
    assert stored_files(app) == [stored.stored_name]


# PDFs: downloads only

def test_pdf_is_served_as_a_download(app, client, world):
    login(client, world.m1)
    upload(client, world.case, PDF, "调解 协议.pdf")
    ((aid, *_),) = attachments(app, world.case)
    response = client.get(f"/cases/{world.case}/attachments/{aid}")
    assert response.status_code == 200 and response.data == PDF  # documents are kept as sent
    h = response.headers
    assert h["Content-Type"] == "application/pdf"
    assert h["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E8%B0%83%E8%A7%A3%20%E5%8D%8F%E8%AE%AE.pdf" in h["Content-Disposition"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Cache-Control"] == "no-store"
    assert "sandbox" in h["Content-Security-Policy"] and "default-src 'none'" in h["Content-Security-Policy"]
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    link = re.search(rf'<a [^>]*href="/cases/{world.case}/attachments/{aid}"[^>]*>', page).group(0)
    assert 'download="调解 协议.pdf"' in link and "target=" not in link


def test_pdf_download_name_is_the_cleaned_name(app, client, world):
    login(client, world.m1)
    upload(client, world.case, PDF, "../../合同\x07.pdf")
    ((aid, name, *_),) = attachments(app, world.case)
    assert name == "合同.pdf"
    disposition = client.get(f"/cases/{world.case}/attachments/{aid}").headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in disposition


def test_photo_stays_inline_with_its_headers(app, client, world):
    login(client, world.m1)
    upload(client, world.case, jpeg(), "门口.jpg")
    ((aid, *_),) = attachments(app, world.case)
    h = client.get(f"/cases/{world.case}/attachments/{aid}").headers
    assert h["Content-Type"] == "image/jpeg" and h["Content-Disposition"].startswith("inline;")
    assert h["X-Content-Type-Options"] == "nosniff" and h["Cache-Control"] == "no-store"
    csp = h["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "img-src 'self'" in csp and "script-src" not in csp
    assert "object-src 'self'" not in csp  # nothing embedded: PDFs are not shown inline any more
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    link = re.search(rf'<a [^>]*href="/cases/{world.case}/attachments/{aid}"[^>]*>', page).group(0)
    assert 'target="_blank"' in link and "download" not in link


# The resident's report

def test_public_report_photo_is_kept_without_exif_and_upright(app, client, world):
    response, _ = report(client, world, photo=(io.BytesIO(phone_photo()), "随手拍.jpg"))
    assert response.status_code == 200
    with app.app_context():
        d = db.session.execute(select(Dispute).where(Dispute.tracking_code == tracking_code(response))).scalar_one()
        (a,) = d.attachments
        kept = stored_bytes(app, a.stored_name)
        assert (a.content_type, a.original_name, a.size) == ("image/jpeg", "随手拍.jpg", len(kept))
    assert_clean_and_upright(kept)


@pytest.mark.parametrize("content, message", [
    (png_bomb(), "The image is too large (9000 by 9000 pixels)"),
    (truncated_jpeg(), "The image could not be read"),
])
def test_public_report_with_a_bomb_or_damaged_photo_writes_nothing(app, client, world, content, message):
    public_english(client)
    before = [count(app, model) for model in (Dispute, Attachment, RateEvent, AuditEvent)]
    response, _ = report(client, world, photo=(io.BytesIO(content), "photo.jpg"))
    assert response.status_code == 422
    assert re.search(r'<div class="invalid-feedback" id="[\w-]+-error1">[^<]*' + re.escape(message), response.get_data(as_text=True))
    assert [count(app, model) for model in (Dispute, Attachment, RateEvent, AuditEvent)] == before
    assert stored_files(app) == []
