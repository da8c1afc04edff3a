"""The notifications page: newest first, the unread apart on request (the
few that still ask something, out from under the many read), kept across
pages."""
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import notify
from tests import factories as f
from tests.factories import login


def test_only_the_unread_are_listed_on_request_newest_first(app, client):
    with app.app_context():
        f.org()
        coordinator = f.user("coordinator")
        for n in range(3):
            notify(coordinator.id, "duty_cancelled", entity_type="lawyer_duty", entity_id=n + 1,
                   data={"day": f"2026-12-{12 + 7 * n}", "room": f"工作室{n}"}, now=clock.now())
        db.session.commit()
        oldest = db.session.execute(select(Notification).order_by(Notification.id)).scalars().first()
        oldest.read_at = clock.now()
        db.session.commit()
        username = coordinator.username
    login(client, username)
    everything = client.get("/notifications/").get_data(as_text=True)
    assert everything.index("工作室2") < everything.index("工作室1") < everything.index("工作室0")
    unread = client.get("/notifications/?unread=1").get_data(as_text=True)
    assert "工作室2" in unread and "工作室1" in unread and "工作室0" not in unread
    assert 'id="only-unread"' in unread and 'aria-current="page"' in unread
    client.post("/notifications/read", data={"csrf_token": f.csrf(unread)})
    none_left = client.get("/notifications/?unread=1").get_data(as_text=True)
    assert 'data-notification=' not in none_left and "没有未读通知" in none_left
