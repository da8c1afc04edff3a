"""The account form's place lists in a browser, on a phone: the script
(served from /static, allowed by the CSP) narrows the grids to the street and
community chosen; without a script every grid is there, grouped by
community, and the account is made all the same."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.auth.models import TwoFactor, User
from app.extensions import db
from tests import factories as f
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, live_server, log_in, pages, submit,
)

PASSWORD = "a long new passphrase 2027"


def city(app):
    """Two streets of three communities of four grids; an administrator."""
    with app.app_context():
        streets = [f.org(communities=3, grids_per_community=4) for _ in range(2)]
        f.user("admin", username="boss")
        found = {"streets": [s.name for s, _c, _g in streets], "east_communities": [c.name for c in streets[0][1]],
                 "east_community_ids": [str(c.id) for c in streets[0][1]],
                 "grid": streets[0][2][5].name, "grid_id": streets[0][2][5].id,
                 "community_id": streets[0][1][1].id, "street_id": streets[0][0].id, "west_id": streets[1][0].id}
        db.session.remove()
    return found


def open_new_account_form(pages, **options):
    page = pages.open(**PHONE, **options)
    log_in(page, "boss", f.PASSWORD, lands_on=None)
    page.goto("/admin/users/new")
    return page


def fill_account(page, username):
    page.locator("#username").fill(username)
    page.locator("#display_name").fill("孙网格")
    page.locator("#role").select_option("gridworker")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)


def made(app, username):
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return user.street_id, user.community_id, user.grid_id


def test_the_street_and_community_chosen_narrow_the_grids(pages, app):
    place = city(app)
    page = open_new_account_form(pages)
    grids = page.locator("#grid_id option")
    expect(grids).to_have_count(1 + 24)
    page.locator("#street_id").select_option(label=place["streets"][0])
    expect(grids).to_have_count(1 + 12)
    expect(page.locator("#community_id option")).to_have_count(1 + 3)
    expect(page.locator("#grid_id optgroup")).to_have_count(3)
    page.locator("#community_id").select_option(place["east_community_ids"][1])
    expect(grids).to_have_count(1 + 4)
    label = f"{place['east_communities'][1]} · {place['grid']}"
    page.locator("#grid_id").select_option(label=label)
    # Another community: the grid chosen is not in it, and is no longer chosen.
    page.locator("#community_id").select_option(place["east_community_ids"][2])
    expect(page.locator("#grid_id")).to_have_value("0")
    page.locator("#community_id").select_option(place["east_community_ids"][1])
    page.locator("#grid_id").select_option(label=label)
    fill_account(page, "sun")
    submit(page, page.locator("#user-form button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/admin/users/\d+$"))
    assert made(app, "sun") == (place["street_id"], place["community_id"], place["grid_id"])
    assert not pages.problems, pages.problems  # no script refused by the CSP, no error


def test_a_refused_grid_stays_shown_beside_its_message(pages, app):
    """A grid outside the street chosen reaches the server only past the script (here the street is
    set behind its back); the answer shows the refused grid still chosen, marked, the lists not emptied."""
    place = city(app)
    page = open_new_account_form(pages)
    fill_account(page, "sun")
    page.locator("#grid_id").select_option(label=f"{place['east_communities'][1]} · {place['grid']}")
    page.evaluate("west => { document.querySelector('#street_id').value = west; }", str(place["west_id"]))
    with page.expect_navigation():
        page.locator("#user-form button[type=submit]").click()
    expect(page.locator("#grid_id")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#grid_id")).to_have_value(str(place["grid_id"]))
    expect(page.locator("#street_id")).to_have_value(str(place["west_id"]))
    assert [p for p in pages.problems if "422" not in p] == [], pages.problems  # the refusal itself


def test_without_a_script_every_grid_is_there_grouped_and_the_account_is_made(pages, app):
    place = city(app)
    page = open_new_account_form(pages, java_script_enabled=False)
    expect(page.locator("#grid_id option")).to_have_count(1 + 24)
    expect(page.locator("#grid_id optgroup")).to_have_count(6)
    page.locator("#street_id").select_option(label=place["streets"][0])
    expect(page.locator("#grid_id option")).to_have_count(1 + 24)  # nothing narrows them
    fill_account(page, "sun")
    page.locator("#grid_id").select_option(label=f"{place['east_communities'][1]} · {place['grid']}")
    submit(page, page.locator("#user-form button[type=submit]"))
    assert made(app, "sun") == (place["street_id"], place["community_id"], place["grid_id"])
    assert not pages.problems, pages.problems


def test_the_role_chosen_shows_only_the_places_it_keeps(pages, app):
    """A liaison answers for a department: the grid and community lists are
    hidden once the role is chosen (the server drops them anyway); a grid
    worker's role shows the grid again, a supervisor's the street alone."""
    city(app)
    page = open_new_account_form(pages)
    columns = {name: page.locator(f"#{name}").locator("xpath=..") for name in
               ("street_id", "community_id", "grid_id", "department_id")}
    for column in columns.values():
        expect(column).to_be_visible()  # no role chosen yet
    page.locator("#role").select_option("liaison")
    expect(columns["grid_id"]).to_be_hidden()
    expect(columns["community_id"]).to_be_hidden()
    expect(columns["department_id"]).to_be_visible()
    page.locator("#role").select_option("gridworker")
    expect(columns["grid_id"]).to_be_visible()
    expect(columns["department_id"]).to_be_hidden()
    page.locator("#role").select_option("supervisor")
    expect(columns["street_id"]).to_be_visible()
    for name in ("community_id", "grid_id", "department_id"):
        expect(columns[name]).to_be_hidden()
    assert not pages.problems, pages.problems


def test_resetting_two_step_verification_asks_for_the_reason_before_confirming(pages, app):
    """The reason is required in the page too: with it empty the browser
    asks for it, and neither the "reset?" dialog nor the server is reached
    (it used to ask to confirm, then refuse)."""
    with app.app_context():
        grid = f.org()[2][0]
        f.user("admin", username="boss")
        zhao = f.user("gridworker", grid=grid, username="zhao")
        db.session.add(TwoFactor(user_id=zhao.id, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                                 created_at=clock.now(), confirmed_at=clock.now()))
        db.session.commit()
        uid = zhao.id
        db.session.remove()
    page = pages.open(**DESKTOP)
    log_in(page, "boss", f.PASSWORD, lands_on=None)
    page.goto(f"/admin/users/{uid}")
    asked, posts = [], []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    button = page.locator("#reset-2fa-form button[type=submit]")
    button.click()
    assert page.locator("#reason").evaluate("field => field.validity.valueMissing") is True
    expect(page.locator("#reason")).to_be_focused()  # the browser points at it
    assert asked == [] and posts == []
    page.locator("#reason").fill("丢失手机")
    submit(page, button)
    assert len(asked) == 1  # filled in: asked to confirm, once
    with app.app_context():
        assert db.session.get(TwoFactor, uid) is None
    assert not pages.problems, pages.problems
