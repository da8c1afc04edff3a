import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import LoginAttempt
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login


@pytest.fixture
def mediator(app):
    with app.app_context():
        street, (c1, _), grids = f.org()
        u = f.user("mediator", community=c1, username="wang")
        return u.username


def audit_triggers(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent.trigger).order_by(AuditEvent.id)).scalars().all()


def test_every_view_needs_a_login_unless_public(app, client):
    public = {"auth.login", "auth.set_language", "static", "public.report", "public.track",
              # the code step of a login: it serves only a browser whose password was just accepted
              "auth.login_code",
              # the lawyers' rota board for residents, its feed, and a lawyer's token-guarded feed
              "rota.board", "rota.board_ics", "rota.lawyer_ics",
              # the JSON API's description, for integrators
              "api_openapi", "api_docs"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        if rule.endpoint.startswith("api."):
            # The JSON API has no session: a client token instead, and no answer without one.
            url = rule.rule.replace("<int:dispute_id>", "1")
            for method in rule.methods & {"GET", "POST"}:
                response = client.open(url, method=method, json={})
                assert response.status_code == 401, rule.endpoint
                assert response.mimetype == "application/problem+json", rule.endpoint
            checked += 1
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        if "GET" in rule.methods:
            response = client.get(url)
            assert response.status_code == 302 and "/login" in response.location, rule.endpoint
        if "POST" in rule.methods:
            token = csrf(client.get("/login").get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token})
            assert response.status_code == 401, rule.endpoint  # a valid form, but no session
        checked += 1
    assert checked >= 8


def test_login_success_is_audited_and_lands_on_the_cases(app, client, mediator):
    response = login(client, mediator)
    assert response.status_code == 302 and response.location.endswith("/")
    assert client.get("/").location.endswith("/cases/mine")  # a mediator lands on their own cases
    assert client.get("/cases/mine").status_code == 200
    assert client.get("/cases/").status_code == 200
    assert audit_triggers(app)[-1] == "login"


def test_wrong_password_is_refused_counted_and_audited(app, client, mediator):
    response = login(client, mediator, "wrong password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True) or "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/cases/").status_code == 302
    assert audit_triggers(app)[-1] == "login_failed"
    with app.app_context():
        assert db.session.execute(select(func.count(LoginAttempt.id))).scalar() == 1


def test_unknown_user_fails_the_same_way(app, client):
    response = login(client, "nobody", "whatever")
    assert response.status_code == 401
    assert audit_triggers(app)[-1] == "login_failed"


def test_an_account_is_throttled_after_five_failures(app, client, mediator):
    for _ in range(5):
        assert login(client, mediator, "bad").status_code == 401
    response = login(client, mediator)  # even the right password now waits
    assert response.status_code == 429
    assert client.get("/cases/").status_code == 302
    assert "login_throttled" in audit_triggers(app)


def test_an_address_is_throttled_after_many_failures_on_any_accounts(app, client, mediator):
    for i in range(20):
        login(client, f"guess{i}", "bad")
    assert login(client, mediator).status_code == 429


def test_login_without_csrf_token_is_refused(client, mediator):
    response = client.post("/login", data={"username": mediator, "password": f.PASSWORD})
    assert response.status_code == 400
    assert client.get("/cases/").status_code == 302


def test_next_parameter_cannot_send_users_elsewhere(client, mediator):
    page = client.get("/login?next=//evil.example/")
    response = client.post("/login?next=//evil.example/", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "username": mediator, "password": f.PASSWORD})
    assert response.status_code == 302 and response.location == "/"


def test_logout_is_a_post_and_ends_the_session(app, client, mediator):
    login(client, mediator)
    page = client.get("/cases/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": csrf(page)}).status_code == 302
    assert client.get("/cases/").status_code == 302
    assert audit_triggers(app)[-1] == "logout"


def test_security_headers_and_cookie_flags(client, mediator):
    response = login(client, mediator)
    cookies = response.headers.getlist("Set-Cookie")
    assert {cookie.partition("=")[0] for cookie in cookies} == {"session", "device"}
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/cases/")
    csp = page.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if "script-src" in part)
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in csp
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_production_cookies_are_secure():
    from config import Config, DevelopmentConfig

    assert Config.SESSION_COOKIE_SECURE and Config.REMEMBER_COOKIE_SECURE
    assert not DevelopmentConfig.SESSION_COOKIE_SECURE


def test_chinese_by_default_with_an_english_switch(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "登录" in page
    switched = client.post("/language/en", data={"csrf_token": csrf(page), "next": "/login"})
    assert switched.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page


def test_inactive_accounts_cannot_log_in(app, client):
    with app.app_context():
        street, (c1, _), _ = f.org()
        f.user("mediator", community=c1, username="retired", active=False)
    assert login(client, "retired").status_code == 401


def test_behind_a_proxy_the_forwarded_address_is_counted(empty_db):
    from app import create_app

    proxied = create_app("testing", PROXY_HOPS=1, **empty_db)
    with proxied.app_context():
        db.create_all()
        street, (c1, _), _ = f.org()
        f.user("mediator", community=c1, username="li")
    client = proxied.test_client()
    for i in range(20):
        page = client.get("/login")
        client.post("/login", data={"csrf_token": csrf(page.get_data(as_text=True)), "username": f"x{i}",
                                    "password": "bad"}, headers={"X-Forwarded-For": "203.0.113.9"})
    # Another client behind the same proxy is not throttled by the first one's failures.
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf(page.get_data(as_text=True)), "username": "li",
                                           "password": f.PASSWORD}, headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 302
    with proxied.app_context():
        addresses = set(db.session.execute(select(LoginAttempt.address)).scalars())
        assert addresses == {"203.0.113.9", "198.51.100.7"}
        db.session.remove()
        db.engine.dispose()
