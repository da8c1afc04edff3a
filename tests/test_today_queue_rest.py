"""A supervisor's review queue on the "today" page: folded into one line a
section, counting the section's reviews and leading to the page that signs
several off, so that no section's count leaves anything out (a supervisor
with 201 overdue reviews read "63") and a year of reviews does not push what
needs acting on now screens down (test_today_escalations.py)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app import clock
from app.disputes.models import Dispute
from app.extensions import db
from app.supervision import today as review_provider
from app.supervision.models import SignOff
from tests import factories_supervision as fs
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    """Six closures of street A awaiting review: three overdue, one due
    later today, two later this week; one of street B, overdue."""
    with app.app_context():
        w = fs.two_streets()
        mediator = fs.user_named(w.m_a1)
        now = clock.now()
        end_of_today = clock.day_start(clock.local_date(now) + timedelta(days=1))
        dues = [now - timedelta(days=3), now - timedelta(days=2), now - timedelta(hours=1),
                end_of_today - timedelta(minutes=1), end_of_today + timedelta(days=2),
                end_of_today + timedelta(days=3)]
        for due in dues:
            review = fs.review_of(fs.closed_case(mediator, fs.grid(w.grid_a1)))
            db.session.execute(update(SignOff).where(SignOff.id == review.id).values(
                due_at=due, warn_at=due - timedelta(hours=2)))
        foreign = fs.review_of(fs.closed_case(fs.user_named(w.m_b1), fs.grid(w.grid_b1)))
        db.session.execute(update(SignOff).where(SignOff.id == foreign.id).values(
            due_at=now - timedelta(days=5), warn_at=now - timedelta(days=6)))
        db.session.commit()
        db.session.remove()
    return w


def badge(html, section):
    return int(re.search(rf'id="today-{section}".*?<span class="badge[^"]*">(\d+)</span>', html, re.S).group(1))


def items(html, section):
    block = re.search(rf'id="today-{section}-items">(.*?)</div>\s*</section>', html, re.S).group(1)
    return re.findall(r'<a class="list-group-item[^"]*" href="([^"]+)"', block)


BULK = "/supervision/closures/sign-off"


def test_the_reviews_of_each_section_are_one_line_that_counts_them_and_leads_to_the_bulk_sign_off(client, world):
    login(client, world.sup_a)
    html = client.get("/today").get_data(as_text=True)
    assert (badge(html, "overdue"), badge(html, "today"), badge(html, "week")) == (3, 1, 2)
    for section in ("overdue", "today", "week"):
        assert items(html, section) == [BULK]  # no review listed one by one
    assert "/supervision/cases/" not in html
    client.post("/language/en", data={"csrf_token": csrf(html), "next": "/today"})
    english = client.get("/today").get_data(as_text=True)
    lines = re.findall(r'data-kind="signoff" data-colour="(\w+)">.*?<strong>([^<]*)</strong>', english, re.S)
    assert lines == [("red", "3 closures awaiting review → Sign off several closures"),
                     ("none", "1 closure awaiting review → Sign off several closures"),
                     ("none", "2 closures awaiting review → Sign off several closures")]
    # The line leads to the page that lists them all, the longest waiting first.
    bulk = client.get(BULK).get_data(as_text=True)
    assert len(re.findall(r'name="review" value="\d+:\d+"', bulk)) == 6


def test_the_city_supervisor_s_counts_take_in_every_street(client, world):
    login(client, world.sup_city)
    html = client.get("/today").get_data(as_text=True)
    assert (badge(html, "overdue"), badge(html, "today"), badge(html, "week")) == (4, 1, 2)
    assert items(html, "overdue")[-1] == BULK


def test_a_mediator_has_no_review_line(client, world):
    login(client, world.m_a1)
    assert 'data-kind="signoff"' not in client.get("/today").get_data(as_text=True)


def test_the_provider_s_items_stand_for_every_review_in_scope_once(app, world):
    with app.test_request_context():
        user = fs.user_named(world.sup_a)
        listed = review_provider.reviews_due(user, clock.now(), clock.now() + timedelta(days=7))
        assert [(item.section, item.count) for item in listed] == [("overdue", 3), ("today", 1), ("week", 2)]
        assert sum(item.count for item in listed) == db.session.query(SignOff).join(
            Dispute, Dispute.id == SignOff.dispute_id).filter(SignOff.street_id == user.street_id).count()
        # Not yet due within the period asked for: not counted.
        assert [item.count for item in review_provider.reviews_due(user, clock.now(), clock.now())] == [3]


def test_the_reviews_cost_one_statement_whatever_their_number(client, app, world):
    """The queue is counted by section in one statement, none per review (a queue of 50 once sent
    50 more, one per case)."""
    from tests.test_statement_budgets import counted

    login(client, world.sup_a)

    def review_statements():
        client.get("/today")  # warm
        with counted(app) as statements:
            assert client.get("/today").status_code == 200
        return [s for s in statements if "sign_offs" in s or "signoffs" in s]

    before = review_statements()
    with app.app_context():
        mediator = fs.user_named(world.m_a1)
        for _ in range(4):
            fs.closed_case(mediator, fs.grid(world.grid_a1))
        db.session.remove()
    assert len(review_statements()) == len(before) == 1
