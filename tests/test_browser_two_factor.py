"""The second factor in a real browser (Debian's Chromium, Playwright), on a
phone: a supervisor whose role needs it sets it up at the first login (the QR
code is an inline SVG image the Content Security Policy lets through), keeps
the recovery codes, and logs in again with one of them.

The live server runs on the real clock, so the codes come from pyotp at the
time of typing, as a phone's app would show them."""
import re

import pyotp
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    PHONE, chromium, expect_no_sideways_scroll, live_server, pages, screenshot, submit,
)


def test_a_supervisor_sets_up_the_second_factor_on_a_phone_and_logs_in_with_a_recovery_code(
        app, pages, live_server, backend):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    with app.app_context():
        street, _communities, _grids = f.org()
        f.user("supervisor", street=street, username="ducha")
        db.session.remove()
    page = pages.open(**PHONE)

    page.goto("/login")
    page.get_by_label("用户名").fill("ducha")
    page.get_by_label("密码").fill(f.PASSWORD)
    submit(page, page.get_by_role("main").get_by_role("button", name="登录"))
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.locator(".alert-warning")).to_contain_text("必须使用两步验证")
    page.get_by_label("当前密码").fill(f.PASSWORD)
    submit(page, page.locator("#two-factor-begin"))

    qr = page.locator("#two-factor-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # drawn: the CSP let the data: image in
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    expect_no_sideways_scroll(page)
    screenshot(page, "two-factor-setup-phone", backend)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("应用显示的六位验证码").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("#two-factor-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("两步验证已开启")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    expect_no_sideways_scroll(page)
    screenshot(page, "two-factor-recovery-codes-phone", backend)
    with page.expect_navigation():  # until the page's scripts have run: the menu needs them
        page.get_by_role("link", name="我已保存，继续").click()
    expect(page).to_have_url(re.compile(r"/supervision/closures$"))

    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#nav-me").click()  # the account's menu: its page and the log-out
    submit(page, page.get_by_role("button", name="退出"))
    page.goto("/login")
    page.get_by_label("用户名").fill("ducha")
    page.get_by_label("密码").fill(f.PASSWORD)
    submit(page, page.get_by_role("main").get_by_role("button", name="登录"))
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect_no_sideways_scroll(page)
    page.get_by_label("验证码").fill(codes[0])
    submit(page, page.get_by_role("main").get_by_role("button", name="登录"))
    expect(page).to_have_url(re.compile(r"/supervision/closures$"))
    assert pages.problems == []
