"""A resident on a phone sends a camera's photo: the page shrinks it before
it goes (js/photos.js), and the thanks page offers to copy the code."""
import random
from io import BytesIO

from flask import request
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.disputes.models import Attachment
from app.extensions import db
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    PHONE, chromium, live_server, pages, people, submit_answered_in_place,
)


def camera_photo() -> bytes:
    pixels = random.Random(7).randbytes(3000 * 2000 * 3)
    out = BytesIO()
    Image.frombytes("RGB", (3000, 2000), pixels).save(out, "JPEG", quality=92)
    return out.getvalue()


def test_a_phone_photo_is_shrunk_before_it_is_sent(pages, people, app):
    photo = camera_photo()
    sizes = []  # what the server received: the request's length
    app.before_request(lambda: sizes.append(request.content_length) if request.method == "POST" else None)
    page = pages.open(**PHONE)
    page.goto("/report")
    page.select_option("#community_id", label=people.community)
    page.fill("#description", "楼道里堆满杂物，邻居为此争吵。")
    page.set_input_files("input[name=photo]", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                                       "buffer": photo}])
    submit_answered_in_place(page, page.locator("#report button[type=submit]"))
    assert len(sizes) == 1 and sizes[0] < len(photo) / 3  # shrunk in the browser, not only on the server
    expect(page.locator("#tracking-code")).to_be_visible()
    expect(page.locator("#copy-code")).to_be_visible()  # shown by its script
    with app.app_context():
        stored = db.session.execute(select(Attachment)).scalar_one()
        path = f"{app.config['UPLOAD_DIR']}/{stored.stored_name}"
        assert stored.content_type == "image/jpeg" and stored.original_name == "IMG_0001.jpg"
        db.session.remove()
    assert max(Image.open(path).size) == 2000
    assert pages.problems == []
