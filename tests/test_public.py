"""The public pages: a resident's report (/report) and progress by tracking
code (/track), without an account."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.dates import deadline_text
from app.disputes import codes
from app.public.progress import MEANINGS, ROUTES, due_words
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Attachment, Dispute
from app.extensions import db
from app.ratelimit import RateEvent
from tests import factories as f
from tests.factories import csrf, login
from tests.uploads_data import HTML, png, same_picture
from workflows import DISPUTE

REPORTER_PHONE = "13987654321"
DESCRIPTION = "小区东门垃圾堆放多日，邻里为此争吵。"


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(
            c1=c1.id, c2=c2.id, c1_name=c1.name,
            m1=m1.username,
            m2=f.user("mediator", community=c2).username,
            gw=f.user("gridworker", grid=grids[0]).username,
            sup=f.user("supervisor", street=street).username,
            case=f.dispute(m1, grids[0]).id,
        )
        return type("World", (), w)


def english(client):
    page = client.get("/login").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/login"})


def count(app, model):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar()


def report(client, world, photo=None, **changes):
    page = client.get("/report").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf(page), "submission_token": token, "community_id": str(world.c1),
            "description": DESCRIPTION, "place": "3号楼东侧", "phone": REPORTER_PHONE, "name": ""}
    if photo is not None:
        data["photo"] = photo
    data.update(changes)
    return client.post("/report", data=data, content_type="multipart/form-data"), data


def tracking_code(response) -> str:
    return re.search(r'id="tracking-code">([A-Z0-9]+)<', response.get_data(as_text=True)).group(1)


def track(client, code, **environ):
    page = client.get("/track").get_data(as_text=True)
    return client.post("/track", data={"csrf_token": csrf(page), "code": code}, environ_base=environ)


def test_report_creates_a_submitted_photo_case_for_the_community(app, client, world):
    response, _ = report(client, world)
    assert response.status_code == 200
    code = tracking_code(response)
    assert "/track" in response.get_data(as_text=True)
    with app.app_context():
        d = db.session.execute(select(Dispute).where(Dispute.tracking_code == code)).scalar_one()
        assert (d.state, d.channel, d.community_id, d.grid_id, d.created_by_id) == (
            "submitted", "photo", world.c1, None, None)
        assert d.street_id == d.community.street_id and d.facts == DESCRIPTION and d.place == "3号楼东侧"
        assert [(p.role, p.phone) for p in d.parties] == [("applicant", REPORTER_PHONE)]
        assert d.parties[0].name  # a neutral placeholder when no name is given
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id)).scalar_one()
        assert (event.trigger, event.actor_id, event.actor_role, event.to_state) == (
            "create", None, "anonymous", "submitted")
        assert verify() == []
        case_id = d.id

    login(client, world.m1)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert DESCRIPTION in page and "139****4321" in page and REPORTER_PHONE not in page
    client.post("/logout", data={"csrf_token": csrf(page)})
    for outsider in (world.m2, world.gw):  # another community; a grid worker (the report has no grid)
        login(client, outsider)
        assert client.get(f"/cases/{case_id}").status_code == 404
        client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.sup)  # the street's supervisor
    assert client.get(f"/cases/{case_id}").status_code == 200


def test_reporter_name_becomes_the_applicant(app, client, world):
    response, _ = report(client, world, name="孙大妈")
    with app.app_context():
        d = db.session.execute(select(Dispute).where(Dispute.tracking_code == tracking_code(response))).scalar_one()
        assert d.parties[0].name == "孙大妈"


def test_report_with_a_photo(app, client, world):
    image = png(2, 2)
    response, _ = report(client, world, photo=(io.BytesIO(image), "现场.png"))
    assert response.status_code == 200
    with app.app_context():
        d = db.session.execute(select(Dispute).where(Dispute.tracking_code == tracking_code(response))).scalar_one()
        (a,) = d.attachments
        stored = app.config["UPLOAD_DIR"] + "/" + a.stored_name
        with open(stored, "rb") as fh:
            kept = fh.read()
        assert same_picture(kept, image)  # re-encoded without metadata (tests/test_upload_cleaning.py)
        assert (a.content_type, a.size, a.original_name, a.uploaded_by_id) == ("image/png", len(kept), "现场.png", None)
        triggers = db.session.execute(select(AuditEvent.trigger, AuditEvent.actor_role).where(
            AuditEvent.entity_id == d.id).order_by(AuditEvent.seq)).all()
        assert triggers == [("create", "anonymous"), ("upload", "anonymous")]
        assert verify() == []
        case_id, attachment_id = d.id, a.id
    login(client, world.m1)
    assert f"/cases/{case_id}/attachments/{attachment_id}" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert client.get(f"/cases/{case_id}/attachments/{attachment_id}").data == kept


def test_report_with_a_file_that_is_not_a_photo_is_refused(app, client, world):
    english(client)
    before = count(app, Dispute)
    response, _ = report(client, world, photo=(io.BytesIO(HTML), "photo.jpg"))
    assert response.status_code == 422
    assert "Only photos (JPEG, PNG or WebP) can be sent." in response.get_data(as_text=True)
    assert count(app, Dispute) == before and count(app, Attachment) == 0 and count(app, RateEvent) == 0


@pytest.mark.parametrize("changes, message", [
    ({"phone": "12345"}, "11 digits"),
    ({"description": "  "}, "This field is required."),
    ({"community_id": ""}, "Choose the community where it happens."),
    ({"community_id": "999999"}, "Choose the community where it happens."),
])
def test_bad_report_is_refused_next_to_the_field(app, client, world, changes, message):
    english(client)
    before = count(app, Dispute)
    response, _ = report(client, world, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "invalid-feedback" in page
    assert count(app, Dispute) == before and count(app, RateEvent) == 0


def test_report_needs_the_csrf_token(app, client, world):
    before = count(app, Dispute)
    response = client.post("/report", data={"community_id": str(world.c1), "description": DESCRIPTION})
    assert response.status_code == 400
    assert count(app, Dispute) == before


def test_double_submission_gives_one_case(app, client, world):
    first, data = report(client, world)
    before = count(app, Dispute)
    again = client.post("/report", data=data)
    assert again.status_code == 200 and tracking_code(again) == tracking_code(first)
    assert count(app, Dispute) == before


def test_reports_are_rate_limited_per_address(app, client, world):
    app.config["PUBLIC_REPORTS_PER_HOUR"] = 2
    english(client)
    for _ in range(2):
        assert report(client, world)[0].status_code == 200
    before = (count(app, Dispute), count(app, AuditEvent), count(app, RateEvent))
    response, _ = report(client, world)
    assert response.status_code == 429
    assert "Too many reports" in response.get_data(as_text=True)
    assert (count(app, Dispute), count(app, AuditEvent), count(app, RateEvent)) == before
    # another address is not held back
    page = client.get("/report").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    other = client.post("/report", environ_base={"REMOTE_ADDR": "10.1.2.3"}, data={
        "csrf_token": csrf(page), "submission_token": token, "community_id": str(world.c1),
        "description": DESCRIPTION})
    assert other.status_code == 200
    # an hour later the first address may report again
    clock.set_now(clock.now() + timedelta(hours=1, minutes=1))
    assert report(client, world)[0].status_code == 200


def test_the_address_is_not_stored_as_such(app, client, world):
    report(client, world)
    with app.app_context():
        keys = db.session.execute(select(RateEvent.key)).scalars().all()
    assert len(keys) == 1 and "127.0.0.1" not in keys[0]


def test_track_shows_only_state_and_dates(app, client, world):
    response, _ = report(client, world, name="孙大妈")
    code = tracking_code(response)
    english(client)
    found = track(client, code)
    assert found.status_code == 200
    page = found.get_data(as_text=True)
    assert 'id="track-status"' in page and "Submitted" in page and "Registered on" in page
    # Which report it is: its code and the day it was reported (the asker knows the code); not where it is.
    which = re.search(r'id="track-which">(.*?)</p>', page, re.S).group(1)
    assert code in which and "reported on" in which
    for private in ("孙大妈", REPORTER_PHONE, "139****4321", DESCRIPTION, "3号楼东侧", world.c1_name):
        assert private not in page
    assert code not in found.request.url


def test_track_shows_the_file_number_once_accepted(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        m1 = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        f.walk(d, m1, "accept")
        code, file_no = d.tracking_code, d.file_no
    english(client)
    page = track(client, code).get_data(as_text=True)
    assert "Accepted" in page and file_no in page
    for private in ("当事人1", "13812345678", "138****5678", "楼上漏水"):
        assert private not in page


def test_track_codes_are_case_insensitive_and_stripped(app, client, world):
    code = tracking_code(report(client, world)[0])
    assert track(client, f"  {code.lower()} ").status_code == 200
    assert track(client, f"{code[:5]}-{code[5:]}").status_code == 200


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "<script>alert(1)</script>", "' OR 1=1 --", "X" * 300])
def test_unknown_or_forged_code_gives_404_and_nothing_else(app, client, world, code):
    report(client, world)
    english(client)
    response = track(client, code)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "There is no case with this code" in page and 'id="track-status"' not in page
    assert "<script>alert(1)</script>" not in page


def test_empty_code_is_a_form_error(app, client, world):
    assert track(client, "  ").status_code == 422


def test_track_is_rate_limited_per_address(app, client, world):
    app.config["TRACK_LOOKUPS_PER_HOUR"] = 3
    code = tracking_code(report(client, world)[0])
    english(client)
    for guess in ("AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC"):
        assert track(client, guess).status_code == 404
    blocked = track(client, code)  # even the right code, once over the limit
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Too many codes" in page and 'id="track-status"' not in page
    assert track(client, code, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_login_page_links_to_the_public_pages(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/report"' in page and 'href="/track"' in page


def test_public_pages_need_no_login_and_carry_no_personal_data_in_urls(client, world):
    for url in ("/report", "/track"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = client.get("/report").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "<optgroup" in page
    for url in ("/report", "/track"):  # sent as POST bodies: a code or a phone never lands in a URL or a log
        page = client.get(url).get_data(as_text=True)
        assert re.search(r'<form[^>]*method="post"', page) and 'method="get"' not in page.lower()
        assert "?code=" not in page


PHOTO_AGAIN = "请重新选择照片：出错后浏览器不会保留已选的文件。"


def test_a_photo_sent_with_a_bad_report_is_asked_for_again(app, client, world):
    """The text fields come back filled in, the photo cannot: the page says so
    next to the photo field, with the usual message at the top."""
    before = count(app, Dispute)
    response, _ = report(client, world, photo=(io.BytesIO(png(2, 2)), "现场.png"), phone="12345", description="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<div class="alert alert-danger" role="alert">请按提示更正标出的填写项。' in page
    assert PHOTO_AGAIN in page and 'aria-describedby="photo-again"' in page
    assert "3号楼东侧" in page  # the text fields are kept
    assert count(app, Dispute) == before and count(app, Attachment) == 0


def test_no_photo_no_hint_to_choose_it_again(client, world):
    response, _ = report(client, world, phone="12345")
    assert response.status_code == 422
    assert PHOTO_AGAIN not in response.get_data(as_text=True)


def mediator(username):
    return db.session.execute(select(f.User).where(f.User.username == username)).scalar_one()


def test_a_refused_report_tells_the_resident_where_to_turn_and_why(app, client, world):
    """People's Mediation Law art. 18: the party is told where to go instead,
    with the reason the mediator wrote for them."""
    code = tracking_code(report(client, world, name="孙大妈")[0])
    with app.app_context():
        d = db.session.execute(select(Dispute).where(Dispute.tracking_code == code)).scalar_one()
        engine.fire(d, "reject", mediator(world.m1), "请向街道物业办反映", route="other")
    english(client)
    page = track(client, code).get_data(as_text=True)
    assert "Rejected" in page and "did not take the case up" in page
    assert re.search(r'id="track-route">Another way<', page)
    assert re.search(r'id="track-reason">请向街道物业办反映<', page)
    for private in ("孙大妈", REPORTER_PHONE, DESCRIPTION, "3号楼东侧"):
        assert private not in page


def test_a_failed_mediation_shows_the_route_but_not_the_mediators_reason(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        m1 = mediator(world.m1)
        f.walk(d, m1, "accept", "assign", "start_mediation")
        engine.fire(d, "fail", m1, "被申请人坚持不赔，内部记录", route="court")
        code = d.tracking_code
    english(client)
    page = track(client, code).get_data(as_text=True)
    assert "Mediation failed" in page
    assert re.search(r'id="track-route">Bring it before a people&#39;s court \(file a lawsuit\)<', page)
    assert 'id="track-reason"' not in page and "内部记录" not in page


def test_a_new_report_says_what_happens_next_and_by_when(app, client, world):
    code = tracking_code(report(client, world)[0])
    english(client)
    page = track(client, code).get_data(as_text=True)
    assert "A mediator of your community looks at it and decides whether to take the case up" in page
    with app.app_context():
        due = db.session.execute(select(Dispute.due_at).where(Dispute.tracking_code == code)).scalar_one()
    # Said with the card's own day format, not as a clock time "2026/12/9 02:31".
    assert re.search(rf'id="track-due">{re.escape(due_words(due, "en"))}<', page)
    assert deadline_text(due, "en") not in page and re.search(r'id="track-due">before \d\d:\d\d on ', page)
    assert 'id="track-route"' not in page


def test_every_state_has_a_line_for_the_resident():
    assert set(MEANINGS) == {s.code for s in DISPUTE.states}
    assert set(ROUTES) == set(codes.ROUTES)


def test_the_refusal_form_says_the_resident_sees_the_reason(app, client, world):
    login(client, world.m1)
    page = client.get("/cases/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/cases/"})
    form = client.get(f"/cases/{world.case}/steps/reject").get_data(as_text=True)
    assert "The party sees the route and this reason when they check the case" in form
