"""The demo's follow-ups for the demo mediator: one visit per case and day, so that the today page lists each
visit once (a demo mediator's /today showed one case's follow-up twice: the extra visit the demo planned fell
on the day the case's agreement had planned its own)."""
import re
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.engine.timers import tick
from app.extensions import db
from app.followups import demo
from app.followups.models import FollowUp
from tests import factories as f
from tests import factories_followups as ff
from tests.factories import login

NOW = datetime(2026, 6, 15, 2, 0)  # 10:00 on 15 June, Shanghai


def test_the_demo_plans_no_second_visit_on_a_day_a_case_has_one(app, client):
    with app.app_context():
        clock.set_now(NOW)
        street, (c1, _), grids = f.org()
        mediator = f.user("mediator", community=c1, username="mediator")
        # Agreements whose own follow-up (7 days on) falls today, 4 and 6 days ago: the days the demo plans
        # its extra visits for, in the same order; and one whose visit is long overdue.
        for days in (7, 11, 13, 20):
            ff.agreed_case(mediator, grids[0], NOW - timedelta(days=days), perform_by=None)
        assert demo._demo_mediator_work(NOW) == 3
        tick(now=NOW, only={"followup"}, jobs=False)
        rows = db.session.execute(select(FollowUp.dispute_id, FollowUp.planned_for)).all()
        assert len(rows) == 7  # four agreements' visits and three extra ones
        assert max(Counter(rows).values()) == 1, rows
        db.session.remove()
    login(client, "mediator")
    page = client.get("/today").get_data(as_text=True)
    # Each visit once: its case and planned day (the item's title and detail) on one item of the page.
    items = re.findall(r'data-kind="followup".*?<strong>(.*?)</strong>.*?<div class="small text-muted">(.*?)</div>',
                       page, re.S)
    assert len(items) == len(set(items)) == 7, items
