"""Calendar feeds, parsed back with icalendar: the right events, stable
UIDs, Asia/Shanghai times with their VTIMEZONE, updates and cancellations
when the rota changes; revoked or guessed tokens get a plain 404."""
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from app import engine
from app.audit.models import AuditEvent
from app.extensions import db
from app.rota import planning
from app.rota.feeds import issue_token, revoke_token, token_hash
from app.rota.models import Duty, Lawyer
from app.rota.swaps import request_swap
from tests import factories as f, factories_rota as fr

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL_RE = re.compile(r'id="feed-url"[^>]*>([^<]+)</textarea>')


def build(app, lawyers=3):
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=lawyers, seats=1)
        last = fr.FIRST_SATURDAY + timedelta(weeks=3)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        # One more week planned but not published: it must not be in any feed.
        planning.generate(last + timedelta(days=1), last + timedelta(weeks=1), coordinator)
        world = {"coordinator": coordinator.username,
                 "people": [(lw.id, u.username) for lw, u in people], "room": room.name}
        db.session.remove()
    return world


def events(body: bytes) -> dict:
    cal = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}, cal


def published(app, lawyer_id=None):
    with app.app_context():
        query = select(Duty).where(Duty.published_at.is_not(None)).order_by(Duty.day)
        if lawyer_id:
            query = query.where(Duty.lawyer_id == lawyer_id)
        return [(d.id, d.day, d.lawyer_id, d.state) for d in db.session.execute(query).scalars()]


def token_for(app, lawyer_id):
    with app.app_context():
        lawyer = db.session.get(Lawyer, lawyer_id)
        token = issue_token(lawyer, lawyer.user)
        db.session.remove()
    return token


def test_a_lawyer_feed_is_valid_icalendar_with_their_published_duties(app, client):
    world = build(app)
    lawyer_id = world["people"][0][0]
    token = token_for(app, lawyer_id)
    answer = client.get(f"/rota/feed/{token}.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert "no-store" in answer.headers["Cache-Control"]
    found, cal = events(answer.data)

    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    mine = published(app, lawyer_id)
    assert mine, "the lawyer has published duties"
    assert set(found) == {f"duty-{i}@mediation-centre.local" for i, *_ in mine}
    for duty_id, day, _lawyer, _state in mine:
        event = found[f"duty-{duty_id}@mediation-centre.local"]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start == datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI)
        assert str(start.tzinfo) == "Asia/Shanghai" and end.hour == 12
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
        assert world["room"] in str(event["SUMMARY"])
    # The same feed fetched again is the same (stable UIDs and stamps).
    assert client.get(f"/rota/feed/{token}.ics").data == answer.data


def test_a_swap_updates_both_feeds_and_a_cancelled_duty_is_cancelled(app, client):
    world = build(app)
    with app.app_context():
        duty = db.session.execute(select(Duty).where(Duty.state == "published").order_by(Duty.day.desc())).scalars().first()
        asker = db.session.get(Lawyer, duty.lawyer_id)
        taker = next(db.session.get(Lawyer, i) for i, _u in world["people"]
                     if i != asker.id and not db.session.execute(select(Duty).where(
                         Duty.lawyer_id == i, Duty.day == duty.day)).first())
        from app.auth.models import User

        coord = db.session.execute(select(User).where(User.username == world["coordinator"])).scalar_one()
        taker_name = taker.name
        swap = request_swap(duty, asker, taker, "", asker.user)
        engine.fire(swap, "accept", taker.user)
        asker_token, taker_token = issue_token(asker, asker.user), issue_token(taker, taker.user)
        before_asker, _ = events(client.get(f"/rota/feed/{asker_token}.ics").data)
        fr.set_today(fr.TODAY, hour=11)  # an hour later: calendars see a newer stamp
        engine.fire(swap, "approve", coord)
        duty_id, uid = duty.id, f"duty-{duty.id}@mediation-centre.local"
        other = db.session.execute(select(Duty).where(Duty.lawyer_id == taker.id, Duty.id != duty_id,
                                                      Duty.state == "published")).scalars().first()
        engine.fire(other, "cancel", coord, "工作室维修")
        other_id = other.id
        other_uid = f"duty-{other_id}@mediation-centre.local"
        db.session.remove()

    assert str(before_asker[uid]["STATUS"]) == "CONFIRMED"
    asker_events, _ = events(client.get(f"/rota/feed/{asker_token}.ics").data)
    taker_events, _ = events(client.get(f"/rota/feed/{taker_token}.ics").data)
    assert str(asker_events[uid]["STATUS"]) == "CANCELLED"  # swapped away: cancelled, not silently gone
    assert int(asker_events[uid]["SEQUENCE"]) == 1 > int(before_asker[uid]["SEQUENCE"])
    assert str(taker_events[uid]["STATUS"]) == "CONFIRMED" and int(taker_events[uid]["SEQUENCE"]) == 1
    assert asker_events[uid].decoded("DTSTAMP") > before_asker[uid].decoded("DTSTAMP")
    assert str(taker_events[other_uid]["STATUS"]) == "CANCELLED" and int(taker_events[other_uid]["SEQUENCE"]) == 1

    board, _ = events(client.get("/rota/board.ics").data)
    board_uid = f"board-duty-{duty_id}@mediation-centre.local"
    assert taker_name in str(board[board_uid]["SUMMARY"]) and int(board[board_uid]["SEQUENCE"]) == 1
    assert str(board[f"board-duty-{other_id}@mediation-centre.local"]["STATUS"]) == "CANCELLED"


def test_revoked_reissued_and_guessed_tokens_get_a_plain_404(app, client):
    world = build(app)
    lawyer_id = world["people"][0][0]
    old = token_for(app, lawyer_id)
    new = token_for(app, lawyer_id)  # re-issuing ends the old link
    assert client.get(f"/rota/feed/{old}.ics").status_code == 404
    assert client.get(f"/rota/feed/{new}.ics").status_code == 200
    with app.app_context():
        lawyer = db.session.get(Lawyer, lawyer_id)
        assert lawyer.feed_token_hash == token_hash(new)  # only the hash is kept
        revoke_token(lawyer, lawyer.user)
        assert db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "rota_lawyer", AuditEvent.entity_id == lawyer_id)).scalars().all() \
            == ["feed_issued", "feed_issued", "feed_revoked"]
    for guess in (new, "A" * 43, "not-a-token", "x" * 200, new[:-1] + ("A" if new[-1] != "A" else "B")):
        answer = client.get(f"/rota/feed/{guess}.ics")
        assert answer.status_code == 404
        assert b"BEGIN:VCALENDAR" not in answer.data


def test_the_board_and_its_feed_show_names_and_firms_but_no_phones(app, client):
    build(app)
    with app.app_context():
        phones = [lw.phone for lw in db.session.execute(select(Lawyer)).scalars()]
        names = [lw.name for lw in db.session.execute(select(Lawyer)).scalars()]
    page = client.get("/rota/board?m=2027-03")
    feed = client.get("/rota/board.ics")
    assert page.status_code == 200 and feed.status_code == 200
    text = page.get_data(as_text=True)
    assert any(name in text for name in names) and "齐鲁律师事务所" in text
    for phone in phones:
        assert phone not in text and phone[-4:] not in text
        assert phone.encode() not in feed.data
    found, _ = events(feed.data)
    assert len(found) == len(published(app))  # the planned, unpublished week is not there
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in found.values())


def test_the_lawyer_gets_the_link_once_on_my_duties_and_can_revoke_it(app, client):
    world = build(app)
    lawyer_id, username = world["people"][0]
    f.login(client, username)
    page = client.get("/rota/mine").get_data(as_text=True)
    first = re.search(r'<form method="post" action="/rota/mine/feed".*?</form>', page, re.S).group(0)
    assert "data-confirm=" not in first and "_confirm" not in first  # no link yet: nothing to lose
    answer = client.post("/rota/mine/feed", data={"csrf_token": f.csrf(page)})
    # POST/redirect/GET: the page that shows the link is a GET, so a refresh re-sends nothing.
    assert answer.status_code == 302 and answer.headers["Location"] == "/rota/mine/feed"
    shown = client.get("/rota/mine/feed")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    issued = shown.get_data(as_text=True)
    url = URL_RE.search(issued).group(1)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in answer.headers["Location"]
    # On a phone: the whole link wraps; the phone's calendar subscribes to it at a touch; a copy
    # button only where a script shows it (hidden without one, the text stays selectable).
    assert re.search(r'<textarea class="[^"]*text-break[^"]*user-select-all[^"]*" id="feed-url"', issued)
    assert f'id="feed-subscribe" href="webcal://{url.split("://", 1)[1]}"' in issued
    assert re.search(r'<button[^>]*id="feed-copy"[^>]*hidden>复制链接</button>', issued)
    assert '<script src="/static/js/copy.js"></script>' in issued and "链接丢了？" in issued
    refreshed = client.get("/rota/mine/feed").get_data(as_text=True)
    assert token not in refreshed and 'id="feed-status"' in refreshed  # shown once; a refresh issues nothing
    page = client.get("/rota/mine").get_data(as_text=True)
    assert token not in page
    assert "链接丢了？它不能再次显示：请在下方生成新链接" in page.split('id="feed-status"')[1].split("</p>")[0]
    # A new link ends this one, which calendars are subscribed to: it asks first, with a script or without.
    reissue = re.search(r'<form method="post" action="/rota/mine/feed".*?</form>', page, re.S).group(0)
    assert "data-confirm=" in reissue and 'name="_confirm"' in reissue and "之前的链接将失效" in reissue
    asked = client.post("/rota/mine/feed", data={"csrf_token": f.csrf(page), "_confirm": "Issue a new link?"})
    assert asked.status_code == 200 and 'id="confirm-page"' in asked.get_data(as_text=True)
    assert client.get(f"/rota/feed/{token}.ics").status_code == 200
    with app.app_context():  # a lawyer who left the centre, their login deactivated: the link stops
        lawyer = db.session.get(Lawyer, lawyer_id)
        lawyer.user.active = False
        db.session.commit()
    assert client.get(f"/rota/feed/{token}.ics").status_code == 404
    with app.app_context():
        db.session.get(Lawyer, lawyer_id).user.active = True
        db.session.commit()
    assert client.get(f"/rota/feed/{token}.ics").status_code == 200
    page = client.get("/rota/mine").get_data(as_text=True)
    assert client.post("/rota/mine/feed/revoke", data={"csrf_token": f.csrf(page)}).status_code == 302
    assert client.get(f"/rota/feed/{token}.ics").status_code == 404
    assert client.post("/rota/mine/feed", data={}).status_code == 400  # no CSRF token


def test_the_calendar_link_page_opens_by_itself_and_a_refresh_keeps_the_link(app, client):
    world = build(app)
    _lawyer_id, username = world["people"][0]
    f.login(client, username)
    page = client.get("/rota/mine/feed")  # opened by hand, or from history: a page, not a 405
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="feed-status"' in text and 'id="issue-feed"' in text
    answer = client.post("/rota/mine/feed", data={"csrf_token": f.csrf(text)}, follow_redirects=True)
    token = URL_RE.search(answer.get_data(as_text=True)).group(1).rsplit("/", 1)[1].removesuffix(".ics")
    assert answer.request.method == "GET" and answer.request.path == "/rota/mine/feed"
    # The phone refreshes the page (or comes Back to it): the link pasted into the calendar still works.
    assert token not in client.get("/rota/mine/feed").get_data(as_text=True)
    assert client.get(f"/rota/feed/{token}.ics").status_code == 200
    # Revoked from my duties: the page opens at the calendar section, and says so there.
    mine = client.get("/rota/mine").get_data(as_text=True)
    revoked = client.post("/rota/mine/feed/revoke", data={"csrf_token": f.csrf(mine)})
    assert revoked.headers["Location"].endswith("/rota/mine#calendar")
    section = client.get("/rota/mine").get_data(as_text=True).split('<section id="calendar"')[1].split("</section>")[0]
    assert 'data-section-message="calendar"' in section
    assert client.get(f"/rota/feed/{token}.ics").status_code == 404


def test_a_link_replaced_in_another_tab_is_not_shown_as_the_new_one(app, client):
    world = build(app)
    _lawyer_id, username = world["people"][0]
    f.login(client, username)
    page = client.get("/rota/mine").get_data(as_text=True)
    assert client.post("/rota/mine/feed", data={"csrf_token": f.csrf(page)}).status_code == 302
    # Revoked before the page showing it was opened: that link does not work, so it is not offered.
    assert client.post("/rota/mine/feed/revoke", data={"csrf_token": f.csrf(page)}).status_code == 302
    text = client.get("/rota/mine/feed").get_data(as_text=True)
    assert URL_RE.search(text) is None and 'id="feed-issued"' not in text


def test_the_lawyer_downloads_their_duties_as_a_file_without_a_link(app, client):
    """The fallback every phone can use: the feed's events as a file, opened with the login, audited as an
    export; no token issued or changed, and the Android words name no web calendar out of reach."""
    world = build(app)
    lawyer_id, username = world["people"][0]
    f.login(client, username)
    page = client.get("/rota/mine/feed").get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/rota/mine/duties.ics"[^>]*id="download-ics"', page)
    answer = client.get("/rota/mine/duties.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="my-duties.ics"'
    assert "no-store" in answer.headers["Cache-Control"]
    found, _cal = events(answer.data)
    mine = published(app, lawyer_id)
    assert mine and sorted(uid.split("@")[0] for uid in found) == sorted(f"duty-{d[0]}" for d in mine)
    with app.app_context():
        lawyer = db.session.get(Lawyer, lawyer_id)
        assert lawyer.feed_token_hash is None  # nothing issued
        (event,) = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "export")).scalars()
        data = json.loads(event.data)
        assert event.actor_id == lawyer.user_id and data["export"] == "my_duties" and data["rows"] == len(mine)
    issued = client.post("/rota/mine/feed", data={"csrf_token": f.csrf(page)}, follow_redirects=True)
    android = issued.get_data(as_text=True).split('id="feed-android"')[1].split("</p>")[0]
    assert "谷歌" not in android and "Google" not in android


def test_only_a_lawyer_of_the_roster_downloads_the_file(app, client):
    world = build(app)
    f.login(client, world["coordinator"])
    assert client.get("/rota/mine/duties.ics").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/rota/mine/duties.ics").status_code in (302, 401)
    with app.app_context():
        stranger = f.user("lawyer")
        db.session.commit()
        name = stranger.username
    other = app.test_client()
    f.login(other, name)
    assert other.get("/rota/mine/duties.ics").status_code == 404  # a login not linked to the roster
