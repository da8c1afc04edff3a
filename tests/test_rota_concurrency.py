"""Two people at once on the rota: one wins, the other is told, nothing is
doubled."""
from datetime import timedelta

from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty, DutyRelease, SwapRequest
from app.rota.swaps import request_swap
from tests import factories as f, factories_rota as fr
from tests.test_concurrency import run_together


def test_two_colleagues_taking_one_open_swap_at_once_one_wins(app):
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=4, seats=1)
        planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
        planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
        duty = db.session.execute(select(Duty)).scalar_one()
        asker = next((lw, u) for lw, u in people if lw.id == duty.lawyer_id)
        takers = [u.id for lw, u in people if lw.id != duty.lawyer_id][:2]
        swap_id = request_swap(duty, asker[0], None, "", asker[1]).id
        coordinator_id, duty_id = coordinator.id, duty.id

    def take(user_id):
        def job():
            swap = db.session.get(SwapRequest, swap_id)
            engine.fire(swap, "accept", db.session.get(User, user_id), expected_version=1)
            return user_id
        return job

    results = run_together(app, take(takers[0]), take(takers[1]))
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    [error] = [value for kind, value in results if kind == "error"]
    assert isinstance(error, engine.Conflict) and error.status == 409

    def approve():
        swap = db.session.get(SwapRequest, swap_id)
        engine.fire(swap, "approve", db.session.get(User, coordinator_id), expected_version=2)

    results = run_together(app, approve, approve)  # a double click, or two coordinators
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    with app.app_context():
        swap = db.session.get(SwapRequest, swap_id)
        assert swap.state == "approved"
        assert db.session.get(Duty, duty_id).lawyer_id == swap.taker_id
        assert db.session.execute(select(func.count(DutyRelease.id))).scalar() == 1
        assert db.session.execute(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "lawyer_duty", AuditEvent.trigger == "swapped")).scalar() == 1
        assert verify() == []


def test_two_coordinators_planning_at_once_never_put_two_duties_on_one_seat(app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=5, seats=2)
        other = f.user("coordinator")
        ids = (coordinator.id, other.id)
    last = fr.FIRST_SATURDAY + timedelta(weeks=6)

    def plan(user_id):
        def job():
            return planning.generate(fr.FIRST_SATURDAY, last, db.session.get(User, user_id)).created
        return job

    results = run_together(app, plan(ids[0]), plan(ids[1]))
    for kind, value in results:
        assert kind == "ok" or (isinstance(value, engine.Refused) and value.status == 409), value
    with app.app_context():
        live = db.session.execute(select(Duty.day, Duty.room_id, Duty.seat).where(Duty.state == "planned")).all()
        assert len(live) == len(set(live)) == 2 * 7
        assert verify() == []


def test_marking_a_date_twice_at_once_is_not_a_500(app):
    """A double click on "mark unavailable": both answers are pages, the date is kept once."""
    import threading

    from app.rota.models import Unavailable

    with app.app_context():
        _coordinator, _room, people = fr.rota_world(lawyers=2, seats=1)
        username = people[0][1].username
        lawyer_id = people[0][0].id
    clients = []
    for _ in range(2):
        client = app.test_client()
        f.login(client, username)
        clients.append((client, f.csrf(client.get("/rota/mine").get_data(as_text=True))))
    day = (fr.FIRST_SATURDAY + timedelta(weeks=10)).isoformat()
    barrier = threading.Barrier(2)
    answers = [None, None]

    def post(i):
        client, token = clients[i]
        barrier.wait()
        try:
            answers[i] = client.post("/rota/mine/unavailable", data={"csrf_token": token, "day": day}).status_code
        except Exception as error:  # a 500 surfaces here in testing
            answers[i] = error

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [302, 302]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unavailable)
                                 .where(Unavailable.lawyer_id == lawyer_id)) == 1


def _post_together(app, username, page, url, data, times=2):
    """The same form sent twice at the same moment (a double click, two tabs)."""
    import threading

    clients = []
    for _ in range(times):
        client = app.test_client()
        f.login(client, username)
        clients.append((client, f.csrf(client.get(page).get_data(as_text=True))))
    barrier = threading.Barrier(times)
    answers = [None] * times

    def post(i):
        client, token = clients[i]
        barrier.wait()
        try:
            answers[i] = client.post(url, data=dict(data, csrf_token=token)).status_code
        except Exception as error:  # a 500 surfaces here in testing
            answers[i] = error

    threads = [threading.Thread(target=post, args=(i,)) for i in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_one_swap_request_per_duty_even_when_sent_twice_at_once(app):
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=3, seats=1)
        planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
        planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
        duty = db.session.execute(select(Duty)).scalar_one()
        owner = next(u.username for lw, u in people if lw.id == duty.lawyer_id)
        duty_id = duty.id
    answers = _post_together(app, owner, f"/rota/duties/{duty_id}", f"/rota/duties/{duty_id}/swap",
                             {"target_id": "0", "note": ""})
    assert sorted(answers) == [302, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SwapRequest)) == 1


def test_overlapping_holidays_sent_at_once_are_kept_once(app):
    from app.rota.models import Holiday

    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
        username = coordinator.username
    answers = _post_together(app, username, "/rota/holidays", "/rota/holidays",
                             {"name": "劳动节", "first_day": "2027-05-01", "last_day": "2027-05-05"})
    assert sorted(answers) == [302, 422]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Holiday)) == 1
