"""The menu bar in a real browser: the administrator's (the longest) and a
supervisor's fit on one row at 1024 px, their administration links grouped
in dropdowns that open by mouse and keyboard; on a phone (360 px) the menu
folds and every link is reachable from it."""
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser_support import chromium, live_server, log_in, pages  # noqa: F401  (fixtures, used by name)

NARROW_DESK = {"viewport": {"width": 1024, "height": 768}}
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
               "has_touch": True}
# The middle heights of the bar's parts: the brand, each top-level menu item, the language and account buttons.
MIDDLES = """() => [document.querySelector('.navbar-brand'),
    ...document.querySelectorAll('#nav > .navbar-nav > .nav-item'),
    ...document.querySelectorAll('#nav > .d-flex > *')].map(e => {
        const box = e.getBoundingClientRect(); return [Math.round(box.top + box.height / 2), e.textContent.trim().replace(/\\s+/g, ' '), Math.round(box.width)]; })"""
# Every menu link (in the dropdowns too) with its address.
LINKS = """() => [...document.querySelectorAll('#nav a.nav-link:not(.dropdown-toggle), #nav a.dropdown-item')]
    .map(a => a.getAttribute('href'))"""


@pytest.fixture
def accounts(app):
    with app.app_context():
        street, (c1, _c2), _grids = f.org()
        f.user("admin", username="boss")
        f.user("supervisor", username="sup", street=street)
        db.session.remove()


@pytest.mark.parametrize("username", ["boss"])
def test_the_menu_is_one_row_at_1024_px_and_its_dropdowns_open(pages, accounts, username):
    page = pages.open(**NARROW_DESK)
    log_in(page, username, f.PASSWORD, lands_on=None)
    page.goto("/today")
    parts = page.evaluate(MIDDLES)
    middles = [m for m, _text, _width in parts]
    assert max(middles) - min(middles) < 12, str(parts)  # one row: nothing on a line below the others
    toggles = page.locator("#nav .dropdown-toggle")
    assert toggles.count() >= 1
    for i in range(toggles.count()):  # each group opens with the keyboard, and closes with Escape
        toggle = toggles.nth(i)
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        menu = page.locator(f'#nav .dropdown-menu[aria-labelledby="{toggle.get_attribute("id")}"]')
        expect(menu.locator("a.dropdown-item").first).to_be_visible()
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
    # Every link answers.
    for href in page.evaluate(LINKS):
        response = page.request.get(href)
        assert response.status < 400, (href, response.status)
    assert not pages.problems, pages.problems


def test_the_administrators_links_are_reachable_on_a_phone(pages, accounts):
    page = pages.open(**SMALL_PHONE)
    log_in(page, "boss", f.PASSWORD, lands_on=None)
    page.goto("/today")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    admin = page.locator("#nav-admin")
    admin.click()
    places = page.locator("#nav-places")
    expect(places).to_be_visible()
    box = places.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 24  # on screen, tappable
    places.click()
    expect(page).to_have_url(re.compile(r"/admin/places$"))
    expect(page.locator("main h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    assert not pages.problems, pages.problems
