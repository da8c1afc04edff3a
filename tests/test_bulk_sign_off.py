"""Signing off several closures at once (issue 16, item 9): each closure
is its own audited step, checked for version; a stale or foreign one is
refused by name while the others go through."""
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.supervision.models import SignOff
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        mediator = fs.user_named(w.m_a1)
        w.cases = [fs.closed_case(mediator, fs.grid(w.grid_a1)).id for _ in range(4)]
        w.foreign = fs.closed_case(fs.user_named(w.m_b1), fs.grid(w.grid_b1)).id
        w.reviews = {case: fs.review_of(db.session.get(Dispute, case)).id for case in w.cases + [w.foreign]}
        db.session.remove()
    return w


def ticks(html):
    return dict(re.findall(r'name="review" value="(\d+):(\d+)"', html))


def sign_off_events(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent.entity_id).where(
            AuditEvent.entity_type == "signoff", AuditEvent.trigger == "sign_off")).scalars().all()


def test_three_closures_signed_off_at_once_write_three_audited_steps(client, app, world):
    login(client, world.sup_a)
    page = client.get("/supervision/closures/sign-off")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = ticks(html)
    assert set(shown) == {str(world.reviews[c]) for c in world.cases}  # street A's four, not street B's
    chosen = [world.reviews[c] for c in world.cases[:3]]
    response = client.post("/supervision/closures/sign-off", data={
        "csrf_token": csrf(html), "comment": "材料齐全，同意结案",
        "review": [f"{r}:{shown[str(r)]}" for r in chosen]}, follow_redirects=True)
    assert response.status_code == 200
    assert "3" in re.search(r'alert-success[^>]*>(.*?)<', response.get_data(as_text=True), re.S).group(1)
    assert sorted(sign_off_events(app)) == sorted(chosen)
    with app.app_context():
        states = {r.id: (r.state, r.comment, r.decided_by_id) for r in db.session.query(SignOff)}
        for r in chosen:
            assert states[r] == ("signed_off", "材料齐全，同意结案", world.sup_a_id)
        assert states[world.reviews[world.cases[3]]][0] == "awaiting"
        assert verify() == []
    # The page now lists only the one left.
    assert set(ticks(client.get("/supervision/closures/sign-off").get_data(as_text=True))) == {
        str(world.reviews[world.cases[3]])}


def test_a_stale_or_foreign_review_is_refused_and_the_others_go_through(client, app, world):
    login(client, world.sup_a)
    html = client.get("/supervision/closures/sign-off").get_data(as_text=True)
    shown = ticks(html)
    first, second = (world.reviews[c] for c in world.cases[:2])
    with app.app_context():  # a colleague signs the first off meanwhile
        fs.sign_off(db.session.get(Dispute, world.cases[0]), f.user("supervisor", street=db.session.get(
            Dispute, world.cases[0]).community.street))
        db.session.remove()
    response = client.post("/supervision/closures/sign-off", data={
        "csrf_token": csrf(html), "review": [f"{first}:{shown[str(first)]}", f"{second}:{shown[str(second)]}",
                                             f"{world.reviews[world.foreign]}:1"]}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(re.findall(r"alert-warning", text)) == 2  # the stale one and street B's
    assert sorted(sign_off_events(app)) == sorted([first, second])  # the colleague's and ours, once each
    with app.app_context():
        assert db.session.get(SignOff, world.reviews[world.foreign]).state == "awaiting"


def test_bad_input_and_roles(client, app, world):
    login(client, world.sup_a)
    html = client.get("/supervision/closures/sign-off").get_data(as_text=True)
    assert client.post("/supervision/closures/sign-off", data={"csrf_token": csrf(html)}).status_code == 422
    assert client.post("/supervision/closures/sign-off", data={
        "csrf_token": csrf(html), "review": ["1:x"]}).status_code == 400
    assert client.post("/supervision/closures/sign-off", data={"review": ["1:1"]}).status_code == 400  # no CSRF
    assert sign_off_events(app) == []
    other = app.test_client()
    login(other, world.m_a1)
    assert other.get("/supervision/closures/sign-off").status_code == 403


def test_the_page_counts_every_closure_waiting_and_says_it_lists_the_first(client, world, monkeypatch):
    """More waiting than the page lists: the real count, as the closure
    history's badge gives it, and the list said to be the first of them."""
    from app.supervision import bulk

    monkeypatch.setattr(bulk, "LIMIT", 3)
    login(client, world.sup_a)
    html = client.get("/supervision/closures/sign-off").get_data(as_text=True)
    assert len(ticks(html)) == 3
    assert re.search(r'id="awaiting-total">\(4\)<', html)  # street A's four, not "(3+)"
    assert re.search(r'id="awaiting-shown">[^<]*3[^<]*4', html)
    history = client.get("/supervision/closures").get_data(as_text=True)
    assert re.search(r'id="awaiting-link"[^>]*>[^<]*<span class="badge[^"]*">4<', history)


def test_the_form_can_be_sent_from_above_the_list_too(client, world):
    login(client, world.sup_a)
    html = client.get("/supervision/closures/sign-off").get_data(as_text=True)
    assert "(4)" in html and 'id="awaiting-shown"' not in html  # all listed: nothing more to say
    form = re.search(r'<form[^>]*id="bulk-sign-off".*?</form>', html, re.S).group(0)
    top, bottom = form.index('id="bulk-sign-off-top"'), form.index('id="bulk-sign-off-button"')
    assert top < form.index('id="awaiting-list"') < bottom  # both in the one form, one above, one below
    # The box ticking all of them needs a script: hidden without one, and never sent as a review.
    assert re.search(r'<div[^>]*id="select-all-box"[^>]*hidden', form)
    assert 'name="review" ' not in re.search(r'<input[^>]*id="select-all"[^>]*>', form).group(0)
