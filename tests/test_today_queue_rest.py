"""A long queue on the "today" page: the first rows are listed, the rest are
counted in their sections and lead to the whole queue, so that no section's
count leaves anything out (a supervisor with 201 overdue reviews read "63")."""
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
from tests.factories import login


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


def test_the_rest_of_a_long_review_queue_is_counted_in_its_sections_and_leads_to_the_queue(
        client, world, monkeypatch):
    monkeypatch.setattr(review_provider, "LIMIT", 2)
    login(client, world.sup_a)
    html = client.get("/today").get_data(as_text=True)
    assert (badge(html, "overdue"), badge(html, "today"), badge(html, "week")) == (3, 1, 2)
    overdue = items(html, "overdue")
    assert len(overdue) == 3 and all(url.startswith("/supervision/cases/") for url in overdue[:2])
    assert overdue[2] == "/supervision/closures/sign-off"
    assert items(html, "today") == ["/supervision/closures/sign-off"]
    assert items(html, "week") == ["/supervision/closures/sign-off"]
    rest = re.findall(r"<strong>(另有 \d+ 件结案待审核[^<]*)</strong>", html)
    assert rest == ["另有 1 件结案待审核：请到“批量审核结案”查看"] * 2 + ["另有 2 件结案待审核：请到“批量审核结案”查看"]


def test_a_queue_within_the_limit_lists_every_review_and_no_rest(client, world):
    login(client, world.sup_a)
    html = client.get("/today").get_data(as_text=True)
    assert (badge(html, "overdue"), badge(html, "today"), badge(html, "week")) == (3, 1, 2)
    listed = [url for section in ("overdue", "today", "week") for url in items(html, section)]
    assert len(listed) == 6 and "/supervision/closures/sign-off" not in listed


def test_the_city_supervisor_s_counts_take_in_every_street(client, world, monkeypatch):
    monkeypatch.setattr(review_provider, "LIMIT", 1)
    login(client, world.sup_city)
    html = client.get("/today").get_data(as_text=True)
    assert (badge(html, "overdue"), badge(html, "today"), badge(html, "week")) == (4, 1, 2)


def test_the_provider_s_items_stand_for_every_review_in_scope_once(app, world, monkeypatch):
    monkeypatch.setattr(review_provider, "LIMIT", 2)
    with app.test_request_context():
        user = fs.user_named(world.sup_a)
        listed = review_provider.reviews_due(user, clock.now(), clock.now() + timedelta(days=7))
        assert [item.count for item in listed] == [1, 1, 1, 1, 2]
        assert sum(item.count for item in listed) == db.session.query(SignOff).join(
            Dispute, Dispute.id == SignOff.dispute_id).filter(SignOff.street_id == user.street_id).count()


def test_the_reviews_listed_cost_one_statement_whatever_their_number(client, app, world, monkeypatch):
    """The reviews' cases are read with them: a queue of 50 sent 50 more statements, one per case."""
    from tests.test_statement_budgets import counted

    login(client, world.sup_a)
    sent = {}
    for limit in (1, 5):
        monkeypatch.setattr(review_provider, "LIMIT", limit)
        with counted(app) as statements:
            assert client.get("/today").status_code == 200
        sent[limit] = len([s for s in statements if "disputes" in s])
    assert sent[5] == sent[1]
