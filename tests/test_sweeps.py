"""Screening sweeps (排查): planned per place and period by the timer, red
when a period ends without a record, recorded by the right people only,
and the disputes they find registered with channel 排查 and linked."""
import re
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import clock, engine
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.engine.deadlines import colour
from app.engine.timers import tick
from app.extensions import db
from app.sweeps import service
from app.sweeps.models import Sweep
from app.sweeps.periods import period_of
from tests import factories as f
from tests import factories_followups as ff
from tests.factories import csrf, login

MONDAY = datetime(2026, 3, 1, 16)        # 00:00 on Monday 2 March 2026, Shanghai
WEDNESDAY = MONDAY + timedelta(days=2, hours=10)  # 10:00 on Wednesday 4 March
NEXT_MONDAY = MONDAY + timedelta(days=7)
APRIL = datetime(2026, 3, 31, 16)        # 00:00 on 1 April, Shanghai


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        w = dict(
            street=street.id, c1=c1.id, c2=c2.id, c1_name=c1.name,
            mediator=f.user("mediator", community=c1).username,
            worker=f.user("gridworker", grid=grids[0]).username,
            outsider=f.user("gridworker", grid=grids[2]).username,  # community 2
            sup=f.user("supervisor", street=street).username,
            coordinator=f.user("coordinator", street=street).username,
            elder=f.user("elder", community=c1).username,
        )
        tick(now=MONDAY)
        db.session.remove()
    return type("World", (), w)


def _user(username):
    return db.session.execute(select(f.User).where(f.User.username == username)).scalar_one()


def test_the_timer_plans_each_community_s_week_and_the_street_s_month(app, world):
    with app.app_context():
        rows = ff.sweeps()
        assert [(s.level, s.period_start, s.period_end, s.state) for s in rows] == [
            ("street", date(2026, 3, 1), date(2026, 3, 31), "planned"),
            ("community", date(2026, 3, 2), date(2026, 3, 8), "planned"),
            ("community", date(2026, 3, 2), date(2026, 3, 8), "planned"),
        ]
        weekly = rows[1]
        assert weekly.due_at == weekly.period_ends_at == NEXT_MONDAY
        assert [e.trigger for e in ff.events("sweep", weekly.id)] == ["create"]
        assert tick(now=MONDAY + timedelta(hours=1)).jobs["sweeps planned"] == 0


def test_a_period_that_ends_without_a_record_is_a_missed_sweep_red_from_that_moment(app, world):
    with app.app_context():
        weekly = ff.sweeps(community_id=world.c1)[0]
        warn = NEXT_MONDAY - timedelta(days=7) * 0.2
        assert weekly.warn_at == warn
        for now, expected in [(warn - timedelta(microseconds=1), "blue"), (warn, "yellow"),
                              (NEXT_MONDAY - timedelta(microseconds=1), "yellow")]:
            assert colour(weekly, now) == expected
        before = [i for kind, i, t in tick(now=NEXT_MONDAY - timedelta(seconds=1)).fired if kind == "sweep"]
        assert before == []
        this_week = sorted((s.id, "miss") for s in ff.sweeps(level="community"))
        missed = [(i, t) for kind, i, t in tick(now=NEXT_MONDAY).fired if kind == "sweep"]
        assert sorted(missed) == this_week
        weekly = db.session.get(Sweep, weekly.id)
        assert weekly.state == "missed" and colour(weekly, NEXT_MONDAY + timedelta(days=30)) == "red"
        # The next week was planned in the same run; the street's month goes on until April.
        assert len(ff.sweeps(community_id=world.c1)) == 2
        assert ff.sweeps(level="street")[0].state == "planned"
        assert [i for kind, i, t in tick(now=APRIL).fired if kind == "sweep" and t == "miss"].count(
            ff.sweeps(level="street")[0].id) == 1


def test_recording_a_sweep_and_recording_a_missed_one_late(app, world):
    with app.app_context():
        clock.set_now(WEDNESDAY)
        worker = _user(world.worker)
        data = {"held_on": date(2026, 3, 4), "checked": ["disputes", "safety"], "findings": "发现一起邻里噪音纠纷",
                "participants": "社区民警"}
        sweep = service.record(worker, "community", world.street, world.c1, data)
        assert (sweep.state, sweep.held_on, sweep.checked, sweep.recorded_by_id) == (
            "done", date(2026, 3, 4), "disputes,safety", worker.id)
        assert colour(sweep) is None
        # Another record for the same week: refused, nothing written.
        with force_locale("en"), pytest.raises(engine.NotAllowed, match="already recorded"):
            service.record(_user(world.mediator), "community", world.street, world.c1, dict(data))
        # Community 2 missed its week; recorded late the week after, dated in its own week.
        clock.set_now(NEXT_MONDAY + timedelta(hours=10))
        tick()
        missed = ff.sweeps(community_id=world.c2)[0]
        assert missed.state == "missed"
        other = _user(world.outsider)
        late = service.record(other, "community", world.street, world.c2, dict(data, held_on=date(2026, 3, 7)))
        assert late.id == missed.id and late.state == "done"
        assert [e.trigger for e in ff.events("sweep", missed.id)] == ["create", "miss", "record"]
        assert verify() == []


def test_refused_sweeps_write_nothing(app, world):
    with app.app_context():
        clock.set_now(WEDNESDAY)
        data = {"held_on": date(2026, 3, 4), "checked": ["disputes"], "findings": "未发现矛盾纠纷"}
        count = len(ff.events("sweep"))
        with force_locale("en"), pytest.raises(engine.Forbidden, match="Only the mediators and grid workers of this community"):
            service.record(_user(world.outsider), "community", world.street, world.c1, data)
        with force_locale("en"), pytest.raises(engine.Forbidden, match="street's supervisors"):
            service.record(_user(world.mediator), "street", world.street, None, data)
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="future"):
            service.record(_user(world.worker), "community", world.street, world.c1,
                           dict(data, held_on=date(2026, 3, 5)))
        assert len(ff.events("sweep")) == count
        assert {s.state for s in ff.sweeps()} == {"planned"}
        # The street sweep is the supervisors' and coordinators'.
        done = service.record(_user(world.coordinator), "street", world.street, None, data)
        assert done.level == "street" and done.state == "done"


def test_a_record_for_a_period_never_planned_creates_its_sweep_first(app, world):
    with app.app_context():
        clock.set_now(WEDNESDAY)
        old = service.record(_user(world.worker), "community", world.street, world.c1,
                             {"held_on": date(2026, 2, 18), "checked": ["family"], "findings": "补录"})
        assert (old.period_start, old.period_end, old.state) == (date(2026, 2, 16), date(2026, 2, 22), "done")
        assert [e.trigger for e in ff.events("sweep", old.id)] == ["create", "record"]


def test_periods_are_settings(app, world):
    app.config["SWEEP_PERIODS"] = {"community": "month", "street": "week"}
    with app.app_context():
        assert period_of("month", date(2026, 2, 14)).last == date(2026, 2, 28)
        assert tick(now=APRIL).jobs["sweeps planned"] == 3
        april = [s for s in ff.sweeps() if s.period_start >= date(2026, 3, 30)]
        assert {(s.level, s.period_start) for s in april} == {
            ("community", date(2026, 4, 1)), ("street", date(2026, 3, 30))}


# Through the web ---------------------------------------------------------------

def english(client):
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})


def record_form(client, **changes):
    page = client.get("/sweeps/record").get_data(as_text=True)
    place = re.search(r'<option selected value="([^"]+)"', page) or re.search(r'<option value="([^"]+)"', page)
    data = {"csrf_token": csrf(page), "place": place.group(1), "held_on": "2026-03-04",
            "checked": ["disputes", "property"], "participants": "网格员、社区民警",
            "findings": "3号楼两户因停车位发生争执，已登记。"}
    data.update(changes)
    return data


def test_recording_a_sweep_through_the_web_and_a_community_outside_the_scope(client, app, world):
    clock.set_now(WEDNESDAY)
    login(client, world.worker)
    english(client)
    page = client.get("/sweeps/")
    assert page.status_code == 200 and 'id="deadline-legend"' in page.get_data(as_text=True)
    # Another community's id, sent by hand: refused with a message, nothing written.
    answer = client.post("/sweeps/record", data=record_form(client, place=f"community:{world.c2}"))
    assert answer.status_code == 403
    assert "Only the mediators and grid workers of this community may record its sweeps." in answer.get_data(
        as_text=True)
    for changes, status, message in [({"place": "community:99999"}, 422, "Choose where the sweep was held."),
                                     ({"held_on": "2026-03-05"}, 422, "The sweep cannot be dated in the future."),
                                     ({"checked": []}, 422, "Tick at least one thing that was checked."),
                                     ({"findings": ""}, 422, "This field is required.")]:
        answer = client.post("/sweeps/record", data=record_form(client, **changes))
        assert answer.status_code == status, changes
        assert message in answer.get_data(as_text=True), changes
    with app.app_context():
        assert {s.state for s in ff.sweeps()} == {"planned"}
    answer = client.post("/sweeps/record", data=record_form(client))
    assert answer.status_code == 302
    sweep_page = client.get(answer.location).get_data(as_text=True)
    assert 'id="sweep-state">Done' in sweep_page and "3号楼两户因停车位发生争执" in sweep_page
    again = client.post("/sweeps/record", data=record_form(client))
    assert again.status_code == 409 and "already recorded" in again.get_data(as_text=True)


def test_a_dispute_found_in_a_sweep_is_registered_with_channel_sweep_and_linked(client, app, world):
    clock.set_now(WEDNESDAY)
    with app.app_context():
        sweep_id = ff.sweeps(community_id=world.c1)[0].id
        other_sweep = ff.sweeps(community_id=world.c2)[0].id
    login(client, world.worker)
    page = client.get(f"/sweeps/{sweep_id}/register").get_data(as_text=True)
    assert 'name="channel"' not in page  # the channel is the sweep's
    data = {"csrf_token": csrf(page), "submission_token": re.search(
        r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1),
        "dispute_type": "parking", "grid_id": re.search(r'name="grid_id"[^>]*>\s*<option[^>]*value="(\d+)"',
                                                        page).group(1),
        "facts": "两户因车位归属争执。", "applicant_name": "赵一", "risk": "low"}
    answer = client.post(f"/sweeps/{sweep_id}/register", data=data)
    assert answer.status_code == 302
    with app.app_context():
        [case] = db.session.execute(select(Dispute).where(Dispute.sweep_id == sweep_id)).scalars().all()
        assert (case.channel, case.state, case.community_id) == ("sweep", "submitted", world.c1)
        assert ff.events("dispute", case.id)[0].trigger == "create"
    # Sent twice: still one case.
    assert client.post(f"/sweeps/{sweep_id}/register", data=data).status_code == 302
    sweep_page = client.get(f"/sweeps/{sweep_id}").get_data(as_text=True)
    assert sweep_page.count("两户因车位归属争执。") == 1
    case_page = client.get(answer.location).get_data(as_text=True)
    assert 'id="found-in-sweep"' in case_page
    # Another community's sweep is not theirs to see.
    assert client.get(f"/sweeps/{other_sweep}").status_code == 404
    assert client.get(f"/sweeps/{other_sweep}/register").status_code == 404
    with app.app_context():
        assert db.session.execute(select(Dispute.id).where(Dispute.sweep_id == other_sweep)).first() is None


def test_who_sees_which_sweeps(client, app, world):
    with app.app_context():
        c1_sweep = ff.sweeps(community_id=world.c1)[0].id
        street_sweep = ff.sweeps(level="street")[0].id
    login(client, world.sup)
    listing = client.get("/sweeps/").get_data(as_text=True)
    assert len(re.findall(r'data-sweep="\d+"', listing)) == 3
    token = csrf(listing)
    client.post("/logout", data={"csrf_token": token})
    login(client, world.mediator)
    listing = client.get("/sweeps/").get_data(as_text=True)
    assert sorted(map(int, re.findall(r'data-sweep="(\d+)"', listing))) == sorted([c1_sweep, street_sweep])
    assert 'id="record-this-sweep"' not in client.get(f"/sweeps/{street_sweep}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(listing)})
    login(client, world.elder)
    assert client.get("/sweeps/").status_code == 403
    assert client.get(f"/sweeps/{c1_sweep}").status_code == 403


def test_the_sweep_list_filters_by_colour(client, app, world):
    clock.set_now(NEXT_MONDAY + timedelta(hours=1))
    with app.app_context():
        tick()
    login(client, world.sup)
    red = client.get("/sweeps/?colour=red").get_data(as_text=True)
    assert set(re.findall(r'data-state="(\w+)" data-colour="red"', red)) == {"missed"}
    assert len(re.findall(r'data-sweep="\d+"', red)) == 2
    urgent = client.get("/sweeps/?sort=urgency").get_data(as_text=True)
    assert re.findall(r'data-colour="(\w+)"', urgent)[:2] == ["red", "red"]
    assert client.get("/sweeps/?colour=x&community=abc&sort=1").status_code == 200
