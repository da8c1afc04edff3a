"""The language a user chose survives logging in and out: the cookie
session is emptied at both (nothing planted before a login rides into the
account's session) but for the language. The account remembers the language
its user last chose and a login applies it, unless the user has just picked
one on the login pages. Every message is in the language of the page that
shows it."""
import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.extensions import db
from tests import factories as f
from tests.factories import csrf
from tests.test_two_factor import T0, browser, code_at, enrolled, logout, page

ENGLISH, CHINESE = 'lang="en"', 'lang="zh-CN"'


@pytest.fixture
def people(app):
    """wang, a mediator, and zhao, a supervisor."""
    clock.set_now(T0)
    with app.app_context():
        street, (c1, _), _ = f.org()
        f.user("mediator", community=c1, username="wang")
        f.user("supervisor", street=street, username="zhao")
    return "wang", "zhao"


def choose(client, code, on="/login"):
    assert client.post(f"/language/{code}", data={"csrf_token": csrf(page(client, on)), "next": on}) \
        .status_code == 302


def log_in(client, username, password=f.PASSWORD):
    response = client.post("/login", data={"csrf_token": csrf(page(client, "/login")), "username": username,
                                           "password": password})
    assert response.status_code == 302, response.status_code
    return response


def landing(client, response) -> str:
    return client.get(response.location, follow_redirects=True).get_data(as_text=True)


def remembered(app, username):
    with app.app_context():
        return db.session.execute(select(User.lang).where(User.username == username)).scalar_one()


def test_english_chosen_on_the_login_page_is_kept_after_the_login(app, people):
    wang, _ = people
    client = browser(app)
    choose(client, "en")
    html = landing(client, log_in(client, wang))
    assert ENGLISH in html and CHINESE not in html
    assert remembered(app, wang) == "en"  # and remembered on the account


def test_english_chosen_on_the_code_page_is_kept_after_the_code(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    assert log_in(client, wang).location.endswith("/login/code")
    choose(client, "en", on="/login/code")
    assert ENGLISH in page(client, "/login/code")
    response = client.post("/login/code", data={"csrf_token": csrf(page(client, "/login/code")),
                                                "code": code_at(secret)})
    assert response.status_code == 302
    assert ENGLISH in landing(client, response)


def test_after_logging_out_the_login_page_and_its_message_keep_the_language(app, people):
    wang, _ = people
    client = browser(app)
    choose(client, "en")
    log_in(client, wang)
    logout(client)
    html = page(client, "/login")
    assert ENGLISH in html and "You have logged out." in html
    chinese = browser(app)
    log_in(chinese, wang)  # the account's English, applied at login ...
    choose(chinese, "zh_Hans_CN", on="/account")  # ... until its user switches back
    logout(chinese)
    html = page(chinese, "/login")
    assert CHINESE in html and "您已安全退出登录。" in html and "You have logged out." not in html


def test_a_language_chosen_while_signed_in_is_applied_at_the_next_login_elsewhere(app, people):
    wang, _ = people
    office = browser(app)
    log_in(office, wang)
    assert CHINESE in page(office, "/account")
    choose(office, "en", on="/account")
    assert ENGLISH in page(office, "/account") and remembered(app, wang) == "en"
    home = browser(app)  # a browser that never chose
    assert ENGLISH in landing(home, log_in(home, wang))


def test_a_shared_browser_gives_each_account_its_own_language(app, people):
    wang, zhao = people
    shared = browser(app)
    choose(shared, "en")
    log_in(shared, wang)  # wang picked English on the login page: remembered for wang
    logout(shared)
    choose(shared, "zh_Hans_CN")
    log_in(shared, zhao)  # zhao picked Chinese
    assert remembered(app, zhao) == "zh_Hans_CN"
    logout(shared)
    assert CHINESE in page(shared, "/login")
    html = landing(shared, log_in(shared, wang))  # nothing picked this time: wang's own English
    assert ENGLISH in html and remembered(app, wang) == "en"


def test_the_messages_of_a_login_are_in_the_language_it_applies(app, people):
    _, zhao = people
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    with app.app_context():
        db.session.execute(select(User).where(User.username == zhao)).scalar_one().lang = "en"
        db.session.commit()
    client = browser(app)
    assert CHINESE in page(client, "/login")
    html = landing(client, log_in(client, zhao))  # his role needs a second factor: sent to set it up
    assert ENGLISH in html and "Your role needs two-step verification. Set it up to go on." in html


def test_nothing_but_the_language_rides_through_a_login_or_a_logout(app, people):
    wang, _ = people
    client = browser(app)
    choose(client, "en")
    with client.session_transaction() as cookie:
        cookie["planted"] = "by someone else"
    log_in(client, wang)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie and cookie["lang"] == "en"
        cookie["planted"] = "during the session"
    logout(client)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie and cookie["lang"] == "en"


def test_an_unknown_language_changes_nothing(app, people):
    wang, _ = people
    client = browser(app)
    log_in(client, wang)
    choose(client, "xx", on="/account")
    assert CHINESE in page(client, "/account") and remembered(app, wang) is None
