"""The second factor (issue 13, item 6): TOTP codes (RFC 6238) after the
password, generated here with pyotp as an authenticator app would; one-time
recovery codes; replay refused; wrong codes counted by the login throttling;
roles that must use it; the administrator's reset; and the audit events of
each. Every test runs on SQLite and PostgreSQL."""
import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from app import clock, create_app
from app.audit.models import AuditEvent
from app.auth import two_factor
from app.auth.models import LoginAttempt, RecoveryCode, TwoFactor, User, UserSession
from app.extensions import db
from tests import factories as f
from tests.factories import csrf

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 1, 8, 0, 0)  # the start of a 30-second step
OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.7"
SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
RECOVERY_RE = re.compile(r'<li class="list-group-item">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>')


@pytest.fixture
def people(app):
    """wang, a mediator (second factor optional), and zhao, the street's
    supervisor; the clock at T0."""
    clock.set_now(T0)
    with app.app_context():
        street, (c1, _), _ = f.org()
        f.user("mediator", community=c1, username="wang")
        f.user("supervisor", street=street, username="zhao")
    return "wang", "zhao"


def browser(app, address=OFFICE):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.location)
    return response.get_data(as_text=True)


def login(client, username, password=f.PASSWORD):
    return client.post("/login", data={"csrf_token": csrf(page(client, "/login")), "username": username,
                                       "password": password})


def enter_code(client, code):
    return client.post("/login/code", data={"csrf_token": csrf(page(client, "/login/code")), "code": code})


def logout(client):
    client.post("/logout", data={"csrf_token": csrf(page(client, "/account/two-factor"))})


def logged_in(client) -> bool:
    return client.get("/today").status_code == 200


def later(**delta):
    clock.set_now(clock.now() + timedelta(**delta))


def code_at(secret, moment=None):
    """What an authenticator app shows at `moment` (naive UTC, default: now)."""
    return pyotp.TOTP(secret).at((moment or clock.now()).replace(tzinfo=UTC))


def wrong_codes(secret, count=5):
    """Six-digit codes that no step within the allowed drift shows now."""
    valid = {code_at(secret, clock.now() + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
    return [c for c in (f"{n}{n}{n}{n}{n}{n}" for n in range(10)) if c not in valid][:count]


def events(app, trigger=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if trigger:
            query = query.where(AuditEvent.trigger == trigger)
        found = db.session.execute(query).scalars().all()
        db.session.expunge_all()
    for event in found:
        event.data = json.loads(event.data)
    return found


def begin(client, password=f.PASSWORD):
    html = page(client, "/account/two-factor")
    return client.post("/account/two-factor/begin", data={"csrf_token": csrf(html), "current_password": password})


def enrol(client, password=f.PASSWORD):
    """Set up the second factor as a user would: the password again, the key
    read off the page, the first code; returns (secret, recovery codes)."""
    assert begin(client, password).status_code == 302
    html = page(client, "/account/two-factor")
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    response = client.post("/account/two-factor/confirm", data={"csrf_token": csrf(html), "code": code_at(secret)})
    assert response.status_code == 200
    return secret, RECOVERY_RE.findall(response.get_data(as_text=True))


def enrolled(app, username) -> tuple[str, list[str]]:
    """`username` with the second factor on, logged out again; the clock a
    step on, so that the set-up code is not the one the next login needs."""
    client = browser(app)
    assert login(client, username).status_code == 302
    secret, codes = enrol(client)
    logout(client)
    later(seconds=30)
    return secret, codes


def account_events(app, username):
    with app.app_context():
        user_id = db.session.execute(select(User.id).where(User.username == username)).scalar_one()
    return [e for e in events(app) if e.entity_type == "user" and e.entity_id == user_id]


def sessions_of(app, username):
    with app.app_context():
        rows = db.session.execute(select(UserSession).join(User).where(User.username == username)
                                  .order_by(UserSession.id)).scalars().all()
        db.session.expunge_all()
        return rows


# -- setting up ---------------------------------------------------------------------


def test_setting_up_shows_a_locally_drawn_qr_code_and_turns_on_with_a_code(app, people):
    wang, _ = people
    client = browser(app)
    login(client, wang)
    assert "两步验证" in page(client, "/account")
    assert begin(client).status_code == 302
    response = client.get("/account/two-factor")
    html = response.get_data(as_text=True)
    qr = re.search(r'<img src="([^"]+)"[^>]*id="two-factor-qr"', html).group(1)
    assert qr.startswith("data:image/svg+xml")  # drawn here: no request leaves the page
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    assert 'href="otpauth://totp/' in html  # on the phone itself: straight into the app
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    assert len(secret) == 32
    with app.app_context():
        row = db.session.get(TwoFactor, db.session.execute(select(User.id).where(User.username == wang)).scalar())
        assert row.secret == secret and row.confirmed_at is None
        user = db.session.execute(select(User).where(User.username == wang)).scalar_one()
        uri = two_factor.provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "wang" in uri
    assert qr == two_factor_qr(app, uri)

    response = client.post("/account/two-factor/confirm", data={"csrf_token": csrf(html), "code": code_at(secret)})
    assert response.status_code == 200
    codes = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        row = db.session.execute(select(TwoFactor)).scalar_one()
        assert row.confirmed_at == T0
        stored = db.session.execute(select(RecoveryCode.code_hash)).scalars().all()
    # Only hashes are kept: no code appears in the table.
    assert sorted(stored) == sorted(hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    # The codes are shown once: the page afterwards tells only how many are left.
    html = page(client, "/account/two-factor")
    assert not any(c in html for c in codes) and "10" in html
    triggers = [e.trigger for e in account_events(app, wang)]
    assert triggers[-2:] == ["second_factor_setup_started", "second_factor_enabled"]
    enabled = events(app, "second_factor_enabled")[-1]
    assert enabled.data["recovery_codes"] == 10 and enabled.data["sessions_ended"] == 0
    assert secret not in json.dumps([e.data for e in events(app)])  # the secret is never in the log
    assert logged_in(client)


def two_factor_qr(app, uri):
    with app.app_context():
        return two_factor.qr_data_uri(uri)


def test_setting_up_needs_the_current_password_and_wrong_ones_count_as_failed_logins(app, people):
    wang, _ = people
    client = browser(app)
    login(client, wang)
    response = begin(client, "not my password")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(select(TwoFactor)).first() is None
        assert db.session.execute(select(LoginAttempt).where(LoginAttempt.success.is_(False))).first() is not None
    assert events(app)[-1].trigger == "second_factor_setup_failed"


def test_a_wrong_first_code_leaves_it_off(app, people):
    wang, _ = people
    client = browser(app)
    login(client, wang)
    begin(client)
    html = page(client, "/account/two-factor")
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    wrong = code_at(secret, T0 - timedelta(minutes=5))
    client.post("/language/en", data={"csrf_token": csrf(html)})
    response = client.post("/account/two-factor/confirm", data={"csrf_token": csrf(html), "code": wrong})
    assert response.status_code == 400 and "Wrong code" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(TwoFactor.confirmed_at)).scalar_one() is None
        assert db.session.execute(select(RecoveryCode)).first() is None
    assert events(app)[-1].data == {"address": OFFICE, "problem": "code"}
    logout(client)
    assert login(client, wang).location.endswith("/")  # still the password alone


def test_a_wrong_code_or_password_is_said_at_the_top_as_on_every_form(app, people):
    """Setting up: a wrong password, then a wrong first code; logging in: a
    wrong code, and none at all. Each page says so at the top, marks the
    field and gives it focus."""
    wang, _ = people
    client = browser(app)
    login(client, wang)
    response = begin(client, "not my password")
    assert response.status_code == 400
    f.assert_sent_back(response.get_data(as_text=True), "current_password")
    begin(client)
    html = page(client, "/account/two-factor")
    assert "autofocus" not in html and "请按提示更正标出的填写项。" not in html
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    response = client.post("/account/two-factor/confirm",
                           data={"csrf_token": csrf(html), "code": wrong_codes(secret, 1)[0]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    f.assert_sent_back(html, "code")
    assert re.search(r'class="form-control is-invalid"[^>]*name="code"', html)
    # The start-again form (in a closed <details>) stays closed: its field is not the one in error.
    assert "<details class=\"small\" >" in html
    logout(client)
    secret, _codes = enrolled(app, wang)
    login(client, wang)
    for code, status in ((wrong_codes(secret, 1)[0], 401), ("", 400)):
        response = enter_code(client, code)
        assert response.status_code == status
        f.assert_sent_back(response.get_data(as_text=True), "code")
    assert not logged_in(client)


def test_turning_it_on_logs_out_the_accounts_other_sessions(app, people):
    wang, _ = people
    laptop, phone = browser(app), browser(app, ELSEWHERE)
    login(laptop, wang)
    login(phone, wang)
    enrol(laptop)
    assert logged_in(laptop) and not logged_in(phone)
    assert [r.second_factor for r in sessions_of(app, wang)] == ["totp"]
    assert events(app, "second_factor_enabled")[-1].data["sessions_ended"] == 1


# -- logging in -------------------------------------------------------------------------


def test_login_asks_for_the_code_after_the_password(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    response = client.post("/login?next=/cases/", data={
        "csrf_token": csrf(page(client, "/login")), "username": wang, "password": f.PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/login/code")
    assert not logged_in(client) and sessions_of(app, wang) == []  # no session before the code
    assert "六位" in page(client, "/login/code")
    response = enter_code(client, code_at(secret))
    assert response.status_code == 302 and response.location.endswith("/cases/")
    assert logged_in(client)
    assert [r.second_factor for r in sessions_of(app, wang)] == ["totp"]
    asked, done = events(app, "second_factor_asked")[-1], events(app, "login")[-1]
    assert asked.data == {"address": OFFICE, "known_device": False}
    assert done.data["second_factor"] == "totp" and done.data["session"] == sessions_of(app, wang)[0].id


def test_a_wrong_password_never_reaches_the_code_page(app, people):
    wang, _ = people
    enrolled(app, wang)
    client = browser(app)
    assert login(client, wang, "wrong password").status_code == 401
    response = client.get("/login/code")
    assert response.status_code == 302 and response.location.endswith("/login")


def test_the_code_page_without_a_password_sends_to_the_login(app, people):
    client = browser(app)
    for response in (client.get("/login/code"),
                     client.post("/login/code", data={"csrf_token": csrf(page(client, "/login")), "code": "123456"})):
        assert response.status_code == 302 and response.location.endswith("/login")
    assert events(app) == []


def test_the_code_page_waits_five_minutes(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    html = page(client, "/login/code")
    later(minutes=5, seconds=1)
    response = client.post("/login/code", data={"csrf_token": csrf(html), "code": code_at(secret)})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not logged_in(client)


def test_a_code_post_without_csrf_token_is_refused(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    assert client.post("/login/code", data={"code": code_at(secret)}).status_code == 400
    assert not logged_in(client)


def test_a_used_code_is_refused_within_its_window(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    used = code_at(secret)
    assert enter_code(client, used).status_code == 302
    logout(client)
    later(seconds=10)  # the same 30-second step: the app still shows that code
    assert code_at(secret) == used
    thief = browser(app, ELSEWHERE)
    thief.post("/language/en", data={"csrf_token": csrf(page(thief, "/login"))})
    login(thief, wang)
    response = enter_code(thief, used)
    assert response.status_code == 401 and "used already" in response.get_data(as_text=True)
    # The step before (still within the allowed drift) is older than the one used: refused too.
    assert enter_code(thief, code_at(secret, clock.now() - timedelta(seconds=30))).status_code == 401
    assert not logged_in(thief)
    failed = events(app, "second_factor_failed")
    assert [e.data["problem"] for e in failed] == ["replayed", "replayed"]
    assert failed[0].data == {"address": ELSEWHERE, "known_device": False, "method": "totp",
                              "problem": "replayed", "for": "login"}
    later(seconds=30)  # the next code works
    assert enter_code(thief, code_at(secret)).status_code == 302


def test_a_code_from_the_step_before_or_after_is_accepted_once(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    assert enter_code(client, code_at(secret, clock.now() + timedelta(seconds=30))).status_code == 302  # a phone ahead
    logout(client)
    login(client, wang)
    assert enter_code(client, code_at(secret)).status_code == 401  # the current step is older than the one used
    later(seconds=90)
    login(client, wang)
    assert enter_code(client, code_at(secret, clock.now() - timedelta(seconds=30))).status_code == 302  # behind
    logout(client)
    later(minutes=5)
    login(client, wang)
    assert enter_code(client, code_at(secret, clock.now() - timedelta(seconds=60))).status_code == 401  # too old
    assert [e.data["problem"] for e in events(app, "second_factor_failed")] == ["replayed", "wrong"]


def test_wrong_codes_count_towards_the_login_throttling(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    guesser = browser(app, ELSEWHERE)  # knows the password, not the phone
    login(guesser, wang)
    for guess in wrong_codes(secret):
        assert enter_code(guesser, guess).status_code == 401
    assert enter_code(guesser, code_at(secret)).status_code == 429  # even the right code waits now
    assert login(guesser, wang).status_code == 429  # and so does the password
    assert not logged_in(guesser)
    with app.app_context():
        failures = db.session.execute(select(LoginAttempt).where(LoginAttempt.success.is_(False))).scalars().all()
        assert len(failures) == 5 and {a.address for a in failures} == {ELSEWHERE}
    assert events(app, "second_factor_throttled")[-1].data["address"] == ELSEWHERE
    # The owner, at the office, is not locked out by the guesser.
    owner = browser(app)
    login(owner, wang)
    assert enter_code(owner, code_at(secret)).status_code == 302 and logged_in(owner)


def test_a_malformed_code_is_a_wrong_one(app, people):
    wang, _ = people
    enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    for code in ("12345", "abc", "1234567", "x" * 40):
        assert enter_code(client, code).status_code == 401
    assert enter_code(client, "y" * 41).status_code == 400  # longer than the field allows
    assert not logged_in(client)


# -- recovery codes -----------------------------------------------------------------


def test_a_recovery_code_logs_in_once(app, people):
    wang, _ = people
    _secret, codes = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    assert enter_code(client, codes[0]).status_code == 302 and logged_in(client)
    used = events(app, "recovery_code_used")
    assert len(used) == 1 and used[0].data == {"address": OFFICE, "for": "login", "recovery_codes_left": 9}
    assert events(app, "login")[-1].data["second_factor"] == "recovery_code"
    logout(client)
    login(client, wang)
    client.post("/language/en", data={"csrf_token": csrf(page(client, "/login/code"))})
    login(client, wang)
    response = enter_code(client, codes[0])
    assert response.status_code == 401 and "used already" in response.get_data(as_text=True)
    assert events(app, "second_factor_failed")[-1].data["problem"] == "used"
    assert not logged_in(client)
    # Typed without dashes, in capitals, with spaces: still the code.
    assert enter_code(client, " " + codes[1].replace("-", "").upper() + " ").status_code == 302
    assert events(app, "recovery_code_used")[-1].data["recovery_codes_left"] == 8


def test_the_last_recovery_codes_are_counted_down_at_login(app, people):
    wang, _ = people
    _secret, codes = enrolled(app, wang)
    client = browser(app)
    for code in codes[:6]:
        login(client, wang)
        response = enter_code(client, code)
        assert "恢复码" not in client.get(response.location, follow_redirects=True).get_data(as_text=True)
        logout(client)
    login(client, wang)
    response = enter_code(client, codes[6])
    assert "您只剩 3 个恢复码" in client.get(response.location, follow_redirects=True).get_data(as_text=True)


def test_another_accounts_recovery_code_does_not_work(app, people):
    wang, zhao = people
    _secret, wangs = enrolled(app, wang)
    enrolled(app, zhao)
    client = browser(app)
    login(client, zhao)
    assert enter_code(client, wangs[0]).status_code == 401
    assert events(app, "recovery_code_used") == []


def test_new_recovery_codes_replace_the_old_ones(app, people):
    wang, _ = people
    secret, old = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    enter_code(client, code_at(secret))
    later(seconds=30)
    html = page(client, "/account/two-factor")
    response = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf(html),
                                                                       "code": wrong_codes(secret)[0]})
    assert response.status_code == 401
    response = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf(html),
                                                                       "code": code_at(secret)})
    assert response.status_code == 200
    new = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert events(app, "recovery_codes_renewed")[-1].data == {"address": OFFICE, "recovery_codes": 10}
    logout(client)
    login(client, wang)
    assert enter_code(client, old[0]).status_code == 401
    assert enter_code(client, new[0]).status_code == 302


# -- turning off -------------------------------------------------------------------------


def test_an_optional_user_turns_it_off_with_a_code(app, people):
    wang, _ = people
    secret, _codes = enrolled(app, wang)
    client = browser(app)
    login(client, wang)
    enter_code(client, code_at(secret))
    later(seconds=30)
    html = page(client, "/account/two-factor")
    assert client.post("/account/two-factor/disable", data={"csrf_token": csrf(html), "code": "12"}).status_code == 401
    response = client.post("/account/two-factor/disable", data={"csrf_token": csrf(html), "code": code_at(secret)})
    assert response.status_code == 302 and response.location.endswith("/account")
    with app.app_context():
        assert db.session.execute(select(TwoFactor)).first() is None
        assert db.session.execute(select(RecoveryCode)).first() is None
    assert events(app)[-1].trigger == "second_factor_disabled"
    logout(client)
    assert login(client, wang).location.endswith("/")  # the password alone again


def test_a_role_that_needs_it_cannot_turn_it_off(app, people):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    _, zhao = people
    client = browser(app)
    login(client, zhao)
    secret, _codes = enrol(client)
    later(seconds=30)
    html = page(client, "/account/two-factor")
    assert 'id="two-factor-disable"' not in html
    response = client.post("/account/two-factor/disable", data={"csrf_token": csrf(html), "code": code_at(secret)})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.execute(select(TwoFactor.confirmed_at)).scalar_one() is not None
    assert events(app)[-1].trigger == "second_factor_enabled"


# -- roles that must use it ---------------------------------------------------------------


def test_a_role_that_needs_it_must_set_it_up_before_anything_else(app, people):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    wang, zhao = people
    client = browser(app)
    response = login(client, zhao)
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")
    assert events(app, "login")[-1].data["must_set_up_second_factor"] is True
    html = page(client, "/account/two-factor")
    assert "须使用" in html  # "your role must use it"
    for url in ("/", "/supervision/closures", "/account", "/today", "/cases/"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/account/two-factor"), url
    token = csrf(html)
    for url in ("/account/sessions/end-others", "/account/password", "/notifications/settings"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    enrol(client)
    assert client.get("/supervision/closures").status_code == 200
    assert page(client, "/account")
    # A mediator's role does not need it: the password alone, as before.
    colleague = browser(app)
    assert login(colleague, wang).location.endswith("/") and logged_in(colleague)


def test_a_role_that_needs_it_may_log_out_before_setting_it_up(app, people):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    _, zhao = people
    client = browser(app)
    login(client, zhao)
    response = client.post("/logout", data={"csrf_token": csrf(page(client, "/account/two-factor"))})
    assert response.status_code == 302 and sessions_of(app, zhao) == []


def test_a_session_from_before_the_requirement_is_held_to_it(app, people):
    wang, _ = people
    client = browser(app)
    login(client, wang)
    assert logged_in(client)
    app.config["TWO_FACTOR_ROLES"] = ("mediator",)  # e.g. the setting changed at a deployment
    response = client.get("/cases/mine")
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")
    enrol(client)
    assert client.get("/cases/mine").status_code == 200


def test_a_role_with_the_factor_on_logs_in_with_it(app, people):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    _, zhao = people
    secret, _codes = enrolled(app, zhao)
    client = browser(app)
    assert login(client, zhao).location.endswith("/login/code")
    assert enter_code(client, code_at(secret)).status_code == 302
    assert client.get("/supervision/closures").status_code == 200


# -- the administrator's reset --------------------------------------------------------------


def test_an_administrator_resets_a_lost_second_factor(app, people):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    _, zhao = people
    secret, codes = enrolled(app, zhao)
    client = browser(app)
    login(client, zhao)
    enter_code(client, code_at(secret))
    assert logged_in(client)
    waiting = browser(app, ELSEWHERE)  # a login between password and code
    assert login(waiting, zhao).location.endswith("/login/code")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "reset-2fa", zhao, "--reason", "丢失手机"])
    assert out.exit_code == 0, out.output
    assert "1 session(s) logged out" in out.output
    with app.app_context():
        assert db.session.execute(select(TwoFactor)).first() is None
        assert db.session.execute(select(RecoveryCode)).first() is None
    assert sessions_of(app, zhao) == [] and not logged_in(client)
    reset = events(app, "second_factor_reset")
    assert len(reset) == 1 and reset[0].reason == "丢失手机" and reset[0].actor_id is None
    assert reset[0].data == {"by": "cli", "had_second_factor": True, "setup_discarded": False, "sessions_ended": 1}
    assert events(app, "logout")[-1].data["cause"] == "second_factor_reset"
    response = waiting.get("/login/code")  # its password step counts no more
    assert response.status_code == 302 and response.location.endswith("/login")
    # The next login takes the password alone, then asks for a new factor; the old ones are dead.
    response = login(client, zhao)
    assert response.location.endswith("/account/two-factor")
    new_secret, _new = enrol(client)
    assert new_secret != secret
    logout(client)
    later(seconds=30)
    login(client, zhao)
    assert enter_code(client, codes[0]).status_code == 401
    assert enter_code(client, code_at(new_secret)).status_code == 302


def test_resetting_an_unknown_user_fails(app, people):
    out = app.test_cli_runner().invoke(args=["users", "reset-2fa", "nobody"])
    assert out.exit_code != 0 and "no user 'nobody'" in out.output
    assert events(app, "second_factor_reset") == []


# -- settings ------------------------------------------------------------------------------------


def _config_in_a_fresh_process(env: dict) -> dict:
    environment = {k: v for k, v in os.environ.items() if k != "TWO_FACTOR_ROLES"} | env
    out = subprocess.run(
        [sys.executable, "-c", "import json, config; print(json.dumps({n: list(c.TWO_FACTOR_ROLES) "
                               "for n, c in config.CONFIGS.items()}))"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_required_roles_by_default_in_production_and_none_in_development_and_tests():
    assert _config_in_a_fresh_process({}) == {
        "production": ["supervisor", "coordinator", "admin"], "development": [], "testing": []}
    assert _config_in_a_fresh_process({"TWO_FACTOR_ROLES": " admin, mediator "}) == {
        "production": ["admin", "mediator"], "development": ["admin", "mediator"], "testing": []}


def test_an_unknown_role_in_the_setting_stops_the_app(empty_db):
    with pytest.raises(RuntimeError, match="supervisors"):
        create_app("testing", TWO_FACTOR_ROLES=("supervisors",), **empty_db)
