"""The rota's pages through the web client: who may see and do what, bad
input (clear status, nothing written), consultations and their follow-ups,
the roster forms, and the today provider."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.personal import open_all
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.notifications.models import Notification
from app.rota import planning
from app.rota.models import Consultation, Duty, Holiday, Lawyer, SwapRequest, Unavailable
from app.today import items_for
from tests import factories as f, factories_rota as fr


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


@pytest.fixture
def world(app):
    """Four lawyers with logins, a room of one seat, a published month; a
    mediator for the role checks. Returns plain values."""
    with app.app_context():
        coordinator, room, people = fr.rota_world(lawyers=4, seats=1)
        last = fr.FIRST_SATURDAY + timedelta(weeks=4)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        mediator = f.user("mediator", community=room.community)
        first = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
        owner = next(u.username for lw, u in people if lw.id == first.lawyer_id)
        others = [(lw.id, u.username) for lw, u in people if lw.id != first.lawyer_id]
        world = dict(coordinator=coordinator.username, mediator=mediator.username, duty=first.id, day=first.day,
                     owner=owner, owner_lawyer=first.lawyer_id, owner_name=first.lawyer.name, others=others,
                     version=first.version,
                     room=room.id, community=room.community.name)
        db.session.remove()
    return world


def logged_in(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    return client


def post(client, page_url, url, data):
    token = f.csrf(client.get(page_url).get_data(as_text=True))
    return client.post(url, data=dict(data, csrf_token=token))


def events(app, **where) -> int:
    with app.app_context():
        return count(AuditEvent, *(getattr(AuditEvent, k) == v for k, v in where.items()))


# ---- who sees what


def test_lawyers_and_coordinators_land_on_the_rota(app, world):
    assert logged_in(app, world["owner"]).get("/").headers["Location"].endswith("/rota/mine")
    assert logged_in(app, world["coordinator"]).get("/").headers["Location"].endswith("/rota/")


@pytest.mark.parametrize("url", ["/rota/mine", "/rota/plan", "/rota/lawyers/new", "/rota/rooms/new",
                                 "/rota/fairness", "/rota/month", "/rota/duties/1", "/rota/consultations"])
def test_a_mediator_may_not_use_the_rota(app, world, url):
    assert logged_in(app, world["mediator"]).get(url).status_code == 403


def test_lawyers_may_not_plan_or_edit_the_roster(app, world):
    client = logged_in(app, world["owner"])
    for url in ("/rota/plan", "/rota/lawyers", "/rota/rooms/new", "/rota/fairness"):
        assert client.get(url).status_code == 403
    answer = post(client, "/rota/mine", "/rota/plan", {"first_day": "2027-03-06", "last_day": "2027-06-01"})
    assert answer.status_code == 403


def test_anonymous_visitors_see_only_the_public_board(app, world):
    client = app.test_client()
    assert client.get("/rota/board").status_code == 200
    assert client.get("/rota/board.ics").status_code == 200
    assert client.get("/rota/mine").status_code == 302
    assert client.get(f"/rota/duties/{world['duty']}").status_code == 302


def test_my_duties_lists_the_coming_saturdays_first(app, world):
    page = logged_in(app, world["owner"]).get("/rota/mine").get_data(as_text=True)
    assert f'data-duty="{world["duty"]}"' in page
    days = [d for d in (line.split('data-day="')[1][:10] for line in page.split("\n") if 'class="list-group-item duty-row"' in line)]
    assert days == sorted(days) and days[0] == world["day"].isoformat()


def test_a_login_without_a_roster_record_is_told_so(app, world):
    with app.app_context():
        stray = f.user("lawyer").username
    page = logged_in(app, stray).get("/rota/mine")
    assert page.status_code == 200 and 'id="not-linked"' in page.get_data(as_text=True)


# ---- check-in


def test_check_in_on_another_day_or_for_someone_else_is_refused_with_nothing_written(app, world):
    url = f"/rota/duties/{world['duty']}/fire/check_in"
    page = f"/rota/duties/{world['duty']}"
    owner, other = logged_in(app, world["owner"]), logged_in(app, world["others"][0][1])
    before = events(app)
    answer = post(owner, page, url, {"version": world["version"]})
    assert answer.status_code == 422
    with app.app_context():
        fr.set_today(world["day"], hour=9)
    assert 'data-trigger="check_in"' not in other.get(page).get_data(as_text=True)
    answer = post(other, page, url, {"version": world["version"]})
    assert answer.status_code == 422  # not offered to them, and refused when tried
    assert events(app) == before

    answer = post(owner, page, url, {"version": world["version"]})
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Duty, world["duty"]).state == "checked_in"


def test_a_stale_form_is_a_409(app, world):
    with app.app_context():
        fr.set_today(world["day"], hour=9)
    client = logged_in(app, world["owner"])
    answer = post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/fire/check_in",
                  {"version": world["version"] - 1})
    assert answer.status_code == 409


# ---- swaps through the pages


def test_a_swap_through_the_pages_changes_both_lawyers_pages(app, world):
    target_id, target = world["others"][0]
    asker = logged_in(app, world["owner"])
    answer = post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id, "note": "出差"})
    assert answer.status_code == 302
    with app.app_context():
        swap = db.session.execute(select(SwapRequest)).scalar_one()
        swap_id, version = swap.id, swap.version
    colleague = logged_in(app, target)
    page = colleague.get("/rota/mine").get_data(as_text=True)
    assert f'id="swap-{swap_id}"' in page and 'data-trigger="accept"' in page
    assert post(colleague, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": version}).status_code == 302

    coordinator = logged_in(app, world["coordinator"])
    overview = coordinator.get("/rota/").get_data(as_text=True)
    assert f'id="swap-{swap_id}"' in overview and 'data-trigger="approve"' in overview
    assert post(coordinator, "/rota/", f"/rota/swaps/{swap_id}/fire/approve", {"version": version + 1}).status_code == 302

    mine = asker.get("/rota/mine").get_data(as_text=True)
    theirs = colleague.get("/rota/mine").get_data(as_text=True)
    assert f'data-duty="{world["duty"]}"' not in mine and f'data-duty="{world["duty"]}"' in theirs
    for page in (mine, theirs):
        assert f'id="swap-{swap_id}"' in page and 'data-state="approved"' in page
    with app.app_context():
        assert verify() == []


def test_a_swap_to_an_unavailable_colleague_is_refused_on_the_page(app, world):
    target_id, _target = world["others"][0]
    with app.app_context():
        db.session.add(Unavailable(lawyer_id=target_id, day=world["day"]))
        db.session.commit()
    client = logged_in(app, world["owner"])
    before = events(app)
    answer = post(client, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id})
    assert answer.status_code == 422
    assert events(app) == before
    with app.app_context():
        assert count(SwapRequest) == 0


def test_a_named_swap_is_not_shown_to_a_third_lawyer(app, world):
    (target_id, _target), (_third_id, third) = world["others"][:2]
    post(logged_in(app, world["owner"]), "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id})
    with app.app_context():
        swap_id = db.session.execute(select(SwapRequest.id)).scalar_one()
    outsider = logged_in(app, third)
    assert f'id="swap-{swap_id}"' not in outsider.get("/rota/mine").get_data(as_text=True)
    assert post(outsider, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": 1}).status_code == 404


# ---- consultations


def check_in(app, world):
    with app.app_context():
        fr.set_today(world["day"], hour=9)
    client = logged_in(app, world["owner"])
    assert post(client, "/rota/mine", f"/rota/duties/{world['duty']}/fire/check_in",
                {"version": world["version"]}).status_code == 302
    return client


CONSULTATION = {"service_type": "consultation", "topic": "租房押金不退", "advice": "建议先协商，保留转账记录。",
                "outcome": "来访人表示先协商"}


def test_consultations_are_logged_during_the_duty_only(app, world):
    url = f"/rota/duties/{world['duty']}/consultations"
    page = f"/rota/duties/{world['duty']}"
    assert post(logged_in(app, world["owner"]), page, url, CONSULTATION).status_code == 409  # not the day
    client = check_in(app, world)
    assert post(logged_in(app, world["others"][0][1]), page, url, CONSULTATION).status_code == 403
    assert post(client, page, url, dict(CONSULTATION, service_type="astrology")).status_code == 422
    assert post(client, page, url, dict(CONSULTATION, topic="")).status_code == 422
    with app.app_context():
        assert count(Consultation) == 0
    answer = post(client, page, url, CONSULTATION)
    assert answer.status_code == 302
    with app.app_context():
        row = db.session.execute(select(Consultation)).scalar_one()
        assert (row.lawyer_id, row.day, row.service_type) == (world["owner_lawyer"], world["day"], "consultation")
        consultation_id = row.id
    assert events(app, trigger="consultation_logged") == 1
    # Another lawyer cannot read it; the coordinator can.
    assert logged_in(app, world["others"][0][1]).get(f"/rota/consultations/{consultation_id}").status_code == 404
    assert logged_in(app, world["coordinator"]).get(f"/rota/consultations/{consultation_id}").status_code == 200


def test_with_consent_a_consultation_becomes_a_case_once(app, world):
    client = check_in(app, world)
    post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/consultations", CONSULTATION)
    with app.app_context():
        consultation_id = db.session.execute(select(Consultation.id)).scalar_one()
    page = f"/rota/consultations/{consultation_id}"
    url = f"/rota/consultations/{consultation_id}/case"
    form = {"applicant_name": "孙八", "applicant_phone": "13612345678", "respondent_name": "房东周某",
            "dispute_type": "contract", "facts": "租期届满，房东拒不退还押金两千元。"}
    assert post(client, page, url, form).status_code == 422  # no consent
    assert post(client, page, url, dict(form, consent="y", applicant_phone="123")).status_code == 422
    with app.app_context():
        assert count(Dispute) == 0
    answer = post(client, page, url, dict(form, consent="y"))
    assert answer.status_code == 200 and 'id="tracking-code"' in answer.get_data(as_text=True)
    with app.app_context():
        dispute = db.session.execute(select(Dispute)).scalar_one()
        assert dispute.channel == "lawyer" and dispute.state == "submitted"
        assert [p.name for p in dispute.parties] == ["孙八", "房东周某"]
        assert db.session.get(Consultation, consultation_id).dispute_id == dispute.id
        assert dispute.tracking_code in answer.get_data(as_text=True)
    assert post(client, page, url, dict(form, consent="y")).status_code == 409
    with app.app_context():
        assert count(Dispute) == 1
        assert verify() == []


def test_a_legal_aid_referral_needs_consent_and_is_counted(app, world):
    client = check_in(app, world)
    post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/consultations",
         dict(CONSULTATION, service_type="legal_aid"))
    with app.app_context():
        consultation_id = db.session.execute(select(Consultation.id)).scalar_one()
    page = f"/rota/consultations/{consultation_id}"
    url = f"/rota/consultations/{consultation_id}/legal-aid"
    assert post(client, page, url, {}).status_code == 422
    assert post(client, page, url, {"consent": "y"}).status_code == 302
    assert post(client, page, url, {"consent": "y"}).status_code == 409
    counts = logged_in(app, world["coordinator"]).get(f"/rota/consultations?m={world['day']:%Y-%m}")
    text = counts.get_data(as_text=True)
    assert counts.status_code == 200 and '<td class="text-end" data-type="legal_aid">1</td>' in text


def end_form(page: str, duty_id: int) -> str:
    return re.search(rf'<form method="post" action="/rota/duties/{duty_id}/fire/complete".*?</form>', page, re.S).group(0)


def test_while_on_duty_logging_is_the_main_action_and_ending_asks_first(app, world):
    client = check_in(app, world)  # 09:00; the room closes at 12:00
    mine = client.get("/rota/mine").get_data(as_text=True)
    today = re.search(r'<section id="today-duty".*?</section>', mine, re.S).group(0)
    assert re.search(r'<a class="btn btn-sm btn-primary" href="/rota/duties/\d+#log"[^>]*>记录咨询</a>', today)
    ending = end_form(today, world["duty"])
    assert "btn-primary" not in ending and "值班结束" in ending
    # The question names the step and the duty (the lawyer's own: "your", and its day), then why it asks.
    duty = f"您{world['day'].year}年{world['day'].month}月{world['day'].day}日的值班"
    question = f"对{duty}执行“值班结束”？本次值班到 12:00 结束。结束后不能再记录本次值班的咨询。"
    assert f'data-confirm="{question}"' in ending and f'name="_confirm" value="{question}"' in ending
    # Sent without a script, the question comes first and nothing is done.
    version = re.search(r'name="version" value="(\d+)"', ending).group(1)
    asked = client.post(f"/rota/duties/{world['duty']}/fire/complete",
                        data={"csrf_token": f.csrf(mine), "version": version, "next": "/rota/mine",
                              "_confirm": question})
    assert asked.status_code == 200 and question in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Duty, world["duty"]).state == "checked_in"
    # The duty's own page asks the same; after the room closes, without the time.
    assert question in end_form(client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True), world["duty"])
    with app.app_context():
        fr.set_today(world["day"], hour=13)
    late = end_form(client.get("/rota/mine").get_data(as_text=True), world["duty"])
    assert f'data-confirm="对{duty}执行“值班结束”？结束后不能再记录本次值班的咨询。"' in late


def test_todays_duty_stays_on_my_page_with_its_consultations_once_ended(app, world):
    client = check_in(app, world)
    duty_page = f"/rota/duties/{world['duty']}"
    assert post(client, duty_page, f"{duty_page}/consultations", CONSULTATION).status_code == 302
    ended = post(client, "/rota/mine", f"{duty_page}/fire/complete", {"version": world["version"] + 1, "next": "/rota/mine"})
    assert ended.status_code == 302
    day = world["day"]
    assert f"{day.year}年{day.month}月{day.day}日的值班已结束。" in client.get(ended.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Duty, world["duty"]).state == "completed"
    mine = client.get("/rota/mine").get_data(as_text=True)
    today = re.search(r'<section id="today-duty".*?</section>', mine, re.S).group(0)
    assert f'data-duty="{world["duty"]}"' in today and 'data-state="completed"' in today
    assert "租房押金不退" in today and "记录咨询" not in today and "/fire/complete" not in today
    # Tomorrow it is a past duty.
    with app.app_context():
        fr.set_today(world["day"] + timedelta(days=1))
    mine = client.get("/rota/mine").get_data(as_text=True)
    assert 'id="today-duty"' not in mine
    past = re.search(r'<section id="past".*?</section>', mine, re.S).group(0)
    assert f'href="/rota/duties/{world["duty"]}"' in past
    # A room name that wraps on a phone leaves the state's badge its own height, at the top.
    assert re.search(r'<li class="[^"]*d-flex[^"]*align-items-start[^"]*"><a href="/rota/duties/', past)


# ---- roster


def test_the_coordinator_adds_a_lawyer_with_unavailable_dates(app, world):
    client = logged_in(app, world["coordinator"])
    form = {"name": "王律师", "firm": "莱阳正大律师事务所", "practice_areas": "劳动争议", "phone": "13712345678",
            "user_id": 0, "active": "y", "unavailable": "2027-03-13, 2027-03-27"}
    assert post(client, "/rota/lawyers/new", "/rota/lawyers/new", dict(form, unavailable="13/03/2027")).status_code == 422
    assert post(client, "/rota/lawyers/new", "/rota/lawyers/new", dict(form, phone="12")).status_code == 422
    assert post(client, "/rota/lawyers/new", "/rota/lawyers/new", form).status_code == 302
    with app.app_context():
        lawyer = db.session.execute(select(Lawyer).where(Lawyer.name == "王律师")).scalar_one()
        assert lawyer.unavailable_days == {date(2027, 3, 13), date(2027, 3, 27)}
        lawyer_id, version = lawyer.id, lawyer.version
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "rota_lawyer",
                                                            AuditEvent.entity_id == lawyer_id)).scalar_one()
        # recorded masked (and, being a phone field, encrypted as well: read back through open_all)
        assert "13712345678" not in event.data and open_all([event], db.session)[0]["phone"] == "137****5678"
    listing = client.get("/rota/lawyers").get_data(as_text=True)
    assert "137****5678" in listing and "13712345678" not in listing
    edit = f"/rota/lawyers/{lawyer_id}"
    assert "13712345678" not in client.get(edit).get_data(as_text=True)
    changed = dict(form, phone="", firm="新所", version=version)
    assert post(client, edit, edit, dict(changed, version=version - 1)).status_code == 409
    assert post(client, edit, edit, changed).status_code == 302
    with app.app_context():
        lawyer = db.session.get(Lawyer, lawyer_id)
        assert lawyer.firm == "新所" and lawyer.phone == "13712345678"  # an empty phone keeps it
    revealed = post(client, edit, f"/rota/lawyers/{lawyer_id}/phone", {})
    assert "13712345678" in revealed.get_data(as_text=True)
    assert events(app, entity_type="rota_lawyer", trigger="reveal") == 1


def test_a_login_belongs_to_one_lawyer_only(app, world):
    with app.app_context():
        taken = db.session.get(Lawyer, world["owner_lawyer"]).user_id
        other = db.session.get(Lawyer, world["others"][0][0])
        url, version = f"/rota/lawyers/{other.id}", other.version
        form = {"name": other.name, "firm": other.firm, "user_id": taken, "active": "y", "version": version}
    answer = post(logged_in(app, world["coordinator"]), url, url, form)
    assert answer.status_code in (409, 422)  # the login is not even offered, and refused when forced


def test_the_holiday_form_refuses_an_overlap(app, world):
    client = logged_in(app, world["coordinator"])
    form = {"name": "劳动节", "first_day": "2027-05-01", "last_day": "2027-05-05"}
    assert post(client, "/rota/holidays", "/rota/holidays", form).status_code == 302
    assert post(client, "/rota/holidays", "/rota/holidays", dict(form, name="调休", first_day="2027-05-04")).status_code == 422
    assert post(client, "/rota/holidays", "/rota/holidays", dict(form, last_day="")).status_code == 422
    with app.app_context():
        assert count(Holiday) == 1


def test_planning_through_the_page(app, world):
    client = logged_in(app, world["coordinator"])
    bad = post(client, "/rota/plan", "/rota/plan", {"first_day": "2027-06-01", "last_day": "2027-05-01"})
    assert bad.status_code == 422
    answer = post(client, "/rota/plan", "/rota/plan", {"first_day": "2027-04-10", "last_day": "2027-05-31"})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="publish"' in page and 'data-state="planned"' in page
    answer = post(client, "/rota/plan", "/rota/plan/publish", {"first_day": "2027-04-10", "last_day": "2027-05-31"})
    assert answer.status_code == 302
    with app.app_context():
        assert count(Duty, Duty.state == "planned") == 0
    assert client.get("/rota/fairness").status_code == 200
    assert client.get("/rota/month?m=2027-04").status_code == 200


def test_a_seat_set_by_hand_through_the_page(app, world):
    client = logged_in(app, world["coordinator"])
    other_id = world["others"][0][0]
    data = {"day": world["day"].isoformat(), "room_id": world["room"], "seat": 1, "lawyer_id": other_id,
            "version": world["version"], "first_day": "2027-03-04", "last_day": "2027-04-30"}
    assert post(client, "/rota/plan", "/rota/plan/seat", dict(data, seat=5)).status_code == 422
    assert post(client, "/rota/plan", "/rota/plan/seat", dict(data, lawyer_id="")).status_code == 422
    assert post(client, "/rota/plan", "/rota/plan/seat", data).status_code == 302
    with app.app_context():
        assert db.session.get(Duty, world["duty"]).lawyer_id == other_id


# ---- today


def test_today_items_for_a_lawyer_and_the_coordinator(app, world):
    target_id, target = world["others"][0]
    post(logged_in(app, world["owner"]), "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id})
    with app.app_context():
        swap = db.session.execute(select(SwapRequest)).scalar_one()
        swap_id, version = swap.id, swap.version
    # The colleague asked by name has it to answer today, whenever the duty is; a third lawyer has nothing.
    asked = logged_in(app, target)
    page = asked.get("/today").get_data(as_text=True)
    today = page.split('id="today-today-items"')[1].split("</section>")[0]
    assert f'href="/rota/mine#swap-{swap_id}"' in today and "换班请求" in today
    third = logged_in(app, world["others"][1][1])
    assert f"#swap-{swap_id}" not in third.get("/today").get_data(as_text=True)
    post(asked, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": version})
    assert f"#swap-{swap_id}" not in asked.get("/today").get_data(as_text=True)  # answered: no longer to do
    with app.app_context(), app.test_request_context():
        from app.auth.models import User

        owner = db.session.execute(select(User).where(User.username == world["owner"])).scalar_one()
        coordinator = db.session.execute(select(User).where(User.username == world["coordinator"])).scalar_one()
        now = clock.now()
        mine = [i for i in items_for(owner, now, now + timedelta(days=7)) if i.kind == "duty"]
        assert [i.url for i in mine] == [f"/rota/duties/{world['duty']}"]
        theirs = [i for i in items_for(coordinator, now, now + timedelta(days=1)) if i.kind == "duty"]
        assert [i.url for i in theirs] == [f"/rota/#swap-{swap_id}"]


def test_a_seat_of_a_room_number_too_big_for_the_database_is_refused(app, world):
    client = logged_in(app, world["coordinator"])
    before = events(app)
    response = post(client, "/rota/plan", "/rota/plan/seat", {
        "day": (world["day"] + timedelta(weeks=1)).isoformat(), "room_id": "99999999999999999999", "seat": "1",
        "lawyer_id": str(world["owner_lawyer"])})
    assert response.status_code == 422
    assert events(app) == before


def test_a_seat_filled_by_another_coordinator_meanwhile_is_not_overwritten(app, world):
    """Two coordinators look at the same empty seat; the second one's choice
    must not silently replace the first one's (409, the first lawyer stays)."""
    import re

    day = world["day"] + timedelta(weeks=6)
    first, second = logged_in(app, world["coordinator"]), logged_in(app, world["coordinator"])
    html = second.get("/rota/plan").get_data(as_text=True)
    form = re.search(r'name="day" value="%s">.*?name="version" value="([^"]*)"' % day.isoformat(), html, re.S)
    assert form, "the empty seat has a form"
    seen_version = form.group(1)
    (a_id, _a), (b_id, _b) = world["others"][:2]
    seat = {"day": day.isoformat(), "room_id": str(world["room"]), "seat": "1"}
    assert post(first, "/rota/plan", "/rota/plan/seat", dict(seat, lawyer_id=str(a_id), version=seen_version)
                ).status_code == 302
    response = post(second, "/rota/plan", "/rota/plan/seat", dict(seat, lawyer_id=str(b_id), version=seen_version))
    assert response.status_code == 409
    with app.app_context():
        duty = db.session.execute(select(Duty).where(Duty.day == day, Duty.live_seat.is_not(None))).scalar_one()
        assert duty.lawyer_id == a_id


def test_publishing_a_plan_changed_since_it_was_looked_at_is_a_409(app, world):
    """Coordinator A reviews a plan; B re-plans it meanwhile: A's publish must
    not publish what A never saw."""
    import re

    a, b = logged_in(app, world["coordinator"]), logged_in(app, world["coordinator"])
    rng = {"first_day": "2027-04-10", "last_day": "2027-05-31"}
    assert post(a, "/rota/plan", "/rota/plan", rng).status_code == 302
    page = a.get("/rota/plan?first_day=2027-04-10&last_day=2027-05-31").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]*)"', page)
    assert seen, "the publish form says what it shows"
    with app.app_context():
        duty = db.session.execute(select(Duty).where(Duty.state == "planned").order_by(Duty.day)).scalars().first()
        day, room, before = duty.day, duty.room_id, duty.lawyer_id
        other = next(i for i, _u in world["others"] + [(world["owner_lawyer"], "")]
                     if i != before and not db.session.execute(select(Duty).where(
                         Duty.day == day, Duty.lawyer_id == i, Duty.live_seat.is_not(None))).first())
    assert post(b, "/rota/plan", "/rota/plan/seat", {"day": day.isoformat(), "room_id": str(room), "seat": "1",
                                                     "lawyer_id": str(other)}).status_code == 302
    answer = post(a, "/rota/plan", "/rota/plan/publish", dict(rng, seen=seen.group(1)))
    assert answer.status_code == 409
    with app.app_context():
        assert count(Duty, Duty.state == "published", Duty.day >= date(2027, 4, 10)) == 0
    page = a.get("/rota/plan?first_day=2027-04-10&last_day=2027-05-31").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    assert post(a, "/rota/plan", "/rota/plan/publish", dict(rng, seen=seen)).status_code == 302


def test_clearing_every_unavailable_date_of_a_lawyer_saves(app, world):
    """An empty "unavailable dates" box (all dates cleared, or none ever
    given) is a valid form: saved, not a 500."""
    with app.app_context():
        lawyer = db.session.get(Lawyer, world["owner_lawyer"])
        lawyer.unavailable = [Unavailable(day=date(2027, 5, 1))]
        db.session.commit()
        url, version = f"/rota/lawyers/{lawyer.id}", lawyer.version
        form = {"name": lawyer.name, "firm": lawyer.firm, "practice_areas": "", "phone": "", "user_id": lawyer.user_id,
                "active": "y", "unavailable": "", "version": version}
    assert post(logged_in(app, world["coordinator"]), url, url, form).status_code == 302
    with app.app_context():
        assert db.session.get(Lawyer, world["owner_lawyer"]).unavailable_days == set()
    new = dict(form, name="新律师", user_id=0)
    new.pop("version")
    assert post(logged_in(app, world["coordinator"]), "/rota/lawyers/new", "/rota/lawyers/new", new).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Lawyer).where(Lawyer.name == "新律师")).scalar_one().unavailable_days == set()


def test_forms_on_the_duty_page_sent_back_lead_to_themselves(app, world):
    """The consultation form is below the day's consultations, the swap form
    above: each sent back with its errors is marked, the top message links to
    it and its first marked field has focus; nothing is written."""
    page = f"/rota/duties/{world['duty']}"
    client = check_in(app, world)
    answer = post(client, page, f"/rota/duties/{world['duty']}/consultations", dict(CONSULTATION, topic=" "))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, "topic", "consultation-form")
    assert re.search(r'<input[^>]*class="form-control is-invalid"[^>]*name="topic"[^>]*value="\s*"', html)
    assert "建议先协商，保留转账记录。" in html  # what was written stays
    with app.app_context():
        assert count(Consultation) == 0


def test_a_swap_request_sent_back_shows_its_error(app, world):
    client = logged_in(app, world["owner"])
    before = events(app)
    answer = post(client, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": "", "note": "出差"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, "target_id", "swap-request")
    assert re.search(r'<select[^>]*class="form-select is-invalid"[^>]*name="target_id"', html)
    assert re.search(r'<input[^>]*name="note"[^>]*value="出差"', html)  # what was written stays
    assert events(app) == before
    with app.app_context():
        assert count(SwapRequest) == 0


def test_a_swap_asked_for_twice_is_refused_for_why_not_for_its_fields(app, world):
    """Once a swap is open the page has no swap form: a second request sent with a bad field (an old
    tab) is told that a swap is already asked for, not to correct fields it cannot see."""
    client = logged_in(app, world["owner"])
    first = post(client, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": "0", "note": "出差"})
    assert first.status_code == 302
    again = post(client, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": "", "note": "出差"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "该值班已有进行中的换班申请。" in html
    assert "请按提示更正标出的填写项。" not in html and 'href="#swap-request"' not in html
    with app.app_context():
        assert count(SwapRequest) == 1


def test_a_rota_step_says_what_happened_in_a_sentence_in_either_language(app, world):
    """Not "Done: Take the duty." (the button's label as an order) but what the step did, with the duty's day."""
    asker = logged_in(app, world["owner"])
    day = world["day"]
    for (colleague_id, colleague), english in zip(world["others"][:2], (False, True)):
        assert post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap",
                    {"target_id": colleague_id, "note": "出差"}).status_code == 302
        with app.app_context():
            swap = db.session.execute(select(SwapRequest).where(SwapRequest.state == "requested")).scalar_one()
            swap_id, version = swap.id, swap.version
        named = logged_in(app, colleague)
        if english:
            page = named.get("/rota/mine").get_data(as_text=True)
            named.post("/language/en", data={"csrf_token": f.csrf(page), "next": "/rota/mine"})
        answer = post(named, "/rota/mine", f"/rota/swaps/{swap_id}/fire/{'accept' if english else 'decline'}",
                      {"version": version})
        html = named.get(answer.headers["Location"]).get_data(as_text=True)
        if english:
            assert (f"You offered to take the duty of {day:%b} {day.day}, {day.year}: "
                    "it is yours once the coordinator approves the swap.") in html
            assert "Done:" not in html
        else:
            assert f"您已拒绝{day.year}年{day.month}月{day.day}日值班的换班请求。" in html
            assert "已完成" not in html


# ---- a step whose reason is required, sent without one


def assert_reason_marked(html: str, message: str, kept: str = "") -> None:
    """The step's reason box is marked as every form marks a field: red, its
    message under it, said to be invalid, and the user's text kept in it."""
    f.assert_sent_back(html, "reason", "step-sent-back")
    box = re.search(r'<form[^>]*id="step-sent-back".*?</form>', html, re.S)
    assert box, "no form is marked as sent back"
    reason = re.search(r'<input[^>]*name="reason"[^>]*>', box.group(0)).group(0)
    assert "is-invalid" in reason and 'aria-invalid="true"' in reason
    assert f'value="{kept}"' in reason
    error_id = re.search(r'aria-describedby="([\w-]+)"', reason).group(1)
    assert re.search(rf'<div class="invalid-feedback[^"]*" id="{error_id}">{re.escape(message)}</div>', box.group(0))
    # The other steps' boxes on the page are left alone.
    assert html.count("is-invalid") == 1


def test_cancelling_a_duty_without_a_reason_marks_the_reason(app, world):
    client = logged_in(app, world["coordinator"])
    page = f"/rota/duties/{world['duty']}"
    before = events(app)
    answer = post(client, page, f"/rota/duties/{world['duty']}/fire/cancel", {"version": world["version"], "reason": "  "})
    assert answer.status_code == 422
    assert_reason_marked(answer.get_data(as_text=True), "请填写理由。", kept="  ")
    assert events(app) == before
    with app.app_context():
        assert db.session.get(Duty, world["duty"]).state == "published"


def test_a_reason_too_long_is_marked_and_kept(app, world):
    client = logged_in(app, world["coordinator"])
    page = f"/rota/duties/{world['duty']}"
    too_long = "停" * 2001
    answer = post(client, page, f"/rota/duties/{world['duty']}/fire/cancel", {"version": world["version"], "reason": too_long})
    assert answer.status_code == 422
    assert_reason_marked(answer.get_data(as_text=True), "理由过长：最多 2000 个字符。", kept=too_long)
    with app.app_context():
        assert db.session.get(Duty, world["duty"]).state == "published"


def test_refusing_a_swap_without_a_reason_marks_the_reason(app, world):
    target_id, target = world["others"][0]
    asker = logged_in(app, world["owner"])
    assert post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id}).status_code == 302
    with app.app_context():
        swap_id = db.session.execute(select(SwapRequest.id)).scalar_one()
    colleague = logged_in(app, target)
    assert post(colleague, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": 1}).status_code == 302
    coordinator = logged_in(app, world["coordinator"])
    before = events(app)
    answer = post(coordinator, "/rota/", f"/rota/swaps/{swap_id}/fire/refuse", {"version": 2})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert_reason_marked(html, "请填写理由。")
    # The marked box is the refusal's, on the swap's card.
    card = re.search(rf'id="swap-{swap_id}".*?</form>\s*</div>', html, re.S).group(0)
    assert 'id="step-sent-back"' in card
    assert events(app) == before
    with app.app_context():
        assert db.session.get(SwapRequest, swap_id).state == "accepted"


def test_a_step_without_a_reason_box_is_told_in_the_message(app, world):
    """A too-long reason forged onto a step whose button has no reason box:
    nothing to mark, the top message says what is wrong."""
    with app.app_context():
        fr.set_today(world["day"], hour=9)
    client = logged_in(app, world["owner"])
    page = f"/rota/duties/{world['duty']}"
    answer = post(client, page, f"/rota/duties/{world['duty']}/fire/check_in",
                  {"version": world["version"], "reason": "到" * 2001})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "理由过长：最多 2000 个字符。" in html
    assert "is-invalid" not in html and "step-sent-back" not in html


# ---- found on a lawyer's walk on a phone


def consultation_form_of(page: str) -> dict:
    """The duty page's consultation form as the browser would send it, filled in."""
    form = re.search(r'<form method="post" action="/rota/duties/\d+/consultations".*?</form>', page, re.S).group(0)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', form)
    assert token is not None, form
    return dict(CONSULTATION, csrf_token=f.csrf(page), submission_token=token.group(1))


def test_a_consultation_sent_again_with_back_is_logged_and_counted_once(app, world):
    client = check_in(app, world)
    page = client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    form = consultation_form_of(page)
    assert re.search(r'<input[^>]*autocomplete="off"[^>]*id="topic"|<input[^>]*id="topic"[^>]*autocomplete="off"',
                     page)  # no earlier visitor's matter suggested
    first = client.post(f"/rota/duties/{world['duty']}/consultations", data=form)
    assert first.status_code == 302
    # Back, and the same form sent again: the consultation already logged is shown, nothing more written.
    again = client.post(f"/rota/duties/{world['duty']}/consultations", data=form, follow_redirects=True)
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert 'class="alert alert-info"' in text and 'id="consultation-topic">租房押金不退<' in text
    assert first.headers["Location"] == again.request.path
    with app.app_context():
        assert count(Consultation) == 1
    assert events(app, trigger="consultation_logged") == 1
    counts = logged_in(app, world["coordinator"]).get(f"/rota/consultations?m={world['day']:%Y-%m}")
    assert '<td class="text-end" data-type="consultation">1</td>' in counts.get_data(as_text=True)
    # A fresh form (the page opened again) logs the next visitor's consultation.
    page = client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    assert form["submission_token"] not in page
    assert client.post(f"/rota/duties/{world['duty']}/consultations",
                       data=dict(consultation_form_of(page), topic="劳动合同")).status_code == 302
    with app.app_context():
        assert count(Consultation) == 2


def test_a_consultation_form_sent_back_keeps_its_token_and_then_logs_once(app, world):
    client = check_in(app, world)
    form = consultation_form_of(client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True))
    answer = client.post(f"/rota/duties/{world['duty']}/consultations", data=dict(form, topic=""))
    assert answer.status_code == 422
    assert f'value="{form["submission_token"]}"' in answer.get_data(as_text=True)
    for _ in range(2):
        assert client.post(f"/rota/duties/{world['duty']}/consultations", data=form).status_code == 302
    with app.app_context():
        assert count(Consultation) == 1


def test_the_tracking_code_stays_on_the_consultation_page(app, world):
    client = check_in(app, world)
    post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/consultations", CONSULTATION)
    with app.app_context():
        consultation_id = db.session.execute(select(Consultation.id)).scalar_one()
    page = f"/rota/consultations/{consultation_id}"
    assert 'id="tracking-code"' not in client.get(page).get_data(as_text=True)  # no case yet
    form = {"consent": "y", "applicant_name": "孙八", "applicant_phone": "13612345678",
            "dispute_type": "contract", "facts": "房东拒不退还押金。"}
    assert post(client, page, f"/rota/consultations/{consultation_id}/case", form).status_code == 200
    with app.app_context():
        code = db.session.execute(select(Dispute.tracking_code)).scalar_one()
    # Later, the next day too: the lawyer who logged it, and the coordinator, find the code again.
    with app.app_context():
        fr.set_today(world["day"] + timedelta(days=1), hour=10)
    for reader in (client, logged_in(app, world["coordinator"])):
        text = reader.get(page).get_data(as_text=True)
        assert re.search(rf'id="tracking-code">{code}<', text)
        assert 'id="track-link"' in text
        assert "13612345678" not in text and "孙八" not in text  # the visitor's details stay with the case
    assert logged_in(app, world["others"][0][1]).get(page).status_code == 404


def unread_notes(client) -> list[str]:
    """The notifications list's entries still marked new, as the reader sees them."""
    page = client.get("/notifications/").get_data(as_text=True)
    return re.findall(r'data-read="no">\s*<div>.*?</div>', page, re.S)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_colleague_s_answer_tells_the_asker_and_reads_the_request(app, world, answer):
    target_id, target = world["others"][0]
    asker, colleague = logged_in(app, world["owner"]), logged_in(app, target)
    for client in (asker, colleague):  # the publication's notices, read
        assert post(client, "/notifications/", "/notifications/read", {}).status_code == 302
    post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id})
    [asked] = unread_notes(colleague)
    assert "请您代为值班" in asked or "asks you to take" in asked
    with app.app_context():
        swap_id, version = db.session.execute(select(SwapRequest.id, SwapRequest.version)).one()
    reason = {"reason": "当天开庭"} if answer == "decline" else {}
    # Answered from my duties, not from the notification: the request is read all the same.
    assert post(colleague, "/rota/mine", f"/rota/swaps/{swap_id}/fire/{answer}",
                dict(reason, version=version)).status_code == 302
    assert unread_notes(colleague) == []
    [told] = unread_notes(asker)
    with app.app_context():
        taker_name = db.session.get(Lawyer, target_id).name
    assert taker_name in told
    with app.app_context():
        kinds = [n.kind for n in db.session.execute(select(Notification).where(
            Notification.entity_type == "duty_swap", Notification.read_at.is_(None))).scalars()]
    assert ("swap_accepted" if answer == "accept" else "swap_declined") in kinds


def test_the_answer_to_an_unavailable_date_is_shown_where_the_page_opens(app, world):
    client = logged_in(app, world["owner"])
    answer = post(client, "/rota/mine", "/rota/mine/unavailable", {"day": world["day"].isoformat()})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/rota/mine#unavailable")
    page = client.get("/rota/mine").get_data(as_text=True)
    section = page.split('<section id="unavailable"')[1].split("</section>")[0]
    assert "您在" in section and 'class="alert alert-warning"' in section  # "you already have a duty that day"
    top = page.split('<section id="today-duty"')[0].split('<section id="upcoming"')[0]
    assert 'class="alert alert-warning"' not in top  # said once, in the section, not screens above it
    assert 'alert-warning' not in client.get("/rota/mine").get_data(as_text=True).split('<section id="unavailable"')[1]


def test_a_swap_step_is_told_in_the_swaps_section(app, world):
    target_id, target = world["others"][0]
    asker = logged_in(app, world["owner"])
    answer = post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id})
    assert answer.headers["Location"].endswith("#swaps")
    page = asker.get("/rota/mine").get_data(as_text=True)
    section = page.split('<section id="swaps"')[1].split("</section>")[0]
    assert 'data-section-message="swaps"' in section and "alert-success" in section
    with app.app_context():
        swap_id, version = db.session.execute(select(SwapRequest.id, SwapRequest.version)).one()
    colleague = logged_in(app, target)
    assert post(colleague, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": version}).status_code == 302
    section = colleague.get("/rota/mine").get_data(as_text=True).split('<section id="swaps"')[1].split("</section>")[0]
    assert 'data-section-message="swaps"' in section
    # A page without the section (a step taken with another page to go back to) keeps the message on top.
    coordinator = logged_in(app, world["coordinator"])
    assert post(coordinator, "/rota/", f"/rota/swaps/{swap_id}/fire/approve",
                {"version": version + 1, "next": "/rota/month"}).status_code == 302
    month = coordinator.get("/rota/month").get_data(as_text=True)
    main = month.split("<main")[1]
    assert "alert-success" in main and main.index("alert-success") < main.index("<h1")



# ---- a duty with a swap asked for says so on its card


def duty_card(page: str, duty_id: int) -> str:
    return page.split(f'data-duty="{duty_id}"')[1].split('class="list-group-item duty-row"')[0]


def english_client(app, username):
    client = logged_in(app, username)
    page = client.get("/rota/mine").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(page), "next": "/rota/mine"})
    return client


def test_a_duty_card_says_its_swap_is_pending_and_leads_to_it(app, world):
    """Asked for: "Swap asked of <colleague>"; taken: waiting for the coordinator; a link to the swap below."""
    (target_id, target), (_other_id, other) = world["others"][:2]
    asker = english_client(app, world["owner"])
    card = duty_card(asker.get("/rota/mine").get_data(as_text=True), world["duty"])
    assert 'data-action="open-swap"' in card and "duty-swap-pending" not in card
    assert post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap",
                {"target_id": target_id}).status_code == 302
    with app.app_context():
        swap = db.session.execute(select(SwapRequest)).scalar_one()
        swap_id, version = swap.id, swap.version
        target_name = swap.target.name
    card = duty_card(asker.get("/rota/mine").get_data(as_text=True), world["duty"])
    assert 'data-action="open-swap"' not in card
    assert f"Swap asked of {target_name}" in card and f'href="#swap-{swap_id}"' in card
    # The asked colleague's page has no card for the duty, and a third lawyer's none at all.
    assert "duty-swap-pending" not in logged_in(app, other).get("/rota/mine").get_data(as_text=True)

    colleague = logged_in(app, target)
    assert post(colleague, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": version}).status_code == 302
    card = duty_card(asker.get("/rota/mine").get_data(as_text=True), world["duty"])
    assert f"{target_name} takes it: waiting for the coordinator’s approval" in card
    assert f'href="#swap-{swap_id}"' in card

    coordinator = logged_in(app, world["coordinator"])
    assert post(coordinator, "/rota/", f"/rota/swaps/{swap_id}/fire/approve",
                {"version": version + 1}).status_code == 302
    assert f'data-duty="{world["duty"]}"' not in asker.get("/rota/mine").get_data(as_text=True)


def test_a_swap_open_to_anyone_says_it_waits_for_a_taker(app, world):
    asker = english_client(app, world["owner"])
    assert post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": 0}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(SwapRequest.target_id)).scalar_one() is None
    card = duty_card(asker.get("/rota/mine").get_data(as_text=True), world["duty"])
    assert "Swap asked: waiting for a colleague to take it" in card


def duty_badge(client, duty_id: int) -> str:
    page = client.get(f"/rota/duties/{duty_id}").get_data(as_text=True)
    return page.split('id="duty-swap-pending"')[1].split("</div>")[0] if 'id="duty-swap-pending"' in page else ""


def test_the_duty_s_own_page_says_its_swap_is_pending(app, world):
    """The duty's page says what its card says: asked of whom (to the colleague asked: "of you"), taken and
    waiting for the coordinator, with a link to the swap; nothing before it is asked or once it is decided."""
    (target_id, target), (_other_id, other) = world["others"][:2]
    duty = world["duty"]
    asker = english_client(app, world["owner"])
    assert duty_badge(asker, duty) == ""
    assert post(asker, "/rota/mine", f"/rota/duties/{duty}/swap", {"target_id": target_id}).status_code == 302
    with app.app_context():
        swap = db.session.execute(select(SwapRequest)).scalar_one()
        swap_id, version, target_name = swap.id, swap.version, swap.target.name
    badge = duty_badge(asker, duty)
    assert f"Swap asked of {target_name}" in badge and f'href="#swap-{swap_id}"' in badge
    colleague = english_client(app, target)
    assert "Swap asked of you: waiting for your answer" in duty_badge(colleague, duty)
    assert f"Swap asked of {target_name}" in duty_badge(english_client(app, other), duty)  # a third lawyer
    coordinator = logged_in(app, world["coordinator"])
    assert post(coordinator, "/rota/", "/language/en", {"next": "/rota/"}).status_code == 302
    assert f"Swap asked of {target_name}" in duty_badge(coordinator, duty)

    assert post(colleague, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": version}).status_code == 302
    for client in (asker, colleague, coordinator):
        assert f"{target_name} takes it: waiting for the coordinator’s approval" in duty_badge(client, duty)
    assert post(coordinator, "/rota/", f"/rota/swaps/{swap_id}/fire/approve",
                {"version": version + 1}).status_code == 302
    assert duty_badge(asker, duty) == "" and duty_badge(colleague, duty) == ""


def test_a_duty_s_page_says_its_swap_open_to_anyone_waits_for_a_taker(app, world):
    asker = english_client(app, world["owner"])
    assert post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": 0}).status_code == 302
    assert "Swap asked: waiting for a colleague to take it" in duty_badge(asker, world["duty"])
    assert 'id="duty-swap-pending"' not in logged_in(app, world["owner"]).get("/rota/mine").get_data(as_text=True)


def swap_buttons(page: str, swap_id: int) -> list[str]:
    card = page.split(f'id="swap-{swap_id}"')[1].split('class="card mb-2 swap-card"')[0]
    return re.findall(rf'action="/rota/swaps/{swap_id}/fire/(\w+)"', card)


def test_declining_a_swap_already_taken_is_not_offered_and_says_what_to_do_instead(app, world):
    """Taken by the colleague asked, the swap waits for the coordinator: its decline is the system's alone. No
    page offers it; sent anyway (a page left open, a forged form), each hears what they can do instead, as the
    workflow lets them (the coordinator approves or refuses, the asker withdraws), with 409 and nothing written."""
    (target_id, target), (_other_id, other) = world["others"][:2]
    asker = english_client(app, world["owner"])
    assert post(asker, "/rota/mine", f"/rota/duties/{world['duty']}/swap", {"target_id": target_id}).status_code == 302
    with app.app_context():
        swap = db.session.execute(select(SwapRequest)).scalar_one()
        swap_id, version, target_name = swap.id, swap.version, swap.target.name
    taker = english_client(app, target)
    stale = taker.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)  # the page left open
    assert "decline" in swap_buttons(stale, swap_id)
    assert post(taker, "/rota/mine", f"/rota/swaps/{swap_id}/fire/accept", {"version": version}).status_code == 302
    coordinator = logged_in(app, world["coordinator"])
    assert post(coordinator, "/rota/", "/language/en", {"next": "/rota/"}).status_code == 302
    duty_page = f"/rota/duties/{world['duty']}"
    # Not offered to anyone in that state; the real steps are.
    assert swap_buttons(coordinator.get(duty_page).get_data(as_text=True), swap_id) == ["approve", "refuse"]
    assert swap_buttons(asker.get(duty_page).get_data(as_text=True), swap_id) == ["withdraw"]
    assert "decline" not in swap_buttons(taker.get(duty_page).get_data(as_text=True), swap_id)
    before = events(app, entity_type="duty_swap")
    said = {
        "taker": (taker, "You have already taken this swap, so it can no longer be declined: it waits for the "
                         "coordinator’s approval. If you cannot sit the duty after all, ask the coordinator to "
                         "refuse the swap, or the colleague who asked to withdraw it."),
        "coordinator": (coordinator, f"{target_name} has already taken this swap, so it can no longer be declined: "
                                     "it waits for your decision. Approve it, or refuse it with a reason."),
        "asker": (asker, f"{target_name} has already taken this swap, so it can no longer be declined: it waits "
                         "for the coordinator’s approval. You may still withdraw it."),
    }
    for who, (client, message) in said.items():
        for sent_version in (version, version + 1):  # from the page left open, or from a fresh one
            answer = post(client, duty_page, f"/rota/swaps/{swap_id}/fire/decline",
                          {"version": sent_version, "reason": "没空"})
            page = answer.get_data(as_text=True)
            assert answer.status_code == 409, (who, answer.status_code)
            assert message in page.replace("&#39;", "'"), who
            assert "may not" not in page and "Forbidden" not in page, who
    # A lawyer with no part in it still gets no further than before: the swap is not theirs to see.
    assert post(english_client(app, other), "/rota/mine", f"/rota/swaps/{swap_id}/fire/decline",
                {"version": version + 1, "reason": "没空"}).status_code == 404
    with app.app_context():
        assert db.session.get(SwapRequest, swap_id).state == "accepted"
    assert events(app, entity_type="duty_swap") == before
    # The way on the coordinator is shown works.
    assert post(coordinator, duty_page, f"/rota/swaps/{swap_id}/fire/approve",
                {"version": version + 1}).status_code == 302


def test_marking_and_clearing_a_date_say_what_the_next_plan_does(app, world):
    client = english_client(app, world["owner"])
    day = world["day"] + timedelta(weeks=8)  # a Saturday with no duty of theirs
    assert post(client, "/rota/mine", "/rota/mine/unavailable", {"day": day.isoformat()}).status_code == 302
    words = f"{day:%b} {day.day}, {day.year}"
    section = client.get("/rota/mine").get_data(as_text=True).split('<section id="unavailable"')[1]
    assert f"{words} is marked unavailable: the next plan leaves you out that day." in section
    assert post(client, "/rota/mine", "/rota/mine/unavailable",
                {"day": day.isoformat(), "clear": "1"}).status_code == 302
    section = client.get("/rota/mine").get_data(as_text=True).split('<section id="unavailable"')[1]
    assert f"{words} is no longer marked unavailable: the next plan may put you on duty that day." in section
    assert ">Saved.<" not in section
    with app.app_context():
        assert db.session.get(Lawyer, world["owner_lawyer"]).unavailable_days == set()
