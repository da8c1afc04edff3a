"""Real-browser tests: Debian's Chromium, driven by Playwright, against a live
server of the app (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set).

A person logs in, registers a dispute and takes it through the action
accordion; a grid worker does the same on a phone; the workflow diagram is
drawn by the locally served mermaid.js. Screenshots for humans go to
test-artifacts/ (gitignored); nothing is asserted on them.

Never run `playwright install`: the browser is /usr/bin/chromium. If it is
missing the tests fail (they do not skip).
"""
import os
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Locator, Page, TimeoutError as PlaywrightTimeout, expect, sync_playwright
from werkzeug.serving import make_server

from app.extensions import db
from tests import factories as f

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


class Chromium:
    """Launches the browser on first use, inside the test, so that a missing
    Chromium is a test failure with a clear message rather than a skip."""

    def __init__(self, playwright):
        self.playwright = playwright
        self.browser = None

    def get(self):
        if self.browser is None:
            if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
                pytest.fail(f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's "
                            "`chromium` package (apt-get install chromium). Do not run `playwright install`.",
                            pytrace=False)
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        return self.browser


@pytest.fixture(scope="module")
def chromium():
    expect.set_options(timeout=15_000)  # generous: CI machines are often busy; passing runs do not wait
    with sync_playwright() as playwright:
        launcher = Chromium(playwright)
        yield launcher
        if launcher.browser is not None:
            launcher.browser.close()
    expect.set_options(timeout=5_000)  # Playwright's default again


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def people(app):
    """An org, a mediator of community 1 and a grid worker of its first grid."""
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1, username="tiaojie", password=f.PASSWORD)
        worker = f.user("gridworker", grid=grids[0], username="wangge", password=f.PASSWORD)
        world = SimpleNamespace(
            password=f.PASSWORD,
            mediator=mediator.username, mediator_name=mediator.display_name,
            worker=worker.username, worker_name=worker.display_name,
            grid_label=f"{c1.name} · {grids[1].name}",  # the mediator may choose any grid of community 1
            worker_grid_label=f"{c1.name} · {grids[0].name}",
        )
        db.session.remove()
    return world


class Pages:
    """pages.open(**context_options) -> a page on the live server. Console
    errors and uncaught exceptions (e.g. a script blocked by the CSP) are
    collected in `problems`; each test checks there are none. When a test
    fails, a Playwright trace of each page is left in test-artifacts/ (open it
    with `.venv/bin/playwright show-trace FILE`)."""

    def __init__(self, chromium, base_url, name):
        self.chromium, self.base_url, self.name = chromium, base_url, name
        self.contexts, self.problems = [], []

    def open(self, **options) -> Page:
        context = self.chromium.get().new_context(base_url=self.base_url, locale="zh-CN", **options)
        context.tracing.start(screenshots=True, snapshots=True)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        return page

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"{response.request.method} {response.url} answered {response.status}")

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def close(self, failed: bool):
        if failed and self.problems:
            print("the browser also saw:", *self.problems, sep="\n  ")
        for i, context in enumerate(self.contexts):
            trace = ARTIFACTS / f"trace-{self.name}-{i}.zip"
            if failed:
                ARTIFACTS.mkdir(exist_ok=True)
                context.tracing.stop(path=str(trace))
            else:
                context.tracing.stop()
                trace.unlink(missing_ok=True)  # no stale trace of an earlier failure
            context.close()


@pytest.fixture
def pages(chromium, live_server, request):
    failures = request.session.testsfailed
    pages = Pages(chromium, live_server, re.sub(r"\W+", "-", request.node.name).strip("-"))
    yield pages
    pages.close(failed=request.session.testsfailed > failures)


def screenshot(page: Page, name: str, backend: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{backend}.png"), full_page=True)


def submit(page: Page, button: Locator) -> None:
    """Click a submit button as a person would. The form must be accepted (a
    redirect) and the page it leads to must load; else the test fails with
    the status and the messages shown on the page."""
    try:
        with page.expect_navigation() as navigation:
            button.click()
    except PlaywrightTimeout:
        pytest.fail(f"clicking {button} sent no form to the server", pytrace=False)
    landing = navigation.value
    if landing.request.method == "POST" or landing.status >= 400:
        shown = page.locator(".alert, .invalid-feedback, main h1").all_inner_texts()
        pytest.fail(f"{landing.request.method} {landing.url} answered {landing.status}: {shown}", pytrace=False)


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    submit(page, page.get_by_role("main").get_by_role("button", name="登录"))
    expect(page).to_have_url(re.compile(r"/cases/(mine)?$"))  # mediators and grid workers land on their own cases


def register(page: Page, *, dispute_type: str, facts: str, name: str, phone: str, grid: str | None = None) -> None:
    """Fill the intake form (only the essentials) and send it; lands on the case page."""
    form = page.locator("#intake")
    form.get_by_label("纠纷类型").select_option(label=dispute_type)
    if grid is not None:
        form.get_by_label("网格", exact=True).select_option(label=grid)
    form.get_by_label("简要案情").fill(facts)
    form.get_by_label("申请人姓名", exact=True).fill(name)
    form.get_by_label("申请人联系电话", exact=True).fill(phone)
    submit(page, form.get_by_role("button", name="登记", exact=True))
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("案件已登记")


def open_action(page: Page, heading: str) -> Locator:
    """Open one panel of the action accordion by its heading; returns the panel."""
    button = page.locator("#actions").get_by_role("button", name=heading, exact=True)
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    panel = page.locator(button.get_attribute("data-bs-target"))
    expect(panel).to_have_class(re.compile(r"\bshow\b"))  # Bootstrap's opening animation is over
    return panel


def expect_step(page: Page, state: str, action: str, from_to: str, count: int) -> None:
    """The badge shows the state; the history has one more entry, the newest first."""
    expect(page.locator("#case-state")).to_have_text(state)
    entries = page.locator("#timeline > li")
    expect(entries).to_have_count(count)
    newest = entries.first
    expect(newest.locator("strong")).to_have_text(action)
    expect(newest).to_contain_text(from_to)


def test_mediator_takes_a_dispute_from_registration_to_agreement(pages, people, backend):
    page = pages.open(viewport={"width": 1280, "height": 900})
    log_in(page, people.mediator, people.password)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    page.get_by_role("navigation").get_by_role("link", name="登记纠纷").click()
    expect(page).to_have_url(re.compile(r"/cases/new$"))
    register(page, dispute_type="邻里", grid=people.grid_label, facts="楼上漏水，双方就维修费用发生争执。",
             name="张三", phone="13812345678")
    expect(page.locator("h1")).to_contain_text("邻里")
    expect(page.locator("main dl")).to_contain_text(people.grid_label)
    parties = page.locator("#parties li")
    expect(parties).to_have_count(1)
    expect(parties.first).to_contain_text("张三")
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
    panel.get_by_label("协议形式").select_option(label="书面协议")
    panel.get_by_label("协议内容").fill("十日内由楼上住户赔偿维修费两千元。")
    submit(page, panel.get_by_role("button", name="达成调解协议", exact=True))
    expect_step(page, "达成协议", "达成调解协议", "调解中 → 达成协议", 5)
    agreement = page.locator("main dl dd").filter(has_text="十日内由楼上住户赔偿维修费两千元。")
    expect(agreement).to_contain_text("书面协议")
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
    page = pages.open(viewport={"width": 1280, "height": 900})
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
