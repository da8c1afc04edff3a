"""Photos and documents of a case: upload on the case page and at intake,
checks by content and size, sealed cases, scope, serving headers, audit."""
import hashlib
import io
import json
import os
import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Attachment, Dispute
from app.extensions import db
from app.uploads import clean_name
from tests import factories as f
from tests.factories import csrf, login
from tests.uploads_data import EXE, HTML, JPEG, PDF, WEBP, png, same_picture


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(
            g1=grids[0].id,
            m1=m1.username,
            m2=f.user("mediator", community=c2).username,
            gw=f.user("gridworker", grid=grids[0]).username,
            gw_other=f.user("gridworker", grid=grids[1]).username,
            sup=f.user("supervisor", street=street).username,
            elder=f.user("elder", community=c1).username,
            case=f.dispute(m1, grids[0]).id,
            case2=f.dispute(m1, grids[1]).id,  # same community, another grid
        )
        return type("World", (), w)


def english(client):
    """Switch a logged-in client to English."""
    page = client.get("/cases/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/cases/"})


def upload(client, case_id, content, name="photo.jpg"):
    """Fill in and send the upload form, fetched as the case page fetches it when its panel opens."""
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'data-fetch-form="/cases/{case_id}/attachments"' in case_page  # the panel that fetches it
    page = client.get(f"/cases/{case_id}/attachments").get_data(as_text=True)
    assert "data-form-fragment" in page and "<html" not in page
    token = re.search(r'name="upload-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                       data={"upload-csrf_token": token, "upload-file": (io.BytesIO(content), name)})


def attachments(app, case_id=None):
    with app.app_context():
        query = select(Attachment).order_by(Attachment.id)
        if case_id is not None:
            query = query.where(Attachment.dispute_id == case_id)
        return [(a.id, a.original_name, a.content_type, a.size, a.sha256, a.stored_name)
                for a in db.session.execute(query).scalars()]


def stored_files(app):
    directory = app.config["UPLOAD_DIR"]
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def audit_count(app):
    with app.app_context():
        return db.session.execute(select(func.count(AuditEvent.id))).scalar()


@pytest.mark.parametrize("content, name, content_type", [
    (JPEG, "现场照片.jpg", "image/jpeg"),
    (png(), "scan.PNG", "image/png"),
    (WEBP, "phone.webp", "image/webp"),
    (PDF, "收据.pdf", "application/pdf"),
])
def test_mediator_attaches_a_file(app, client, world, content, name, content_type):
    login(client, world.m1)
    response = upload(client, world.case, content, name)
    assert response.status_code == 302 and response.location.endswith(f"/cases/{world.case}#attachments")
    ((aid, original, ctype, size, sha, stored),) = attachments(app, world.case)
    assert re.fullmatch(r"[0-9a-f]{32}", stored) and stored_files(app) == [stored]
    with open(os.path.join(app.config["UPLOAD_DIR"], stored), "rb") as fh:
        kept = fh.read()
    if content_type == "application/pdf":
        assert kept == content  # documents are kept as sent
    else:  # photos are re-encoded without their metadata (tests/test_upload_cleaning.py)
        assert same_picture(kept, content)
    assert (original, ctype, size, sha) == (name, content_type, len(kept), hashlib.sha256(kept).hexdigest())
    with app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert (event.entity_type, event.entity_id, event.trigger, event.actor_role) == (
            "dispute", world.case, "upload", "mediator")
        assert json.loads(event.data) == {"attachment_id": aid, "file_name": name, "size": len(kept), "sha256": sha}
        assert verify() == []
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    href = f"/cases/{world.case}/attachments/{aid}"
    assert href in page and name in page
    assert (f'<img class="rounded object-fit-cover" src="{href}"' in page) == content_type.startswith("image/")


def test_download_headers(app, client, world):
    login(client, world.m1)
    image = png(3, 2)
    upload(client, world.case, image, "门口 照片.png")
    ((aid, *_, stored),) = attachments(app, world.case)
    response = client.get(f"/cases/{world.case}/attachments/{aid}")
    with open(os.path.join(app.config["UPLOAD_DIR"], stored), "rb") as fh:
        assert response.status_code == 200 and response.data == fh.read()
    assert same_picture(response.data, image)
    h = response.headers
    assert h["Content-Type"] == "image/png"
    assert h["Content-Disposition"].startswith("inline;") and "filename*=UTF-8''" in h["Content-Disposition"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Cache-Control"] == "no-store"
    assert "default-src 'none'" in h["Content-Security-Policy"]


def test_grid_worker_attaches_to_a_case_of_their_grid(app, client, world):
    login(client, world.gw)
    assert upload(client, world.case, JPEG).status_code == 302
    assert len(attachments(app, world.case)) == 1


def test_type_is_read_from_the_content_not_the_name(app, client, world):
    login(client, world.m1)
    upload(client, world.case, png(), "really-a-png.jpg")
    ((_, name, ctype, *_),) = attachments(app, world.case)
    assert ctype == "image/png" and name == "really-a-png.jpg.png"


@pytest.mark.parametrize("content, name", [
    (HTML, "photo.jpg"),
    (EXE, "photo.jpg"),
    (EXE, "setup.exe"),
    (HTML, "page.html"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif"),
    (b"", "empty.jpg"),
])
def test_wrong_type_is_refused_next_to_the_field(app, client, world, content, name):
    login(client, world.m1)
    english(client)
    before = audit_count(app)
    response = upload(client, world.case, content, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<div class="invalid-feedback" id="[\w-]+-error1">[^<]*(Only photos|empty)', page)
    assert "The file was not attached" in page
    assert attachments(app) == [] and stored_files(app) == [] and audit_count(app) == before


def test_missing_file_is_refused(app, client, world):
    login(client, world.m1)
    english(client)
    page = client.get(f"/cases/{world.case}?form=upload").get_data(as_text=True)  # the form in place
    token = re.search(r'name="upload-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/cases/{world.case}/attachments", data={"upload-csrf_token": token})
    assert response.status_code == 422 and "Choose a photo or document." in response.get_data(as_text=True)


def test_oversize_file_is_refused(app, client, world):
    # A document: a photo is taken up to the request's limit and made smaller (test_phone_uploads.py).
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    login(client, world.m1)
    english(client)
    big = PDF + b"\x00" * (1024 * 1024)
    before = audit_count(app)
    response = upload(client, world.case, big, "big.pdf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file is too large (1 MB): at most 1 MB." in page
    assert "Send its pages as photos, or scan it again at a lower resolution." in page
    assert attachments(app) == [] and stored_files(app) == [] and audit_count(app) == before


def test_request_over_the_content_limit_gets_the_413_page(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login(client, world.m1)
    english(client)
    response = upload(client, world.case, JPEG + b"\x00" * (128 * 1024))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "send fewer photos at a time" in page
    # Back to the previous page (history.back() where a script runs; sent without a Referer, the
    # link opens the start page), and the start page.
    assert re.search(r'href="/"[^>]*id="error-go-back" data-history-back', page)
    assert re.search(r'href="/"[^>]*id="error-back"', page)
    assert attachments(app) == [] and stored_files(app) == []


def test_sealed_case_refuses_uploads(app, client, world):
    with app.app_context():
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        f.walk(db.session.get(Dispute, world.case), m1, "reject")
    login(client, world.m1)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="upload-panel"' not in page  # no form offered
    fragment = client.get(f"/cases/{world.case}/attachments")
    assert fragment.status_code == 409 and "data-form-fragment" in fragment.get_data(as_text=True)
    before = audit_count(app)
    response = client.post(f"/cases/{world.case}/attachments", content_type="multipart/form-data",
                           data={"csrf_token": csrf(page), "upload-file": (io.BytesIO(JPEG), "late.jpg")})
    assert response.status_code == 409
    assert attachments(app) == [] and stored_files(app) == [] and audit_count(app) == before


def test_out_of_scope_upload_and_download_give_404(app, client, world):
    login(client, world.m1)
    upload(client, world.case, JPEG)
    ((aid, *_),) = attachments(app, world.case)
    client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})

    for outsider in (world.m2, world.gw_other):
        login(client, outsider)
        page = client.get("/cases/").get_data(as_text=True)
        assert client.get(f"/cases/{world.case}/attachments/{aid}").status_code == 404
        assert client.get(f"/cases/{world.case}/attachments").status_code == 404  # the form, for a case not theirs
        response = client.post(f"/cases/{world.case}/attachments", content_type="multipart/form-data",
                               data={"csrf_token": csrf(page), "upload-file": (io.BytesIO(JPEG), "x.jpg")})
        assert response.status_code == 404
        client.post("/logout", data={"csrf_token": csrf(page)})
    assert len(attachments(app)) == 1 and len(stored_files(app)) == 1


def test_attachment_must_belong_to_the_case_in_the_url(app, client, world):
    login(client, world.m1)
    upload(client, world.case, JPEG)
    ((aid, *_),) = attachments(app, world.case)
    assert client.get(f"/cases/{world.case2}/attachments/{aid}").status_code == 404  # a case m1 may see
    assert client.get(f"/cases/{world.case}/attachments/{aid + 1000}").status_code == 404


def test_supervisor_may_view_but_not_upload_and_other_roles_may_not_view(app, client, world):
    login(client, world.m1)
    upload(client, world.case, PDF, "协议.pdf")
    ((aid, *_),) = attachments(app, world.case)
    client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.sup)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="upload-panel"' not in page
    assert 'id="attachment-upload"' not in client.get(f"/cases/{world.case}?form=upload").get_data(as_text=True)
    assert client.get(f"/cases/{world.case}/attachments").status_code == 403
    response = client.get(f"/cases/{world.case}/attachments/{aid}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert client.post(f"/cases/{world.case}/attachments", data={"csrf_token": csrf(page)}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf(page)})
    login(client, world.elder)
    assert client.get(f"/cases/{world.case}/attachments/{aid}").status_code == 403


def test_anonymous_users_are_sent_to_log_in(app, client, world):
    assert client.get(f"/cases/{world.case}/attachments/1").status_code == 302


def intake_page(client):
    page = client.get("/cases/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    return page, token


def test_intake_with_a_photo(app, client, world):
    login(client, world.m1)
    page, token = intake_page(client)
    assert 'enctype="multipart/form-data"' in page
    response = client.post("/cases/new", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "submission_token": token, "channel": "walk_in", "dispute_type": "neighbour",
        "grid_id": str(world.g1), "facts": "噪音", "applicant_name": "赵六", "risk": "low",
        "photo": (io.BytesIO(JPEG), "噪音现场.jpg")})
    assert response.status_code == 302
    case_id = int(response.location.rstrip("/").split("/")[-1])
    ((aid, name, ctype, *_),) = attachments(app, case_id)
    assert (name, ctype) == ("噪音现场.jpg", "image/jpeg")
    with app.app_context():
        triggers = db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case_id).order_by(AuditEvent.seq)).scalars()
        assert list(triggers) == ["create", "upload"]
        assert verify() == []


def test_intake_with_a_bad_file_registers_nothing(app, client, world):
    login(client, world.m1)
    english(client)
    page, token = intake_page(client)
    with app.app_context():
        before = db.session.execute(select(func.count(Dispute.id))).scalar()
    response = client.post("/cases/new", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "submission_token": token, "channel": "walk_in", "dispute_type": "neighbour",
        "grid_id": str(world.g1), "facts": "噪音", "applicant_name": "赵六", "risk": "low",
        "photo": (io.BytesIO(HTML), "photo.jpg")})
    assert response.status_code == 422
    assert "Only photos (JPEG, PNG or WebP) and PDF documents can be attached." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(Dispute.id))).scalar() == before
    assert attachments(app) == [] and stored_files(app) == []


def test_a_failed_transaction_leaves_no_file(app, client, world, monkeypatch):
    import app.disputes.files as files

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(files, "record", broken)
    login(client, world.m1)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(client, world.case, JPEG)
    assert response.status_code == 500
    assert attachments(app) == [] and stored_files(app) == []


@pytest.mark.parametrize("given, content_type, expected", [
    ("../../etc/passwd.png", "image/png", "passwd.png"),
    ("C:\\Users\\王\\Desktop\\合同.pdf", "application/pdf", "合同.pdf"),
    ("a\x00b\r\nc.jpg", "image/jpeg", "abc.jpg"),
    ("", "image/jpeg", "file.jpg"),
    ("x" * 300 + ".jpeg", "image/jpeg", "x" * 95 + ".jpeg"),
    ("report.pdf", "image/webp", "report.pdf.webp"),
])
def test_file_names_are_cleaned(given, content_type, expected):
    assert clean_name(given, content_type) == expected
