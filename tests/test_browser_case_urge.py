"""In a browser: the supervisor finds an overdue report (待受理) on "today",
sees who is responsible for it, urges them with a note from the case page,
and sees it marked there and on "today"; the mediator sees the mark on "my
cases". The step's panel is found by its trigger, not its label, so the walk
reads the same before and after the label's translation."""
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from app import clock
from app.extensions import db
from tests import factories as f
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    chromium, live_server, log_in, pages, screenshot, submit,
)

T0 = datetime(2026, 3, 2, 2, 0)
NOW = T0 + timedelta(days=15)
NOTE = "请今日内受理，并电话联系申请人说明进度。"


@pytest.fixture
def late(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1, username="tiaojie", password=f.PASSWORD)
        f.user("supervisor", street=street, username="dudao", password=f.PASSWORD)
        case = f.dispute(mediator, grids[0], now=T0)
        world = dict(case=case.id, mediator_name=mediator.display_name)
        db.session.remove()
    clock.set_now(NOW)
    yield world
    clock.set_now(None)


def urged_marks(page: Page):
    return page.locator(".urged-mark")


def test_the_supervisor_urges_an_overdue_report_from_today(pages, late, backend):
    page = pages.open()
    log_in(page, "dudao", f.PASSWORD, lands_on=None)
    page.goto("/today")
    item = page.locator(f'#today-overdue-items a[href="/cases/{late["case"]}"]')
    expect(item.locator(".urged-mark")).to_have_count(0)
    item.click()
    expect(page).to_have_url(re.compile(rf"/cases/{late['case']}$"))
    expect(page.locator("#responsible-now")).to_contain_text(late["mediator_name"])
    step = page.locator('#actions button[data-step="urge_mediators"]')
    step.click()
    panel = page.locator("#act-urge_mediators")
    expect(panel).to_have_class(re.compile(r"\bshow\b"))
    panel.locator('[name="urge_mediators-urging"]').fill(NOTE)
    expect(panel.locator('[name="urge_mediators-reason"]')).to_have_count(0)
    submit(page, panel.locator('button[type="submit"][data-trigger="urge_mediators"]'))
    expect(page.locator("#case-state")).to_have_text("待受理")  # the state is kept
    expect(urged_marks(page)).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text(NOTE)
    screenshot(page, "case-urged", backend)
    page.goto("/today")
    expect(page.locator(f'#today-overdue-items a[href="/cases/{late["case"]}"] .urged-mark')).to_have_count(1)
    assert pages.problems == []

    mediator = pages.open()
    log_in(mediator, "tiaojie", f.PASSWORD)
    mediator.goto("/cases/mine")
    expect(mediator.locator("#inbox-list .urged-mark")).to_have_count(1)
    assert pages.problems == []
