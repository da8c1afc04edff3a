"""Moving two-step verification to a new phone from one's own page: the
password and a current code (old phone or recovery code, counted like a
login), then a new key beside the old one; the old phone works until the
new phone's first code, which replaces the key, renews the recovery codes
and logs out the other sessions. A move can be cancelled and lapses after
TWO_FACTOR_MOVE_SECONDS. Codes come from pyotp, time from the app's clock."""
import json

from sqlalchemy import select

from app.auth.models import LoginAttempt, TwoFactor, User
from app.extensions import db
from tests import factories as f
from tests.factories import csrf
from tests.test_two_factor import (
    ELSEWHERE,
    OFFICE,
    RECOVERY_RE,
    SECRET_RE,
    browser,
    code_at,
    enrol,
    enrolled,
    enter_code,
    events,
    later,
    logged_in,
    login,
    logout,
    page,
    people,  # noqa: F401  (the fixture)
    sessions_of,
    wrong_codes,
)

MOVE = "/account/two-factor/move"


def signed_in(app, username, secret):
    """A browser logged in with password and code; the clock a step on, so
    the next code from the same phone is a fresh one."""
    client = browser(app)
    assert login(client, username).location.endswith("/login/code")
    assert enter_code(client, code_at(secret)).status_code == 302
    later(seconds=30)
    return client


def start_move(client, code, password=f.PASSWORD):
    html = page(client, "/account/two-factor")
    return client.post(MOVE, data={"csrf_token": csrf(html), "move_password": password, "move_code": code})


def new_key(client) -> str:
    html = page(client, "/account/two-factor")
    assert 'id="two-factor-move-pending"' in html
    return SECRET_RE.search(html).group(1).replace(" ", "")


def confirm_move(client, code):
    html = page(client, "/account/two-factor")
    return client.post(MOVE + "/confirm", data={"csrf_token": csrf(html), "new_phone_code": code})


def in_english(client):
    client.post("/language/en", data={"csrf_token": csrf(page(client, "/account/two-factor"))})
    return client


def factor(app, username) -> TwoFactor | None:
    with app.app_context():
        row = db.session.execute(select(TwoFactor).join(User, User.id == TwoFactor.user_id)
                                 .where(User.username == username)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def can_log_in_with(app, username, code) -> bool:
    client = browser(app, ELSEWHERE)
    assert login(client, username).location.endswith("/login/code")
    return enter_code(client, code).status_code == 302 and logged_in(client)


def test_moving_with_a_code_from_the_old_phone(app, people):
    wang, _ = people
    old, old_codes = enrolled(app, wang)
    client = signed_in(app, wang, old)
    response = start_move(client, code_at(old))
    assert response.status_code == 302 and response.location.endswith("/account/two-factor#two-factor-move")
    html = page(client, "/account/two-factor")
    assert 'id="two-factor-qr"' in html and 'href="otpauth://totp/' in html
    new = new_key(client)
    assert new != old and len(new) == 32
    row = factor(app, wang)
    assert row.secret == old and row.new_secret == new  # the old key stays until the new phone confirms
    later(seconds=30)
    response = confirm_move(client, code_at(new))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="two-factor-moved"' in html
    codes = RECOVERY_RE.findall(html)
    assert len(codes) == 10 and not set(codes) & set(old_codes)  # renewed, shown once
    row = factor(app, wang)
    assert row.secret == new and row.new_secret is None and row.new_secret_at is None
    after = page(client, "/account/two-factor")
    assert not any(c in after for c in codes)
    assert "当前手机自" in after  # the date shown is this phone's, the move's (not when the factor was first set up)
    assert logged_in(client)  # this session goes on
    started, moved = events(app, "second_factor_move_started"), events(app, "second_factor_moved")
    assert [e.data for e in started] == [{"address": OFFICE}]
    assert len(moved) == 1 and moved[0].data["recovery_codes"] == 10 and moved[0].data["address"] == OFFICE
    logged = json.dumps([e.data for e in events(app)])
    assert old not in logged and new not in logged and not any(c in logged for c in codes + old_codes)


def test_the_old_phone_works_until_the_new_one_confirms_and_never_after(app, people):
    wang, _ = people
    old, old_codes = enrolled(app, wang)
    client = signed_in(app, wang, old)
    start_move(client, code_at(old))
    new = new_key(client)
    later(seconds=30)
    assert can_log_in_with(app, wang, code_at(old))  # an abandoned move would lock no one out
    assert not can_log_in_with(app, wang, code_at(new))  # nor does the new phone count yet
    later(seconds=30)
    assert confirm_move(client, code_at(new)).status_code == 200
    assert not can_log_in_with(app, wang, code_at(new))  # the confirming code is used up, as any code once seen
    later(seconds=30)
    assert not can_log_in_with(app, wang, code_at(old))
    assert not can_log_in_with(app, wang, old_codes[1])  # the old recovery codes went with the old key
    assert can_log_in_with(app, wang, code_at(new))


def test_moving_with_a_recovery_code(app, people):
    """No old phone at hand, or it is broken: a recovery code opens the move, once."""
    wang, _ = people
    old, codes = enrolled(app, wang)
    client = signed_in(app, wang, old)
    assert start_move(client, codes[0]).status_code == 302
    used = events(app, "recovery_code_used")
    assert [e.data for e in used] == [{"address": OFFICE, "for": "new_phone", "recovery_codes_left": 9}]
    new = new_key(client)
    assert start_move(client, codes[0]).status_code == 401  # used up
    assert new_key(client) == new
    assert confirm_move(client, code_at(new)).status_code == 200
    assert factor(app, wang).secret == new


def test_a_wrong_password_starts_nothing_and_counts_as_a_failed_login(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    client = in_english(signed_in(app, wang, old))
    response = start_move(client, code_at(old), password="not my password")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    f.assert_sent_back(html, "move_password", "two-factor-move")  # the form is below the others
    assert "The current password is wrong." in html
    assert factor(app, wang).new_secret is None
    with app.app_context():
        assert db.session.execute(select(LoginAttempt).where(LoginAttempt.success.is_(False))).first() is not None
    assert events(app)[-1].trigger == "second_factor_move_failed"
    assert events(app)[-1].data == {"address": OFFICE, "problem": "password"}
    # The code given with the wrong password was not used up: it still opens the move.
    assert start_move(client, code_at(old)).status_code == 302


def test_wrong_codes_start_nothing_and_are_throttled_like_logins(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    client = in_english(signed_in(app, wang, old))
    # As at login: this browser's device cookie stands for five failures, then
    # it counts as a stranger at its address, who has five more.
    guesses = wrong_codes(old, 5) * 2
    for guess in guesses:
        response = start_move(client, guess)
        assert response.status_code == 401
        assert "Wrong code" in response.get_data(as_text=True)
    f.assert_sent_back(response.get_data(as_text=True), "move_code", "two-factor-move")
    response = start_move(client, code_at(old))  # even the right code waits now
    assert response.status_code == 429 and "Too many failed attempts" in response.get_data(as_text=True)
    assert factor(app, wang).new_secret is None
    failed = events(app, "second_factor_failed")
    assert len(failed) == 10 and {e.data["for"] for e in failed} == {"new_phone"}
    assert [e.data["known_device"] for e in failed] == [True] * 5 + [False] * 5
    assert events(app, "second_factor_throttled")[-1].data == {"address": OFFICE, "for": "new_phone"}
    assert events(app, "second_factor_move_started") == []


def test_a_wrong_code_from_the_new_phone_says_what_to_do_and_keeps_the_move(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    client = in_english(signed_in(app, wang, old))
    start_move(client, code_at(old))
    new = new_key(client)
    response = confirm_move(client, code_at(old))  # the old phone's code, by mistake
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "the account you just added (not the old phone&#39;s)" in html
    f.assert_sent_back(html, "new_phone_code", "two-factor-move")
    assert events(app)[-1].data == {"address": OFFICE, "problem": "code"}
    assert new_key(client) == new and factor(app, wang).secret == old
    assert confirm_move(client, code_at(new)).status_code == 200


def test_a_move_can_be_cancelled(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    client = in_english(signed_in(app, wang, old))
    start_move(client, code_at(old))
    new = new_key(client)
    html = page(client, "/account/two-factor")
    response = client.post(MOVE + "/cancel", data={"csrf_token": csrf(html)})
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "The move to a new phone is cancelled." in html and 'id="two-factor-move-begin"' in html
    row = factor(app, wang)
    assert row.secret == old and row.new_secret is None
    assert [e.data for e in events(app, "second_factor_move_cancelled")] == [{"address": OFFICE}]
    response = confirm_move(client, code_at(new))
    assert response.status_code == 302
    assert "No move to a new phone is under way" in client.get(response.location).get_data(as_text=True)
    assert factor(app, wang).secret == old
    assert events(app, "second_factor_moved") == []
    later(seconds=30)
    assert can_log_in_with(app, wang, code_at(old))


def test_an_unfinished_move_lapses_and_says_to_start_again(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    client = in_english(signed_in(app, wang, old))
    start_move(client, code_at(old))
    new = new_key(client)
    later(seconds=app.config["TWO_FACTOR_MOVE_SECONDS"] + 1)
    html = page(client, "/account/two-factor")
    assert 'id="two-factor-move-expired"' in html and new.lower() not in html.lower().replace(" ", "")
    response = confirm_move(client, code_at(new))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "was not finished within 15 minutes and is cancelled" in html and "Start the move again" in html
    assert factor(app, wang).new_secret is None and factor(app, wang).secret == old
    assert events(app)[-1].trigger == "second_factor_move_failed"
    assert events(app)[-1].data == {"address": OFFICE, "problem": "expired"}
    assert can_log_in_with(app, wang, code_at(old))


def test_moving_logs_out_the_other_sessions(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    laptop = signed_in(app, wang, old)
    phone = browser(app, ELSEWHERE)
    login(phone, wang)
    enter_code(phone, code_at(old))
    later(seconds=30)
    assert logged_in(laptop) and logged_in(phone)
    start_move(laptop, code_at(old))
    assert logged_in(phone)  # starting a move ends nothing
    new = new_key(laptop)
    assert confirm_move(laptop, code_at(new)).status_code == 200
    assert logged_in(laptop) and not logged_in(phone)
    assert len(sessions_of(app, wang)) == 1
    assert events(app, "second_factor_moved")[-1].data["sessions_ended"] == 1
    assert events(app, "logout")[-1].data["cause"] == "second_factor_moved"


def test_only_the_session_that_started_a_move_sees_the_new_key_and_finishes_it(app, people):
    """Another signed-in session of the account (a shared office PC left
    signed in, a stolen cookie) must not take the second factor over: it is
    not shown the new key, cannot confirm the move, and may only cancel it."""
    wang, _ = people
    old, _codes = enrolled(app, wang)
    laptop = signed_in(app, wang, old)
    office_pc = browser(app, ELSEWHERE)
    login(office_pc, wang)
    enter_code(office_pc, code_at(old))
    later(seconds=30)
    assert start_move(laptop, code_at(old)).status_code == 302
    new = new_key(laptop)
    html = page(office_pc, "/account/two-factor")
    assert 'id="totp-secret"' not in html and new not in html and 'id="two-factor-move-confirm"' not in html
    assert 'id="two-factor-move-elsewhere"' in html and "另一个已登录的会话" in html
    refused = confirm_move(office_pc, code_at(new))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and not RECOVERY_RE.findall(body) and "请在那里完成" in body
    assert logged_in(laptop) and logged_in(office_pc)
    assert factor(app, wang).new_secret == new  # the move stands for the laptop
    assert events(app, "second_factor_move_failed")[-1].data["problem"] == "session"
    # It is not offered to start a move of its own, which would void the laptop's: one move at a time.
    assert 'id="two-factor-move-begin"' not in html
    refused = start_move(office_pc, code_at(old))
    assert refused.status_code == 409 and "请先在下方取消" in refused.get_data(as_text=True)
    assert factor(app, wang).new_secret == new
    # The other session may cancel it (a move it did not start is a warning sign) ...
    office_html = page(office_pc, "/account/two-factor")
    assert office_pc.post(MOVE + "/cancel", data={"csrf_token": csrf(office_html)}).status_code == 302
    assert factor(app, wang).new_secret is None
    # ... and the laptop's code from the new phone then moves nothing.
    assert confirm_move(laptop, code_at(new)).status_code == 302
    later(seconds=30)
    assert can_log_in_with(app, wang, code_at(old))


def test_the_accounts_history_says_why_a_move_was_refused_in_words(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    laptop = signed_in(app, wang, old)
    start_move(laptop, code_at(old), password="not-the-password")
    from app.labels import field_value

    event = events(app, "second_factor_move_failed")[-1]
    assert event.data["problem"] == "password" and event.data.get("for") is None
    with app.app_context():
        assert field_value("problem", "password", "zh_Hans_CN", {}, "user") == "密码错误"
        assert field_value("problem", "session", "en", {}, "user") == "Started in another session"
        assert field_value("for", "new_phone", "zh_Hans_CN", {}, "user") == "迁移到新手机"


def test_a_role_that_needs_it_moves_it_itself(app, people):
    app.config["TWO_FACTOR_ROLES"] = ("supervisor",)
    _, zhao = people
    client = browser(app)
    login(client, zhao)
    old, _codes = enrol(client)
    later(seconds=30)
    assert 'id="two-factor-move-begin"' in page(client, "/account/two-factor")
    assert start_move(client, code_at(old)).status_code == 302
    new = new_key(client)
    assert confirm_move(client, code_at(new)).status_code == 200
    assert client.get("/supervision/closures").status_code == 200
    logout(client)
    later(seconds=30)
    assert can_log_in_with(app, zhao, code_at(new))


def test_without_two_step_verification_there_is_nothing_to_move(app, people):
    wang, _ = people
    client = browser(app)
    login(client, wang)
    in_english(client)
    html = page(client, "/account/two-factor")
    assert 'id="two-factor-move"' not in html
    response = client.post(MOVE, data={"csrf_token": csrf(html), "move_password": f.PASSWORD, "move_code": "123456"})
    assert response.status_code == 409 and "there is nothing to move" in response.get_data(as_text=True)
    assert factor(app, wang) is None
    # Half set up (a key, no code yet) is not on either.
    client.post("/account/two-factor/begin", data={"csrf_token": csrf(html), "current_password": f.PASSWORD})
    secret = SECRET_RE.search(page(client, "/account/two-factor")).group(1).replace(" ", "")
    response = client.post(MOVE, data={"csrf_token": csrf(html), "move_password": f.PASSWORD,
                                       "move_code": code_at(secret)})
    assert response.status_code == 409
    assert factor(app, wang).new_secret is None and factor(app, wang).confirmed_at is None
    assert events(app, "second_factor_move_started") == []


def test_every_move_post_needs_its_csrf_token(app, people):
    wang, _ = people
    old, _codes = enrolled(app, wang)
    client = signed_in(app, wang, old)
    assert client.post(MOVE, data={"move_password": f.PASSWORD, "move_code": code_at(old)}).status_code == 400
    assert factor(app, wang).new_secret is None
    start_move(client, code_at(old))
    new = new_key(client)
    assert client.post(MOVE + "/confirm", data={"new_phone_code": code_at(new)}).status_code == 400
    assert client.post(MOVE + "/cancel").status_code == 400
    row = factor(app, wang)
    assert row.secret == old and row.new_secret == new
