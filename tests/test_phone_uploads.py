"""Photos from a phone: taken as the camera made them (up to the request's
limit) and kept downscaled; a refusal says what to do; several files in one
go, all or none; the 413 page leads back to the form."""
import io
import random
import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.disputes.models import Attachment, Dispute
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login
from tests.test_attachments import attachments, audit_count, english, stored_files, upload
from tests.uploads_data import HTML, JPEG, PDF, png


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(
            c1=c1.id, g1=grids[0].id, m1=m1.username,
            gw=f.user("gridworker", grid=grids[0]).username,
            case=f.dispute(m1, grids[0]).id,
        )
        return type("World", (), w)


def noise(width, height, fmt="JPEG", **options) -> bytes:
    """A photo that compresses badly (as a busy street scene does), the same on every run."""
    pixels = random.Random(width * height).randbytes(width * height * 3)
    out = BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, fmt, **options)
    return out.getvalue()


def kept(app, case_id):
    """(content type, size in bytes, pixel size) of each stored file of the case."""
    found = []
    with app.app_context():
        for a in db.session.execute(select(Attachment).where(Attachment.dispute_id == case_id)
                                    .order_by(Attachment.id)).scalars():
            with open(f"{app.config['UPLOAD_DIR']}/{a.stored_name}", "rb") as stored:
                content = stored.read()
            size = Image.open(BytesIO(content)).size if a.content_type.startswith("image/") else None
            found.append((a.content_type, len(content), size))
    return found


@pytest.fixture(scope="module")
def camera_photo():
    photo = noise(3000, 2000, quality=92)
    assert len(photo) > 5 * 1024 * 1024  # over the documents' 5 MB: what the phone walk was refused
    return photo


def test_a_camera_photo_over_the_document_limit_is_taken_and_kept_smaller(app, client, world, camera_photo):
    login(client, world.m1)
    response = upload(client, world.case, camera_photo, "IMG_0001.jpg")
    assert response.status_code == 302
    ((content_type, size, (width, height)),) = kept(app, world.case)
    assert content_type == "image/jpeg" and (width, height) == (2000, 1333)
    assert size < len(camera_photo) / 2


def test_a_resident_sends_a_camera_photo(app, client, world, camera_photo):
    page = client.get("/report").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/report", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "submission_token": token, "community_id": str(world.c1),
        "description": "楼道堆物", "place": "", "phone": "", "name": "",
        "photo": (io.BytesIO(camera_photo), "IMG_0002.JPG")})
    assert response.status_code == 200 and 'id="tracking-code"' in response.get_data(as_text=True)
    with app.app_context():
        case_id = db.session.execute(select(func.max(Dispute.id))).scalar()
    ((content_type, size, (width, height)),) = kept(app, case_id)
    assert content_type == "image/jpeg" and max(width, height) == 2000 and size < len(camera_photo) / 2


def test_a_large_lossless_picture_is_kept_as_a_jpeg(app, client, world):
    app.config["UPLOAD_MAX_BYTES"] = 100 * 1024
    login(client, world.m1)
    picture = noise(600, 400, "PNG")
    assert len(picture) > 100 * 1024
    assert upload(client, world.case, picture, "screenshot.png").status_code == 302
    ((content_type, size, pixels),) = kept(app, world.case)
    assert content_type == "image/jpeg" and pixels == (600, 400) and size < len(picture)
    with app.app_context():
        assert db.session.execute(select(Attachment.original_name)).scalar() == "screenshot.jpg"


def test_a_small_photo_keeps_its_size_and_format(app, client, world):
    login(client, world.m1)
    assert upload(client, world.case, png(40, 30), "small.png").status_code == 302
    ((content_type, _size, pixels),) = kept(app, world.case)
    assert (content_type, pixels) == ("image/png", (40, 30))


def test_a_photo_still_refused_says_what_to_do(app, client, world):
    # Without a request limit, a photo is held to the documents' limit.
    app.config["MAX_CONTENT_LENGTH"] = None
    app.config["UPLOAD_MAX_BYTES"] = 64 * 1024
    login(client, world.m1)
    english(client)
    response = upload(client, world.case, noise(300, 300, quality=95), "big.jpg")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file is too large" in page
    assert "Take a screenshot of the photo and send that, or choose a smaller photo size" in page
    assert attachments(app) == [] and stored_files(app) == []


def test_a_photo_of_too_many_pixels_says_what_to_do(app, client, world):
    app.config["UPLOAD_MAX_PIXELS"] = 10_000
    login(client, world.m1)
    english(client)
    response = upload(client, world.case, png(200, 100), "wide.png")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The image is too large (200 by 100 pixels)" in page and "Take a screenshot of the photo" in page


def test_the_413_page_leads_a_resident_back_to_the_form(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(login_page), "next": "/login"})
    page = client.get("/report").get_data(as_text=True)
    response = client.post("/report", content_type="multipart/form-data",
                           headers={"Referer": "http://localhost/report"},
                           data={"csrf_token": csrf(page), "photo": (io.BytesIO(JPEG + b"\x00" * 128 * 1024), "a.jpg")})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert re.search(r'href="http://localhost/report"[^>]*id="error-go-back" data-history-back>Back to the previous '
                     r'page<', page)
    # The other way on is the report form, not the staff login.
    assert re.search(r'href="/report"[^>]*id="error-back">Back to the report form<', page)
    assert 'href="/login"' not in page.split('id="error-go-back"')[0].rsplit("<main", 1)[-1]


def test_a_referrer_of_another_site_is_not_linked(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    page = client.get("/report").get_data(as_text=True)
    response = client.post("/report", content_type="multipart/form-data",
                           headers={"Referer": "https://evil.example/report"},
                           data={"csrf_token": csrf(page), "photo": (io.BytesIO(JPEG + b"\x00" * 128 * 1024), "a.jpg")})
    assert response.status_code == 413 and "evil.example" not in response.get_data(as_text=True)


def upload_several(client, case_id, files):
    page = client.get(f"/cases/{case_id}/attachments").get_data(as_text=True)
    assert re.search(r'<input[^>]*multiple[^>]*name="upload-file"', page) or \
        re.search(r'<input[^>]*name="upload-file"[^>]*multiple', page)
    token = re.search(r'name="upload-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                       data={"upload-csrf_token": token,
                             "upload-file": [(io.BytesIO(content), name) for content, name in files]})


def test_several_files_are_attached_in_one_go(app, client, world):
    login(client, world.gw)
    english(client)
    response = upload_several(client, world.case, [(JPEG, "one.jpg"), (png(), "two.png"), (PDF, "three.pdf")])
    assert response.status_code == 302
    assert [name for _id, name, *_ in attachments(app, world.case)] == ["one.jpg", "two.png", "three.pdf"]
    assert len(stored_files(app)) == 3
    page = client.get(response.location).get_data(as_text=True)
    assert "Attached: one.jpg, two.png, three.pdf." in page


def test_one_refused_file_refuses_them_all_and_is_named(app, client, world):
    login(client, world.gw)
    english(client)
    before = audit_count(app)
    response = upload_several(client, world.case, [(JPEG, "one.jpg"), (HTML, "notes.jpg"), (PDF, "three.pdf")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "notes.jpg: Only photos (JPEG, PNG or WebP) and PDF documents can be attached." in page
    assert attachments(app) == [] and stored_files(app) == [] and audit_count(app) == before


def register(client, world, files):
    page = client.get("/cases/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*multiple[^>]*name="photo"', page) or re.search(r'name="photo"[^>]*multiple', page)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/cases/new", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "submission_token": token, "channel": "patrol", "dispute_type": "neighbour",
        "grid_id": str(world.g1), "facts": "噪音", "applicant_name": "赵六", "risk": "low",
        "photo": [(io.BytesIO(content), name) for content, name in files]})


def test_a_grid_worker_registers_with_several_photos(app, client, world):
    login(client, world.gw)
    response = register(client, world, [(JPEG, "现场1.jpg"), (png(), "现场2.png")])
    assert response.status_code == 302
    case_id = int(response.location.rstrip("/").split("/")[-1])
    assert [name for _id, name, *_ in attachments(app, case_id)] == ["现场1.jpg", "现场2.png"]


def test_a_registration_with_one_bad_photo_registers_nothing(app, client, world):
    login(client, world.gw)
    english(client)
    with app.app_context():
        before = db.session.execute(select(func.count(Dispute.id))).scalar()
    response = register(client, world, [(JPEG, "good.jpg"), (b"", "empty.jpg")])
    assert response.status_code == 422
    assert "empty.jpg: The file is empty." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(Dispute.id))).scalar() == before
    assert attachments(app) == [] and stored_files(app) == []


def test_file_fields_are_shrunk_on_the_phone_where_a_script_runs(client, world):
    page = client.get("/report").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-shrink-photos[^>]*name="photo"', page) or \
        re.search(r'name="photo"[^>]*data-shrink-photos', page)
    assert '<script src="/static/js/photos.js"></script>' in page
    script = client.get("/static/js/photos.js")
    assert script.status_code == 200 and b"data-shrink-photos" in script.data
