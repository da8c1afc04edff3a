"""Pages in a browser that runs no script (scripts turned off, or blocked on
an office PC): what Bootstrap's script opens (the phone's menu, a step's
panel on the case page) must be in reach all the same."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from tests import factories as f
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, live_server, log_in, pages, people, submit,
)
from tests.test_browser_accessibility import blocking_violations


def new_case(app, people) -> int:
    """A case registered by the demo mediator in their community: 待受理."""
    with app.app_context():
        mediator = db.session.execute(select(f.User).where(f.User.username == people.mediator)).scalar_one()
        case_id = f.dispute(mediator, mediator.community.grids[0]).id
        db.session.remove()
    return case_id


def test_without_a_script_the_phone_menu_and_a_step_s_form_are_in_reach(pages, people, app):
    case_id = new_case(app, people)

    page = pages.open(**PHONE, java_script_enabled=False)
    log_in(page, people.mediator, people.password)
    # The menu the phone's toggle would open is shown open; the toggle, which would do nothing, is not shown.
    expect(page.locator("#nav-mine")).to_be_visible()
    expect(page.locator(".navbar-toggler")).to_be_hidden()

    page.goto(f"/cases/{case_id}")
    # The step's panel is open, its link to the page with the form in reach.
    link = page.locator("#act-accept [data-fetch-form] a")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}\?step=accept#act-accept$"))
    submit(page, page.locator('#act-accept button[type="submit"][data-trigger="accept"]'))
    expect(page.locator("#case-state")).to_have_text("已受理")
    assert not pages.problems, pages.problems


def test_without_a_script_a_dangerous_step_asks_on_a_page_of_its_own(pages, people, app):
    """The dialog a script would open is a page: going back does nothing, going ahead takes the step."""
    case_id = new_case(app, people)

    page = pages.open(java_script_enabled=False)
    log_in(page, people.mediator, people.password)
    for answer in ("#confirm-no", "#confirm-yes"):
        page.goto(f"/cases/{case_id}?step=reject#act-reject")
        page.locator("#reject-route").select_option("court")
        page.locator("#reject-reason").fill("已向法院起诉，不再调解。")
        with page.expect_navigation():
            page.locator('#act-reject button[type="submit"][data-trigger="reject"]').click()
        # The same words the script's dialog says (test_with_a_script_the_dialog_asks...): the step, the case.
        expect(page.locator("#confirm-question")).to_have_text(
            f"对案件#{case_id}执行“不予受理”？案件将不予受理调解。此操作无法撤销。")
        with page.expect_navigation():
            page.locator(answer).click()
        if answer == "#confirm-no":
            expect(page).to_have_url(re.compile(rf"/cases/{case_id}\?step=reject"))
            expect(page.locator("#case-state")).to_have_text("待受理")
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("#case-state")).to_have_text("不予受理")
    assert not pages.problems, pages.problems


def test_the_page_that_asks_has_no_serious_accessibility_violation(pages, people, app):
    """axe-core runs in the page, so the page is reached with a script: the form made to send the question
    as a browser without one would (the script's own dialog accepted)."""
    case_id = new_case(app, people)

    found = {}
    for size, options in {"desk": DESKTOP, "phone": PHONE}.items():
        page = pages.open(**options)
        log_in(page, people.mediator, people.password)
        page.goto(f"/cases/{case_id}?step=reject#act-reject")
        form = page.locator('form[action$="/fire/reject"]')
        form.evaluate("""form => { const asked = document.createElement("input");
            asked.type = "hidden"; asked.name = "_confirm"; asked.value = "确定要执行此操作吗？"; form.append(asked); }""")
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
        expect(page.locator("#confirm-question")).to_have_text("确定要执行此操作吗？")
        found[size] = blocking_violations(page)
    assert found == {"desk": [], "phone": []}, found
    assert not pages.problems, pages.problems


def test_with_a_script_the_dialog_asks_and_no_page_asks_again(pages, people, app):
    """The step's form is fetched and put in place by the script: its question, inside <noscript>, must
    not come with it, or the browser would ask twice (the dialog, then the page)."""
    case_id = new_case(app, people)

    page = pages.open(**DESKTOP)
    log_in(page, people.mediator, people.password)
    page.goto(f"/cases/{case_id}")
    page.locator('#actions button[data-step="reject"]').click()
    panel = page.locator("#act-reject")
    form = panel.locator('form[action$="/fire/reject"]')
    expect(form).to_be_visible()  # fetched and in place
    assert form.evaluate("form => form.elements.namedItem('_confirm')") is None
    panel.locator('[name="reject-route"]').select_option("court")
    panel.locator('[name="reject-reason"]').fill("已向法院起诉，不再调解。")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    submit(page, panel.locator('button[type="submit"][data-trigger="reject"]'))
    assert asked == [f"对案件#{case_id}执行“不予受理”？案件将不予受理调解。此操作无法撤销。"]  # the step, the case
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("#case-state")).to_have_text("不予受理")
    assert not pages.problems, pages.problems


TABLET = {"viewport": {"width": 800, "height": 1000}}


def _box(page, selector):
    return page.locator(selector).bounding_box()


def test_without_a_script_a_tablet_s_menu_is_rows_of_groups_not_a_column(pages, people, app):
    """At 768-1023 px the bar folds behind its toggle with a script; without one it was shown open as a
    column of every link (the first screen of an 800 px tablet) with the groups' boxes hung in it. It is rows:
    each group its name then its links, the account's links after the language; nothing over the page."""
    with app.app_context():
        admin = f.user("admin", username="guanli", password=people.password).username
        db.session.remove()

    page = pages.open(**TABLET, java_script_enabled=False)
    log_in(page, people.mediator, people.password)
    for link in ("#nav-mine", "#nav-all-cases", "#nav-followups", "#nav-register", "#nav-today", "#nav-sweeps",
                 "#nav-notifications", "#account-link", "#log-out"):
        expect(page.locator(link)).to_be_visible()
    # The button that would open the account's menu does nothing without a script: its links are shown instead.
    expect(page.locator("#nav-me")).to_be_hidden()
    expect(page.locator(".navbar-toggler")).to_be_hidden()
    # A group's links on one row, beside its name (a column put each under the last).
    name, first, second = _box(page, "#nav-cases"), _box(page, "#nav-all-cases"), _box(page, "#nav-followups")
    assert first["y"] == second["y"] and name["x"] < first["x"] < second["x"], (name, first, second)
    # The menu takes a few rows, not the screen; the page starts under it, nothing wider than the window.
    nav, main = _box(page, "nav.navbar"), _box(page, "main")
    assert nav["height"] < 250, nav
    assert nav["y"] + nav["height"] <= main["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.locator("#nav-followups").click()
    expect(page).to_have_url(re.compile(r"/followups/?$"))

    # The longest bar, an administrator's in English, wraps whole links within the window.
    page = pages.open(**TABLET, java_script_enabled=False)
    log_in(page, admin, people.password, lands_on=None)
    with page.expect_navigation():
        page.locator("#lang-switch").click()
    expect(page.locator("#nav-users")).to_have_text("Users")
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    for link in ("#nav-users", "#nav-audit-check", "#nav-rota-board", "#nav-closures", "#log-out"):
        box = _box(page, link)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 800, (link, box)
    nav, main = _box(page, "nav.navbar"), _box(page, "main")
    assert nav["y"] + nav["height"] <= main["y"]
    assert not pages.problems, pages.problems
