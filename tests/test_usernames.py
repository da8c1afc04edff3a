"""Usernames ignore capitals: one name however it is typed. An account that
differs from another only in capitals cannot be made (users page, CLI, the
database itself), a login finds the account whatever the capitals, and the
login throttle counts every spelling of a name as one."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.extensions import db
from app.org.models import Community
from tests import factories as f
from tests.factories import csrf
from tests.test_accounts import ELSEWHERE, browser, events, logged_in, login

NEW_PASSWORD = "a long new passphrase 2027"


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _), _ = f.org()
        return {"admin": f.user("admin", username="boss").username, "c1": c1.id,
                "mediator": f.user("mediator", community=c1, username="med_wang").username}


def accounts(app):
    with app.app_context():
        return db.session.execute(select(User.username).order_by(User.id)).scalars().all()


def in_english(client):
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/language/en", data={"csrf_token": csrf(page), "next": "/login"}).status_code == 302


def test_the_users_page_refuses_a_name_that_differs_only_in_capitals(app, world):
    client = browser(app)
    in_english(client)
    assert login(client, world["admin"]).status_code == 302
    page = client.get("/admin/users/new").get_data(as_text=True)
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf(page), "username": "MED_WANG", "display_name": "王调解", "role": "mediator",
        "street_id": 0, "community_id": world["c1"], "grid_id": 0, "department_id": 0,
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert "The username MED_WANG is taken: it differs from med_wang only in capitals." in \
        response.get_data(as_text=True)
    assert accounts(app) == ["boss", "med_wang"]
    assert not events(app, "user_created")


def test_the_cli_refuses_a_name_that_differs_only_in_capitals(app, world):
    with app.app_context():
        community = db.session.get(Community, world["c1"]).name
    out = app.test_cli_runner().invoke(args=["users", "create", "--role", "mediator", "--community", community,
                                             "--password", NEW_PASSWORD, "Med_Wang"])
    assert out.exit_code != 0
    assert "differs from med_wang only in capitals" in out.output and "usernames ignore capitals" in out.output
    assert accounts(app) == ["boss", "med_wang"]


def test_the_database_refuses_a_second_spelling_whatever_the_door(app, world):
    with app.app_context():
        db.session.add(User(username="Med_Wang", display_name="x", role="mediator", password_hash="x",
                            session_token="t", active=True))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert accounts(app) == ["boss", "med_wang"]


@pytest.mark.parametrize("typed", ["med_wang", "MED_WANG", "Med_Wang", "  med_WANG "])
def test_a_login_finds_the_account_whatever_the_capitals(app, world, typed):
    client = browser(app)
    assert login(client, typed).status_code == 302
    assert logged_in(client)
    with app.app_context():
        wang = db.session.execute(select(User.id).where(User.username == "med_wang")).scalar_one()
    assert events(app, "login")[-1].entity_id == wang


def test_a_wrong_password_under_another_spelling_is_still_a_wrong_password(app, world):
    assert login(browser(app), "MED_WANG", "not the password").status_code == 401
    assert events(app, "login_failed")[-1].data["username"] == "MED_WANG"  # as typed, for the audit


def test_every_spelling_of_a_name_counts_against_one_throttle(app, world):
    guesser = browser(app, ELSEWHERE)
    for typed in ("med_wang", "MED_WANG", "Med_Wang", "mED_wANG", "med_Wang"):
        assert login(guesser, typed, "wrong password").status_code == 401
    for typed in ("MEd_wang", "med_wang"):  # a spelling not tried yet does not start afresh
        assert login(guesser, typed).status_code == 429
    assert not logged_in(guesser)


def test_the_spellings_of_a_name_nobody_has_count_as_one_too(app, world):
    guesser = browser(app, ELSEWHERE)
    for typed in ("Ghost", "GHOST", "ghost", "gHOST", "GhOsT"):
        assert login(guesser, typed, "wrong password").status_code == 401
    assert login(guesser, "ghOST", "wrong password").status_code == 429


def test_the_reset_2fa_command_finds_the_account_whatever_the_capitals(app, world):
    out = app.test_cli_runner().invoke(args=["users", "reset-2fa", "MED_WANG", "--reason", "lost phone"])
    assert out.exit_code == 0, out.output
    assert "'MED_WANG' had no second factor" in out.output
    with app.app_context():
        assert db.session.execute(select(func.count(User.id))).scalar_one() == 2
