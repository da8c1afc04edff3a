"""Issue 3 in a real browser: a resident reports a problem from a phone, a
mediator of that community takes the case from 待受理 all the way to 已归档,
and the resident follows it with the tracking code. Runs on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set; ends with the audit log verified.

Labels that are being translated are not relied on: form fields are found by
their name or id; states and actions are the workflow's Chinese labels.
Screenshots for humans go to test-artifacts/ (gitignored).
"""
import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from app import clock
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories_supervision as fs
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, expect_step, fire, live_server, log_in, pages, people,
    photo_png, screenshot, submit, submit_answered_in_place,
)

DESCRIPTION = "3号楼楼道里堆满了纸箱和旧家具，邻居之间为此吵了好几次。"
PLACE = "幸福路12号院3号楼2单元"
PHONE_NUMBER = "13912345678"
PHOTO_NAME = "楼道杂物.png"
PHOTO_SIZE = (160, 120)

AGREEMENT = {
    "main_facts": "3号楼2单元楼道内长期堆放纸箱和旧家具，影响通行和消防安全，邻居多次发生争吵。",
    "matters": "楼道杂物由谁清理，今后楼道如何使用。",
    "responsibilities": "堆放杂物的住户负主要责任；其他住户应配合。",
    "terms": "堆放杂物的住户于七日内自行清理楼道杂物，今后不再在楼道堆放物品。",
    "perform_how": "住户自行清理，社区网格员现场查看。",
    "perform_where": "幸福路12号院3号楼2单元楼道",
}


def track(page: Page, code: str) -> None:
    """Enter the tracking code on /track, as the resident would."""
    page.goto("/track")
    form = page.locator("form#track")
    form.locator('[name="code"]').fill(code)
    submit_answered_in_place(page, form.locator('button[type="submit"]'))
    expect(page.locator("#track-status")).to_be_visible()


def test_resident_reports_and_mediator_takes_the_case_to_the_archive(pages, people, app, backend):
    # --- A resident, without an account, reports the problem from a phone.
    resident = pages.open(**PHONE)
    resident.goto("/report")
    form = resident.locator("form#report")
    expect(form).to_be_visible()
    expect_no_sideways_scroll(resident)
    form.locator('[name="community_id"]').select_option(label=people.community)
    form.locator('[name="description"]').fill(DESCRIPTION)
    form.locator('[name="place"]').fill(PLACE)
    form.locator('[name="photo"]').set_input_files(
        {"name": PHOTO_NAME, "mimeType": "image/png", "buffer": photo_png(*PHOTO_SIZE)})
    form.locator('[name="phone"]').fill(PHONE_NUMBER)
    screenshot(resident, "report-phone", backend)
    submit_answered_in_place(resident, form.locator('button[type="submit"]'))
    code_shown = resident.locator("#tracking-code")
    expect(code_shown).to_have_text(re.compile(r"^\s*[0-9A-Z]{6,16}\s*$"))
    code = code_shown.inner_text().strip()
    expect_no_sideways_scroll(resident)
    screenshot(resident, "report-thanks-phone", backend)

    # --- The resident checks the progress: the state and its dates, nothing personal.
    track(resident, code)
    status = resident.locator("#track-status")
    expect(status.locator(".badge")).to_have_text("待受理")
    # state, what it means, the time limit, registered on, last change: no file number yet
    expect(status.locator("dd")).to_have_count(5)
    expect(status.locator("#track-meaning")).not_to_be_empty()
    # The time limit in the card's own day format ("2026年12月9日 02:31前"), not as a clock time.
    expect(status.locator("#track-due")).to_have_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}前"))
    for dd in status.locator("dd").all()[3:]:
        expect(dd).to_have_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))
    page_text = resident.locator("body")
    for private in (PHONE_NUMBER, PHONE_NUMBER[:3] + "****" + PHONE_NUMBER[-4:], DESCRIPTION, PLACE, PHOTO_NAME):
        expect(page_text).not_to_contain_text(private)
    expect_no_sideways_scroll(resident)
    screenshot(resident, "track-submitted-phone", backend)

    # --- A mediator of that community, at a desk, finds the case.
    page = pages.open(**DESKTOP)
    log_in(page, people.mediator, people.password)
    expect(page).to_have_url(re.compile(r"/cases/mine$"))
    # Nobody mediates the reported case yet, so it is not among "my cases": the list of all cases has it.
    expect(page.locator("#case-list")).not_to_contain_text(DESCRIPTION)
    page.locator("#nav-cases").click()  # the list of all cases is in the cases menu
    page.get_by_role("navigation").locator('a[href="/cases/"]').click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    row = page.locator("#case-list > a").filter(has_text=DESCRIPTION)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text("随手拍")
    expect(row).to_contain_text(people.community)
    row.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url

    # The case as reported: community, no grid, the place, the facts, the reporter and the photo.
    details = page.locator("main dl").first
    expect(details).to_contain_text(people.community)
    expect(details).to_contain_text("随手拍")
    expect(details).to_contain_text(PLACE)
    expect(details).to_contain_text(DESCRIPTION)
    reporter = page.locator("#parties li")
    expect(reporter).to_have_count(1)
    expect(reporter.locator(".party-phone")).to_have_text("139****5678")  # masked until revealed
    thumbnail = page.locator("#attachment-list img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", PHOTO_NAME)
    thumbnail.scroll_into_view_if_needed()  # the thumbnail is loaded lazily
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_js_property("naturalWidth", PHOTO_SIZE[0])  # the picture itself was served
    expect_step(page, "待受理", "上传附件", "", 2)  # registered, then the photo attached
    expect(page.locator("#timeline > li").nth(1).locator("strong")).to_have_text("登记")

    # --- Accept: the case gets its file number.
    year = clock.now().year
    file_no = f"({year})莱人调字第1号"
    # A resident's report comes in as "Other" with no grid: accepting it classifies it.
    fire(page, "accept", "受理 → 已受理", {"dispute_type": {"value": "neighbour"}, "grid_id": {"index": 1}})
    expect_step(page, "已受理", "受理", "待受理 → 已受理", 4)  # after the classification it made (3)
    expect(page.locator("h1")).to_contain_text(file_no)

    # --- Assign themself; the case is now among "my cases".
    fire(page, "assign", "指派调解员 → 已指派", {"mediator_id": {"label": people.mediator_name}})
    expect_step(page, "已指派", "指派调解员", "已受理 → 已指派", 5)
    expect(page.locator("#lead-mediator")).to_have_text(people.mediator_name)
    page.get_by_role("navigation").locator('a[href="/cases/mine"]').click()
    mine = page.locator("#case-list > a").filter(has_text=DESCRIPTION)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(file_no)
    expect(mine).to_contain_text("已指派")
    mine.click()
    expect(page).to_have_url(case_url)

    # --- Start mediation, having told the parties their rights and duties.
    fire(page, "start_mediation", "告知权利义务并开始调解 → 调解中", {"notice_given": True})
    expect_step(page, "调解中", "告知权利义务并开始调解", "已指派 → 调解中", 6)

    # --- Record a session (the form is fetched when its panel opens; the date and time are filled in with now).
    sessions = page.locator("#sessions")
    sessions.locator('button[data-bs-target="#session-form"]').click()
    expect(sessions.locator('[name="session-held_at"]')).not_to_have_value("")
    sessions.locator('[name="session-place"]').fill("社区调解室")
    sessions.locator('[name="session-attendees"]').fill("报告人、3号楼2单元住户、调解员")
    sessions.locator('[name="session-record"]').fill("双方陈述了各自意见，同意清理楼道杂物。")
    submit(page, sessions.locator('button[data-action="record-session"]'))
    expect(page).to_have_url(re.compile(r"/cases/\d+#sessions$"))
    expect(page.locator("#session-list > li")).to_have_count(1)
    expect(page.locator("#session-list")).to_contain_text("双方陈述了各自意见，同意清理楼道杂物。")
    expect(page.locator("#session-list")).to_contain_text("社区调解室")
    expect_step(page, "调解中", "记录调解过程", "", 7)

    # --- An agreement binds named parties on both sides: the reporter left no name, so the mediator
    # first records the applicant's real name and adds the respondent.
    parties = page.locator("#parties li")
    expect(parties).to_have_count(1)
    page.locator("#parties-actions a").filter(has_text="群众（随手拍）").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/parties/\d+/edit$"))
    page.locator('#party-form [name="name"]').fill("赵六")
    submit(page, page.locator("#party-form button[type=submit]"))
    expect(page).to_have_url(case_url + "#parties")
    page.locator("#parties-actions a").first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/parties/new$"))
    page.locator('#party-form [name="role"]').select_option("respondent")
    page.locator('#party-form [name="name"]').fill("钱七")
    submit(page, page.locator("#party-form button[type=submit]"))
    expect(page).to_have_url(case_url + "#parties")
    expect(parties).to_have_count(2)
    expect(page.locator("#parties")).to_contain_text("赵六")
    expect(page.locator("#parties")).to_contain_text("钱七")
    expect_step(page, "调解中", "添加当事人", "", 9)  # after 修改当事人信息 (8)

    # --- Record a written agreement with everything the law asks for.
    perform_by = date.today() + timedelta(days=7)
    fire(page, "agree", "达成调解协议 → 达成协议",
         dict(AGREEMENT, form={"value": "written"}, perform_by=perform_by.isoformat()))
    # The agreement planned its follow-ups (回访), whose steps the history shows too: one a week on and one on
    # the performance deadline (one only, when both fall on the same day of the centre's calendar).
    planned = page.locator("#followup-list [data-followup]")
    expect(planned.first).to_have_attribute("data-state", "scheduled")
    n = planned.count()
    assert n in (1, 2)
    expect_step(page, "达成协议", "达成调解协议", "调解中 → 达成协议", 10 + n)
    agreement = page.locator("#agreement")
    expect(agreement).to_contain_text("书面协议")
    expect(page.locator("#agreement-terms")).to_have_text(AGREEMENT["terms"])
    for name in ("main_facts", "matters", "responsibilities", "perform_how", "perform_where"):
        expect(agreement).to_contain_text(AGREEMENT[name])
    expect(page.locator("#confirmation-window")).to_be_visible()

    # --- The printed agreement (人民调解协议书).
    page.locator("#print-agreement").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/agreement/print$"))
    expect(page.locator("h1.doc-title")).to_have_text("人民调解协议书")
    expect(page.locator("#doc-file-no")).to_have_text(file_no)
    expect(page.locator("#doc-terms")).to_have_text(AGREEMENT["terms"])
    document = page.locator("main.doc")
    for name in ("main_facts", "matters", "responsibilities", "perform_how", "perform_where"):
        expect(document).to_contain_text(AGREEMENT[name])
    expect(document).to_contain_text(f"{perform_by.year}年{perform_by.month}月{perform_by.day}日前履行完毕")
    expect(document).to_contain_text(f"{people.community}人民调解委员会（印章）")
    expect(page.locator("#doc-copies")).to_have_text("本协议书一式三份，当事人各执一份，人民调解委员会留存一份。")
    signatures = page.locator(".signatures")
    expect(signatures).to_contain_text("当事人（签名、盖章或按指印）：")
    expect(signatures).to_contain_text("人民调解员（签名）：")
    expect(signatures).to_contain_text("记录人（签名）：")
    expect(signatures.locator(".sign-row").filter(has_text="赵六")).to_have_count(1)
    expect(signatures.locator(".sign-row").filter(has_text="钱七")).to_have_count(1)
    expect(signatures).not_to_contain_text("群众（随手拍）")
    expect(signatures.locator(".sign-row").filter(has_text=people.mediator_name)).to_have_count(1)
    expect(signatures.locator(".sign-line")).to_have_count(4)  # both parties, the mediator, the recorder
    # Masked by default (nothing recorded); the case's own mediator may print the copy for signing in full.
    expect(page.locator(".party .party-phone").first).to_have_text(PHONE_NUMBER[:3] + "****" + PHONE_NUMBER[-4:])
    page.locator("#full-copy").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/agreement/print\?copy=full$"))
    expect(page.locator(".party .party-phone").first).to_have_text(PHONE_NUMBER)
    expect(page.locator("#print-button")).to_be_visible()
    screenshot(page, "agreement-print", backend)
    page.locator('.print-toolbar a[href$="#agreement"]').click()  # back to the case
    expect(page).to_have_url(re.compile(r"/cases/\d+#agreement$"))
    expect_step(page, "达成协议", "打印调解协议（含个人信息）", "", 11 + n)  # a print in full is recorded

    # --- Performance, fulfilment, closing and archiving.
    fire(page, "start_performance", "进入履行 → 履行中")
    expect_step(page, "履行中", "进入履行", "达成协议 → 履行中", 12 + n)
    fire(page, "fulfil", "确认已履行 → 已履行")
    expect_step(page, "已履行", "确认已履行", "履行中 → 已履行", 13 + 2 * n)  # its follow-ups cancelled
    expect(planned).to_have_count(n)
    for i in range(n):
        expect(planned.nth(i)).to_have_attribute("data-state", "cancelled")
    fire(page, "close", "结案 → 已结案", {"summary": "楼道杂物已清理完毕，双方和好，结案。"})
    expect_step(page, "已结案", "结案", "已履行 → 已结案", 15 + 2 * n)  # with the sign-off review it opened
    expect(page.locator("main dl").first).to_contain_text("楼道杂物已清理完毕，双方和好，结案。")
    expect(page.locator("#actions")).to_have_count(0)  # archiving waits for the supervisor's sign-off
    with app.app_context():  # the street's supervisor signs the closure off (their pages: test_browser_supervision)
        fs.signed_off(db.session.query(Dispute).one())
        db.session.remove()
    page.reload()
    asked = []  # archiving seals the case for good: the script asks first (app/confirm.py)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    fire(page, "archive", "归档（封存） → 已归档")
    expect_step(page, "已归档", "归档（封存）", "已结案 → 已归档", 17 + 2 * n)
    assert len(asked) == 1 and file_no in asked[0] and "归档（封存）" in asked[0]
    expect(page.locator("#actions")).to_have_count(0)  # archived: nothing more to do
    expect(page.locator("#upload-panel")).to_have_count(0)  # sealed: no more files
    screenshot(page, "case-archived-desktop", backend)

    # --- The resident sees the case archived, with its file number.
    track(resident, code)
    status = resident.locator("#track-status")
    expect(status.locator(".badge")).to_have_text("已归档")
    expect(status).to_contain_text(file_no)
    for private in (PHONE_NUMBER, DESCRIPTION, PLACE, AGREEMENT["terms"], people.mediator_name):
        expect(resident.locator("body")).not_to_contain_text(private)
    screenshot(resident, "track-archived-phone", backend)

    assert pages.problems == []

    # --- `flask audit verify`: every hash, link and replayed state holds.
    with app.app_context():
        try:
            assert verify() == []
        finally:
            db.session.remove()
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
