"""The administrators' users pages (/admin/users): the list and its filters,
making an account (the same rules as `flask users create`), changing one,
deactivating and reactivating it, a new password, resetting its two-step
verification; every change audited, nobody but an administrator let in; and
a department's liaisons on its page."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import TwoFactor, User, UserSession
from app.extensions import db
from app.org.models import Grid
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf
from tests.test_accounts import events

NEW_PASSWORD = "a long new passphrase 2027"


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        market = fr.department("市场监管", street=street)
        police = fr.department("公安")
        w = dict(
            street=street.id, c1=c1.id, c2=c2.id, grid=grids[0].id, market=market.id, police=police.id,
            admin=f.user("admin", username="boss").username,
            mediator=f.user("mediator", community=c1, username="wang").username,
            gw=f.user("gridworker", grid=grids[0], username="li").username,
            sup=f.user("supervisor", street=street, username="zhao").username,
            gone=f.user("mediator", community=c2, username="zhou", active=False).username,
        )
        liaison = fr.liaison(market, username="qian")
        w["liaison"] = liaison.username
    return w


def browser(app):
    return app.test_client()


def login(client, username, password=f.PASSWORD):
    return f.login(client, username, password)


def as_admin(app, world):
    client = browser(app)
    assert login(client, world["admin"]).status_code == 302
    return client


def user_id(app, username):
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


def counts(app):
    with app.app_context():
        return (db.session.execute(select(func.count(User.id))).scalar_one(),
                db.session.execute(select(func.count(AuditEvent.id))).scalar_one())


def post_form(client, page_url, action, data):
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action, data={"csrf_token": csrf(page.get_data(as_text=True)), **data})


def state_of(client, uid):
    html = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    return re.search(r'name="state" type="hidden" value="([0-9a-f]+)"', html).group(1)


def new_account(client, **fields):
    data = {"username": "sun", "display_name": "孙调解", "role": "mediator", "street_id": 0, "community_id": 0,
            "grid_id": 0, "department_id": 0, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | fields
    return post_form(client, "/admin/users/new", "/admin/users/new", data)


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


# -- the list -------------------------------------------------------------------------


def test_the_list_shows_accounts_with_their_role_place_and_state_and_filters(app, world):
    client = as_admin(app, world)
    html = client.get("/admin/users").get_data(as_text=True)
    for username in ("boss", "wang", "li", "zhao", "zhou", "qian"):
        assert f'data-user="{username}"' in html
    assert "部门联络员" in html and "调解员" in html  # role labels in Chinese
    assert "市场监管" in html  # the liaison's department
    assert "最近登录" in html  # the admin just logged in
    assert 'data-user="zhou" data-active="no"' in html
    only_liaisons = client.get("/admin/users?role=liaison").get_data(as_text=True)
    assert 'data-user="qian"' in only_liaisons and 'data-user="wang"' not in only_liaisons
    inactive = client.get("/admin/users?active=no").get_data(as_text=True)
    assert 'data-user="zhou"' in inactive and 'data-user="wang"' not in inactive
    found = client.get("/admin/users?q=Gridworker").get_data(as_text=True)  # by display name
    assert 'data-user="li"' in found and 'data-user="wang"' not in found
    by_username = client.get("/admin/users?q=zha").get_data(as_text=True)
    assert 'data-user="zhao"' in by_username and 'data-user="boss"' not in by_username
    assert client.get("/admin/users?role=wizard&active=maybe").status_code == 200  # odd filters: ignored
    assert 'id="nav-users"' in html


def test_the_list_pages(app, world):
    app.config["USERS_PER_PAGE"] = 2
    client = as_admin(app, world)
    html = client.get("/admin/users?page=2").get_data(as_text=True)
    assert html.count('data-user="') == 2 and 'rel="next"' in html and 'rel="prev"' in html


# -- making an account ---------------------------------------------------------------------


def test_an_admin_makes_an_account_that_can_log_in(app, world):
    client = as_admin(app, world)
    response = new_account(client, community_id=world["c1"])
    assert response.status_code == 302
    with app.app_context():
        sun = db.session.execute(select(User).where(User.username == "sun")).scalar_one()
        assert (sun.role, sun.community_id, sun.street_id, sun.active) == ("mediator", world["c1"], world["street"],
                                                                          True)
    made = events(app, "user_created")[-1]
    assert made.data["by"] == "web" and made.data["role"] == "mediator" and made.actor_id == user_id(app, "boss")
    assert NEW_PASSWORD not in json.dumps(made.data)
    other = browser(app)
    assert login(other, "sun", NEW_PASSWORD).status_code == 302 and logged_in(other)


@pytest.mark.parametrize("role, told", [("lawyer", "律师名册"), ("elder", "五老和事会"), ("mediator", None)])
def test_a_volunteers_new_account_tells_the_admin_it_still_needs_the_coordinators_link(app, world, role, told):
    client = as_admin(app, world)
    response = new_account(client, role=role, community_id=world["c1"])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已创建" in page
    if told:
        assert told in page and "请告知协调员" in page
    else:
        assert "请告知协调员" not in page


@pytest.mark.parametrize("fields, message", [
    ({"username": "wang", "community_id": "C1"}, "用户名 wang 已被占用"),
    ({"role": "wizard"}, None),
    ({"role": "liaison"}, "联络员需指定所属部门"),
    ({"role": "mediator"}, "调解员需指定所在社区"),
    ({"role": "gridworker", "community_id": "C1"}, "该角色需指定网格"),
    ({"community_id": "C1", "password": "short", "confirm": "short"}, "密码至少需要"),
    ({"community_id": "C1", "password": "polniypizdec0211", "confirm": "polniypizdec0211"}, "常见密码"),
    ({"community_id": "C1", "confirm": "something else entirely"}, "两次输入的密码不一致"),
    ({"community_id": "C2", "street_id": "OTHER"}, "该社区不属于所选街道"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(app, world, fields, message):
    client = as_admin(app, world)
    with app.app_context():
        other = f.org()[0].id
    values = {"C1": world["c1"], "C2": world["c2"], "OTHER": other}
    fields = {k: values.get(v, v) for k, v in fields.items()}
    before = counts(app)
    response = new_account(client, **fields)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_supervisors_whole_city_is_chosen_never_a_street_forgotten(app, world):
    """A supervisor or coordinator without a street sees the whole city: that is a choice
    of its own on the form, and an account left without either is refused."""
    client = as_admin(app, world)
    before = counts(app)
    forgot = new_account(client, username="ma", role="supervisor")
    assert forgot.status_code == 422 and "请选择街道或“全市”" in forgot.get_data(as_text=True)
    assert counts(app) == before
    assert new_account(client, username="ma", role="supervisor", street_id=-1).status_code == 302
    assert new_account(client, username="niu", role="coordinator", street_id=world["street"]).status_code == 302
    with app.app_context():
        made = {u.username: u.street_id for u in db.session.execute(
            select(User).where(User.username.in_(("ma", "niu")))).scalars()}
    assert made == {"ma": None, "niu": world["street"]}
    page = client.get(f"/admin/users/{user_id(app, 'ma')}").get_data(as_text=True)
    assert re.search(r'<option selected value="-1">全市</option>', page)  # shown as chosen when edited


def test_a_liaison_is_made_for_a_chosen_department(app, world):
    client = as_admin(app, world)
    assert new_account(client, username="wu", role="liaison", department_id=world["police"]).status_code == 302
    with app.app_context():
        wu = db.session.execute(select(User).where(User.username == "wu")).scalar_one()
        assert wu.department_id == world["police"]


# -- changing an account ----------------------------------------------------------------


def test_an_admin_changes_an_accounts_name_role_and_place(app, world):
    client = as_admin(app, world)
    uid = user_id(app, "wang")
    state = state_of(client, uid)
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "王网格", "role": "gridworker", "street_id": 0, "community_id": 0, "grid_id": world["grid"],
        "department_id": 0, "state": state})
    assert response.status_code == 302
    with app.app_context():
        wang = db.session.get(User, uid)
        assert (wang.display_name, wang.role, wang.grid_id, wang.community_id) == ("王网格", "gridworker",
                                                                                  world["grid"], world["c1"])
    changed = events(app, "user_changed")[-1]
    assert changed.data["changes"]["role"] == ["mediator", "gridworker"]
    # The same form again, loaded before that change: refused, not overwritten.
    stale = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "王二", "role": "mediator", "street_id": 0, "community_id": world["c1"], "grid_id": 0,
        "department_id": 0, "state": state})
    assert stale.status_code == 409 and "另一位管理员" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, uid).display_name == "王网格"
    # The same rules as making one: a mediator needs a community.
    refused = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "王网格", "role": "mediator", "street_id": 0, "community_id": 0, "grid_id": 0,
        "department_id": 0, "state": state_of(client, uid)})
    assert refused.status_code == 422 and "调解员需指定所在社区" in refused.get_data(as_text=True)
    assert len(events(app, "user_changed")) == 1


# -- deactivating, reactivating -----------------------------------------------------------------


def test_deactivating_logs_the_user_out_at_once_and_reactivating_lets_them_back(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)  # the tests' sessions never time out else
    wang = browser(app)
    assert login(wang, "wang").status_code == 302 and logged_in(wang)
    uid = user_id(app, "wang")
    stale = browser(app)  # a session of another day, timed out but its row not yet cleared
    assert login(stale, "wang").status_code == 302
    with app.app_context():
        row = db.session.execute(select(UserSession).where(UserSession.user_id == uid)
                                 .order_by(UserSession.id.desc())).scalars().first()
        row.created_at = row.last_seen_at = row.created_at - timedelta(days=30)
        db.session.commit()
    client = as_admin(app, world)
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate",
                         {"reason": "离开中心", "state": state_of(client, uid)})
    assert response.status_code == 302
    # The timed-out one is recorded as the timeout it was, by the system, not as the admin's logout.
    timeout = events(app, "session_timeout")[-1]
    assert timeout.entity_id == uid and timeout.actor_id is None
    following = wang.get("/account")
    assert following.status_code == 302 and "/login" in following.location
    assert login(browser(app), "wang").status_code == 401
    with app.app_context():
        assert db.session.execute(select(UserSession).where(UserSession.user_id == uid)).first() is None
    event = events(app, "user_deactivated")[-1]
    assert event.entity_id == uid and event.data == {"sessions_ended": 1}
    assert events(app, "logout")[-1].data["cause"] == "deactivated"
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/reactivate",
                         {"state": state_of(client, uid)})
    assert response.status_code == 302 and len(events(app, "user_reactivated")) == 1
    again = browser(app)
    assert login(again, "wang").status_code == 302 and logged_in(again)


def test_a_deactivation_says_why_and_the_log_keeps_it(app, world):
    client = as_admin(app, world)
    uid = user_id(app, "wang")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    form = page[page.index('id="deactivate-form"'):]
    assert re.search(r'<input[^>]*name="reason"[^>]*required', form[:form.index("</form>")])
    # A box of its own, not the second factor's reset's "reason" (one label, one box each).
    assert page.count('id="deactivate-reason"') == 1 and 'for="deactivate-reason"' in form
    before = counts(app)
    for reason in ("", "   ", "x" * 201):
        refused = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate",
                            {"reason": reason, "state": state_of(client, uid)})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and 'aria-invalid="true"' in text and 'id="deactivate-form"' in text
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(User, uid).active
    done = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate",
                     {"reason": " 十一月底离开中心 ", "state": state_of(client, uid)})
    assert done.status_code == 302
    assert events(app, "user_deactivated")[-1].reason == "十一月底离开中心"
    # Reactivating asks for no reason.
    back = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/reactivate", {"state": state_of(client, uid)})
    assert back.status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).active


def test_an_admin_cannot_deactivate_themself_nor_demote_the_last_admin(app, world):
    client = as_admin(app, world)
    uid = user_id(app, "boss")
    before = counts(app)
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate",
                         {"reason": "离开中心", "state": state_of(client, uid)})
    assert response.status_code == 409 and "不能停用自己的账号" in response.get_data(as_text=True)
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {
        "display_name": "老板", "role": "supervisor", "street_id": 0, "community_id": 0, "grid_id": 0,
        "department_id": 0, "state": state_of(client, uid)})
    assert response.status_code == 422 and "唯一在用的管理员" in response.get_data(as_text=True)
    assert counts(app) == before
    with app.app_context():
        boss = db.session.get(User, uid)
        assert boss.active and boss.role == "admin"


def test_the_last_active_admin_cannot_be_deactivated(app, world):
    from app.auth import accounts
    with app.app_context():
        boss = db.session.execute(select(User).where(User.username == "boss")).scalar_one()
        with pytest.raises(accounts.AccountProblem) as refused:
            accounts.set_active(boss, False, None)
        assert refused.value.code == "last_admin"
        db.session.rollback()
        assert db.session.get(User, boss.id).active


# -- a new password, a reset second factor -------------------------------------------------------


def test_a_new_password_ends_the_sessions_and_the_old_one_fails(app, world):
    wang = browser(app)
    assert login(wang, "wang").status_code == 302
    client = as_admin(app, world)
    uid = user_id(app, "wang")
    weak = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/password",
                     {"password": "short", "confirm": "short"})
    assert weak.status_code == 422 and "密码至少需要" in weak.get_data(as_text=True)
    # The page says so at the top and leads to the form, several cards down.
    assert "请按提示更正标出的填写项。" in weak.get_data(as_text=True) and 'href="#password-form"' in weak.get_data(as_text=True)
    assert events(app, "password_set") == []
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/password",
                         {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not logged_in(wang)
    assert login(browser(app), "wang").status_code == 401
    assert login(browser(app), "wang", NEW_PASSWORD).status_code == 302
    event = events(app, "password_set")[-1]
    assert event.data == {"by": "web", "sessions_ended": 1}
    everything = json.dumps([e.data for e in events(app)])
    assert NEW_PASSWORD not in everything and f.PASSWORD not in everything


def give_second_factor(app, uid, confirmed=True):
    with app.app_context():
        db.session.add(TwoFactor(user_id=uid, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", created_at=clock.now(),
                                 confirmed_at=clock.now() if confirmed else None))
        db.session.commit()


def test_resetting_two_step_verification_with_a_reason(app, world):
    uid = user_id(app, "zhao")
    give_second_factor(app, uid)
    client = as_admin(app, world)
    assert "两步验证已开启" in client.get(f"/admin/users/{uid}").get_data(as_text=True)
    without_reason = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/reset-two-factor", {"reason": ""})
    assert without_reason.status_code == 422 and events(app, "second_factor_reset") == []
    response = post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/reset-two-factor",
                         {"reason": "丢失手机"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(TwoFactor, uid) is None
    reset = events(app, "second_factor_reset")[-1]
    assert reset.reason == "丢失手机" and reset.actor_id == user_id(app, "boss")
    assert reset.data["by"] == "web" and reset.data["had_second_factor"] is True


def test_the_dangerous_forms_ask_first(app, world):
    give_second_factor(app, user_id(app, "wang"))  # else there is nothing to reset, and no form
    client = as_admin(app, world)
    html = client.get(f"/admin/users/{user_id(app, 'wang')}").get_data(as_text=True)
    for form_id in ("deactivate-form", "reset-2fa-form"):
        start = html.index(f'id="{form_id}"')
        assert "data-confirm=" in html[start - 300:start + 300]
    assert html.count('name="_confirm"') == 2
    # The reset's reason is required in the page too, and the browser checks it (no novalidate) before
    # app.js asks to confirm: an empty reason is not confirmed and then refused.
    reset_form = re.search(r'<form[^>]*id="reset-2fa-form"[^>]*>', html).group(0)
    assert "novalidate" not in reset_form
    assert re.search(r'<input [^>]*id="reason"[^>]*required', html)
    # A new password is typed twice instead: a page asking without a script would carry it back.
    password_form = re.search(r'<form[^>]*id="password-form".*?</form>', html, re.S).group(0)
    assert "data-confirm=" not in password_form and "_confirm" not in password_form
    uid = user_id(app, "wang")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    asked = client.post(f"/admin/users/{uid}/password", data={
        "csrf_token": csrf(page), "password": "a-long-new-passphrase-2026", "confirm": "a-long-new-passphrase-2026",
        "_confirm": "Set a new password?"})
    assert "a-long-new-passphrase-2026" not in asked.get_data(as_text=True)  # never echoed by a question page


# -- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mediator", "gw", "sup", "liaison"])
def test_nobody_but_an_admin_reaches_any_users_page(app, world, role):
    client = browser(app)
    assert login(client, world[role]).status_code == 302
    token = csrf(client.get("/account").get_data(as_text=True))
    uid = user_id(app, "wang")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("users."):
            continue
        url = rule.rule.replace("<int:user_id>", str(uid))
        if "GET" in rule.methods:
            assert client.get(url).status_code == 403, rule.endpoint
        if "POST" in rule.methods:
            assert client.post(url, data={"csrf_token": token}).status_code == 403, rule.endpoint
        checked += 1
    assert checked >= 8
    assert "nav-users" not in client.get("/account").get_data(as_text=True)


# -- a department's liaisons ---------------------------------------------------------------------


def test_a_department_page_lists_its_liaisons_and_warns_when_none_is_active(app, world):
    client = as_admin(app, world)
    market = client.get(f"/referrals/departments/{world['market']}").get_data(as_text=True)
    assert 'data-liaison="qian"' in market and 'id="no-liaison"' not in market
    police = client.get(f"/referrals/departments/{world['police']}").get_data(as_text=True)
    assert 'id="no-liaison"' in police and "发往该部门的转办无人接收" in police
    assert f"/admin/users/new?role=liaison&amp;department_id={world['police']}" in police
    form = client.get(f"/admin/users/new?role=liaison&department_id={world['police']}").get_data(as_text=True)
    assert f'<option selected value="{world["police"]}">' in form
    assert '<option selected value="liaison">' in form
    # A deactivated liaison answers nothing: the warning is back.
    uid = user_id(app, "qian")
    post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/deactivate", {"reason": "离开中心", "state": state_of(client, uid)})
    market = client.get(f"/referrals/departments/{world['market']}").get_data(as_text=True)
    assert 'data-liaison="qian"' in market and 'id="no-liaison"' in market


def test_the_cli_makes_accounts_through_the_same_door(app, world):
    runner = app.test_cli_runner()
    before = counts(app)
    missing = runner.invoke(args=["users", "create", "--role", "mediator", "--password", NEW_PASSWORD, "he"])
    assert missing.exit_code != 0 and "a mediator needs --community" in missing.output
    cityless = runner.invoke(args=["users", "create", "--role", "supervisor", "--password", NEW_PASSWORD, "he"])
    assert cityless.exit_code != 0 and "a supervisor needs --street or --whole-city" in cityless.output
    weak = runner.invoke(args=["users", "create", "--role", "lawyer", "--password", "short", "he"])
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    assert counts(app) == before
    city = runner.invoke(args=["users", "create", "--role", "supervisor", "--whole-city", "--password", NEW_PASSWORD,
                               "city-he"])
    assert city.exit_code == 0, city.output
    with app.app_context():
        assert db.session.execute(select(User.street_id).where(User.username == "city-he")).scalar_one() is None
        grid = db.session.get(Grid, world["grid"]).name
    made = runner.invoke(args=["users", "create", "--role", "gridworker", "--grid", grid, "--password", NEW_PASSWORD,
                               "he"])
    assert made.exit_code == 0, made.output
    event = events(app, "user_created")[-1]
    assert event.data["by"] == "cli" and event.data["grid_id"] == world["grid"] and event.actor_id is None
    assert NEW_PASSWORD not in json.dumps(event.data)


def test_what_was_logged_out_is_said_in_a_sentence(app, world):
    """"Sessions of the account logged out: 0." read like a form: the
    message says how many, singular or plural, in English as in Chinese."""
    uid = user_id(app, "wang")
    wang = browser(app)
    assert login(wang, "wang").status_code == 302  # one session to log out
    give_second_factor(app, uid)
    client = as_admin(app, world)
    page = client.get("/admin/users").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/admin/users"})
    post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/password",
              {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    said = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert "The new password is set and 1 session of the account was logged out." in said
    post_form(client, f"/admin/users/{uid}", f"/admin/users/{uid}/reset-two-factor", {"reason": "lost the phone"})
    said = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert "Two-step verification is reset and 0 sessions of the account were logged out." in said
