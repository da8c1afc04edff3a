"""Defects found by a second reading of follow-ups and supervision."""
import pytest

from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        w.case_a = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1)).id
        db.session.remove()
        return w


@pytest.mark.parametrize("events", ["-5", "1e3", "١٢"])
def test_a_digest_with_a_negative_or_odd_count_is_not_a_digest(client, world, events):
    login(client, world.sup_a)
    r = client.get("/audit/verify", query_string={"digest": f"audit-digest events={events} head=" + "a" * 64})
    assert r.status_code == 422
