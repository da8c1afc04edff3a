"""What the real-browser tests share: Debian's Chromium driven by Playwright,
a live server of the app in a thread, pages that collect what went wrong in
the browser, and helpers that act as a person would.

A test module uses the fixtures by importing them:

    from tests.browser_support import chromium, live_server, pages, people  # noqa: F401

Never run `playwright install`: the browser is /usr/bin/chromium. If it is
missing the tests fail (they do not skip).

Labels that are being translated are not relied on: new form fields are
found by their name or id; workflow labels (待受理, 受理, ...) and the code
lists' labels (书面协议, 随手拍, ...) are not gettext strings and are used.
"""
import os
import re
import struct
import threading
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Locator, Page, TimeoutError as PlaywrightTimeout, expect, sync_playwright
from werkzeug.serving import make_server

from app.extensions import db
from tests import factories as f
from tests.uploads_data import _chunk

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


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
            community=c1.name,
            grid_label=f"{c1.name} · {grids[1].name}",  # the mediator may choose any grid of community 1
            worker_grid_label=f"{c1.name} · {grids[0].name}",
        )
        db.session.remove()
    return world


class Pages:
    """pages.open(**context_options) -> a page on the live server. Console
    errors, uncaught exceptions (e.g. a script blocked by the CSP) and HTTP
    answers of 400 or more are collected in `problems`; each test checks
    there are none. When a test fails, a Playwright trace of each page is
    left in test-artifacts/ (open it with `.venv/bin/playwright show-trace FILE`)."""

    def __init__(self, chromium, base_url, name):
        self.chromium, self.base_url, self.name = chromium, base_url, name
        self.contexts, self.problems = [], []

    def open(self, **options) -> Page:
        # Reduced motion: Bootstrap then scrolls to a page's #anchor at once instead of smoothly, and a click
        # made while the page still scrolled could land beside its link (seen once in CI: "element is not
        # stable" retried, then the click changed nothing). It also makes collapses open without animation.
        options.setdefault("reduced_motion", "reduce")
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


def _shown_messages(page: Page) -> list[str]:
    return page.locator(".alert, .invalid-feedback, main h1").all_inner_texts()


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
        pytest.fail(f"{landing.request.method} {landing.url} answered {landing.status}: {_shown_messages(page)}",
                    pytrace=False)


def submit_answered_in_place(page: Page, button: Locator) -> None:
    """Click the submit button of a form whose answer is the response to the
    POST itself, not a redirect (the public /report and /track pages, which
    keep the tracking code out of URLs). The answer must be a success."""
    try:
        with page.expect_navigation() as navigation:
            button.click()
    except PlaywrightTimeout:
        pytest.fail(f"clicking {button} sent no form to the server", pytrace=False)
    landing = navigation.value
    if landing.status >= 400:
        pytest.fail(f"{landing.request.method} {landing.url} answered {landing.status}: {_shown_messages(page)}",
                    pytrace=False)


MY_CASES = r"/cases/(mine)?$"  # where mediators and grid workers land


def log_in(page: Page, username: str, password: str, lands_on: str | None = MY_CASES) -> None:
    """Log in by the login form; `lands_on` (a pattern of the URL's end) is
    where the role lands, None not to check."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    submit(page, page.get_by_role("main").get_by_role("button", name="登录"))
    if lands_on is not None:
        expect(page).to_have_url(re.compile(lands_on))


def open_action(page: Page, heading: str) -> Locator:
    """Open one panel of the action accordion by its heading; returns the panel."""
    button = page.locator("#actions").get_by_role("button", name=heading, exact=True)
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    panel = page.locator(button.get_attribute("data-bs-target"))
    expect(panel).to_have_class(re.compile(r"\bshow\b"))  # Bootstrap's opening animation is over
    return panel


def fire(page: Page, trigger: str, heading: str, fields: dict | None = None) -> None:
    """Open the action's panel, fill its fields and send it. Fields are found
    by name (the form's prefix is the trigger: "close-summary"); a value is
    text to type, True to tick a checkbox, or {"label": ...} / {"value": ...}
    to choose an option."""
    panel = open_action(page, heading)
    for name, value in (fields or {}).items():
        field = panel.locator(f'[name="{trigger}-{name}"]')
        if value is True:
            field.check()
        elif isinstance(value, dict):
            field.select_option(**value)
        else:
            field.fill(value)
    submit(page, panel.locator(f'button[type="submit"][data-trigger="{trigger}"]'))


def expect_step(page: Page, state: str, action: str, from_to: str, count: int) -> None:
    """The badge shows the state; the history has one more entry, the newest first."""
    expect(page.locator("#case-state")).to_have_text(state)
    entries = page.locator("#timeline > li")
    expect(entries).to_have_count(count)
    newest = entries.first
    expect(newest.locator("strong")).to_have_text(action)
    expect(newest).to_contain_text(from_to)


def expect_no_sideways_scroll(page: Page) -> None:
    """Nothing sticks out to the right (on a phone one would have to pan)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def photo_png(width: int = 160, height: int = 120) -> bytes:
    """A real, colourful PNG (8-bit RGB) that looks like something in a
    thumbnail: a sky, a grey wall and a red box standing on the ground."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            if height * 0.45 < y < height * 0.85 and width * 0.35 < x < width * 0.65:
                pixel = (200, 40, 40)
            elif y < height * 0.4:
                pixel = (135, 190, 235)
            else:
                pixel = (150, 150, 150)
            row += bytes(pixel)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + _chunk(b"IEND", b""))
