from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..org.models import Community, Department, Grid, Street
from ..sealed import SealedString


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    # A liaison's department: they see only the referrals sent to it.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # The account's credential generation: a new password draws a new one, and
    # device cookies carry a digest of it, so those issued before stop counting.
    session_token: Mapped[str] = mapped_column(String(64))
    # The latest login that passed (password, and code when the account has
    # a second factor), set with the login's audit event: login_attempts are
    # pruned after COUNTERS_KEEP_DAYS, the users pages still say when.
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The language the user last chose while signed in (or on the login page
    # just before logging in), applied at each login; None: never chose.
    lang: Mapped[str | None] = mapped_column(String(16))
    street: Mapped[Street | None] = relationship()
    community: Mapped[Community | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    department: Mapped[Department | None] = relationship()

    # The server-side session this request runs in, set when it is made or
    # loaded (app/auth/sessions.py); not columns. The row is read only before
    # the request's first commit; views use its id.
    session_row = None
    session_id = None
    session_key = None
    # How this session passed the second factor ("totp", "recovery_code"),
    # None when it logged in with the password alone.
    session_second_factor = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        # The login cookie names the session, never the account alone: ending
        # the session's row ends what the cookie can do.
        return self.session_key


# A username is one name whatever its capitals: "MED_WANG" cannot be made
# beside "med_wang", and either spelling logs in. The database's lower() both
# here and in `username_is`, so the check and the index agree on each backend
# (SQLite's folds ASCII letters only; PostgreSQL's, letters of its locale).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


def username_is(username: str):
    """The condition for the account called `username`, ignoring capitals."""
    return func.lower(User.username) == func.lower(username)


def user_named(username: str) -> User | None:
    """The account called `username`, whatever its capitals; None if none."""
    return db.session.execute(select(User).where(username_is(username))).scalar_one_or_none()


class UserSession(db.Model):
    """One logged-in browser of an account. The cookie carries a random key;
    the row keeps only its SHA-256, so reading this table gives no session."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300))
    # How the login passed the second factor: "totp" or "recovery_code" (or
    # "totp" when the factor was set up in this session); None for a login by
    # password alone, which a role that needs a second factor may use only to
    # set one up (app/auth/two_factor.py).
    second_factor: Mapped[str | None] = mapped_column(String(16))
    user: Mapped[User] = relationship()


class TwoFactor(db.Model):
    """An account's TOTP secret (RFC 6238). Unconfirmed while being set up;
    confirmed once the user has entered a code from it. `last_step` is the
    time step of the latest code accepted: a code of that step or an earlier
    one is refused, so a code cannot be used twice.

    `new_secret` (with `new_secret_at`, when it was made) is a move to a new
    phone under way: the confirmed `secret` keeps working until a code from
    the new one replaces it (two_factor.confirm_move), so an abandoned move
    locks no one out. Only the signed-in session that started it
    (`new_secret_session`) is shown the new key and may confirm it: another
    session of the account (a shared office PC left signed in) must not
    take the second factor over."""

    __tablename__ = "two_factors"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(SealedString(64, "two_factors.secret"))  # app/sealed.py
    created_at: Mapped[datetime] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_step: Mapped[int | None] = mapped_column(Integer)
    new_secret: Mapped[str | None] = mapped_column(SealedString(64, "two_factors.new_secret"))
    new_secret_at: Mapped[datetime | None] = mapped_column(DateTime)
    new_secret_session: Mapped[int | None] = mapped_column(Integer)  # user_sessions.id


class RecoveryCode(db.Model):
    """One of an account's one-time recovery codes, kept as the SHA-256 of the
    code (80 random bits, so a plain hash is enough); `used_at` once used."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)


def display_name(user_id: int) -> str | None:
    """A user's name for the engine's "changed by X" (see init_app)."""
    user = db.session.get(User, user_id)
    return user.display_name if user else None


class LoginAttempt(db.Model):
    """Every login attempt, so throttling holds across all app workers."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    success: Mapped[bool] = mapped_column(Boolean)
    # The device cookie's nonce when the attempt came from a browser that had
    # logged in to this account before (and was let through on that ground).
    device: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_login_attempts_username_address_at", "username", "address", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
        Index("ix_login_attempts_device_at", "device", "at"),
    )
