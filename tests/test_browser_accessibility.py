"""Accessibility: axe-core (bundled in axe-playwright-python, nothing
fetched) finds no serious or critical violation on the main page of every
role, at desk and at phone size, on the demo city. The same walk saves the
README's screenshots when SCREENSHOTS=1 (scripts/screenshots).

A role added to the product adds one row to MAIN_PAGES: its account in the
demo and the page it lands on."""
import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, live_server, log_in, pages, submit,
)

# role: (demo account, the path of the page the role lands on after login)
MAIN_PAGES = {
    "mediator": ("mediator", "/cases/mine"),
    "gridworker": ("gridworker", "/cases/mine"),
    "elder": ("elder", "/elders/me"),
    "lawyer": ("lawyer", "/rota/mine"),
    "coordinator": ("coordinator", "/rota/"),
    "supervisor": ("supervisor", "/supervision/closures"),
    "admin": ("admin", "/cases/"),
    "liaison": ("liaison", "/referrals/"),
    "assistant": ("assistant", "/cases/reported"),
}
SIZES = {"desk": DESKTOP, "phone": PHONE}
BLOCKING = {"serious", "critical"}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
AXE = Axe()


# The menu's links and buttons whose text takes more than one line.
BROKEN_MENU_ITEMS = """() => [...document.querySelectorAll('.navbar .nav-link, .navbar .btn')].filter(item => {
    const style = getComputedStyle(item);
    const text = item.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
        - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
    return text > 1.5 * parseFloat(style.lineHeight);
}).map(item => item.textContent.trim())"""


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--cases", "30"])
    assert result.exit_code == 0, result.output
    return app.config["DEMO_PASSWORD"]


def blocking_violations(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in results.response["violations"] if v["impact"] in BLOCKING]


def keep_screenshot(page, name: str) -> None:
    """The README's pictures, only when asked for (scripts/screenshots)."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("role", sorted(MAIN_PAGES))
def test_main_page_of_every_role_has_no_serious_accessibility_violation(pages, demo, role):
    username, path = MAIN_PAGES[role]
    found = {}
    for size, options in SIZES.items():
        page = pages.open(**options)
        log_in(page, username, demo, lands_on=re.escape(path) + r"$")
        keep_screenshot(page, f"{role}-{size}")
        found[size] = blocking_violations(page)
        if size == "desk":  # a long menu wraps whole items to another row, never a word across lines
            found[size] += [f"menu item broken across lines: {text}" for text in page.evaluate(BROKEN_MENU_ITEMS)]
        if size == "phone":  # the navigation folds into a menu: check it open too
            page.locator(".navbar-toggler").click()
            expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
            found[size] += blocking_violations(page)
    assert found == {size: [] for size in SIZES}, found
    assert not pages.problems, pages.problems


@pytest.mark.parametrize("name, path", [("map", "/supervision/map"), ("map-on-spot", "/supervision/map?measure=on_spot_rate"),
                                        ("trends", "/supervision/stats?step=week#trends")])
def test_the_map_and_the_charts_have_no_serious_accessibility_violation(pages, demo, name, path):
    found = {}
    for size, options in SIZES.items():
        page = pages.open(**options)
        log_in(page, "supervisor", demo, lands_on=r"/supervision/closures$")
        page.goto(path)
        if name != "map-on-spot":
            keep_screenshot(page, f"supervisor-{name}-{size}")
        found[size] = blocking_violations(page)
    assert found == {size: [] for size in SIZES}, found
    assert not pages.problems, pages.problems


@pytest.mark.parametrize("name, path", [("users", "/admin/users"), ("user-new", "/admin/users/new"),
                                        ("user", "/admin/users/1"), ("places", "/admin/places"),
                                        ("community", "/admin/places/community/1")])
def test_the_administrators_pages_have_no_serious_accessibility_violation(pages, demo, name, path):
    found = {}
    for size, options in SIZES.items():
        page = pages.open(**options)
        log_in(page, "admin", demo, lands_on=None)
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        found[size] = blocking_violations(page)
    assert found == {size: [] for size in SIZES}, found
    assert not pages.problems, pages.problems


def test_a_keyboard_user_skips_the_menu_and_sees_where_the_focus_is_on_the_blue_bar(pages, demo):
    page = pages.open(**DESKTOP)
    log_in(page, "mediator", demo, lands_on=r"/cases/mine$")
    page.keyboard.press("Tab")  # the page's first stop: the skip link, shown once focused
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the page's content, not the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")

    page.goto("/cases/mine")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the skip link: the brand on the blue bar
    ring = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                         " return [document.activeElement.closest('.navbar') !== null, s.outlineStyle, s.outlineColor]; })()")
    assert ring == [True, "solid", "rgb(255, 255, 255)"]
    assert not pages.problems, pages.problems
