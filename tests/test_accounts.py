"""Accounts (issue 13, items 4 and 5): login throttling per account and
address with device cookies, server-side sessions with idle and absolute
timeouts, the account page (sessions, logging them out, password change),
and the audit events of each."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sa_event, inspect, select

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import LoginAttempt, User, UserSession
from app.auth.sessions import load_user
from app.extensions import db
from config import Config
from tests import factories as f
from tests.factories import csrf

T0 = datetime(2026, 12, 1, 8, 0)
OFFICE = "203.0.113.10"  # a community office behind one NAT address
ELSEWHERE = "198.51.100.7"
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36")


@pytest.fixture
def people(app):
    """Two mediators of one community: wang and li; the production timeouts."""
    app.config.update(SESSION_IDLE_MINUTES=Config.SESSION_IDLE_MINUTES,
                      SESSION_LIFETIME_HOURS=Config.SESSION_LIFETIME_HOURS)
    clock.set_now(T0)
    with app.app_context():
        street, (c1, _), _ = f.org()
        f.user("mediator", community=c1, username="wang")
        f.user("mediator", community=c1, username="li")
    return "wang", "li"


def browser(app, address=OFFICE, user_agent=None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def login(client, username, password=f.PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf(page.get_data(as_text=True)),
                                       "username": username, "password": password})


def logged_in(client) -> bool:
    return client.get("/cases/").status_code == 200


def events(app, trigger=None):
    """Audit events, oldest first, with their data read (detached copies)."""
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if trigger:
            query = query.where(AuditEvent.trigger == trigger)
        found = db.session.execute(query).scalars().all()
        db.session.expunge_all()
    for event in found:
        event.data = json.loads(event.data)
    return found


def session_rows(app, username=None):
    with app.app_context():
        query = select(UserSession).order_by(UserSession.id)
        if username:
            query = query.join(User).where(User.username == username)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return rows


def later(**delta):
    clock.set_now(clock.now() + timedelta(**delta))


def fail(client, username, times):
    for _ in range(times):
        assert login(client, username, "wrong password").status_code == 401


# -- throttling -------------------------------------------------------------


def test_the_owner_gets_in_while_a_guesser_at_another_address_is_locked_out(app, people):
    wang, _ = people
    guesser = browser(app, ELSEWHERE)
    fail(guesser, wang, 5)
    assert login(guesser, wang).status_code == 429  # even the right password waits now
    assert not logged_in(guesser)
    owner = browser(app, OFFICE)  # a browser that never logged in before
    assert login(owner, wang).status_code == 302 and logged_in(owner)
    assert [e.data["address"] for e in events(app, "login_throttled")] == [ELSEWHERE]


def test_a_browser_that_logged_in_before_gets_through_at_the_guessers_own_address(app, people):
    wang, _ = people
    owner = browser(app, OFFICE)
    assert login(owner, wang).status_code == 302
    owner.post("/logout", data={"csrf_token": csrf(owner.get("/account").get_data(as_text=True))})
    assert not logged_in(owner)
    guesser = browser(app, OFFICE)  # the same NAT address, no device cookie
    fail(guesser, wang, 5)
    assert login(guesser, wang).status_code == 429
    assert login(owner, wang).status_code == 302 and logged_in(owner)
    assert events(app, "login")[-1].data["known_device"] is True


def test_one_users_failures_behind_an_office_address_do_not_lock_out_another(app, people):
    wang, li = people
    fail(browser(app, OFFICE), wang, 5)
    assert login(browser(app, OFFICE), wang).status_code == 429
    colleague = browser(app, OFFICE)
    assert login(colleague, li).status_code == 302 and logged_in(colleague)


def test_many_accounts_guessed_from_one_address_lock_out_its_strangers_but_not_known_browsers(app, people):
    wang, li = people
    known = browser(app, OFFICE)
    assert login(known, li).status_code == 302
    known.post("/logout", data={"csrf_token": csrf(known.get("/account").get_data(as_text=True))})
    sprayer = browser(app, OFFICE)
    for i in range(20):
        assert login(sprayer, f"guess{i}", "123456").status_code == 401
    assert login(browser(app, OFFICE), wang).status_code == 429  # a stranger behind the address
    assert login(browser(app, ELSEWHERE), wang).status_code == 302  # the address, not the account
    assert login(known, li).status_code == 302  # a browser li logged in from before


def test_a_guesser_is_locked_out_longer_after_each_further_failure(app, people):
    wang, _ = people
    guesser = browser(app, ELSEWHERE)
    fail(guesser, wang, 5)
    later(minutes=14)
    assert login(guesser, wang, "still wrong").status_code == 429
    later(minutes=2)  # 16 minutes after the fifth failure: one more try
    fail(guesser, wang, 1)
    assert login(guesser, wang, "again").status_code == 429
    later(minutes=29)
    assert login(guesser, wang, "again").status_code == 429  # now 30 minutes
    later(minutes=2)
    fail(guesser, wang, 1)
    later(minutes=59)
    assert login(guesser, wang).status_code == 429  # then 60
    later(minutes=2)
    assert login(guesser, wang).status_code == 302
    # Refused attempts never reached the password and are not counted.
    with app.app_context():
        failures = db.session.execute(select(LoginAttempt).where(LoginAttempt.success.is_(False))).scalars().all()
        assert len(failures) == 7


def test_failures_are_forgotten_after_a_day(app, people):
    wang, _ = people
    guesser = browser(app, ELSEWHERE)
    fail(guesser, wang, 5)
    later(hours=24, minutes=1)
    assert login(guesser, wang).status_code == 302


def test_the_throttle_message_names_the_minutes_left(app, people):
    wang, _ = people
    guesser = browser(app, ELSEWHERE)
    guesser.post("/language/en", data={"csrf_token": csrf(guesser.get("/login").get_data(as_text=True))})
    fail(guesser, wang, 5)
    later(minutes=10)
    page = login(guesser, wang).get_data(as_text=True)
    assert "Wait 5 minutes" in page


# -- device cookies -----------------------------------------------------------


def device_cookie(client):
    cookie = client.get_cookie("device")
    return cookie.value if cookie else None


def test_a_device_cookie_is_signed_names_the_account_and_expires(app, people):
    wang, li = people
    owner = browser(app)
    response = login(owner, wang)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("device="))
    assert "HttpOnly" in header and "Max-Age=7776000" in header  # 90 days
    value = device_cookie(owner)
    owner.post("/logout", data={"csrf_token": csrf(owner.get("/account").get_data(as_text=True))})
    # A forged cookie counts for nothing: the guesser stays locked out.
    guesser = browser(app)
    fail(guesser, wang, 5)
    payload, _, signature = value.rpartition(".")
    guesser.set_cookie("device", payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:])
    assert login(guesser, wang).status_code == 429
    # Wang's cookie does not vouch for li.
    fail(browser(app), li, 5)
    lis_guesser = browser(app)
    lis_guesser.set_cookie("device", value)
    assert login(lis_guesser, li).status_code == 429
    # It holds for 90 days...
    later(days=89)
    fail(browser(app), wang, 5)
    assert login(owner, wang).status_code == 302
    # ...counted from its latest login.
    owner.post("/logout", data={"csrf_token": csrf(owner.get("/account").get_data(as_text=True))})
    later(days=91)
    fail(browser(app), wang, 5)
    assert login(owner, wang).status_code == 429


def test_a_shared_computer_keeps_a_device_cookie_for_each_account(app, people):
    wang, li = people
    shared = browser(app)
    for name in (wang, li):
        assert login(shared, name).status_code == 302
        shared.post("/logout", data={"csrf_token": csrf(shared.get("/account").get_data(as_text=True))})
    for name in (wang, li):
        fail(browser(app), name, 5)
    for name in (wang, li):
        assert login(shared, name).status_code == 302
        shared.post("/logout", data={"csrf_token": csrf(shared.get("/account").get_data(as_text=True))})


def test_a_device_cookie_that_fails_too_often_counts_for_no_more_than_a_stranger(app, people):
    wang, _ = people
    owner = browser(app, ELSEWHERE)
    login(owner, wang)
    owner.post("/logout", data={"csrf_token": csrf(owner.get("/account").get_data(as_text=True))})
    fail(owner, wang, 5)  # judged by the cookie: these do not count against the address
    with app.app_context():
        counted = db.session.execute(select(LoginAttempt.device).where(LoginAttempt.success.is_(False))).scalars()
        assert all(counted)
    fail(owner, wang, 5)  # now a stranger: five more for the account at this address
    assert login(owner, wang).status_code == 429


def test_a_new_password_voids_the_device_cookies_issued_before(app, people):
    wang, _ = people
    old_laptop, phone = browser(app), browser(app, ELSEWHERE, PHONE_UA)
    login(old_laptop, wang)
    old_laptop.post("/logout", data={"csrf_token": csrf(old_laptop.get("/account").get_data(as_text=True))})
    login(phone, wang)
    change_password(phone, f.PASSWORD, "a much longer secret")
    fail(browser(app), wang, 5)
    assert login(old_laptop, wang, "a much longer secret").status_code == 429
    phone.post("/logout", data={"csrf_token": csrf(phone.get("/account").get_data(as_text=True))})
    fail(browser(app, ELSEWHERE), wang, 5)
    assert login(phone, wang, "a much longer secret").status_code == 302  # given a new cookie


# -- sessions -----------------------------------------------------------------


def test_each_login_is_a_session_of_its_own_and_logging_out_ends_only_that_one(app, people):
    wang, _ = people
    laptop, phone = browser(app), browser(app, ELSEWHERE, PHONE_UA)
    login(laptop, wang)
    login(phone, wang)
    assert logged_in(laptop) and logged_in(phone)
    rows = session_rows(app, wang)
    assert [r.address for r in rows] == [OFFICE, ELSEWHERE]
    assert len({r.key_hash for r in rows}) == 2 and all(len(r.key_hash) == 64 for r in rows)
    phone.post("/logout", data={"csrf_token": csrf(phone.get("/account").get_data(as_text=True))})
    assert not logged_in(phone) and logged_in(laptop)
    assert [r.address for r in session_rows(app, wang)] == [OFFICE]
    logout = events(app, "logout")[-1]
    assert logout.entity_id == rows[1].user_id and logout.data == {"session": rows[1].id}


def test_a_copied_cookie_dies_with_its_session(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    stolen = owner.get_cookie("session").value
    owner.post("/logout", data={"csrf_token": csrf(owner.get("/account").get_data(as_text=True))})
    thief = browser(app, ELSEWHERE)
    thief.set_cookie("session", stolen)
    assert not logged_in(thief)


def test_the_login_loader_reads_the_session_and_its_account_in_one_statement(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    with owner.session_transaction() as cookie:
        key = cookie["_user_id"]
    row = session_rows(app, wang)[0]
    sent = []
    with app.test_request_context("/cases/"):
        # SQLite's BEGIN goes through the cursor too; PostgreSQL's is the driver's own.
        listen = lambda conn, cursor, statement, *args: statement.startswith("BEGIN") or sent.append(statement)  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listen)
        try:
            user = load_user(key)
            assert [s.split()[0] for s in sent] == ["SELECT"]
            # A persistent object of the request's session with every column loaded, as the ORM's query gave it.
            state = inspect(user)
            assert state.persistent and state.session is db.session() and not state.expired_attributes
            assert (user.username, user.role, user.active) == (wang, "mediator", True)
            assert (user.session_id, user.session_key) == (row.id, key)
            assert (user.session_row.created_at, user.session_row.last_seen_at) == (row.created_at, row.last_seen_at)
            assert len(sent) == 1  # reading its columns sent nothing
            assert user.community.name  # a relationship is read when first used
            assert db.session.get(User, user.id) is user
            assert load_user(key) is user  # the session's own object, not a second copy
            assert load_user("not a session key") is None and load_user("k" * 65) is None
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listen)


def test_an_account_deactivated_while_logged_in_is_refused_on_its_next_request(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    assert logged_in(owner)
    with app.app_context():
        db.session.execute(select(User).where(User.username == wang)).scalar_one().active = False
        db.session.commit()
    response = owner.get("/cases/")
    assert response.status_code == 302 and "/login" in response.location


def test_a_session_ends_after_thirty_idle_minutes_and_the_timeout_is_audited(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    later(minutes=29)
    assert logged_in(owner)  # activity: last seen is now T0 + 29 min
    later(minutes=29)
    assert logged_in(owner)
    later(minutes=30)
    response = owner.get("/cases/")
    assert response.status_code == 302 and "/login" in response.location
    page = owner.get(response.location).get_data(as_text=True)
    assert "30 分钟没有操作" in page  # told why, in Chinese by default
    assert session_rows(app, wang) == []
    timeout = events(app, "session_timeout")
    assert len(timeout) == 1 and timeout[0].actor_role == "system"
    assert timeout[0].data["after"] == "idle"
    assert timeout[0].data["expired_at"] == (T0 + timedelta(minutes=88)).isoformat()
    # The dead key is forgotten: the next request is simply anonymous.
    assert owner.get("/cases/").status_code == 302 and len(events(app, "session_timeout")) == 1


def test_a_session_ends_twelve_hours_after_login_however_active(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    for _ in range(35):
        later(minutes=20)
        assert logged_in(owner)
    later(minutes=19)
    assert logged_in(owner)  # 11 h 59 min
    later(minutes=1)
    assert not logged_in(owner)
    assert events(app, "session_timeout")[-1].data["after"] == "lifetime"


def test_sessions_time_out_after_30_idle_minutes_and_12_hours_by_default():
    assert (Config.SESSION_IDLE_MINUTES, Config.SESSION_LIFETIME_HOURS) == (30, 12)


def test_the_timeouts_are_settings(app, people):
    app.config.update(SESSION_IDLE_MINUTES=5, SESSION_LIFETIME_HOURS=1)
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    later(minutes=4)
    assert logged_in(owner)
    later(minutes=6)
    assert not logged_in(owner)


def test_last_seen_is_written_at_most_once_a_minute(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    for seconds in (10, 20, 30, 59):
        clock.set_now(T0 + timedelta(seconds=seconds))
        assert logged_in(owner)
        assert session_rows(app, wang)[0].last_seen_at == T0
    clock.set_now(T0 + timedelta(seconds=61))
    assert logged_in(owner)
    assert session_rows(app, wang)[0].last_seen_at == T0 + timedelta(seconds=61)


def test_the_timer_runner_ends_and_audits_timed_out_sessions(app, people):
    wang, li = people
    login(browser(app), wang)
    later(minutes=20)
    login(browser(app), li)
    later(minutes=15)  # wang idle for 35 minutes, li for 15
    result = app.test_cli_runner().invoke(args=["workflows", "tick"])
    assert result.exit_code == 0, result.output
    assert "1 sessions timed out" in result.output
    assert [r.address for r in session_rows(app)] == [OFFICE]
    assert session_rows(app, li)
    timeout = events(app, "session_timeout")
    assert len(timeout) == 1 and timeout[0].data["last_seen"] == T0.isoformat()


# -- the account page ---------------------------------------------------------


def test_the_account_page_lists_this_users_sessions_and_marks_this_one(app, people):
    wang, li = people
    laptop, phone = browser(app), browser(app, ELSEWHERE, PHONE_UA)
    login(laptop, wang)
    later(minutes=5)
    login(phone, wang)
    login(browser(app, "192.0.2.99"), li)
    laptop.post("/language/en", data={"csrf_token": csrf(laptop.get("/account").get_data(as_text=True))})
    page = laptop.get("/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    laptop_row, phone_row = session_rows(app, wang)
    assert "Chrome on Android" in html and "Unknown device" in html
    assert OFFICE in html and ELSEWHERE in html and "192.0.2.99" not in html  # li's are not shown
    this = re.search(rf'id="session-{laptop_row.id}".*?</li>', html, re.S).group(0)
    assert "This device" in this and "Log out this one" not in this
    other = re.search(rf'id="session-{phone_row.id}".*?</li>', html, re.S).group(0)
    assert "This device" not in other and "Log out this one" in other
    assert 'id="end-others"' in html and 'name="viewport"' in html  # phones: the layout's viewport
    assert "Android 上的 Chrome" in phone.get("/account").get_data(as_text=True)


def test_logging_out_another_session_from_the_account_page(app, people):
    wang, li = people
    laptop, phone = browser(app), browser(app, ELSEWHERE, PHONE_UA)
    login(laptop, wang)
    login(phone, wang)
    lis = browser(app)
    login(lis, li)
    laptop_row, phone_row = session_rows(app, wang)
    lis_row = session_rows(app, li)[0]
    token = csrf(laptop.get("/account").get_data(as_text=True))
    assert laptop.post(f"/account/sessions/{lis_row.id}/end", data={"csrf_token": token}).status_code == 404
    assert laptop.post(f"/account/sessions/{phone_row.id}/end").status_code == 400  # no CSRF token
    assert logged_in(lis) and logged_in(phone)
    response = laptop.post(f"/account/sessions/{phone_row.id}/end", data={"csrf_token": token})
    assert response.status_code == 302
    assert not logged_in(phone) and logged_in(laptop)
    ended = events(app, "logout")[-1]
    assert ended.data == {"session": phone_row.id, "by_session": laptop_row.id, "cause": "logout_one"}
    assert ended.actor_id == laptop_row.user_id


def test_logging_out_all_other_sessions(app, people):
    wang, li = people
    clients = [browser(app, f"192.0.2.{i}") for i in range(3)]
    for client in clients:
        login(client, wang)
    lis = browser(app)
    login(lis, li)
    this = clients[0]
    response = this.post("/account/sessions/end-others",
                         data={"csrf_token": csrf(this.get("/account").get_data(as_text=True))})
    assert response.status_code == 302
    assert "已退出其他 2 个会话" in this.get("/account").get_data(as_text=True)
    assert [logged_in(c) for c in clients] == [True, False, False]
    assert logged_in(lis)
    assert len(events(app, "logout")) == 2


def change_password(client, current, new, confirm=None):
    page = client.get("/account").get_data(as_text=True)
    return client.post("/account/password", data={
        "csrf_token": csrf(page), "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm})


@pytest.mark.parametrize("current, new, confirm, message", [
    ("wrong password", "a much longer secret", None, "当前密码不正确"),
    (f.PASSWORD, "too-short-1", None, "至少需要 12 个字符"),
    (f.PASSWORD, "qwerty123456", None, "常见密码"),
    (f.PASSWORD, "1QAZ2wsx3edc", None, "常见密码"),  # the list is compared without case
    (f.PASSWORD, "a much longer secret", "a much longer secre", "两次输入的新密码不一致"),
    (f.PASSWORD, f.PASSWORD, None, "新密码不能与当前密码相同"),
])
def test_a_password_change_is_refused_unless_it_meets_the_rules(app, people, current, new, confirm, message):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    response = change_password(owner, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == wang)).scalar_one()
        from app.auth.passwords import check_password

        assert check_password(user.password_hash, f.PASSWORD)
    failed = events(app, "password_change_failed")
    assert len(failed) == (1 if current != f.PASSWORD else 0)
    assert not events(app, "password_changed")


def test_a_password_change_without_csrf_is_refused(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    response = owner.post("/account/password", data={
        "current_password": f.PASSWORD, "new_password": "a much longer secret", "confirm": "a much longer secret"})
    assert response.status_code == 400
    assert not events(app, "password_changed")


def test_a_password_change_logs_out_the_other_sessions_and_is_audited(app, people):
    wang, _ = people
    laptop, phone = browser(app), browser(app, ELSEWHERE, PHONE_UA)
    login(laptop, wang)
    login(phone, wang)
    response = change_password(laptop, f.PASSWORD, "a much longer secret")
    assert response.status_code == 302 and response.location.endswith("/account")
    assert logged_in(laptop) and not logged_in(phone)
    changed = events(app, "password_changed")
    assert len(changed) == 1 and changed[0].data == {"address": OFFICE, "sessions_ended": 1}
    assert events(app, "logout")[-1].data["cause"] == "password_changed"
    assert login(browser(app), wang, f.PASSWORD).status_code == 401
    assert login(browser(app), wang, "a much longer secret").status_code == 302


def test_guessing_the_current_password_is_throttled_like_a_login(app, people):
    wang, _ = people
    hijacked = browser(app, ELSEWHERE)
    login(hijacked, wang)
    for i in range(5):
        assert change_password(hijacked, f"guess {i}", "a much longer secret").status_code == 400
    # This browser's own device cookie has failed too often: it counts as a stranger, who has five more.
    for i in range(5):
        assert change_password(hijacked, f"guess {i + 5}", "a much longer secret").status_code == 400
    assert change_password(hijacked, f.PASSWORD, "a much longer secret").status_code == 429
    assert events(app, "password_change_throttled")
    assert login(browser(app, OFFICE), wang).status_code == 302  # the owner, elsewhere, is not locked out


# -- every end of a session and every password event is audited -----------------


def test_logins_logouts_timeouts_and_password_changes_are_all_in_the_audit_log(app, people):
    wang, _ = people
    owner = browser(app)
    login(owner, wang)
    change_password(owner, "nope", "a much longer secret")
    change_password(owner, f.PASSWORD, "a much longer secret")
    owner.post("/logout", data={"csrf_token": csrf(owner.get("/account").get_data(as_text=True))})
    login(owner, wang, "a much longer secret")
    later(hours=1)
    owner.get("/cases/")
    triggers = [e.trigger for e in events(app) if e.entity_type == "user"]
    assert triggers == ["login", "password_change_failed", "password_changed", "logout", "login",
                        "session_timeout"]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


# -- the password rules elsewhere ---------------------------------------------


def test_flask_users_create_applies_the_password_rules(app):
    runner = app.test_cli_runner()
    for password, message in (("s3cret-pass", "Use at least 12 characters"),
                              ("qwertyuiop123", "common passwords")):
        out = runner.invoke(args=["users", "create", "--role", "admin", "root"], input=f"{password}\n{password}\n")
        assert out.exit_code != 0 and message in out.output
    with app.app_context():
        assert db.session.execute(select(User)).first() is None


def test_the_demo_password_meets_the_rules(app):
    from app.auth.passwords import password_problem

    with app.test_request_context():
        assert password_problem(app.config["DEMO_PASSWORD"]) is None
        assert password_problem("mediate-2026") is None
        assert password_problem("mediate-202") is not None
