"""The account form's places on the users pages: the lists grouped by street
and community (readable on a phone without a script), each option naming its
street and community for the script that narrows them; a grid outside the
street chosen refused with a message on the grid, on the web and the CLI; the
list filtered by street or community."""
import re

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.org.models import Community, Department
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf
from tests.test_accounts import events
from tests.test_users_admin import NEW_PASSWORD, as_admin, counts, post_form, state_of, user_id


@pytest.fixture
def city(app):
    """Two streets, each with two communities of two grids; an admin, a
    mediator of the first street and a grid worker of the second."""
    with app.app_context():
        east, east_communities, east_grids = f.org()
        west, west_communities, west_grids = f.org()
        market = fr.department("市场监管", street=west)
        f.user("admin", username="boss")
        f.user("mediator", community=east_communities[0], username="wang")
        f.user("gridworker", grid=west_grids[0], username="li")
        return dict(east=east.id, west=west.id, east_c=[c.id for c in east_communities],
                    west_c=[c.id for c in west_communities], east_g=[g.id for g in east_grids],
                    west_g=[g.id for g in west_grids], market=market.id,
                    names={"east": east.name, "west": west.name, "west_c0": west_communities[0].name})


def in_english(client):
    page = client.get("/admin/users")
    client.post("/language/en", data={"csrf_token": csrf(page.get_data(as_text=True)), "next": "/admin/users"})
    return client


def select_html(html, name):
    return re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)


def new_account(client, **fields):
    data = {"username": "sun", "display_name": "孙网格", "role": "gridworker", "street_id": 0, "community_id": 0,
            "grid_id": 0, "department_id": 0, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | fields
    return post_form(client, "/admin/users/new", "/admin/users/new", data)


def test_the_place_lists_are_grouped_by_street_and_community(app, city):
    client = as_admin(app, {"admin": "boss"})
    html = client.get("/admin/users/new").get_data(as_text=True)
    grids = select_html(html, "grid_id")
    # The empty choice first, outside any group; then one group per community, named with its street.
    assert re.match(r'<select[^>]*><option selected value="0">—</option><optgroup ', grids)
    assert grids.count("<optgroup") == 4
    west_group = re.search(rf'<optgroup label="{city["names"]["west"]} · {city["names"]["west_c0"]}">(.*?)</optgroup>',
                           grids, re.S).group(1)
    assert west_group.count("<option") == 2
    first = re.search(r"<option ([^>]*)>", west_group).group(1)
    assert f'data-community="{city["west_c"][0]}"' in first and f'data-street="{city["west"]}"' in first
    assert f'value="{city["west_g"][0]}"' in first
    communities = select_html(html, "community_id")
    assert communities.count("<optgroup") == 2 and f'<optgroup label="{city["names"]["west"]}">' in communities
    assert f'data-street="{city["east"]}" value="{city["east_c"][0]}"' in communities
    departments = select_html(html, "department_id")
    assert f'data-street="{city["west"]}" value="{city["market"]}"' in departments
    # The script that narrows them is served from here (the CSP allows no other).
    assert '<script src="/static/js/places.js"></script>' in html
    assert client.get("/static/js/places.js").status_code == 200


def test_a_grid_outside_the_chosen_street_is_refused_on_the_grid(app, city):
    client = in_english(as_admin(app, {"admin": "boss"}))
    before = counts(app)
    refused = new_account(client, street_id=city["east"], grid_id=city["west_g"][0])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    # Marked on the grid, focused there, and announced at the top as the form's own checks are.
    grid_field = re.search(r'<select aria-describedby="grid_id-error1" aria-invalid="true" autofocus class="form-select is-invalid" id="grid_id".*?</div>', html, re.S).group(0)
    assert "This grid is not in the chosen street." in grid_field
    assert "Please correct the marked fields." in html
    assert counts(app) == before
    # Another community's grid, the street right: said of the community.
    other = new_account(client, street_id=city["west"], community_id=city["west_c"][1], grid_id=city["west_g"][0])
    assert other.status_code == 422 and "This grid is not in the chosen community." in other.get_data(as_text=True)
    assert counts(app) == before
    # Street, community and grid that agree: made, with the grid's places.
    made = new_account(client, street_id=city["west"], community_id=city["west_c"][0], grid_id=city["west_g"][0])
    assert made.status_code == 302
    with app.app_context():
        sun = db.session.execute(select(User).where(User.username == "sun")).scalar_one()
        assert (sun.street_id, sun.community_id, sun.grid_id) == (city["west"], city["west_c"][0], city["west_g"][0])


def test_moving_an_account_to_a_grid_of_another_street_is_refused_too(app, city):
    client = in_english(as_admin(app, {"admin": "boss"}))
    uid = user_id(app, "li")
    refused = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "李网格", "role": "gridworker", "street_id": city["west"], "community_id": 0,
        "grid_id": city["east_g"][0], "department_id": 0, "state": state_of(client, uid)})
    assert refused.status_code == 422 and "This grid is not in the chosen street." in refused.get_data(as_text=True)
    assert events(app, "user_changed") == []
    with app.app_context():
        assert db.session.get(User, uid).grid_id == city["west_g"][0]


def marked_and_announced(html, name, message):
    """The field carries the message and the focus; the top says to correct the marked fields."""
    field = re.search(rf'<select [^>]*id="{name}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and "autofocus" in field
    assert message in re.search(rf'id="{name}-error1">([^<]*)<', html).group(1)
    assert html.count("autofocus") == 1
    assert "Please correct the marked fields." in html


def test_a_grid_worker_without_a_grid_is_announced_at_the_top(app, city):
    """The grid is the accounts service's check, not the form's: the page
    said so only on the field, with no message at the top and no focus."""
    client = in_english(as_admin(app, {"admin": "boss"}))
    before = counts(app)
    refused = new_account(client)
    assert refused.status_code == 422
    marked_and_announced(refused.get_data(as_text=True), "grid_id", "This role needs a grid.")
    assert counts(app) == before


def test_a_mediator_made_a_grid_worker_without_a_grid_is_announced_at_the_top(app, city):
    client = in_english(as_admin(app, {"admin": "boss"}))
    uid = user_id(app, "wang")
    refused = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "王调解", "role": "gridworker", "street_id": 0, "community_id": 0, "grid_id": 0,
        "department_id": 0, "state": state_of(client, uid)})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    marked_and_announced(html, "grid_id", "This role needs a grid.")
    assert 'href="#user-form">Go to the form</a>' in html  # the message leads to the form
    assert events(app, "user_changed") == []
    with app.app_context():
        assert db.session.get(User, uid).role == "mediator"


def test_an_account_moved_to_another_role_keeps_only_the_places_it_uses(app, city):
    """A grid worker made a liaison kept their grid and community (shown on
    their page as if they meant something): the form still sends them, and
    the role drops them; the script hides the lists a role has no use for."""
    client = as_admin(app, {"admin": "boss"})
    uid = user_id(app, "li")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert re.search(r'data-role-places="[^"]*liaison[^"]*"', page)
    moved = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "李联络", "role": "liaison", "street_id": city["west"], "community_id": city["west_c"][0],
        "grid_id": city["west_g"][0], "department_id": city["market"], "state": state_of(client, uid)})
    assert moved.status_code in (200, 302)
    with app.app_context():
        li = db.session.get(User, uid)
        assert (li.role, li.street_id, li.community_id, li.grid_id, li.department_id) == (
            "liaison", city["west"], None, None, city["market"])
    # And a supervisor made of them keeps the street alone.
    client.post(f"/admin/users/{uid}", data={
        "csrf_token": csrf(client.get(f"/admin/users/{uid}").get_data(as_text=True)), "display_name": "李督导",
        "role": "supervisor", "street_id": city["west"], "community_id": city["west_c"][0], "grid_id": 0,
        "department_id": city["market"], "state": state_of(client, uid)})
    with app.app_context():
        li = db.session.get(User, uid)
        assert (li.role, li.street_id, li.community_id, li.grid_id, li.department_id) == (
            "supervisor", city["west"], None, None, None)


def test_the_cli_says_the_same_of_a_grid_outside_the_street(app, city):
    with app.app_context():
        grid = db.session.execute(select(User).where(User.username == "li")).scalar_one().grid.name
    before = counts(app)
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--role", "gridworker", "--street", city["names"]["east"], "--grid", grid,
        "--password", NEW_PASSWORD, "he"])
    assert result.exit_code != 0 and "This grid is not in the chosen street." in result.output
    assert counts(app) == before


def test_the_list_is_filtered_by_street_or_community(app, city):
    client = as_admin(app, {"admin": "boss"})
    html = client.get("/admin/users").get_data(as_text=True)
    place = select_html(html, "place")
    assert f'value="s{city["west"]}"' in place and f'value="c{city["west_c"][0]}"' in place
    assert place.count("<optgroup") == 2

    def listed(query):
        page = client.get(f"/admin/users?{query}")
        assert page.status_code == 200
        return set(re.findall(r'data-user="([^"]+)"', page.get_data(as_text=True)))

    assert listed(f"place=s{city['west']}") == {"li"}
    assert listed(f"place=c{city['east_c'][0]}") == {"wang"}
    # A liaison has no street of their own: their department's street lists them (its page said "the street's").
    with app.app_context():
        fr.liaison(db.session.get(Department, city["market"]), username="qian")
    assert listed(f"place=s{city['west']}") == {"li", "qian"}
    assert listed(f"place=s{city['east']}") == {"wang"}
    assert listed(f"place=c{city['east_c'][1]}") == set()
    assert listed("place=nowhere") == {"boss", "wang", "li", "qian"}  # not a choice: ignored
    # The pager's links keep the filter.
    with app.app_context():
        f.user("mediator", community=db.session.get(Community, city["east_c"][1]), username="zhou")
    app.config["USERS_PER_PAGE"] = 1
    first = client.get(f"/admin/users?place=s{city['east']}").get_data(as_text=True)
    following = re.search(r'<a[^>]*rel="next"[^>]*>', first).group(0)
    assert f"place=s{city['east']}" in following and "page=2" in following
