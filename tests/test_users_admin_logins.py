"""An account's last login, kept on the account (users.last_login_at): set
by a login that passed every factor, in the login's transaction, and still
shown on the users pages once the timer tick has pruned login_attempts."""
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.models import LoginAttempt, TwoFactor, User
from app.extensions import db
from app.housekeeping import prune_counters
from tests import factories as f
from tests.factories import csrf
from tests.test_accounts import events
from tests.test_users_admin import as_admin, login

T0 = datetime(2027, 3, 1, 1, 30)  # 09:30 in the centre (UTC+8)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def people(app):
    clock.set_now(T0)
    with app.app_context():
        _street, (c1, _c2), _grids = f.org()
        f.user("admin", username="boss")
        f.user("mediator", community=c1, username="wang")
        f.user("mediator", community=c1, username="zhou")
        zhao = f.user("mediator", community=c1, username="zhao")
        db.session.add(TwoFactor(user_id=zhao.id, secret=SECRET, created_at=T0, confirmed_at=T0))
        db.session.commit()


def last_login(app, username):
    with app.app_context():
        return db.session.execute(select(User.last_login_at).where(User.username == username)).scalar_one()


def row_of(html, username):
    return re.search(rf'<a [^>]*data-user="{username}".*?</a>', html, re.S).group(0)


def test_a_login_keeps_its_time_on_the_account_with_its_audit_event(app, people):
    assert login(app.test_client(), "wang").status_code == 302
    assert last_login(app, "wang") == T0
    event = events(app, "login")[-1]
    assert event.entity_id is not None and event.at == T0
    clock.set_now(T0 + timedelta(hours=2))
    assert login(app.test_client(), "wang", "not the password").status_code == 401  # a failure changes nothing
    assert last_login(app, "wang") == T0
    assert last_login(app, "zhou") is None


def test_a_password_whose_code_never_came_is_no_login(app, people):
    client = app.test_client()
    assert login(client, "zhao").status_code == 302  # to the code page
    assert last_login(app, "zhao") is None
    with app.app_context():  # login_attempts counts the password as a success: the list no longer reads it
        assert db.session.execute(select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == "zhao", LoginAttempt.success.is_(True))).scalar_one() == 1
    page = client.get("/login/code").get_data(as_text=True)
    code = pyotp.TOTP(SECRET).at(T0.replace(tzinfo=UTC))
    assert client.post("/login/code", data={"csrf_token": csrf(page), "code": code}).status_code == 302
    assert last_login(app, "zhao") == T0


def test_the_last_login_outlives_the_pruned_login_attempts(app, people):
    assert login(app.test_client(), "wang").status_code == 302
    clock.set_now(T0 + timedelta(days=40))
    client = as_admin(app, {"admin": "boss"})
    with app.app_context():
        assert prune_counters() >= 1  # wang's attempt of 40 days ago
        assert db.session.execute(select(LoginAttempt.id).where(LoginAttempt.username == "wang")).first() is None
    html = client.get("/admin/users").get_data(as_text=True)
    assert "2027/3/1 09:30" in row_of(html, "wang")  # local time
    assert "无登录记录" in row_of(html, "zhou")
    with app.app_context():
        uid = db.session.execute(select(User.id).where(User.username == "wang")).scalar_one()
    assert "2027/3/1 09:30" in client.get(f"/admin/users/{uid}").get_data(as_text=True)
