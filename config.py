"""Settings. Every value can be overridden from the environment."""
import os
import secrets
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _secret(name: str, filename: str) -> str:
    """Read a secret from the environment, else from instance/<filename>,
    creating a random one there on first use so a fresh checkout just works."""
    value = os.environ.get(name)
    if value:
        return value
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def names(value: str) -> tuple[str, ...]:
    """A comma-separated setting ("supervisor, admin") as a tuple of names."""
    return tuple(name.strip() for name in value.split(",") if name.strip())


def database_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = None  # filled in by load()
    AUDIT_KEY = None  # HMAC key of the audit chain; never the SECRET_KEY
    # Key-encryption key of the audit log's per-case data keys (app/audit/personal.py).
    # Unset: derived from AUDIT_KEY (HKDF). Set it to keep the two secrets apart; never change it,
    # or the personal data of every case still kept becomes unreadable.
    AUDIT_DATA_KEY = os.environ.get("AUDIT_DATA_KEY") or None
    # Signs the audit log's checkpoints (app/audit/checkpoints.py). Unset: derived from
    # AUDIT_KEY; set it to keep the two apart (a checkpoint then cannot be forged with AUDIT_KEY alone).
    AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY") or None
    # A checkpoint every this many events (the routine check reads at most about this many more).
    AUDIT_CHECKPOINT_EVERY = int(os.environ.get("AUDIT_CHECKPOINT_EVERY", "10000"))
    # Worker processes of the full check (`flask audit verify`) on a large log. Unset: one per CPU.
    AUDIT_VERIFY_WORKERS = int(os.environ.get("AUDIT_VERIFY_WORKERS", "0")) or None
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'mediation.sqlite3'}")
    )
    # No pool_pre_ping: it sends a round trip (SELECT 1) on every checkout, i.e. every request. A
    # pooled connection is instead replaced once it is POOL_RECYCLE_SECONDS old, before a server's or
    # a firewall's idle timeout drops it; a connection lost otherwise (the server restarted) fails
    # one request and is discarded by the pool.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": int(os.environ.get("POOL_RECYCLE_SECONDS", "300"))}
    # A read replica (e.g. a PostgreSQL hot standby) for the supervisors' read-only pages and their
    # exports (app/database.py `replica_reads`); unset, they read from DATABASE_URL.
    DATABASE_READ_URL = database_url(os.environ.get("DATABASE_READ_URL", "")) or None
    # `flask workflows tick` refreshes the planner's statistics (ANALYZE) at most this often.
    ANALYZE_EVERY_HOURS = int(os.environ.get("ANALYZE_EVERY_HOURS", "24"))
    SQLITE_BUSY_TIMEOUT_MS = 15000

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a mediator may keep a form open through a session
    # A form with a phone photo or two as the camera made them (5-10 MB each: the
    # page shrinks them before sending where it can, app/static/js/photos.js).
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Photos and documents of cases: outside the static folder, never served directly.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # A document (PDF) is kept as sent: at most this. A photo is taken up to the
    # request's limit and kept downscaled (UPLOAD_PHOTO_MAX_SIDE), re-encoded.
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    # A kept photo's longer side, in pixels: enough to read a crack or a sign.
    UPLOAD_PHOTO_MAX_SIDE = 2000
    # A photo with more pixels is refused before it is decoded (a 5 MB file can
    # unpack to gigabytes); 50 million is more than a phone's usual 12-48 MP.
    UPLOAD_MAX_PIXELS = 50_000_000
    # Number of reverse proxies in front of the app (e.g. 1 behind nginx). Their
    # X-Forwarded-For then gives the client address that login throttling and
    # the public rate limits count by; 0 trusts no such header.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    # Public pages, counted per client address.
    PUBLIC_REPORTS_PER_HOUR = 5
    TRACK_LOOKUPS_PER_HOUR = 30

    # Login throttling (app/auth/throttle.py), counted in the database so it
    # holds across workers. Failures are remembered for LOGIN_FAILURE_MEMORY_HOURS;
    # past a key's free failures each further one locks that key out, for
    # LOGIN_LOCKOUT_MINUTES at first and twice as long each time after, up to
    # LOGIN_LOCKOUT_MAX_MINUTES. The keys: an account from one address, one
    # address across accounts (both for browsers not known to the account), and
    # a device cookie (a browser that logged in to the account before).
    LOGIN_FAILURE_MEMORY_HOURS = 24
    LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_MAX_FAILURES_PER_DEVICE = 5
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_LOCKOUT_MAX_MINUTES = 24 * 60
    # A device cookie, issued on each successful login, is good for this long
    # (or until the account's password changes).
    DEVICE_COOKIE_DAYS = int(os.environ.get("DEVICE_COOKIE_DAYS", "90"))
    # Server-side sessions (app/auth/sessions.py): one ends after this long
    # without a request, and in any case this long after its login. "Last
    # seen" is written at most once per SESSION_TOUCH_SECONDS, so the idle
    # time is counted from up to that much before the last request.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_LIFETIME_HOURS = int(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    SESSION_TOUCH_SECONDS = 60
    # Second factor (app/auth/two_factor.py): a TOTP code (RFC 6238) from an
    # authenticator app after the password. Optional for everyone; required
    # for the roles named here (comma-separated in the environment): their
    # users may do nothing but set it up until they have. A code is good for
    # its 30-second step and TWO_FACTOR_DRIFT_STEPS steps either side, once;
    # the code page waits TWO_FACTOR_PENDING_SECONDS after the password. A
    # move to a new phone waits TWO_FACTOR_MOVE_SECONDS for the new phone's
    # first code (the old phone's codes work meanwhile), then starts again.
    TWO_FACTOR_ROLES = names(os.environ.get("TWO_FACTOR_ROLES", "supervisor,coordinator,admin"))
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "社区矛调中心")
    TWO_FACTOR_DRIFT_STEPS = 1
    TWO_FACTOR_PENDING_SECONDS = 300
    TWO_FACTOR_MOVE_SECONDS = 900
    TWO_FACTOR_RECOVERY_CODES = 10
    # A new password needs this many characters and may not be on the list of
    # common passwords shipped in app/auth/data.
    PASSWORD_MIN_LENGTH = 12
    # Login attempts and rate-limit events are kept this long, then pruned by
    # `flask workflows tick` (logins stay in the audit log for good).
    COUNTERS_KEEP_DAYS = 30

    # argon2id parameters (argon2-cffi defaults: RFC 9106 low-memory profile).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # The admins are reminded to enter a year's holiday notice (app/main/holiday_notice.py) from this many
    # days before the year begins, when the chinesecalendar package does not know it.
    CALENDAR_NOTICE_WARN_DAYS = int(os.environ.get("CALENDAR_NOTICE_WARN_DAYS", "60"))
    # The longest range the rota's plan page draws, plans and publishes at once (app/rota/planning.py): a
    # year's Saturdays of every room, each seat with its list of lawyers, is already a long page; five years
    # took seconds to draw for nothing anyone reads. A longer range is refused at the form.
    ROTA_PLAN_MAX_DAYS = int(os.environ.get("ROTA_PLAN_MAX_DAYS", "366"))

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "mediate-2026")
    CASES_PER_PAGE = 25
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "30"))
    # The committee named on the case file's cover; {community} is the case's community.
    COMMITTEE_NAME = os.environ.get("COMMITTEE_NAME", "{community}人民调解委员会")
    # Supervision: a closure should be signed off or returned within this many
    # hours (the review turns yellow, then red, on the supervisor's list).
    SIGNOFF_REVIEW_HOURS = int(os.environ.get("SIGNOFF_REVIEW_HOURS", str(7 * 24)))
    # Mediation should end within a month of acceptance; the parties may
    # agree to extend it. How many extensions, and how many days in all, the
    # centre allows (the law sets no number: the MoJ rules expect it short).
    DISPUTE_MAX_EXTENSIONS = int(os.environ.get("DISPUTE_MAX_EXTENSIONS", "1"))
    DISPUTE_MAX_EXTENSION_DAYS = int(os.environ.get("DISPUTE_MAX_EXTENSION_DAYS", "30"))
    # An agreement's performance deadline (履行期限) is refused when it is more than this many years after the
    # agreement: further ahead it is almost always a typo in the year (app/disputes/rules.py).
    AGREEMENT_PERFORM_MAX_YEARS = int(os.environ.get("AGREEMENT_PERFORM_MAX_YEARS", "3"))
    # Rows per page of the closure history and the audit browser; exports
    # stop at EXPORT_MAX_ROWS (the page says so) so that one click cannot
    # build a file of a whole province.
    SUPERVISION_PER_PAGE = 25
    EXPORT_MAX_ROWS = 50_000
    # The case file (卷宗) PDF needs a CJK font: Debian's fonts-noto-cjk
    # (apt-get install fonts-noto-cjk). CASEFILE_FONT_INDEX picks the
    # Simplified Chinese face of the collection.
    CASEFILE_FONT = os.environ.get("CASEFILE_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    CASEFILE_FONT_INDEX = int(os.environ.get("CASEFILE_FONT_INDEX", "2"))
    # Warn (yellow) when this share of a deadline's time or less is left.
    DEADLINE_YELLOW_SHARE = 0.2
    # 五老和事会: an invitation to an elder expires after this many hours without
    # an answer (never later than the session it is for); `flask workflows tick`
    # expires it and the case page offers the next candidate.
    ELDER_INVITE_HOURS = float(os.environ.get("ELDER_INVITE_HOURS", "48"))
    # A duty the timer marked a no-show may be corrected by its street's coordinator (the lawyer came but did not
    # check in: workflows/lawyer_duty.py) until this many days after its day; later the yearly figures stand.
    DUTY_NO_SHOW_CORRECTION_DAYS = int(os.environ.get("DUTY_NO_SHOW_CORRECTION_DAYS", "30"))
    # How long a volunteer lawyer has to answer a request for a legal opinion (workflows/legal_opinion.py).
    LEGAL_OPINION_ANSWER_HOURS = float(os.environ.get("LEGAL_OPINION_ANSWER_HOURS", str(7 * 24)))

    # Follow-up visits (回访, workflows/followup.py). An agreement gets one
    # follow-up this many days after it is recorded (one per number), and one
    # on its performance deadline; pressing for performance (督促) plans one more.
    FOLLOWUP_OFFSETS_DAYS = tuple(int(d) for d in os.environ.get("FOLLOWUP_OFFSETS_DAYS", "7").split(",") if d.strip())
    FOLLOWUP_ON_PERFORMANCE_DEADLINE = True
    FOLLOWUP_AFTER_URGING_DAYS = 7
    # Whole local days a follow-up may be made in, its planned day included
    # (3: the planned day and the two after); then it is overdue, and after
    # FOLLOWUP_ESCALATE_DAYS more days escalated to the street supervisor.
    FOLLOWUP_GRACE_DAYS = int(os.environ.get("FOLLOWUP_GRACE_DAYS", "3"))
    FOLLOWUP_ESCALATE_DAYS = int(os.environ.get("FOLLOWUP_ESCALATE_DAYS", "2"))
    FOLLOWUPS_PER_PAGE = 30
    # The administrators' list of accounts (/admin/users).
    USERS_PER_PAGE = 30
    # Screening sweeps (排查): how often each level sweeps, "week" (Monday to
    # Sunday) or "month". The city's practice: each community weekly, the street monthly.
    SWEEP_PERIODS = {
        "community": os.environ.get("SWEEP_COMMUNITY_PERIOD", "week"),
        "street": os.environ.get("SWEEP_STREET_PERIOD", "month"),
    }
    # Notifications are in-app; with MAIL_ENABLED each is also e-mailed (by
    # `flask workflows tick`, after the step's commit) to users who gave an
    # address and asked for it on their notification settings page.
    MAIL_ENABLED = os.environ.get("MAIL_ENABLED", "") in ("1", "true", "yes")
    MAIL_HOST = os.environ.get("MAIL_HOST", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SECURITY = os.environ.get("MAIL_SECURITY", "starttls")  # starttls, ssl or none
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@localhost")
    MAIL_TIMEOUT_SECONDS = 20
    MAIL_MAX_TRIES = 5
    # Integrators (app/api): webhooks to a private or loopback address are
    # refused unless this is set; repeated alarms of one IoT device within
    # the window fold into one candidate case.
    WEBHOOK_ALLOW_PRIVATE = os.environ.get("WEBHOOK_ALLOW_PRIVATE", "") in ("1", "true", "yes")
    IOT_FOLD_MINUTES = int(os.environ.get("IOT_FOLD_MINUTES", "60"))
    # The address users reach the app at, for links in e-mails ("" leaves them out).
    BASE_URL = os.environ.get("BASE_URL", "")
    # `flask workflows tick` skips its run while an earlier one on this host holds this file.
    TICK_LOCK_FILE = os.environ.get("TICK_LOCK_FILE", str(INSTANCE_DIR / "tick.lock"))
    # Due timeouts fired per transaction by the tick (one COMMIT each batch);
    # the audit chain's lock is held for a batch, so case steps wait at most that long.
    TICK_BATCH = int(os.environ.get("TICK_BATCH", "100"))
    # The right-hand side of the UIDs in the rota's calendar feeds
    # (duty-17@<this>): set it to the site's host name once, and never change
    # it, or subscribed calendars see every duty as a new event.
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "mediation-centre.local")

    @classmethod
    def load(cls):
        cls.SECRET_KEY = _secret("SECRET_KEY", "secret_key")
        cls.AUDIT_KEY = _secret("AUDIT_KEY", "audit_key")
        return cls


class DevelopmentConfig(Config):
    SESSION_COOKIE_SECURE = False  # served on http://127.0.0.1 in development
    REMEMBER_COOKIE_SECURE = False
    # The demo logs in with a password alone; TWO_FACTOR_ROLES=supervisor
    # scripts/serve makes the street supervisor set up a second factor.
    TWO_FACTOR_ROLES = names(os.environ.get("TWO_FACTOR_ROLES", ""))


class TestingConfig(Config):
    TESTING = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SECRET_KEY = "test-secret"
    AUDIT_KEY = "test-audit-key"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    # Never the instance folder; the tests' app fixture sets a temporary one per test.
    UPLOAD_DIR = os.path.join(tempfile.gettempdir(), "mediation-test-uploads")
    TICK_LOCK_FILE = os.path.join(tempfile.gettempdir(), f"mediation-test-tick-{os.getpid()}.lock")
    MAIL_ENABLED = False  # tests that send e-mail turn it on with a fake SMTP server
    WEBHOOK_ALLOW_PRIVATE = True  # the tests' webhook receiver listens on 127.0.0.1
    # Tests move the clock by days or years while logged in; the session tests
    # (tests/test_accounts.py) put back the production timeouts.
    SESSION_IDLE_MINUTES = 100 * 365 * 24 * 60
    SESSION_LIFETIME_HOURS = 100 * 365 * 24
    # Tests that need a second factor required name the roles themselves.
    TWO_FACTOR_ROLES: tuple[str, ...] = ()

    @classmethod
    def load(cls):
        return cls


CONFIGS = {
    "development": DevelopmentConfig,
    "production": Config,
    "testing": TestingConfig,
}


def get_config(name: str | None = None):
    name = name or os.environ.get("APP_ENV", "production")
    return CONFIGS[name].load()
