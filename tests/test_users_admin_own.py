"""An administrator on their own account's page: their password and second
factor are changed on their account page (which asks for the current password
or a code and keeps them logged in), never here, where every session of the
account, theirs too, would be logged out at once; a forged form is refused
with the way there. Also: no second factor to reset, nothing offered; an
administrator who makes themself something else is told where they are."""
import pytest
from sqlalchemy import func, select

from app.auth.models import TwoFactor, User, UserSession
from app.extensions import db
from tests import factories as f
from tests.factories import csrf
from tests.test_accounts import events
from tests.test_users_admin import NEW_PASSWORD, as_admin, give_second_factor, login, logged_in, state_of, user_id
from tests.test_users_admin_places import in_english


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (c1, _c2), _grids = f.org()
        f.user("admin", username="boss")
        f.user("admin", username="deputy")
        f.user("mediator", community=c1, username="wang")
    return {"admin": "boss"}


def sessions_of(app, username):
    with app.app_context():
        return db.session.execute(select(func.count(UserSession.id)).join(User, User.id == UserSession.user_id)
                                  .where(User.username == username)).scalar_one()


def post(client, uid, action, data):
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    return client.post(f"/admin/users/{uid}/{action}", data={"csrf_token": csrf(page), **data})


def test_the_own_page_leads_to_the_account_page_instead_of_the_forms(app, world):
    client = as_admin(app, world)
    own = client.get(f"/admin/users/{user_id(app, 'boss')}").get_data(as_text=True)
    assert 'id="password-form"' not in own and 'id="reset-2fa-form"' not in own
    assert 'href="/account#password" id="own-password"' in own
    assert 'href="/account/two-factor" id="own-two-factor"' in own
    # The account page has the form the link leads to.
    assert 'id="password"' in client.get("/account").get_data(as_text=True)
    others = client.get(f"/admin/users/{user_id(app, 'wang')}").get_data(as_text=True)
    assert 'id="password-form"' in others and 'id="own-password"' not in others


def test_a_forged_own_password_is_refused_and_logs_nobody_out(app, world):
    client = in_english(as_admin(app, world))
    uid = user_id(app, "boss")
    refused = post(client, uid, "password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "This is your own account: change your password on your account page." in html
    assert 'id="own-password"' in html  # the way there, on the page that says so
    assert events(app, "password_set") == [] and events(app, "logout") == []
    assert logged_in(client) and sessions_of(app, "boss") == 1
    assert login(app.test_client(), "boss").status_code == 302  # the old password still works
    assert login(app.test_client(), "boss", NEW_PASSWORD).status_code == 401


def test_a_forged_own_second_factor_reset_is_refused(app, world):
    uid = user_id(app, "boss")
    client = in_english(as_admin(app, world))
    give_second_factor(app, uid)  # turned on after this login: the session goes on
    refused = post(client, uid, "reset-two-factor", {"reason": "丢失手机"})
    assert refused.status_code == 409
    assert "manage your two-step verification on your account page" in refused.get_data(as_text=True)
    # A new phone needs no other administrator: the way there, on the page that says so.
    assert "Move it to the new phone there" in refused.get_data(as_text=True)
    assert 'href="/account/two-factor" id="own-two-factor"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TwoFactor, uid) is not None
    assert events(app, "second_factor_reset") == []
    assert logged_in(client) and sessions_of(app, "boss") == 1
    # Another administrator may.
    deputy = as_admin(app, {"admin": "deputy"})
    assert post(deputy, uid, "reset-two-factor", {"reason": "丢失手机"}).status_code == 302
    assert len(events(app, "second_factor_reset")) == 1 and not logged_in(client)


def test_no_second_factor_nothing_to_reset(app, world):
    wang = app.test_client()
    assert login(wang, "wang").status_code == 302
    client = in_english(as_admin(app, world))
    uid = user_id(app, "wang")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert 'id="no-factor"' in page and 'id="reset-2fa-form"' not in page
    refused = post(client, uid, "reset-two-factor", {"reason": "丢失手机"})
    assert refused.status_code == 409
    assert "This account has no two-step verification to reset." in refused.get_data(as_text=True)
    assert events(app, "second_factor_reset") == [] and logged_in(wang)
    # One being set up (not confirmed yet) can be: it is said so.
    give_second_factor(app, uid, confirmed=False)
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert 'id="reset-2fa-form"' in page and "Being set up: not turned on yet." in page
    assert post(client, uid, "reset-two-factor", {"reason": "换手机"}).status_code == 302
    reset = events(app, "second_factor_reset")[-1]
    assert reset.data["had_second_factor"] is False and reset.data["setup_discarded"] is True
    with app.app_context():
        assert db.session.get(TwoFactor, uid) is None


def test_an_admin_who_makes_themself_a_supervisor_is_told_so(app, world):
    client = in_english(as_admin(app, world))
    uid = user_id(app, "boss")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    response = client.post(f"/admin/users/{uid}", data={
        "csrf_token": csrf(page), "display_name": "老板", "role": "supervisor", "street_id": -1, "community_id": 0,
        "grid_id": 0, "department_id": 0, "state": state_of(client, uid)})
    assert response.status_code == 302 and response.location == "/"
    following = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "You are no longer an administrator" in following
    assert client.get("/admin/users").status_code == 403
    assert events(app, "user_changed")[-1].data["changes"]["role"] == ["admin", "supervisor"]
