"""The menu bar in a real browser. Every role's bar is one row at 1024 px (an
old office PC), in Chinese and in English, with every link it had before the
bar was grouped (app/templates/_nav.html) still there: a link of its own, or
in a dropdown that opens with the keyboard. On a tablet (800 px, up to
1023 px) and on a phone (360 px) the menu folds behind its toggler, the bar
one row, and every link is reachable from it, on the screen."""
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.notifications.service import notify
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_referrals as fr
from tests import factories_rota as fro
from tests.browser_support import chromium, live_server, log_in, pages, submit  # noqa: F401  (fixtures, used by name)

NARROW_DESK = {"viewport": {"width": 1024, "height": 768}}
TABLET = {"viewport": {"width": 800, "height": 1280}}
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
               "has_touch": True}
# The boxes of the bar's parts: the brand, each top-level menu item, the language and account buttons.
PARTS = """() => [document.querySelector('.navbar-brand'),
    ...document.querySelectorAll('#nav > .navbar-nav > .nav-item'),
    ...document.querySelectorAll('#nav > .d-flex > *')].map(e => {
        const box = e.getBoundingClientRect();
        return {text: e.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40), top: box.top, bottom: box.bottom,
                right: box.right}; })"""
# Every menu link (in the dropdowns too) with its address.
LINKS = """() => [...document.querySelectorAll('#nav a.nav-link:not(.dropdown-toggle), #nav a.dropdown-item')]
    .map(a => a.getAttribute('href'))"""

# Each role's menu links as they were before the bar was grouped into dropdowns (one link a page, each role's
# set read from the bar of main): none may be lost.
BEFORE = {
    "mediator": ["/account", "/cases/", "/cases/mine", "/cases/new", "/followups/", "/iot/candidates",
                 "/notifications/", "/referrals/", "/supervision/map", "/sweeps/", "/today", "/workflows/"],
    "gridworker": ["/account", "/cases/", "/cases/mine", "/cases/new", "/followups/", "/iot/candidates",
                   "/notifications/", "/referrals/", "/supervision/map", "/sweeps/", "/today", "/workflows/"],
    "supervisor": ["/account", "/audit/", "/audit/verify", "/cases/", "/elders/load", "/followups/", "/notifications/",
                   "/referrals/", "/rota/", "/rota/board", "/rota/consultations", "/rota/fairness", "/rota/holidays",
                   "/rota/lawyers", "/rota/month", "/rota/rooms", "/supervision/closures", "/supervision/map",
                   "/supervision/stats", "/sweeps/", "/today", "/workflows/"],
    "coordinator": ["/account", "/elders/load", "/elders/roster", "/notifications/", "/rota/", "/rota/board",
                    "/rota/consultations", "/rota/fairness", "/rota/holidays", "/rota/lawyers", "/rota/month",
                    "/rota/plan", "/rota/rooms", "/sweeps/", "/today", "/workflows/"],
    "lawyer": ["/account", "/notifications/", "/opinions/mine", "/rota/mine", "/rota/month", "/today", "/workflows/"],
    "elder": ["/account", "/elders/me", "/notifications/", "/today", "/workflows/"],
    "liaison": ["/account", "/notifications/", "/referrals/", "/today", "/workflows/"],
    "admin": ["/account", "/admin/calendar", "/admin/places", "/admin/users", "/api/admin/clients", "/audit/",
              "/audit/verify", "/cases/", "/elders/load", "/elders/roster", "/followups/", "/notifications/",
              "/referrals/", "/referrals/departments", "/rota/", "/rota/board", "/rota/consultations",
              "/rota/fairness", "/rota/holidays", "/rota/lawyers", "/rota/month", "/rota/rooms",
              "/supervision/closures", "/supervision/map", "/supervision/stats", "/sweeps/", "/today", "/workflows/"],
    "assistant": ["/account", "/cases/report", "/cases/reported", "/notifications/", "/today", "/workflows/"],
}


@pytest.fixture
def accounts(app):
    """One account of each role (its username the role's name), each with two-digit unread notifications
    and the mediator with cases waiting: the badges take their room in the bar as they do at work."""
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        people = [
            f.user("mediator", community=c1, username="mediator"),
            f.user("gridworker", grid=grids[0], username="gridworker"),
            f.user("supervisor", street=street, username="supervisor"),
            f.user("coordinator", street=street, username="coordinator"),
            f.user("admin", username="admin"),
            f.user("assistant", grid=grids[0], username="assistant"),
            fro.lawyer_with_login()[1],
            fe.elder_with_login(c1)[1],
            fr.liaison(fr.department()),
        ]
        people[-3].username, people[-2].username, people[-1].username = "lawyer", "elder", "liaison"
        for _ in range(3):
            f.dispute(people[1], grids[0])
        for person in people:
            for i in range(12):
                notify(person, "assigned", entity_type="dispute", entity_id=i + 1, data={"case": f"#{i + 1}"})
        db.session.commit()
        db.session.remove()


def one_row(page) -> None:
    parts = page.evaluate(PARTS)
    tops = [part["top"] for part in parts]
    # One row: no part starts below another's top by more than the few pixels their heights differ by (a second
    # row starts a whole link lower), and every part starts above where every other ends.
    assert max(tops) - min(tops) < 12, parts
    assert max(tops) < min(part["bottom"] for part in parts), parts
    assert max(part["right"] for part in parts) <= 1024, parts
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024


def reach(page, href: str, width: int) -> None:
    """The link to `href` is on the screen, a dropdown's opened by the keyboard first (closed again after)."""
    link = page.locator(f'#nav a[href="{href}"]:not(.dropdown-toggle)')
    expect(link).to_have_count(1)
    toggle = None
    menu = link.locator("xpath=./ancestor::ul[contains(@class, 'dropdown-menu')]")
    if menu.count():
        toggle = page.locator(f'#{menu.get_attribute("aria-labelledby")}')
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 24, (href, box)  # tappable
    if toggle is not None:
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("role", sorted(BEFORE))
def test_every_role_s_menu_is_one_row_at_1024_px_in_both_languages_with_every_link(pages, accounts, role):
    page = pages.open(**NARROW_DESK)
    log_in(page, role, f.PASSWORD, lands_on=None)
    for language in ("zh-CN", "en"):
        if page.get_attribute("html", "lang") != language:
            submit(page, page.locator("#lang-switch"))
        page.goto("/today")
        expect(page.locator("html")).to_have_attribute("lang", language)
        one_row(page)
        links = page.evaluate(LINKS)
        assert sorted(set(links)) == BEFORE[role]
        assert len(links) == len(set(links))  # each page once
        if language == "zh-CN":  # the same menus in either language: opened once
            for href in BEFORE[role]:
                reach(page, href, 1024)
    for href in BEFORE[role]:  # every link answers
        response = page.request.get(href)
        assert response.status < 400, (href, response.status)
    assert not pages.problems, pages.problems


@pytest.mark.parametrize("role", sorted(BEFORE))
def test_every_link_is_reachable_on_a_phone(pages, accounts, role):
    page = pages.open(**SMALL_PHONE)
    log_in(page, role, f.PASSWORD, lands_on=None)
    page.goto("/today")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    for href in BEFORE[role]:
        reach(page, href, 360)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    assert not pages.problems, pages.problems


def folded_bar(page, width: int) -> None:
    """The bar is one row: the centre's name, the toggler and nothing else shown; the menu folded."""
    expect(page.locator(".navbar-toggler")).to_be_visible()
    expect(page.locator("#nav")).not_to_be_visible()
    brand = page.locator(".navbar-brand").bounding_box()
    toggler = page.locator(".navbar-toggler").bounding_box()
    assert abs(brand["y"] + brand["height"] / 2 - (toggler["y"] + toggler["height"] / 2)) < 12, (brand, toggler)
    assert toggler["x"] + toggler["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("role", sorted(BEFORE))
def test_every_role_s_menu_folds_on_a_tablet_in_both_languages_with_every_link(pages, accounts, role):
    """Between 768 and 1023 px the longer menus wrapped onto two rows: there the menu folds as on a phone."""
    page = pages.open(**TABLET)
    log_in(page, role, f.PASSWORD, lands_on=None)
    for language in ("zh-CN", "en"):
        page.goto("/today")
        if page.get_attribute("html", "lang") != language:
            page.locator(".navbar-toggler").click()  # the switch is in the folded menu
            expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
            submit(page, page.locator("#lang-switch"))
            page.goto("/today")
        expect(page.locator("html")).to_have_attribute("lang", language)
        folded_bar(page, 800)
        page.locator(".navbar-toggler").click()
        expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
        links = page.evaluate(LINKS)
        assert sorted(set(links)) == BEFORE[role] and len(links) == len(set(links))
        for href in BEFORE[role]:
            reach(page, href, 800)
        expect(page.locator("#lang-switch")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 800  # no sideways scrolling
    page.set_viewport_size({"width": 1023, "height": 768})  # the widest folded width
    page.goto("/today")
    folded_bar(page, 1023)
    assert not pages.problems, pages.problems


def test_a_grouped_link_opens_its_page_on_a_phone(pages, accounts):
    page = pages.open(**SMALL_PHONE)
    log_in(page, "admin", f.PASSWORD, lands_on=None)
    page.goto("/today")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#nav-admin").click()
    places = page.locator("#nav-places")
    expect(places).to_be_visible()
    places.click()
    expect(page).to_have_url(re.compile(r"/admin/places$"))
    expect(page.locator("main h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    assert not pages.problems, pages.problems
