"""Issue 6 in a real browser, on a phone: a mediator records an agreement;
the clock moves on and the timer runs; the follow-up appears as due on the
mediator's today page, then, left undone, as overdue in red; the visit is
recorded "not performed" and the case shows as breached (未履行).

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set; ends with
the audit log verified. New gettext strings are not relied on: elements are
found by id, name and data attributes; states and actions are the
workflows' Chinese labels.
"""
import re
from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from tests import factories as f
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    PHONE, chromium, expect_no_sideways_scroll, fire, live_server, log_in, pages, people, screenshot, submit,
)

AGREED = datetime(2026, 3, 2, 2, 0)      # 10:00 on Monday 2 March 2026, Shanghai
DUE = datetime(2026, 3, 9, 1, 0)         # 09:00 on 9 March: the 7-day follow-up is due
LATE = datetime(2026, 3, 12, 2, 0)       # 10:00 on 12 March: its three days have passed

AGREEMENT = {
    "main_facts": "楼上卫生间漏水，致楼下天花板受损。",
    "matters": "维修费用由谁承担。",
    "responsibilities": "楼上住户负全部责任。",
    "terms": "楼上住户于三月二十日前赔偿楼下住户维修费两千元。",
    "perform_how": "一次性现金支付",
    "perform_where": "社区人民调解委员会调解室",
}


def run_timer(app, now):
    clock.set_now(now)
    with app.app_context():
        tick(now=now)
        db.session.remove()


def test_a_follow_up_comes_due_goes_red_and_its_visit_breaches_the_case(pages, people, app, backend):
    clock.set_now(AGREED)
    with app.app_context():
        mediator = db.session.execute(select(f.User).where(f.User.username == people.mediator)).scalar_one()
        case = f.dispute(mediator, mediator.community.grids[0], now=AGREED)
        f.walk(case, mediator, "accept", "assign", "start_mediation", now=AGREED)
        case_id = case.id
        db.session.remove()

    page = pages.open(**PHONE)
    log_in(page, people.mediator, people.password)
    page.goto(f"/cases/{case_id}")
    fire(page, "agree", "达成调解协议 → 达成协议", dict(AGREEMENT, form={"value": "written"}, perform_by="2026-03-20"))
    expect(page.locator("#case-state")).to_have_text("达成协议")
    planned = page.locator("#followup-list [data-followup]")
    expect(planned).to_have_count(2)  # 7 days after, and on the performance deadline
    expect(planned.first).to_have_attribute("data-state", "scheduled")
    expect(planned.first).to_contain_text("协议后回访")
    followup_id = planned.first.get_attribute("data-followup")
    expect_no_sideways_scroll(page)

    # A week later the timer makes it due: it is on the mediator's today page, under today.
    run_timer(app, DUE)
    page.locator(".navbar-toggler").click()  # the menu is folded on a phone
    page.locator("#nav-today").click()
    expect(page).to_have_url(re.compile(r"/today$"))
    due_item = page.locator(f'#today-today-items a[href="/followups/{followup_id}"]')
    expect(due_item).to_have_count(1)
    expect(due_item).to_have_attribute("data-colour", "blue")
    expect(due_item).to_contain_text("待回访")
    expect(page.locator("#today-overdue-items a")).to_have_count(0)
    expect_no_sideways_scroll(page)
    screenshot(page, "today-due-phone", backend)

    # Nobody went. Three days on it is overdue: red, at the top of the page.
    run_timer(app, LATE)
    page.reload()
    late_item = page.locator(f'#today-overdue-items a[href="/followups/{followup_id}"]')
    expect(late_item).to_have_count(1)
    expect(late_item).to_have_attribute("data-colour", "red")
    expect(late_item).to_have_class(re.compile(r"\bdeadline-red\b"))
    expect(late_item).to_have_css("border-left-color", "rgb(220, 53, 69)")
    expect(late_item).to_contain_text("逾期未回访")
    screenshot(page, "today-overdue-phone", backend)

    # The mediator phones the respondent: the money has not been paid.
    late_item.click()
    expect(page).to_have_url(re.compile(rf"/followups/{followup_id}$"))
    expect(page.locator("#followup-state")).to_have_text("逾期未回访")
    expect(page.locator('#followup-state + [data-colour="red"]')).to_be_visible()
    form = page.locator("#visit-form")
    expect(form.locator('[name="visited_on"]')).to_have_value("2026-03-12")
    form.locator('[name="method"]').select_option("phone")
    form.locator('[name="reached"]').fill("被申请人本人")
    form.locator('[name="fulfilment"]').select_option("not")
    form.locator('[name="notes"]').fill("被申请人称下月才能支付。")
    expect_no_sideways_scroll(page)
    submit(page, form.locator("#record-visit"))

    # Back on the case: not performed (未履行), the follow-up done, both steps in the history.
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}#followups$"))
    expect(page.locator("#case-state")).to_have_text("未履行")
    row = page.locator(f'#followup-list [data-followup="{followup_id}"]')
    expect(row).to_have_attribute("data-state", "done")
    expect(row).to_contain_text("未履行")
    timeline = page.locator("#timeline > li")
    expect(timeline.nth(0).locator("strong")).to_have_text("记录回访")
    expect(timeline.nth(0)).to_contain_text("逾期未回访 → 已回访")
    expect(timeline.nth(1).locator("strong")).to_have_text("记录未履行")
    expect(timeline.nth(1)).to_contain_text("履行中 → 未履行")
    expect_no_sideways_scroll(page)
    screenshot(page, "case-breached-phone", backend)

    # Done: it has left the today page.
    page.goto("/today")
    expect(page.locator(f'a[href="/followups/{followup_id}"]')).to_have_count(0)

    assert pages.problems == []
    with app.app_context():
        assert verify() == []


def test_a_fully_performed_visit_confirms_the_case_performed_with_the_box_left_ticked(pages, people, app, backend):
    """The box to confirm the agreement performed comes ticked, shown once
    the result chosen is "fully performed": the mediator records it and the
    case is fulfilled, its other planned
    follow-up cancelled, all three steps in the history."""
    clock.set_now(AGREED)
    with app.app_context():
        mediator = db.session.execute(select(f.User).where(f.User.username == people.mediator)).scalar_one()
        case = f.dispute(mediator, mediator.community.grids[0], now=AGREED)
        f.walk(case, mediator, "accept", "assign", "start_mediation", now=AGREED)
        case_id = case.id
        db.session.remove()

    page = pages.open(**PHONE)
    log_in(page, people.mediator, people.password)
    page.goto(f"/cases/{case_id}")
    fire(page, "agree", "达成调解协议 → 达成协议", dict(AGREEMENT, form={"value": "written"}, perform_by="2026-03-20"))
    planned = page.locator("#followup-list [data-followup]")
    expect(planned).to_have_count(2)
    first_id, other_id = (planned.nth(i).get_attribute("data-followup") for i in range(2))

    run_timer(app, DUE)
    page.goto(f"/followups/{first_id}")
    form = page.locator("#visit-form")
    box = form.locator('[name="mark_fulfilled"]')
    # Shown only beside the result "fully performed" (hidden, it is disabled: not sent with another result).
    expect(box).to_be_hidden()
    form.locator('[name="fulfilment"]').select_option("partly")
    expect(box).to_be_hidden()
    expect(box).to_be_disabled()
    form.locator('[name="method"]').select_option("phone")
    form.locator('[name="reached"]').fill("申请人本人")
    form.locator('[name="fulfilment"]').select_option("fully")
    expect(box).to_be_visible()
    expect(box).to_be_enabled()
    expect(box).to_be_checked()
    expect_no_sideways_scroll(page)
    submit(page, form.locator("#record-visit"))

    expect(page).to_have_url(re.compile(rf"/cases/{case_id}#followups$"))
    expect(page.locator("#case-state")).to_have_text("已履行")
    expect(page.locator(f'#followup-list [data-followup="{first_id}"]')).to_have_attribute("data-state", "done")
    expect(page.locator(f'#followup-list [data-followup="{other_id}"]')).to_have_attribute("data-state",
                                                                                          "cancelled")
    steps = page.locator("#timeline > li strong")
    expect(steps.nth(0)).to_have_text("记录回访")
    expect(steps.nth(1)).to_have_text("确认已履行")
    expect(steps.filter(has_text="进入履行")).to_have_count(1)
    screenshot(page, "case-fulfilled-by-visit-phone", backend)

    assert pages.problems == []
    with app.app_context():
        assert verify() == []
