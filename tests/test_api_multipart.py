"""POST /api/v1/disputes as multipart (a JSON part `dispute` and photo files
`photos`), and several photos per case by either variant: the same
validation, the same 422 problem+json with nothing written, and the
Idempotency-Key rules over the JSON part and the photo bytes."""
import base64
import json
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.disputes.models import Attachment, Dispute
from app.extensions import db
from tests import factories as f
from tests.factories_api import bearer, cli_client, png_bytes

URL = "/api/v1/disputes"


@pytest.fixture
def community(ctx):
    _, communities, _ = f.org()
    return communities[0]


@pytest.fixture
def token(app, community):
    return cli_client(app, "cityapp", "disputes:write", "disputes:read", channel="photo")


def case(community, **extra):
    return {"community_id": community.id, "description": "小区门口垃圾堆放，居民投诉。", "place": "东门",
            "external_ref": "SSP-0001", **extra}


def parts(dispute, *photos: tuple[bytes, str], **extra):
    """A multipart body; each call gives fresh file streams."""
    data = {"dispute": dispute if isinstance(dispute, str) else json.dumps(dispute, ensure_ascii=False), **extra}
    if photos:
        data["photos"] = [(BytesIO(content), name) for content, name in photos]
    return data


def post(client, token, data, key=None):
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    return client.post(URL, data=data, content_type="multipart/form-data", headers=headers)


def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def nothing_written():
    return count(Dispute) == 0 and count(Attachment) == 0 and count(AuditEvent, AuditEvent.entity_type == "dispute") == 0


def test_a_multipart_case_keeps_every_photo_in_order(app, client, community, token):
    red, blue = png_bytes("red"), png_bytes("blue", 12)
    answer = post(client, token, parts(case(community), (red, "门口.png"), (blue, "IMG_0002.PNG")))
    assert answer.status_code == 201, answer.json
    assert answer.json["state"] == "submitted" and answer.json["channel"] == "photo"
    assert answer.json["external_ref"] == "SSP-0001"
    dispute = db.session.get(Dispute, answer.json["id"])
    assert [a.original_name for a in sorted(dispute.attachments, key=lambda a: a.id)] == ["门口.png", "IMG_0002.PNG"]
    assert {a.content_type for a in dispute.attachments} == {"image/png"}
    uploads = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "upload")).scalars().all()
    assert len(uploads) == 2 and all(e.actor_role == "api_client" and '"api_client":"cityapp"' in e.data
                                     for e in uploads)
    read = client.get(answer.json["url"].replace("http://localhost", ""), headers=bearer(token))
    assert read.status_code == 200 and read.json["id"] == dispute.id


def test_json_may_carry_several_base64_photos(app, client, community, token):
    photos = [base64.b64encode(png_bytes(c)).decode() for c in ("red", "green", "blue")]
    answer = client.post(URL, json=case(community, photos=photos), headers=bearer(token))
    assert answer.status_code == 201, answer.json
    assert count(Attachment) == 3


def test_the_same_key_and_multipart_body_give_one_case_and_another_body_409(app, client, community, token):
    red, blue = png_bytes("red"), png_bytes("blue")
    first = post(client, token, parts(case(community), (red, "a.png"), (blue, "b.png")), key="ssp-1")
    assert first.status_code == 201, first.json
    events = count(AuditEvent, AuditEvent.entity_type == "dispute")
    again = post(client, token, parts(case(community), (red, "a.png"), (blue, "b.png")), key="ssp-1")
    assert again.status_code == 201 and again.json == first.json
    assert count(Dispute) == 1 and count(Attachment) == 2
    assert count(AuditEvent, AuditEvent.entity_type == "dispute") == events

    for other in (parts(case(community), (red, "a.png"), (png_bytes("green"), "b.png")),  # another photo
                  parts(case(community), (blue, "b.png"), (red, "a.png")),  # the photos in another order
                  parts(case(community), (red, "a.png")),  # a photo left out
                  parts(case(community, place="西门"), (red, "a.png"), (blue, "b.png"))):  # another JSON part
        refused = post(client, token, other, key="ssp-1")
        assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert count(Dispute) == 1 and count(Attachment) == 2

    another_key = post(client, token, parts(case(community), (red, "a.png")), key="ssp-2")
    assert another_key.status_code == 201 and another_key.json["id"] != first.json["id"]


@pytest.mark.parametrize("data, pointer", [
    (lambda c: parts(case(c), (png_bytes(), "a.png"), (b"%PDF-1.4 not a photo", "b.png")), "#/photos/1"),
    (lambda c: parts("{not json", (png_bytes(), "a.png")), "#/dispute"),
    (lambda c: {"photos": [(BytesIO(png_bytes()), "a.png")]}, "#/dispute"),
    (lambda c: parts(case(c), (png_bytes(), "a.png"), surprise="1"), "#/surprise"),
    (lambda c: parts(case(c), *[(png_bytes(), f"{i}.png") for i in range(6)]), "#/photos"),
    (lambda c: parts(case(c, photos=[base64.b64encode(png_bytes()).decode()] * 3),
                     *[(png_bytes(), f"{i}.png") for i in range(3)]), "#/photos"),
    (lambda c: parts(case(c, community_id=999999)), "#/community_id"),
    (lambda c: parts(case(c, community_id="one", description="")), "#/description"),
    (lambda c: parts({"description": "x"}), "#/community_id"),
    (lambda c: parts(case(c, photos=["bm90IGFuIGltYWdl"])), "#/photos/0"),
    (lambda c: parts(case(c, photos=["0"]), (png_bytes(), "a.png")), "#/photos/0"),  # not base64
])
def test_bad_multipart_input_is_422_problem_json_and_nothing_written(app, client, community, token, data, pointer):
    answer = post(client, token, data(community), key="k-1")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", answer.get_data(as_text=True)
    assert pointer in [e["pointer"] for e in answer.json["errors"]]
    assert nothing_written()
    # The key was not spent on a refused request.
    assert post(client, token, parts(case(community)), key="k-1").status_code == 201


def test_the_document_states_the_multipart_variant(client):
    body = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/disputes"]["post"]["requestBody"]
    multipart = body["content"]["multipart/form-data"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/DisputeIn"}
    assert multipart["schema"]["properties"]["dispute"] == {"$ref": "#/components/schemas/DisputeIn"}
    assert multipart["schema"]["required"] == ["dispute"]
    assert multipart["encoding"]["dispute"]["contentType"] == "application/json"
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "<code>multipart/form-data</code> (<code>dispute</code>, <code>photos</code>)" in page


def test_an_oversized_json_part_is_a_problem_and_nothing_written(app, client, community, token):
    answer = post(client, token, parts(case(community, description="长" * (1024 * 1024))))
    # The form parser's own limit on a text part (MAX_FORM_MEMORY_SIZE) stops it before validation.
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    assert nothing_written()
