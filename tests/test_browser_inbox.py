"""Issue 16, item 1 in a real browser: a resident reports a problem, and the
community's mediator sees it on "my cases" and "today" without filtering,
with its count in the navigation."""
import re

from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, pages, people, photo_png, submit,
    submit_answered_in_place,
)

DESCRIPTION = "小区东门的共享单车堆了一地，老人进出时摔倒了两回。"


def test_a_mediator_sees_a_new_public_report_on_my_cases_and_today(pages, people, backend):
    resident = pages.open(**PHONE)
    resident.goto("/report")
    form = resident.locator("form#report")
    form.locator('[name="community_id"]').select_option(label=people.community)
    form.locator('[name="description"]').fill(DESCRIPTION)
    form.locator('[name="photo"]').set_input_files(
        {"name": "单车.png", "mimeType": "image/png", "buffer": photo_png()})
    submit_answered_in_place(resident, form.locator('button[type="submit"]'))
    expect(resident.locator("#tracking-code")).to_be_visible()

    page = pages.open(**PHONE)
    log_in(page, people.mediator, people.password)
    expect(page).to_have_url(re.compile(r"/cases/mine$"))
    row = page.locator("#inbox-list .list-group-item").filter(has_text=DESCRIPTION)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text("随手拍")
    expect(page.locator("#inbox-total")).to_have_text("1")
    expect(page.locator("#inbox-count")).to_have_text("1")  # in the navigation (the phone's menu)
    expect_no_sideways_scroll(page)
    # Choosing the case for taking it on: a finger-sized place to tap, whose edge ticks the box.
    pick = row.locator("label.inbox-pick")
    area = pick.bounding_box()
    assert area["width"] >= 44 and area["height"] >= 44, area
    page.mouse.click(area["x"] + 3, area["y"] + area["height"] - 3)
    expect(row.locator('input[name="case"]')).to_be_checked()
    expect(page).to_have_url(re.compile(r"/cases/mine$"))  # not the case's page

    page.goto("/today")
    item = page.locator("#today-inbox-items > a")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(people.community)
    item.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("body")).to_contain_text(DESCRIPTION)
    page.locator("#timeline details").first.evaluate("d => d.open = true")  # the photo's SHA-256 checksum
    expect(page.locator("#timeline")).to_contain_text("SHA-256")
    expect_no_sideways_scroll(page)  # a 64-character checksum breaks inside a 390 px screen

    # Accepted from "my cases": the resident's report asks for its type and grid in its row first.
    page.goto("/cases/mine")
    row = page.locator("#inbox-list .list-group-item").filter(has_text=DESCRIPTION)
    row.locator("label.inbox-pick").click()
    submit(page, page.locator("#bulk-assign-button"))
    expect(page.locator(".alert-warning")).to_have_count(1)  # not accepted: nothing chosen
    expect(page.locator("#inbox-total")).to_have_text("1")
    row.locator("label.inbox-pick").click()
    row.locator('select[name^="type-"]').select_option("parking")
    row.locator('select[name^="grid-"]').select_option(index=1)
    expect_no_sideways_scroll(page)
    submit(page, page.locator("#bulk-assign-button"))
    expect(page.locator(".alert-success")).to_have_count(1)
    expect(page.locator("#inbox-list")).to_have_count(0)
    assert pages.problems == []
