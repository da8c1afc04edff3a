"""Secrets stored sealed (app/sealed.py): a second factor's TOTP secret and an
API client's webhook signing secret. The tables hold only sealed values; the
app reads the secrets back; a value does not open in another column, altered
or under another key; the migration seals what was stored before it, and its
downgrade opens it again."""
from datetime import datetime

import pyotp
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app import clock, create_app
from app.api.models import ApiClient
from app.auth import two_factor
from app.auth.models import TwoFactor
from app.extensions import db
from app.sealed import PREFIX, Unsealable, seal, unseal
from tests import factories as f
from tests.factories_api import cli_client

T0 = datetime(2026, 12, 1, 8, 0, 0)


def stored(table: str, column: str) -> list[str]:
    """The column's values as the database holds them, past the ORM's type."""
    return list(db.session.execute(text(f"SELECT {column} FROM {table}")).scalars())


def test_a_sealed_value_opens_only_in_its_column_unaltered_and_under_its_key(app, ctx):
    first, second = seal("JBSWY3DPEHPK3PXP", "two_factors.secret"), seal("JBSWY3DPEHPK3PXP", "two_factors.secret")
    assert first.startswith(PREFIX) and first != second  # a fresh nonce each time
    assert "JBSWY3DPEHPK3PXP" not in first
    assert unseal(first, "two_factors.secret") == unseal(second, "two_factors.secret") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(Unsealable, match="does not open"):
        unseal(first, "api_clients.webhook_secret")  # copied into another column
    altered = first[:-6] + ("AAAAAA" if not first.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(Unsealable, match="does not open"):
        unseal(altered, "two_factors.secret")
    for damaged in (PREFIX + "not base64!", PREFIX + "AAAA"):  # not base64; too short to hold a nonce
        with pytest.raises(Unsealable, match="does not open"):
            unseal(damaged, "two_factors.secret")
    with pytest.raises(Unsealable, match="was not sealed"):
        unseal("JBSWY3DPEHPK3PXP", "two_factors.secret")
    other = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", AUDIT_KEY="another audit key")
    with other.app_context(), pytest.raises(Unsealable, match="AUDIT_DATA_KEY"):
        unseal(first, "two_factors.secret")


def a_mediator():
    clock.set_now(T0)
    street, (community, _), _ = f.org()
    return f.user("mediator", community=community)


def test_a_second_factor_s_secret_is_stored_sealed_and_its_codes_work(app, ctx):
    user = a_mediator()
    secret = two_factor.begin(user).secret
    db.session.commit()
    (held,) = stored("two_factors", "secret")
    assert held.startswith(PREFIX) and secret not in held
    db.session.expire_all()
    assert db.session.get(TwoFactor, user.id).secret == secret
    assert two_factor.confirm(user, pyotp.TOTP(secret).at(T0.timestamp())) is not None
    db.session.commit()
    assert stored("two_factors", "secret") == [held]  # confirming leaves the secret as stored


def test_a_code_of_a_secret_replaced_by_a_new_set_up_does_not_confirm(app, ctx):
    user = a_mediator()
    replaced = two_factor.begin(user).secret
    db.session.commit()
    current = two_factor.begin(user).secret  # the set-up begun again, e.g. in another tab
    db.session.commit()
    assert two_factor.confirm(user, pyotp.TOTP(replaced).at(T0.timestamp())) is None
    assert two_factor.confirm(user, pyotp.TOTP(current).at(T0.timestamp())) is not None


def test_a_webhook_secret_is_stored_sealed_and_reads_back_as_it_was_shown(app, ctx):
    result = app.test_cli_runner().invoke(args=["api", "clients", "create", "hotline", "--scope", "disputes:write",
                                                "--webhook-url", "https://hotline.example.cn/hook"])
    assert result.exit_code == 0, result.output
    shown = next(line.split()[-1] for line in result.output.splitlines() if "webhook signing secret" in line)
    (held,) = stored("api_clients", "webhook_secret")
    assert shown.startswith("whsec_") and held.startswith(PREFIX) and shown not in held
    assert db.session.execute(select(ApiClient.webhook_secret)).scalar_one() == shown
    cli_client(app, "no-hook", "disputes:write")  # a client without a webhook has no secret
    assert db.session.execute(select(ApiClient.webhook_secret).where(ApiClient.name == "no-hook")).scalar() is None


def test_the_migration_seals_the_secrets_stored_before_it_and_its_downgrade_opens_them(empty_db):
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0023")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active, "
                              "session_token) VALUES (1, 'wang', '王', 'x', 'mediator', TRUE, 't')"))
            conn.execute(text("INSERT INTO two_factors (user_id, secret, created_at) "
                              "VALUES (1, 'JBSWY3DPEHPK3PXP', '2026-12-01 08:00:00')"))
            conn.execute(text("INSERT INTO api_clients (id, name, token_hash, scopes, channel, webhook_url, "
                              "webhook_secret, active, per_minute, created_at) VALUES "
                              "(1, 'hotline', 'h1', 'disputes:write', 'hotline', 'https://x.example.cn', "
                              "'whsec_c2VjcmV0', TRUE, 120, '2026-12-01 08:00:00'), "
                              "(2, 'quiet', 'h2', 'disputes:write', 'hotline', NULL, NULL, TRUE, 120, "
                              "'2026-12-01 08:00:00')"))
            # A row pointing at the client: on SQLite the column's change copies the table, and drops the old
            # one, which foreign keys on would refuse (migrations/env.py turns them off while migrating).
            conn.execute(text("INSERT INTO webhook_deliveries (id, message_id, client_id, event_type, payload, url, "
                              "status, attempts, next_attempt_at, created_at) VALUES (1, 'msg_1', 1, "
                              "'dispute.accepted', '{}', 'https://x.example.cn', 'sent', 1, '2026-12-01 08:00:00', "
                              "'2026-12-01 08:00:00')"))
        upgrade()
        (totp,) = stored("two_factors", "secret")
        hooks = stored("api_clients", "webhook_secret")
        sealed_hooks = [value for value in hooks if value is not None]
        assert totp.startswith(PREFIX) and len(sealed_hooks) == 1 and sealed_hooks[0].startswith(PREFIX)
        assert None in hooks  # the client without a webhook
        assert db.session.get(TwoFactor, 1).secret == "JBSWY3DPEHPK3PXP"
        assert db.session.get(ApiClient, 1).webhook_secret == "whsec_c2VjcmV0"
        db.session.remove()

        downgrade(revision="0023")
        assert stored("two_factors", "secret") == ["JBSWY3DPEHPK3PXP"]
        assert sorted(stored("api_clients", "webhook_secret"), key=str) == [None, "whsec_c2VjcmV0"]
        assert stored("webhook_deliveries", "client_id") == [1]
        db.session.remove()  # its transaction, which holds SQLite's write lock outside a request
        # Foreign keys are on again once migrated (SQLite): a row pointing nowhere is refused.
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE webhook_deliveries SET client_id = 99"))
        db.session.remove()
        db.engine.dispose()
