"""Real-browser tests: Debian's Chromium, driven by Playwright, against a live
server of the app (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set).

A person logs in, registers a dispute and takes it through the action
accordion; a grid worker does the same on a phone; the workflow diagram is
drawn by the locally served mermaid.js. Screenshots for humans go to
test-artifacts/ (gitignored); nothing is asserted on them.

Never run `playwright install`: the browser is /usr/bin/chromium. If it is
missing the tests fail (they do not skip).
"""
import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_step, live_server, log_in, open_action, pages, people, screenshot, submit,
)


def register(page: Page, *, dispute_type: str, facts: str, name: str, phone: str, grid: str | None = None,
             respondent: str | None = None) -> None:
    """Fill the intake form (the essentials, and the respondent under "more details" when given) and send it;
    lands on the case page."""
    form = page.locator("#intake")
    if respondent is not None:
        form.locator("details > summary").click()
        form.locator('[name="respondent_name"]').fill(respondent)
    form.get_by_label("纠纷类型").select_option(label=dispute_type)
    if grid is not None:
        form.get_by_label("网格", exact=True).select_option(label=grid)
    form.get_by_label("简要案情").fill(facts)
    form.get_by_label("申请人姓名", exact=True).fill(name)
    form.get_by_label("申请人联系电话", exact=True).fill(phone)
    submit(page, form.get_by_role("button", name="登记", exact=True))
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("案件已登记")


def test_mediator_takes_a_dispute_from_registration_to_agreement(pages, people, backend):
    page = pages.open(**DESKTOP)
    log_in(page, people.mediator, people.password)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    page.get_by_role("navigation").get_by_role("link", name="登记纠纷").click()
    expect(page).to_have_url(re.compile(r"/cases/new$"))
    register(page, dispute_type="邻里", grid=people.grid_label, facts="楼上漏水，双方就维修费用发生争执。",
             name="张三", phone="13812345678", respondent="王五")
    expect(page.locator("h1")).to_contain_text("邻里")
    expect(page.locator("main dl")).to_contain_text(people.grid_label)
    parties = page.locator("#parties li")
    expect(parties).to_have_count(2)
    expect(parties.first).to_contain_text("张三")
    expect(parties.nth(1)).to_contain_text("王五")
    expect(parties.first.locator(".party-phone")).to_have_text("138****5678")  # masked until revealed
    expect_step(page, "待受理", "登记", "→ 待受理", 1)

    panel = open_action(page, "受理 → 已受理")
    submit(page, panel.get_by_role("button", name="受理", exact=True))
    expect(page.locator(".alert-success")).to_have_text("已完成：受理。")
    expect_step(page, "已受理", "受理", "待受理 → 已受理", 2)

    panel = open_action(page, "指派调解员 → 已指派")
    panel.get_by_label("调解员", exact=True).select_option(label=people.mediator_name)
    submit(page, panel.get_by_role("button", name="指派调解员", exact=True))
    expect_step(page, "已指派", "指派调解员", "已受理 → 已指派", 3)
    expect(page.locator("main dl")).to_contain_text(people.mediator_name)

    panel = open_action(page, "告知权利义务并开始调解 → 调解中")
    panel.get_by_label("已告知当事人享有的权利和应履行的义务").check()
    submit(page, panel.get_by_role("button", name="告知权利义务并开始调解", exact=True))
    expect_step(page, "调解中", "告知权利义务并开始调解", "已指派 → 调解中", 4)

    panel = open_action(page, "达成调解协议 → 达成协议")
    # A written agreement carries what the law asks for (art. 29). New fields are found by name.
    panel.locator('[name="agree-form"]').select_option(label="书面协议")
    panel.locator('[name="agree-main_facts"]').fill("楼上卫生间漏水，致楼下天花板受损。")
    panel.locator('[name="agree-matters"]').fill("维修费用由谁承担。")
    panel.locator('[name="agree-responsibilities"]').fill("楼上住户负全部责任。")
    panel.locator('[name="agree-terms"]').fill("十日内由楼上住户赔偿维修费两千元。")
    panel.locator('[name="agree-perform_how"]').fill("一次性现金支付。")
    panel.locator('[name="agree-perform_where"]').fill("社区调解室")
    panel.locator('[name="agree-perform_by"]').fill((date.today() + timedelta(days=10)).isoformat())
    submit(page, panel.get_by_role("button", name="达成调解协议", exact=True))
    # Recording it planned two follow-ups (a week on, and on the performance deadline), shown in the history too.
    expect(page.locator("#followup-list [data-followup]")).to_have_count(2)
    expect_step(page, "达成协议", "达成调解协议", "调解中 → 达成协议", 7)
    agreement = page.locator("#agreement")
    expect(agreement).to_contain_text("书面协议")
    expect(page.locator("#agreement-terms")).to_have_text("十日内由楼上住户赔偿维修费两千元。")
    expect(agreement).to_contain_text("楼上住户负全部责任。")
    expect(page.locator("#actions").get_by_role("button", name="进入履行 → 履行中", exact=True)).to_be_visible()

    screenshot(page, "case-desktop", backend)
    assert pages.problems == []


def test_gridworker_registers_on_a_phone_and_switches_to_english(pages, people, backend):
    page = pages.open(**PHONE)
    log_in(page, people.worker, people.password)

    toggler = page.get_by_role("button", name="菜单")
    expect(toggler).to_be_visible()  # the navbar is collapsed on a phone
    menu_link = page.get_by_role("navigation").get_by_role("link", name="登记纠纷")
    expect(menu_link).to_be_hidden()
    toggler.click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    menu_link.click()
    expect(page).to_have_url(re.compile(r"/cases/new$"))

    grid = page.get_by_label("网格", exact=True)
    expect(grid.locator("option")).to_have_count(1)  # a grid worker reports for their own grid only
    expect(grid.locator("option:checked")).to_have_text(people.worker_grid_label)
    register(page, dispute_type="合同", facts="装修款尾款未付，双方争执。", name="李四", phone="13912345678")
    expect(page.locator("#case-state")).to_have_text("待受理")
    expect(page.locator("#timeline > li")).to_have_count(1)
    expect(page.locator("main dl")).to_contain_text("网格员巡查")  # the channel a grid worker gets by default
    expect(page.locator("#actions")).to_contain_text("现场化解")  # a grid worker may resolve on the spot
    screenshot(page, "case-phone", backend)

    expect(page.locator("#lang-switch")).to_be_hidden()  # inside the collapsed menu
    toggler.click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#lang-switch")).to_have_text("English")
    submit(page, page.locator("#lang-switch"))
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#case-state")).to_have_text("Submitted")
    expect(page.locator("h1")).to_contain_text("Contract")
    expect(page.locator("#timeline > li").first.locator("strong")).to_have_text("Registered")
    expect(page.locator("main dl")).to_contain_text("Grid patrol")
    expect(page.locator("main")).to_contain_text("What you can do now")
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    expect(page.locator("#lang-switch")).to_have_text("中文")
    screenshot(page, "case-phone-en", backend)
    assert pages.problems == []


def test_workflow_diagram_is_drawn_by_local_mermaid(pages, people, live_server, backend):
    page = pages.open(**DESKTOP)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    log_in(page, people.mediator, people.password)
    page.goto("/workflows/dispute")
    svg = page.locator("#diagram").locator("xpath=..").locator("svg")
    expect(svg.first).to_be_visible()
    expect(svg.first).to_contain_text("调解中")
    expect(page.locator("h1")).to_have_text("纠纷案件")
    outside = [url for url in requested if url.startswith("http") and not url.startswith(live_server + "/")]
    assert outside == [], f"the diagram page fetched from elsewhere: {outside}"
    screenshot(page, "diagram", backend)
    assert pages.problems == []
