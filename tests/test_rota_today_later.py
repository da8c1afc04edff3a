"""The coordinator's today page puts a swap to approve under the section of
its due date: one whose duty is weeks away is "later", not "this week"."""
from datetime import timedelta

from sqlalchemy import select

from app import engine
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty
from app.rota.swaps import request_swap
from tests import factories as f, factories_rota as fr


def test_a_swap_due_in_seven_weeks_is_not_this_weeks_work(app):
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=3, seats=1)
        last = fr.FIRST_SATURDAY + timedelta(weeks=8)
        planning.generate(fr.FIRST_SATURDAY, last, coordinator)
        planning.publish(fr.FIRST_SATURDAY, last, coordinator)
        first = db.session.execute(select(Duty).where(Duty.day == fr.FIRST_SATURDAY)).scalar_one()
        (a, a_user), (b, b_user) = [p for p in people if p[0].id == first.lawyer_id] + [
            p for p in people if p[0].id != first.lawyer_id][:1]
        duties = db.session.execute(select(Duty).where(Duty.lawyer_id == a.id).order_by(Duty.day)).scalars().all()
        far, near = duties[-1], duties[0]
        assert far.day - fr.TODAY > timedelta(weeks=6) and near.day - fr.TODAY <= timedelta(days=7)
        far_swap = request_swap(far, a, b, "", a_user)
        engine.fire(far_swap, "accept", b_user)
        near_swap = request_swap(near, a, b, "", a_user)
        engine.fire(near_swap, "accept", b_user)
        username, far_id, near_id = coordinator.username, far_swap.id, near_swap.id
        db.session.remove()
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    page = client.get("/today").get_data(as_text=True)
    week = page.split('id="today-week-items"')[1].split("</section>")[0]
    later = page.split('id="today-later-items"')[1].split("</section>")[0]
    assert f"#swap-{near_id}" in week and f"#swap-{far_id}" not in week
    assert f"#swap-{far_id}" in later
