"""Issue 15 in a real browser: a mediator refers a case to 市场监管; the
department's liaison, on a phone, acknowledges and answers; the mediator
returns the answer once with a reason; the liaison answers again; the
mediator accepts it, and only then does the case close.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set; ends with
the audit log verified. Elements are found by id, name and data attributes;
states and actions are the workflows' Chinese labels.
"""
from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_referrals as fr
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    PHONE, chromium, expect_no_sideways_scroll, fire, live_server, log_in, pages, people, screenshot, submit,
)

NOW = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March 2026, Shanghai


def liaison_logs_in(page, username, password):
    log_in(page, username, password, lands_on=r"/referrals/$")  # a liaison lands on their department's referrals


def liaison_step(page, trigger, answer=None):
    if answer is not None:
        page.locator(f"#step-{trigger} textarea[name=answer]").fill(answer)
    submit(page, page.locator(f"#do-{trigger}"))


def test_a_referral_to_market_regulation_is_answered_returned_answered_again_and_accepted(
        pages, people, app, backend):
    clock.set_now(NOW)
    with app.app_context():
        mediator = db.session.execute(select(f.User).where(f.User.username == people.mediator)).scalar_one()
        case = f.dispute(mediator, mediator.community.grids[0], now=NOW,
                         facts="小区底商餐馆油烟直排，楼上住户与店主多次争吵。")
        case_id = case.id
        fr.department("公安")
        market = fr.department("市场监管", ack_hours=24, answer_days=5)
        liaison = f.user("liaison", username="shichang", password=f.PASSWORD)
        liaison.department_id = market.id
        db.session.commit()
        db.session.remove()

    desk = pages.open()
    log_in(desk, people.mediator, people.password)
    desk.goto(f"/cases/{case_id}")
    desk.locator('button[data-bs-target="#refer-panel"]').click()  # the form is fetched when its panel opens
    form = desk.locator("#refer-form")
    form.locator("[name=department_id]").select_option(label="市场监管")
    form.locator("[name=kind]").select_option(value="enforce")
    form.locator("[name=request]").fill("请核查餐馆油烟排放并依法处理，反馈处理结果。")
    submit(desk, desk.locator("#refer"))
    row = desk.locator("#referral-list [data-referral]")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-state", "sent")
    expect(row).to_contain_text("已派单")
    expect(row).to_have_attribute("data-colour", "blue")

    phone = pages.open(**PHONE)
    liaison_logs_in(phone, "shichang", people.password)
    mine = phone.locator("#referral-rows [data-referral]")
    expect(mine).to_have_count(1)
    expect_no_sideways_scroll(phone)
    mine.first.click()
    expect(phone.locator("#referral-request")).to_contain_text("油烟")
    liaison_step(phone, "acknowledge")
    expect(phone.locator("#referral-state")).to_have_text("已签收")
    liaison_step(phone, "answer", "已现场检查，责令店主三日内安装油烟净化器。")
    expect(phone.locator("#referral-state")).to_have_text("已反馈")
    expect_no_sideways_scroll(phone)
    screenshot(phone, "referral-answered-phone", backend)

    # The mediator returns it once, with a reason.
    desk.goto(f"/cases/{case_id}")
    desk.locator("#referral-list [data-referral]").first.click()
    expect(desk.locator("#referral-answer")).to_contain_text("油烟净化器")
    desk.locator("#step-return_for_redo textarea[name=reason]").fill("请附整改后的复查结果。")
    submit(desk, desk.locator("#do-return_for_redo"))
    expect(desk.locator("#referral-state")).to_have_text("办理中")
    expect(desk.locator("#referral-returns")).to_have_text("1")

    # The liaison answers again from the phone.
    phone.goto("/referrals/")
    phone.locator("#referral-rows [data-referral]").first.click()
    liaison_step(phone, "answer", "已复查：净化器已安装并正常使用。")
    expect(phone.locator("#referral-state")).to_have_text("已反馈")

    # The mediator accepts the answer; the case can then be resolved and closed.
    desk.reload()
    submit(desk, desk.locator("#do-accept_answer"))
    expect(desk.locator("#referral-state")).to_have_text("已核验")
    desk.locator("#case-link").click()
    expect(desk.locator("#referral-list [data-referral]").first).to_have_attribute("data-state", "verified")
    # The step and its state are both called 现场化解: its panel is opened by its own toggle.
    desk.locator('#actions button[data-bs-target="#act-resolve_on_spot"]').click()
    desk.locator('[name="resolve_on_spot-outcome"]').fill("部门执法后双方和解。")
    submit(desk, desk.locator('#act-resolve_on_spot button[type="submit"]'))
    expect(desk.locator("#case-state")).to_have_text("现场化解")
    fire(desk, "close", "结案 → 已结案", {"summary": "市场监管部门处理到位，双方和解，结案。"})
    expect(desk.locator("#case-state")).to_have_text("已结案")

    with app.app_context():
        assert db.session.get(Dispute, case_id).state == "closed"
        assert verify() == []
    assert pages.problems == []


def test_withdrawing_a_referral_asks_naming_the_step_its_department_and_the_case(pages, people, app, backend):
    """The dialog before a dangerous step says which step, on what (the referral's department and its
    case's file number) and what follows: no "Are you sure?" to be answered blind. Dismissed, nothing is done."""
    clock.set_now(NOW)
    with app.app_context():
        mediator = db.session.execute(select(f.User).where(f.User.username == people.mediator)).scalar_one()
        case = f.walk(f.dispute(mediator, mediator.community.grids[0], now=NOW), mediator, "accept", now=NOW)
        referral_id = fr.referral(case, fr.department("市场监管"), mediator, now=NOW).id
        number = case.file_no
        db.session.remove()
    expected = f"对案件{number}交办给市场监管的事项执行“撤回”？部门将停止办理。此操作无法撤销。"

    desk = pages.open(**PHONE)
    log_in(desk, people.mediator, people.password)
    desk.goto(f"/referrals/{referral_id}")
    desk.locator("#step-withdraw textarea[name=reason]").fill("当事人已自行和解。")
    asked = []

    def say_no(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    desk.on("dialog", say_no)
    desk.locator("#do-withdraw").click()
    expect(desk.locator("#referral-state")).to_have_text("已派单")  # dismissed: still the department's
    assert asked == [expected]
    desk.remove_listener("dialog", say_no)

    desk.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    submit(desk, desk.locator("#do-withdraw"))
    assert asked == [expected, expected]
    with app.app_context():
        assert db.session.get(Referral, referral_id).state == "withdrawn"
        assert verify() == []
    assert pages.problems == []
