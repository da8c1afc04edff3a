"""The ordinary case page leads a supervisor (or an administrator) to the
case's supervision page (review, timeline, replay, sign-off), and says when
the case's closure waits for their sign-off; others see no such link."""
import re

import pytest

from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        m = f.user("mediator", community=c1)
        closed = fs.closed_case(m, grids[0], fs.FAILED_PATH)
        open_case = f.dispute(m, grids[0])
        w = dict(mediator=m.username, sup=f.user("supervisor", street=street).username,
                 city=f.user("supervisor").username, admin=f.user("admin").username,
                 other_sup=f.user("supervisor", street=f.org()[0]).username,
                 closed=closed.id, open=open_case.id)
        db.session.remove()
    return type("World", (), w)


def english_page(client, username, path):
    login(client, username)
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    return client.get(path)


def link_block(html):
    match = re.search(r'<div id="supervision-link".*?</a>\s*</div>', html, re.S)
    return match.group(0) if match else None


NOTE = "The closure of this case awaits your sign-off."


def test_a_supervisor_finds_the_supervision_page_from_the_case_page_and_the_sign_off_waiting(app, client, world):
    page = english_page(client, world.sup, f"/cases/{world.closed}")
    assert page.status_code == 200
    block = link_block(page.get_data(as_text=True))
    assert f'href="/supervision/cases/{world.closed}"' in block
    assert "Supervision of this case: sign-off, timeline, state at a moment" in block
    assert NOTE in block
    # The link leads to the page where the sign-off is made.
    supervision = client.get(f"/supervision/cases/{world.closed}")
    assert supervision.status_code == 200
    with app.app_context():
        sup = db.session.query(f.User).filter_by(username=world.sup).one()
        fs.sign_off(db.session.get(f.Dispute, world.closed), sup)
    block = link_block(client.get(f"/cases/{world.closed}").get_data(as_text=True))
    assert f'href="/supervision/cases/{world.closed}"' in block and NOTE not in block


def test_an_open_case_has_the_link_without_the_note(client, world):
    block = link_block(english_page(client, world.sup, f"/cases/{world.open}").get_data(as_text=True))
    assert f'href="/supervision/cases/{world.open}"' in block and NOTE not in block


@pytest.mark.parametrize("who", ["city", "admin"])
def test_a_city_supervisor_and_an_administrator_have_the_link(client, world, who):
    block = link_block(english_page(client, getattr(world, who), f"/cases/{world.closed}").get_data(as_text=True))
    assert f'href="/supervision/cases/{world.closed}"' in block
    assert client.get(f"/supervision/cases/{world.closed}").status_code == 200


def test_a_mediator_has_no_link_to_a_page_they_may_not_open(client, world):
    page = english_page(client, world.mediator, f"/cases/{world.closed}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert link_block(html) is None and f'href="/supervision/cases/{world.closed}"' not in html
    assert client.get(f"/supervision/cases/{world.closed}").status_code == 403


def test_another_street_s_supervisor_sees_neither_page(client, world):
    login(client, world.other_sup)
    assert client.get(f"/cases/{world.closed}").status_code == 404
    assert client.get(f"/supervision/cases/{world.closed}").status_code == 404
