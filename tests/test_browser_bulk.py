"""Issue 16, item 9 in a real browser: a street supervisor ticks three
closures and signs them off with one click; three audited steps are written."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, pages, submit,
)


def test_a_supervisor_signs_off_three_closures_at_once(pages, app, backend):
    with app.app_context():
        w = fs.two_streets()
        cases = [fs.closed_case(fs.user_named(w.m_a1), fs.grid(w.grid_a1)).id for _ in range(3)]
        reviews = sorted(fs.review_of(db.session.get(Dispute, c)).id for c in cases)
        db.session.remove()

    page = pages.open(**PHONE)
    log_in(page, w.sup_a, f.PASSWORD, lands_on=r"/supervision/closures$")
    page.goto("/supervision/closures")
    page.locator("#bulk-sign-off-link").click()
    expect(page).to_have_url(re.compile(r"/supervision/closures/sign-off$"))
    boxes = page.locator('#awaiting-list input[name="review"]')
    expect(boxes).to_have_count(3)
    expect_no_sideways_scroll(page)
    for box in boxes.all():
        box.check()
    page.locator("#bulk-comment").fill("材料齐全")
    submit(page, page.locator("#bulk-sign-off-button"))
    expect(page.locator(".alert-success")).to_contain_text("3")
    expect(page.locator("#nothing-awaiting")).to_be_visible()
    assert pages.problems == []

    with app.app_context():
        events = db.session.execute(select(AuditEvent.entity_id, AuditEvent.actor_id).where(
            AuditEvent.entity_type == "signoff", AuditEvent.trigger == "sign_off")).all()
        assert sorted(e.entity_id for e in events) == reviews
        assert {e.actor_id for e in events} == {w.sup_a_id}
        assert verify() == []


def test_one_box_ticks_every_listed_closure_and_the_top_button_signs_them_off(pages, app, backend):
    with app.app_context():
        w = fs.two_streets()
        cases = [fs.closed_case(fs.user_named(w.m_a1), fs.grid(w.grid_a1)).id for _ in range(3)]
        db.session.remove()

    page = pages.open(**DESKTOP)
    log_in(page, w.sup_a, f.PASSWORD, lands_on=r"/supervision/closures$")
    page.goto("/supervision/closures/sign-off")
    boxes = page.locator('#awaiting-list input[name="review"]')
    everything = page.locator("#select-all")
    expect(everything).to_be_visible()
    boxes.nth(0).check()
    expect(everything).to_have_js_property("indeterminate", True)  # some ticked: mixed
    everything.check()
    for box in boxes.all():
        expect(box).to_be_checked()
    everything.uncheck()
    expect(boxes.nth(2)).not_to_be_checked()
    # Found by its name, as a screen reader says it.
    page.get_by_role("checkbox", name=re.compile("Tick all 3|勾选.*3")).check()
    submit(page, page.locator("#bulk-sign-off-top"))
    expect(page.locator(".alert-success")).to_contain_text("3")
    assert pages.problems == []
    with app.app_context():
        assert {fs.review_of(db.session.get(Dispute, c)).state for c in cases} == {"signed_off"}
