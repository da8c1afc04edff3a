"""Issue 4 in a real browser: a mediator asks the council of elders for help
with a neighbour dispute, sees the ranked list with the conflicted elder
flagged and invites the top one; that elder, on a phone, accepts, later
files the report; the case's history shows each step. Runs on SQLite, and
on PostgreSQL when TEST_DATABASE_URL is set; ends with the audit log verified.

New UI strings are not translated yet: elements are found by id, name and
data attributes; states and actions are the workflow's Chinese labels.
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app import clock
from app.audit.verify import verify
from app.disputes.parties import save_party
from app.extensions import db
from tests import factories as f
from tests import factories_elders as fe
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, open_action, pages, screenshot, submit,
)

RESPONDENT = "赵大军"
FACTS = "楼上住户装修噪音持续到深夜，楼下老人无法休息，双方多次争吵。"
REPORT = "分别上门与两家谈心，讲清相邻关系互谅互让的道理，约定晚八点后不再施工。"


@pytest.fixture
def council(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1, username="tiaojie")
        d = f.dispute(mediator, grids[0], facts=FACTS)
        # Through the audited path: the test ends with verify(), which checks the parties too.
        save_party(d, mediator, {"name": RESPONDENT}, party=d.parties[1])
        save_party(d, mediator, {"id_number": "11010519491231002X"}, party=d.parties[0])
        f.walk(d, mediator, "accept", "assign")
        top, top_user = fe.elder_with_login(c1, name="张德厚", category="teacher", expertise=("neighbour",))
        flagged = fe.elder(c1, name="李淑珍", category="model_worker", expertise=("neighbour",),
                           relations=[{"name": RESPONDENT, "relation": "relative"}])
        third = fe.elder(c1, name="王建国", category="cadre", expertise=("housing_land",))
        top_user.username = "zhanglao"
        db.session.commit()
        world = dict(case=d.id, top=top.id, flagged=flagged.id, third=third.id, mediator="tiaojie",
                     elder="zhanglao", password=f.PASSWORD, community=c1.name)
        db.session.remove()
    return world


def log_in_elder(page: Page, username: str, password: str) -> None:
    log_in(page, username, password, lands_on=r"/elders/me$")  # an elder lands on their own invitations


def test_mediator_invites_the_top_elder_who_accepts_and_reports_from_a_phone(pages, council, app, backend):
    # --- The mediator opens the case and asks for elders.
    desk = pages.open(**DESKTOP)
    log_in(desk, council["mediator"], council["password"])
    desk.goto(f"/cases/{council['case']}")
    panel = desk.locator("#elders")
    expect(panel).to_be_visible()
    panel.locator("#ask-elders").click()
    expect(desk).to_have_url(re.compile(rf"/elders/cases/{council['case']}/suggest$"))

    # --- The ranked list: best first, each with its score and reasons; the conflicted elder flagged.
    cards = desk.locator("#suggestions > li")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_have_attribute("data-elder-id", str(council["top"]))
    expect(cards.nth(0).locator(".elder-name")).to_have_text("张德厚")
    expect(cards.nth(0)).to_have_attribute("data-score", "100")  # 40 + 15 + 25 + 0 + 20
    expect(cards.nth(0).locator(".elder-why li")).to_have_count(5)
    flagged = desk.locator(f'#suggestions > li[data-elder-id="{council["flagged"]}"]')
    expect(flagged).to_have_attribute("data-conflict", "1")
    expect(flagged.locator(".conflict-flag")).to_be_visible()
    expect(flagged.locator(".elder-conflicts")).to_contain_text(RESPONDENT)
    expect(cards.nth(0).locator(".conflict-flag")).to_have_count(0)
    expect(desk.locator(f'#suggestions > li[data-elder-id="{council["third"]}"] .conflict-flag')).to_have_count(0)
    screenshot(desk, "elders-suggestions-desktop", backend)

    # --- Invite the top one for a session the day after tomorrow.
    top = cards.nth(0)
    top.locator("summary").click()
    when = (clock.now() + timedelta(hours=8) + timedelta(days=2)).strftime("%Y-%m-%dT09:30")
    top.locator(f'[name="e{council["top"]}-session_at"]').fill(when)
    top.locator(f'[name="e{council["top"]}-session_place"]').fill("东关社区调解室")
    submit(desk, top.locator('button[data-action="invite"]'))
    expect(desk).to_have_url(re.compile(rf"/cases/{council['case']}#elders$"))
    invitation = desk.locator(f'#elder-invitations > li[data-elder-id="{council["top"]}"]')
    expect(invitation.locator("[data-state]")).to_have_text("已邀请")
    expect(invitation).to_contain_text("东关社区调解室")

    # --- The elder, on a phone, sees the invitation and the case summary (no ID numbers, no phones).
    phone = pages.open(**PHONE)
    log_in_elder(phone, council["elder"], council["password"])
    card = phone.locator("#open-invitations .elder-card")
    expect(card).to_have_count(1)
    expect_no_sideways_scroll(phone)
    screenshot(phone, "elder-invitations-phone", backend)
    card.locator("a").first.click()
    expect(phone).to_have_url(re.compile(r"/elders/invitations/\d+$"))
    expect(phone.locator("#case-facts")).to_have_text(FACTS)
    expect(phone.locator("#case-parties")).to_contain_text(RESPONDENT)
    for private in ("11010519491231002X", "1101**", "13812345678", "138****5678"):
        expect(phone.locator("body")).not_to_contain_text(private)
    expect_no_sideways_scroll(phone)

    # --- Accept, with a finger-sized button (the elders' own pages).
    accept = phone.locator('#invitation-actions button[data-trigger="accept"]')
    assert accept.bounding_box()["height"] >= 44, accept.bounding_box()
    submit(phone, accept)
    expect(phone.locator("#invitation-state [data-state]")).to_have_text("已接受")
    expect(phone.locator("#session-at")).to_contain_text("东关社区调解室")

    # --- Before the session it cannot be started: the page says from when.
    expect(phone.locator('#invitation-actions button[data-trigger="start_session"]')).to_have_count(0)
    expect(phone.locator("#start-later")).to_be_visible()
    # --- Later, at the session: it starts (after the question naming the case), then the elder files the report.
    with app.app_context():
        from app.elders.models import ElderAssignment

        clock.set_now(db.session.get(ElderAssignment, int(phone.url.rsplit("/", 1)[1])).session_at)
    phone.reload()
    asked = []
    phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    submit(phone, phone.locator('#invitation-actions button[data-trigger="start_session"]'))
    assert asked and "(" in asked[0], asked  # the question names the case by its file number
    expect(phone.locator("#invitation-state [data-state]")).to_have_text("参与调解中")
    report = phone.locator('#invitation-actions details[data-step="file_report"]')
    report.locator("summary").click()
    report.locator('[name$="-file_report-work_done"]').fill(REPORT)
    report.locator('[name$="-file_report-advice"]').fill("建议把施工时间写入书面协议。")
    report.locator('[name$="-file_report-report_outcome"]').select_option("settled")
    expect_no_sideways_scroll(phone)
    screenshot(phone, "elder-report-phone", backend)
    submit(phone, report.locator('button[data-trigger="file_report"]'))
    expect(phone.locator("#invitation-state [data-state]")).to_have_text("已提交报告")
    expect(phone.locator(".elder-report")).to_contain_text(REPORT)
    expect_no_sideways_scroll(phone)

    # --- The mediator sees the report, and the case's history shows each step of the elder.
    desk.reload()
    expect(invitation.locator("[data-state]")).to_have_text("已提交报告")
    expect(invitation.locator(".elder-report")).to_contain_text(REPORT)
    steps = desk.locator("#timeline > li").filter(has_text="五老和事会指派")
    expect(steps.locator("strong")).to_have_text(["提交调解报告", "开始调解", "接受邀请", "发出邀请", "列为建议人选"])
    expect(steps.nth(1)).to_contain_text("已接受 → 参与调解中")
    submit(desk, invitation.locator('button[data-trigger="confirm"]'))
    expect(invitation.locator("[data-state]")).to_have_text("已完成")
    expect(steps.first.locator("strong")).to_have_text("确认完成")
    screenshot(desk, "elders-case-history-desktop", backend)

    assert pages.problems == []
    with app.app_context():
        try:
            assert verify() == []
        finally:
            db.session.remove()


def test_the_closing_form_asks_whether_the_accepted_elder_came_and_comes_back(pages, app, backend):
    """An elder without a login accepted (recorded by the mediator) a session that has come; the parties agreed
    and performed: the system left the elder's part to the mediator, and the closing form (fetched when its
    panel opens) lists the elder with the two steps; recording "did not come" there comes back to the closing
    form, and the case closes."""
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1, username="tiaojie")
        d = fe.case_in_mediation(mediator, grids[0])
        f.walk(d, mediator, "start_mediation")
        elder = fe.elder(c1, name="李淑珍")
        from app.elders import steps

        a = steps.act(fe.invite(d, elder, mediator, session_at=clock.now() + timedelta(hours=2)), "record_accept",
                      mediator)
        clock.set_now(clock.now() + timedelta(hours=3))
        f.walk(d, mediator, "agree", "start_performance", "fulfil")
        case, a_id = d.id, a.id
        db.session.remove()
    try:
        desk = pages.open(**DESKTOP)
        log_in(desk, "tiaojie", f.PASSWORD)
        desk.goto(f"/cases/{case}")
        row = desk.locator(f"#elder-invitation-{a_id}")
        expect(row.locator("[data-state]")).to_have_text("已接受")
        panel = open_action(desk, "结案 → 已结案")
        ends = panel.locator("#loose-ends")
        expect(ends).to_contain_text("李淑珍")
        expect(ends.locator("button[data-trigger]")).to_have_count(2)
        submit(desk, ends.locator('button[data-trigger="record_no_show"]'))
        expect(desk).to_have_url(re.compile(rf"/cases/{case}\?step=close#act-close$"))
        expect(row.locator("[data-state]")).to_have_text(re.compile("未到场|Did not come"))
        close = desk.locator("#act-close")
        expect(close).to_have_class(re.compile(r"\bshow\b"))
        expect(close.locator("#loose-ends")).to_have_count(0)
        close.locator('[name="close-summary"]').fill("协议已履行完毕，结案。")
        submit(desk, close.locator('button[type="submit"][data-trigger="close"]'))
        expect(desk.locator("#case-state")).to_have_text("已结案")
        with app.app_context():
            assert verify() == []
    finally:
        clock.set_now(None)
