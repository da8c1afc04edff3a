"""The grid map in a real browser: the demo city's supervisor sees all 369
grids drawn, points at one and reads its figures, clicks it and lands on
that grid's cases; on a phone the map fits the screen; with scripts off it
is the same map. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is
set."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import User
from app.demo.build import build_org_and_users
from app.extensions import db
from app.org.models import Grid
from tests import factories as f
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, pages, submit,
)

PASSWORD = f.PASSWORD


@pytest.fixture
def city(app):
    """The demo's 18 communities and 369 grids with their outlines; three
    cases in one grid and one in another."""
    with app.app_context():
        build_org_and_users(PASSWORD)
        grids = list(db.session.execute(select(Grid).order_by(Grid.id)).scalars())
        chosen, other = grids[40], grids[41]
        mediator = db.session.execute(select(User).where(User.username == "mediator")).scalar_one()
        mediator.community_id = chosen.community_id  # a mediator of the chosen grid's community registers
        db.session.commit()
        titles = [f.dispute(mediator, chosen).title for _ in range(3)]
        other_title = f.dispute(f.user("mediator", community=other.community), other).title
        world = dict(chosen=chosen.id, chosen_name=f"{chosen.community.name} {chosen.name}", titles=titles,
                     other_title=other_title, grids=len(grids))
        db.session.remove()
    return world


def test_the_map_shows_every_grid_and_a_click_opens_its_cases(pages, city):
    page = pages.open(**DESKTOP)
    log_in(page, "supervisor", PASSWORD, lands_on=r"/supervision/closures$")
    page.locator("#nav-supervision").click()  # the map is in the supervision menu
    page.locator("#nav-map").click()
    expect(page).to_have_url(re.compile(r"/supervision/map$"))
    grids = page.locator("#grid-map a.grid")
    expect(grids).to_have_count(city["grids"])
    for box in (grids.first.bounding_box(), grids.last.bounding_box()):
        assert box and box["width"] > 2 and box["height"] > 2  # drawn, not collapsed to a point
    expect(page.locator("#map-table tbody tr")).to_have_count(city["grids"])

    chosen = page.locator(f'#grid-map a.grid[data-grid="{city["chosen"]}"]')
    chosen.hover()
    expect(page.locator("#map-info")).to_contain_text(city["chosen_name"])
    expect(page.locator("#map-info")).to_contain_text("未结案件 3")
    chosen.focus()
    page.keyboard.press("Tab")  # the next grid takes the focus and its figures replace these
    expect(page.locator("#map-info")).not_to_contain_text(city["chosen_name"])
    expect(page.locator("#map-info")).to_contain_text("未结案件 ")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#map-info")).to_contain_text(city["chosen_name"])

    chosen.click()
    expect(page).to_have_url(re.compile(rf"/cases/\?grid={city['chosen']}$"))
    rows = page.locator("#case-list > a")
    expect(rows).to_have_count(3)
    for title in city["titles"]:
        expect(page.locator("#case-list")).to_contain_text(title)
    expect(page.locator("#case-list")).not_to_contain_text(city["other_title"])
    assert not pages.problems, pages.problems


def test_the_map_fits_a_phone_and_needs_no_script(pages, city):
    page = pages.open(**PHONE, java_script_enabled=False)
    log_in(page, "supervisor", PASSWORD, lands_on=r"/supervision/closures$")
    page.goto("/supervision/map?measure=red")
    expect(page.locator("#grid-map a.grid")).to_have_count(city["grids"])
    width = page.locator("#grid-map").bounding_box()["width"]
    assert width <= 390
    expect_no_sideways_scroll(page)
    page.locator(f'#grid-map a.grid[data-grid="{city["chosen"]}"]').click()
    expect(page).to_have_url(re.compile(rf"/cases/\?grid={city['chosen']}&colour=red$"))
    assert not pages.problems, pages.problems
