"""Issue 5 in a real browser: the coordinator generates and publishes a
quarter; a lawyer sees their Saturdays on a phone, asks a colleague to swap
one; the colleague accepts, the coordinator approves; both lawyers' "my
duties" pages change, and so do their calendar feeds. Ends with the audit
log verified. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

Elements are found by id, name and data-* attributes (the rota's own
strings are still being translated); states are the workflow's Chinese
labels.
"""
import re
from datetime import timedelta

from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.audit.verify import verify
from app.extensions import db
from app.rota.models import Duty, Lawyer
from tests import factories as f, factories_rota as fr
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, pages, screenshot, submit,
)


def log_in_as(page: Page, username: str, lands_on: str) -> None:
    log_in(page, username, f.PASSWORD, lands_on=lands_on)


def feed_events(page: Page, url: str) -> dict:
    answer = page.request.get(url)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(answer.body())
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    return {str(e["UID"]): (str(e["STATUS"]), int(e["SEQUENCE"])) for e in cal.walk("VEVENT")}


def issue_feed(page: Page) -> str:
    page.goto("/rota/mine#calendar")
    with page.expect_navigation():
        page.locator("#issue-feed").click()
    url = page.locator("#feed-url").input_value()
    # The copy button is the script's (js/copy.js): shown, and it copies the whole link.
    page.locator("#feed-copy").click()
    expect(page.locator("#feed-copy")).to_have_text("已复制")
    assert re.search(r"/rota/feed/[A-Za-z0-9_-]{43}\.ics$", url)
    # The link is shown on a page of its own (POST/redirect/GET): a refresh keeps it, shown no more.
    expect(page).to_have_url(re.compile(r"/rota/mine/feed$"))
    page.reload()
    expect(page.locator("#feed-url")).to_have_count(0)
    expect(page.locator("#feed-status")).to_be_visible()
    page.locator("#back-to-mine").click()
    expect(page).to_have_url(re.compile(r"/rota/mine$"))
    return url


def test_coordinator_publishes_a_quarter_and_a_swap_goes_through(pages, app, backend):
    with app.app_context():
        fr.set_today()
        _street, communities, _grids = f.org()
        coordinator = f.user("coordinator", street=communities[0].street, username="xietiao")
        fr.room(communities[0], seats=2, name="东关社区公共法律服务工作室")
        people = [fr.lawyer_with_login(name=name) for name in ("赵律师", "钱律师", "孙律师", "李律师", "周律师")]
        usernames = {lw.id: u.username for lw, u in people}
        names = {lw.id: lw.name for lw, _u in people}
        coordinator_name = coordinator.username
        db.session.remove()

    # --- The coordinator plans the next quarter and publishes it.
    desk = pages.open(**DESKTOP)
    log_in_as(desk, coordinator_name, r"/rota/$")
    desk.locator("#go-plan").click()
    expect(desk).to_have_url(re.compile(r"/rota/plan$"))
    first_day = desk.locator('#range-form [name="first_day"]').input_value()
    last_day = desk.locator('#range-form [name="last_day"]').input_value()
    assert first_day == (fr.TODAY + timedelta(days=1)).isoformat()
    submit(desk, desk.locator("#generate"))
    expect(desk.locator('.rota-seat[data-state="planned"]').first).to_be_visible()
    planned = desk.locator('.rota-seat[data-state="planned"]').count()
    assert planned == 2 * 13  # two seats on each of the 13 Saturdays
    expect(desk.locator(".seat-empty")).to_have_count(0)
    expect(desk.locator("#publish")).to_be_enabled()
    screenshot(desk, "rota-plan-desktop", backend)
    desk.once("dialog", lambda dialog: dialog.accept())
    submit(desk, desk.locator("#publish"))
    expect(desk.locator('.rota-seat[data-state="published"]')).to_have_count(planned)
    expect(desk.locator('.rota-seat[data-state="planned"]')).to_have_count(0)

    with app.app_context():
        duties = list(db.session.execute(select(Duty).where(Duty.state == "published").order_by(Duty.day)).scalars())
        assert len(duties) == planned and first_day <= duties[0].day.isoformat() <= last_day
        # The first lawyer's second duty is swapped to a colleague free that Saturday.
        asker_id = duties[0].lawyer_id
        mine = [d for d in duties if d.lawyer_id == asker_id]
        duty = mine[1]
        busy = {d.lawyer_id for d in duties if d.day == duty.day}
        taker_id = next(i for i in sorted(usernames) if i not in busy)
        duty_id, asker_days = duty.id, [d.day.isoformat() for d in mine]
        db.session.remove()
    uid = f"duty-{duty_id}@mediation-centre.local"

    # --- The lawyer, on a phone, sees their Saturdays, next ones first.
    asker = pages.open(**PHONE)
    log_in_as(asker, usernames[asker_id], r"/rota/mine$")
    rows = asker.locator("#my-duties .duty-row")
    expect(rows).to_have_count(len(asker_days))
    assert [rows.nth(i).get_attribute("data-day") for i in range(len(asker_days))] == asker_days
    expect_no_sideways_scroll(asker)
    asker_feed = issue_feed(asker)
    assert feed_events(asker, asker_feed)[uid] == ("CONFIRMED", 0)
    # The file any phone can import, with the login and no link: the same duty in it.
    expect(asker.locator("#download-ics")).to_be_visible()
    assert uid in feed_events(asker, asker_feed.split("/rota/")[0] + "/rota/mine/duties.ics")

    # --- A date they already sit marked as one they cannot: the warning is where the page opens (the dates).
    asker.locator('#unavailable [name="day"]').fill(asker_days[0])
    submit(asker, asker.locator("#add-unavailable"))
    warning = asker.locator('#unavailable [data-section-message="unavailable"]')
    expect(warning).to_have_class(re.compile(r"alert-warning"))
    expect(warning).to_be_in_viewport()

    # --- ... and asks a named colleague to take one of them.
    row = asker.locator(f'.duty-row[data-duty="{duty_id}"]')
    row.locator('[data-action="open-swap"]').click()
    form = row.locator("form.swap-form")
    expect(form).to_be_visible()
    form.locator('[name="target_id"]').select_option(str(taker_id))
    form.locator('[name="note"]').fill("当天出庭，请帮忙顶班")
    submit(asker, form.locator('[data-action="request-swap"]'))
    expect(asker).to_have_url(re.compile(r"/rota/mine#swaps$"))
    card = asker.locator(".swap-card").first
    expect(card).to_have_attribute("data-state", "requested")
    expect(card.locator(".swap-target")).to_have_text(names[taker_id])
    expect_no_sideways_scroll(asker)
    screenshot(asker, "rota-mine-swap-requested-phone", backend)
    # The duty's card says the swap is pending, with whom, and leads to it.
    pending = row.locator(".duty-swap-pending")
    expect(pending).to_contain_text(names[taker_id])
    expect(row.locator('[data-action="open-swap"]')).to_have_count(0)
    pending.locator("a").click()
    expect(asker).to_have_url(re.compile(r"/rota/mine#swap-\d+$"))

    # --- The colleague accepts on their phone.
    taker = pages.open(**PHONE)
    log_in_as(taker, usernames[taker_id], r"/rota/mine$")
    taker_feed = issue_feed(taker)
    assert uid not in feed_events(taker, taker_feed)
    theirs = taker.locator(".swap-card").first
    expect(theirs).to_have_attribute("data-state", "requested")
    expect(theirs.locator(".swap-requester")).to_have_text(names[asker_id])
    submit(taker, theirs.locator('button[data-trigger="accept"]'))
    expect(taker.locator(".swap-card").first).to_have_attribute("data-state", "accepted")
    expect(taker.locator(f'.duty-row[data-duty="{duty_id}"]')).to_have_count(0)  # not theirs before approval

    # --- The coordinator approves on the overview.
    desk.goto("/rota/")
    waiting = desk.locator("#swaps .swap-card")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".swap-taker")).to_have_text(names[taker_id])
    submit(desk, waiting.locator('button[data-trigger="approve"]'))
    expect(desk.locator("#swaps .swap-card")).to_have_count(0)
    expect(desk.locator("#awaiting-count")).to_have_text("0")

    # --- Both "my duties" pages changed, with the swap's steps on each.
    asker.reload()
    expect(asker.locator(f'.duty-row[data-duty="{duty_id}"]')).to_have_count(0)
    expect(asker.locator("#my-duties .duty-row")).to_have_count(len(asker_days) - 1)
    expect(asker.locator(".swap-card").first).to_have_attribute("data-state", "approved")
    taker.reload()
    expect(taker.locator(f'.duty-row[data-duty="{duty_id}"]')).to_have_count(1)
    approved = taker.locator(".swap-card").first
    expect(approved).to_have_attribute("data-state", "approved")
    approved.locator("summary").click()
    steps = approved.locator("ol.timeline > li")
    expect(steps).to_have_count(3)  # asked, accepted, approved: the newest first
    expect(steps.first.locator("strong")).to_have_text("批准换班")
    screenshot(taker, "rota-mine-after-swap-phone", backend)

    # --- The duty's page names the new lawyer, and its history shows the swap.
    desk.goto(f"/rota/duties/{duty_id}")
    expect(desk.locator("#duty-lawyer")).to_contain_text(names[taker_id])
    expect(desk.locator("#timeline")).to_contain_text("批准换班")

    # --- And the feeds changed with them.
    assert feed_events(asker, asker_feed)[uid] == ("CANCELLED", 1)
    assert feed_events(taker, taker_feed)[uid] == ("CONFIRMED", 1)

    assert not pages.problems, pages.problems
    with app.app_context():
        assert verify() == []


def test_the_lawyers_date_box_is_finger_sized_on_a_small_phone(pages, app, backend):
    """On a 360 px phone the box for a date they cannot sit is as tall as the Add button beside it (44 px),
    its text not smaller than 16 px (a phone zooms into a smaller one), inside the screen; a Saturday typed
    there is saved."""
    with app.app_context():
        fr.set_today()
        lawyer, user = fr.lawyer_with_login(name="赵律师")
        username, lawyer_id = user.username, lawyer.id
        db.session.remove()
    phone = pages.open(**dict(PHONE, viewport={"width": 360, "height": 740}))
    log_in_as(phone, username, r"/rota/mine$")
    box, add = phone.locator('#unavailable [name="day"]'), phone.locator("#add-unavailable")
    box.scroll_into_view_if_needed()
    sized, button = box.bounding_box(), add.bounding_box()
    assert sized["height"] >= 44 and abs(sized["height"] - button["height"]) <= 2, (sized, button)
    assert sized["width"] >= 150 and sized["x"] >= 0 and sized["x"] + sized["width"] <= 360, sized
    assert float(box.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 16
    expect_no_sideways_scroll(phone)
    screenshot(phone, "rota-unavailable-phone-360", backend)
    saturday = fr.FIRST_SATURDAY + timedelta(weeks=2)
    box.fill(saturday.isoformat())
    submit(phone, add)
    expect(phone.locator("#unavailable-days")).to_contain_text(str(saturday.day))
    with app.app_context():
        assert db.session.get(Lawyer, lawyer_id).unavailable_days == {saturday}
    assert pages.problems == []
