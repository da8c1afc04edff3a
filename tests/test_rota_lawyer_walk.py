"""What a volunteer lawyer's walk through the rota on a phone found: dates
that can never have a duty marked unavailable, a dispute type chosen for
them, colleagues offered for a swap who cannot take it, a dead end after
logging a consultation, small buttons, a 405 page that read as a refusal of
rights, and codes on the workflow diagram page."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock, workdays
from app.disputes.models import Dispute
from app.extensions import db
from app.rota import planning
from app.rota.models import Consultation, Duty, Lawyer, SwapRequest, Unavailable
from tests import factories as f, factories_rota as fr
from tests.test_rota_web import CONSULTATION, check_in, count, events, logged_in, post, world  # noqa: F401


def alerts(page: str, category: str = "danger") -> list[str]:
    return re.findall(rf'<div class="alert alert-{category}" role="alert">(.*?)</div>', page, re.S)


def unavailable_of(app, lawyer_id) -> set[date]:
    with app.app_context():
        return set(db.session.execute(select(Unavailable.day).where(Unavailable.lawyer_id == lawyer_id)).scalars())


def mark(client, day: date, **extra):
    return post(client, "/rota/mine", "/rota/mine/unavailable", dict({"day": day.isoformat()}, **extra))


# ---- 1. the dates a lawyer cannot sit


def test_only_saturdays_that_can_have_a_duty_are_marked(app, world):
    client = logged_in(app, world["owner"])
    saturday = fr.FIRST_SATURDAY + timedelta(weeks=6)
    wednesday = saturday - timedelta(days=3)
    answer = mark(client, wednesday)
    assert answer.status_code == 422
    said = alerts(answer.get_data(as_text=True))
    assert len(said) == 1 and "2027年4月14日" in said[0]  # the day refused is named
    assert unavailable_of(app, world["owner_lawyer"]) == set()
    assert mark(client, saturday).status_code == 302
    assert unavailable_of(app, world["owner_lawyer"]) == {saturday}


def test_a_public_holiday_saturday_is_refused_as_no_duty_day(app, world):
    labour_day = date(2027, 5, 1)
    assert labour_day.weekday() == 5
    with app.app_context():
        db.session.add(workdays.CalendarDay(day=labour_day, kind=workdays.HOLIDAY, name="劳动节",
                                            created_at=clock.now(), entry=labour_day.toordinal()))
        db.session.commit()
    answer = mark(logged_in(app, world["owner"]), labour_day)
    assert answer.status_code == 422 and "劳动节" in alerts(answer.get_data(as_text=True))[0]
    assert unavailable_of(app, world["owner_lawyer"]) == set()


def test_a_date_beyond_a_year_ahead_is_refused_and_the_last_one_is_said(app, world):
    client = logged_in(app, world["owner"])
    horizon = fr.TODAY + planning.UNAVAILABLE_AHEAD  # 2028-03-03, a Friday
    last_saturday = horizon - timedelta(days=(horizon.weekday() - 5) % 7)
    answer = mark(client, last_saturday + timedelta(weeks=1))
    assert answer.status_code == 422
    assert "2028年3月3日" in alerts(answer.get_data(as_text=True))[0]
    assert mark(client, date(2072, 3, 12)).status_code == 422  # a slip of the year
    assert unavailable_of(app, world["owner_lawyer"]) == set()
    assert mark(client, last_saturday).status_code == 302
    assert unavailable_of(app, world["owner_lawyer"]) == {last_saturday}


def test_a_date_the_coordinator_typed_can_still_be_cleared(app, world):
    """A date the roster's box took before it had the lawyer's rule: the lawyer's × must clear it, weekday or
    not."""
    wednesday = fr.TODAY + timedelta(weeks=2)
    with app.app_context():
        db.session.add(Unavailable(lawyer_id=world["owner_lawyer"], day=wednesday))
        db.session.commit()
    client = logged_in(app, world["owner"])
    assert mark(client, wednesday, clear="1").status_code == 302
    assert unavailable_of(app, world["owner_lawyer"]) == set()


def roster_form(app, lawyer_id, unavailable: str) -> dict:
    with app.app_context():
        lw = db.session.get(Lawyer, lawyer_id)
        return {"name": lw.name, "firm": lw.firm, "practice_areas": lw.practice_areas or "", "phone": "",
                "user_id": lw.user_id or 0, "active": "y", "unavailable": unavailable, "version": lw.version}


def test_the_coordinators_roster_box_follows_the_lawyers_rule_with_the_same_message(app, world):
    desk = logged_in(app, world["coordinator"])
    edit = f"/rota/lawyers/{world['owner_lawyer']}"
    saturday = fr.FIRST_SATURDAY + timedelta(weeks=6)
    wednesday = saturday - timedelta(days=3)
    before = events(app, entity_type="rota_lawyer")
    answer = post(desk, edit, edit, roster_form(app, world["owner_lawyer"], f"{saturday}, {wednesday}"))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    said = "2027年4月14日不是周六。值班只安排在周六：请标记您不便值班的周六。"
    assert said in alerts(page)[0]
    assert re.search(r'class="invalid-feedback[^"]*"[^>]*>\s*' + said, page)  # and under the box
    # The lawyer's own page refuses that date with the very same words.
    assert said in alerts(mark(logged_in(app, world["owner"]), wednesday).get_data(as_text=True))[0]
    for refused in ("2027-03-01", (fr.TODAY + planning.UNAVAILABLE_AHEAD + timedelta(weeks=1)).isoformat()):
        assert post(desk, edit, edit, roster_form(app, world["owner_lawyer"], refused)).status_code == 422
    assert unavailable_of(app, world["owner_lawyer"]) == set()
    assert events(app, entity_type="rota_lawyer") == before
    assert post(desk, edit, edit, roster_form(app, world["owner_lawyer"], saturday.isoformat())).status_code == 302
    assert unavailable_of(app, world["owner_lawyer"]) == {saturday}
    # A new lawyer's dates are all new: the same rule.
    new = {"name": "王律师", "firm": "莱阳正大律师事务所", "user_id": 0, "active": "y", "unavailable": str(wednesday)}
    answer = post(desk, "/rota/lawyers/new", "/rota/lawyers/new", new)
    assert answer.status_code == 422 and said in alerts(answer.get_data(as_text=True))[0]


def test_a_date_recorded_before_may_stay_and_any_may_be_removed(app, world):
    """Only the dates added are checked: a past (or weekday) one already recorded does not block the save."""
    past, weekday = fr.TODAY - timedelta(days=4), fr.TODAY + timedelta(weeks=2)
    assert past.weekday() == 5 and weekday.weekday() != 5
    with app.app_context():
        for day in (past, weekday):
            db.session.add(Unavailable(lawyer_id=world["owner_lawyer"], day=day))
        db.session.commit()
    desk = logged_in(app, world["coordinator"])
    edit = f"/rota/lawyers/{world['owner_lawyer']}"
    assert post(desk, edit, edit, roster_form(app, world["owner_lawyer"], f"{past}, {weekday}")).status_code == 302
    assert post(desk, edit, edit, roster_form(app, world["owner_lawyer"], str(past))).status_code == 302
    assert unavailable_of(app, world["owner_lawyer"]) == {past}


# ---- 2. the dispute type of a consultation made a case


def test_a_consultation_made_a_case_has_its_type_chosen_not_defaulted(app, world):
    client = check_in(app, world)
    post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/consultations", CONSULTATION)
    with app.app_context():
        consultation_id = db.session.execute(select(Consultation.id)).scalar_one()
    page_url = f"/rota/consultations/{consultation_id}"
    page = client.get(page_url).get_data(as_text=True)
    select_box = re.search(r'<select[^>]*name="dispute_type".*?</select>', page, re.S).group(0)
    first = re.search(r"<option([^>]*)>(.*?)</option>", select_box).groups()
    assert first == (' value=""', "请选择…")
    assert "selected" not in select_box
    form = {"consent": "y", "applicant_name": "孙八", "facts": "租期届满，房东拒不退还押金两千元。"}
    answer = post(client, page_url, f"{page_url}/case", dict(form, dispute_type=""))
    assert answer.status_code == 422
    marked = re.search(r'<select[^>]*name="dispute_type"[^>]*>', answer.get_data(as_text=True)).group(0)
    assert "is-invalid" in marked
    with app.app_context():
        assert count(Dispute) == 0
    assert post(client, page_url, f"{page_url}/case", dict(form, dispute_type="neighbour")).status_code == 200
    with app.app_context():
        assert db.session.execute(select(Dispute.dispute_type)).scalar_one() == "neighbour"


# ---- 3. whom a swap can be asked of


@pytest.fixture
def two_seats(app):
    """Two seats a Saturday, five lawyers: the owner of the first duty, the
    one beside them that day, one who marked the day unavailable, two free."""
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=5, seats=2)
        last = fr.FIRST_SATURDAY + timedelta(weeks=4)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        first, beside = db.session.execute(select(Duty).where(Duty.day == fr.FIRST_SATURDAY)
                                           .order_by(Duty.seat)).scalars().all()
        others = [lw for lw, _u in people if lw.id not in (first.lawyer_id, beside.lawyer_id)]
        db.session.add(Unavailable(lawyer_id=others[0].id, day=first.day))
        db.session.commit()
        ids = dict(duty=first.id, owner=next(u.username for lw, u in people if lw.id == first.lawyer_id),
                   beside=beside.lawyer_id, away=others[0].id, free={lw.id for lw in others[1:]})
        db.session.remove()
    return ids


def options(page: str, select_id: str) -> dict[int, tuple[bool, str]]:
    box = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S).group(0)
    found = {}
    for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", box):
        found[int(re.search(r'value="(\d+)"', attrs).group(1))] = ("disabled" in attrs, label)
    return found


def test_colleagues_who_cannot_take_the_duty_are_listed_disabled_with_the_reason(app, two_seats):
    client = logged_in(app, two_seats["owner"])
    for page, select_id in ((client.get("/rota/mine").get_data(as_text=True), f"target-{two_seats['duty']}"),
                            (client.get(f"/rota/duties/{two_seats['duty']}").get_data(as_text=True), "target_id")):
        offered = options(page, select_id)
        assert set(offered) == {0, two_seats["beside"], two_seats["away"]} | two_seats["free"]
        assert {i for i, (disabled, _label) in offered.items() if not disabled} == {0} | two_seats["free"]
        assert "当天已有值班" in offered[two_seats["beside"]][1]
        assert "已标记当天不便值班" in offered[two_seats["away"]][1]
        assert list(offered)[-2:] in ([two_seats["beside"], two_seats["away"]], [two_seats["away"], two_seats["beside"]])
    # Forced past the list, the colleague on duty is still refused.
    before = events(app)
    assert post(client, "/rota/mine", f"/rota/duties/{two_seats['duty']}/swap",
                {"target_id": two_seats["beside"]}).status_code == 422
    assert events(app) == before
    with app.app_context():
        assert count(SwapRequest) == 0


# ---- 4. after logging a consultation


def test_after_logging_a_consultation_the_next_one_or_the_duty_is_a_tap_away(app, world):
    client = check_in(app, world)
    logged = post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/consultations", CONSULTATION)
    page = client.get(logged.headers["Location"]).get_data(as_text=True)
    way_on = re.search(r'<div class="d-grid gap-2 d-sm-flex mb-3" id="after-consultation">.*?</div>', page, re.S).group(0)
    assert f'href="/rota/duties/{world["duty"]}#log" data-action="log-another"' in way_on
    assert 'href="/rota/mine#today-duty" data-action="back-to-duty"' in way_on
    # The coordinator reading it goes back to the duty; nothing more can be logged by them.
    staff = logged_in(app, world["coordinator"]).get(logged.headers["Location"]).get_data(as_text=True)
    assert 'data-action="log-another"' not in staff
    assert f'href="/rota/duties/{world["duty"]}" data-action="back-to-duty"' in staff


def test_once_the_duty_has_ended_only_the_way_back_is_offered(app, world):
    client = check_in(app, world)
    logged = post(client, f"/rota/duties/{world['duty']}", f"/rota/duties/{world['duty']}/consultations", CONSULTATION)
    with app.app_context():
        version = db.session.get(Duty, world["duty"]).version
    assert post(client, "/rota/mine", f"/rota/duties/{world['duty']}/fire/complete",
                {"version": version}).status_code == 302
    page = client.get(logged.headers["Location"]).get_data(as_text=True)
    assert 'data-action="log-another"' not in page and 'data-action="back-to-duty"' in page


# ---- 5. finger-sized buttons, ending kept apart


def test_the_lawyer_s_rota_pages_have_finger_sized_buttons_and_ending_apart(app, world):
    client = check_in(app, world)
    mine = client.get("/rota/mine").get_data(as_text=True)
    assert '<div class="lawyer-view">' in mine
    today = re.search(r'<section id="today-duty".*?</section>', mine, re.S).group(0)
    row = re.search(r'<div class="d-flex flex-wrap gap-2 mt-2">.*?</div>', today, re.S).group(0)
    assert 'data-action="open-log"' in row and 'data-trigger="complete"' not in row
    end = re.search(r'<div class="d-flex flex-wrap gap-2 mt-3 pt-2 border-top duty-end">.*?</form>', today, re.S)
    assert end and 'data-trigger="complete"' in end.group(0)
    assert '<div class="lawyer-view">' in client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    staff = logged_in(app, world["coordinator"]).get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    assert "lawyer-view" not in staff
    css = app.test_client().get("/static/css/app.css").get_data(as_text=True)
    assert re.search(r"\.lawyer-view \.btn-sm \{[^}]*min-height: 2\.75rem", css)  # 44 px


# ---- 6. the 405 page


def test_a_page_opened_the_wrong_way_is_not_called_a_refusal(app, world):
    client = logged_in(app, world["owner"])
    answer = client.get(f"/rota/duties/{world['duty']}/fire/check_in")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 405 and "无权操作" not in page
    assert post(client, "/rota/mine", "/language/en", {"next": "/rota/mine"}).status_code == 302
    english = client.get(f"/rota/duties/{world['duty']}/fire/check_in").get_data(as_text=True)
    assert "This page cannot be opened this way" in english and "Not allowed" not in english


# ---- 7. the workflow diagram page


def test_the_duty_diagram_shows_labels_and_a_chinese_list(app, world):
    page = logged_in(app, world["owner"]).get("/workflows/lawyer_duty").get_data(as_text=True)
    assert "<code>" not in page and "<th>代码</th>" not in page
    assert "公益律师、协调员、系统" in page and "公益律师, 协调员" not in page
    with app.app_context():
        admin = f.user("admin").username
    assert "<code>checked_in</code>" in logged_in(app, admin).get("/workflows/lawyer_duty").get_data(as_text=True)
