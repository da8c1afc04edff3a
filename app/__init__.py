"""Application factory."""
from pathlib import Path
from typing import Callable

from flask import Flask, render_template, session
from werkzeug.routing import IntegerConverter
from flask_babel import get_locale, lazy_gettext as _l, pgettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError

from config import get_config

from . import database, dates, form_errors, fragments, i18n, workdays
from .extensions import babel, csrf, db, login_manager, migrate
from .security import SessionInterface, add_security_headers


def select_locale():
    from flask import current_app, has_request_context

    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


class BoundedInt(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def refuse_nul_bytes():
    """before_request: no database stores a NUL character in text (PostgreSQL
    refuses it), so a request carrying one is refused as malformed."""
    from flask import abort, request

    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Ids in URLs fit the database's integers: a longer one is a plain 404.
    app.url_map.converters["int"] = BoundedInt
    app.config.from_object(get_config(config_name))
    app.config.update(overrides)
    if not app.config.get("AUDIT_KEY") or app.config["AUDIT_KEY"] == app.config.get("SECRET_KEY"):
        raise RuntimeError("AUDIT_KEY must be set and differ from SECRET_KEY")

    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    database.init_app(app)  # before any connection is made
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.init_app(app)
    dates.init_app(app)
    fragments.init_app(app)
    form_errors.init_app(app)
    workdays.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # Before the hooks registered below: its session check must run ahead of require_login.
    from .auth import init_app as init_auth

    init_auth(app)

    _import_models()
    _init_packages(app)
    _install_code_labels()
    _register_blueprints(app)
    _register_cli(app)
    _register_errors(app)
    from .api import problems_for_unknown_paths

    problems_for_unknown_paths(app)  # wraps the HTML error pages just registered

    from .auth.access import require_login
    from .confirm import ask_before_acting, step_question

    app.before_request(refuse_nul_bytes)
    app.before_request(require_login)
    app.before_request(ask_before_acting)
    app.jinja_env.globals["step_question"] = step_question
    app.after_request(add_security_headers)
    app.session_interface = SessionInterface()

    @app.context_processor
    def inject_locale():
        from .auth.roles import role_label
        from .labels import field_label, joined_text

        current = get_locale()
        locale = str(current or i18n.DEFAULT_LOCALE)
        return {
            "locale": locale,
            "is_english": current is not None and current.language == "en",
            "role_label": lambda role: role_label(role, locale),
            "field_label": lambda name, entity_type=None: field_label(name, locale, entity_type),
            "joined_names": lambda text: joined_text(text, locale),
            "colon": pgettext("between a label and its value", ": "),
            "upload_mb": upload_mb(),
        }

    return app


def _import_models():
    """Every table, for SQLAlchemy's metadata (create_all, migrations) and
    the relationships named by string."""
    from .audit import models as _audit  # noqa: F401
    from .auth import models as _auth  # noqa: F401
    from .disputes import models as _disputes  # noqa: F401
    from .org import models as _org  # noqa: F401
    from .elders import models as _elders  # noqa: F401
    from .rota import models as _rota  # noqa: F401
    from .opinions import models as _opinions  # noqa: F401
    from .followups import models as _followups  # noqa: F401
    from .sweeps import models as _sweeps  # noqa: F401
    from .referrals import models as _referrals  # noqa: F401
    from .notifications import models as _notifications  # noqa: F401
    from .supervision import models as _supervision  # noqa: F401
    from . import ratelimit as _ratelimit  # noqa: F401
    from .api import models as _api  # noqa: F401


def _init_packages(app):
    """Each package hands its guards and effects, timer jobs, today
    providers, timeline links and listeners to the layers below it here,
    never when imported. The order matters where two packages hook the same
    thing: the effects of one step run in the order installed, so the
    dispute's own effects come first (its close sets the summary and closing
    time that supervision's review then reads), then the packages that react
    to a case's steps; timer jobs run in the order installed too, and the
    pruning of throttling records ends the tick's summary line."""
    from . import (api, disputes, elders, followups, housekeeping, main, notifications, opinions, referrals, rota,
                   supervision, sweeps)

    # auth's init_app ran first, in create_app: its session check must come
    # before the login check. Sweeps are planned, and the admins reminded of
    # a holiday notice to enter (main), before the outbox is sent, so a tick
    # mails what it notified; pruning throttling records ends the tick's
    # summary line.
    # The API's webhook effects come after every other package's, so that
    # the event they queue carries the step's file number and outcome.
    for package in (disputes, sweeps, main, notifications, followups, elders, rota, opinions, referrals, supervision, api,
                    housekeeping):
        package.init_app(app)


def _install_code_labels():
    """The history shows a recorded code by its label: each domain's code
    lists, under the name of the field that records them."""
    from .disputes import codes
    from .elders.codes import REPORT_OUTCOMES
    from .followups import codes as fu
    from .api import iot
    from .api.forms import SCOPE_LABELS
    from .audit import checkpoints
    from .auth.models import User
    from .auth import accounts, sessions, two_factor
    from .elders import codes as elder_codes, roster as elder_roster
    from .auth.roles import ROLE_LABELS
    from .disputes.models import Party
    from .elders.models import Elder
    from .labels import install_codes, install_group, install_reference, install_shown_as, install_type_labels
    from .org.models import Area, Community, Department, Grid, Street
    from .referrals.codes import REFERRAL_KINDS
    from .rota.models import Lawyer, Room
    from .supervision import export_labels
    from .supervision.models import OUTCOMES
    from .sweeps import codes as sweep_codes

    for field, code_list in (
        ("route", codes.ROUTES), ("form", codes.AGREEMENT_FORMS), ("channel", codes.CHANNELS),
        ("dispute_type", codes.DISPUTE_TYPES), ("risk", codes.RISK_LEVELS), ("role", codes.PARTY_ROLES),
        ("followup_kind", fu.FOLLOWUP_KINDS), ("method", fu.METHODS), ("fulfilment", fu.FULFILMENT),
        ("satisfaction", fu.SATISFACTION), ("sweep_level", sweep_codes.SWEEP_LEVELS),
        ("checked", sweep_codes.SWEEP_CHECKS),
        ("report_outcome", REPORT_OUTCOMES), ("consent_how", codes.CONSENT_FORMS), ("sex", codes.SEXES),
        ("kind", codes.PARTY_KINDS), ("id_type", codes.ID_TYPES), ("closed_as", OUTCOMES),
        ("ruling", codes.RULINGS),
        ("requested_by", codes.RECUSAL_ASKED_BY),  # else a party's id, named below
        *export_labels.CODE_FIELDS.items(),
    ):
        install_codes(field, code_list)
    install_codes("kind", REFERRAL_KINDS, entity_type="referral")  # a party's "kind" is another list
    for sensed in ("iot_device", "iot_candidate"):
        install_codes("kind", iot.KIND_LABELS, entity_type=sensed)
    install_codes("role", ROLE_LABELS, entity_type="user")  # a party's "role" is another list
    install_codes("problem", two_factor.PROBLEMS, entity_type="user")
    install_codes("scopes", SCOPE_LABELS, entity_type="api_client")
    install_codes("for", two_factor.PURPOSES, entity_type="user")
    for field in ("method", "second_factor"):
        install_codes(field, two_factor.METHODS, entity_type="user")
    install_codes("cause", sessions.CAUSES, entity_type="user")
    install_codes("after", sessions.ENDED_AFTER, entity_type="user")
    install_codes("by", accounts.BY, entity_type="user")
    install_codes("by", checkpoints.BY, entity_type="audit_checkpoint")
    install_codes("kind", REFERRAL_KINDS, entity_type="department")  # its own periods, per kind of referral
    # An elder on the council's roster: the roster's own labels and code lists.
    install_type_labels("elder", elder_roster.ROSTER_LABELS)
    install_codes("category", elder_codes.CATEGORIES, entity_type="elder")
    install_codes("expertise", codes.DISPUTE_TYPES, entity_type="elder")
    install_codes("relation", elder_codes.RELATIONS, entity_type="elder")
    install_group("filters", export_labels.FILTERS)
    # The statistics export records as its "rows" the cases it counted.
    install_shown_as(("export", "statistics"), "rows", "cases_counted")
    users, parties = _named_by(User.id, User.display_name), _named_by(Party.id, Party.name)
    lawyers = _named_by(Lawyer.id, Lawyer.name)
    for field, resolve in (
        ("mediator_id", users), ("user_id", users), ("closed_by_id", users), ("decided_by_id", users),
        ("participant_ids", users),
        ("party_id", parties), ("party_ids", parties), ("consenting_parties", parties), ("refusing_party", parties),
        ("requested_by", parties),
        ("elder_id", _named_by(Elder.id, Elder.name)), ("lawyer_id", lawyers), ("target_id", lawyers),
        ("room_id", _named_by(Room.id, Room.name)), ("department_id", _named_by(Department.id, Department.name)),
        ("dispute_id", _case_titles), ("street_id", _named_by(Street.id, Street.name)),
        ("community_id", _named_by(Community.id, Community.name)), ("grid_id", _named_by(Grid.id, Grid.name)),
        ("area_id", _named_by(Area.id, Area.name)),
    ):
        install_reference(field, resolve)


# Each pair of columns' statement, built once (every case page's history names people and cases).
_NAME_STATEMENTS: dict[tuple[str, str, str], object] = {}


def _names(column_id, column_name, ids) -> dict:
    key = (column_id.class_.__name__, column_id.key, column_name.key)
    statement = _NAME_STATEMENTS.get(key)
    if statement is None:
        statement = _NAME_STATEMENTS[key] = (
            select(column_id, column_name).where(column_id.in_(bindparam("ids", expanding=True))))
    return dict(db.session.execute(statement, {"ids": list(ids)}).all())


_RESOLVERS: dict[tuple[str, str], Callable] = {}


def _named_by(column_id, column_name):
    """What the history shows instead of a recorded id (labels.install_reference):
    the row's name in `column_name`, one statement for all the ids. One resolver
    per column, kept: a second app in the process installs the same one again."""
    key = (column_id.class_.__name__, column_name.key)
    if key not in _RESOLVERS:
        _RESOLVERS[key] = lambda ids: _names(column_id, column_name, ids)
    return _RESOLVERS[key]


def _case_titles(ids):
    from .disputes.models import Dispute

    numbers = _names(Dispute.id, Dispute.file_no, ids)
    return {i: numbers[i] or f"#{i}" for i in numbers}  # a case without a file number yet: its id


def _register_blueprints(app):
    from .auth.admin import bp as users_bp
    from .auth.views import bp as auth_bp
    from .diagrams.views import bp as diagrams_bp
    from .disputes.blueprint import bp as disputes_bp
    from .main.views import bp as main_bp
    from .supervision.audit_views import bp as audit_bp
    from .public.views import bp as public_bp
    from .elders.blueprint import bp as elders_bp
    from .rota.blueprint import bp as rota_bp
    from .opinions.blueprint import bp as opinions_bp
    from .followups.blueprint import bp as followups_bp
    from .sweeps.blueprint import bp as sweeps_bp
    from .referrals.blueprint import bp as referrals_bp
    from .notifications.blueprint import bp as notifications_bp
    from .today.blueprint import bp as today_bp
    from .supervision.views import bp as supervision_bp
    from .supervision.org_admin import bp as org_admin_bp

    for bp in (auth_bp, users_bp, main_bp, disputes_bp, diagrams_bp, audit_bp, public_bp,
               elders_bp, rota_bp, opinions_bp, followups_bp, sweeps_bp, referrals_bp, notifications_bp, today_bp,
               supervision_bp, org_admin_bp):
        app.register_blueprint(bp)


def _register_cli(app):
    from .audit.cli import audit_cli
    from .auth.cli import users_cli
    from .demo.cli import demo_cli
    from .disputes.cli import disputes_cli
    from .engine.cli import workflows_cli
    from .org.cli import org_cli

    for group in (audit_cli, users_cli, demo_cli, workflows_cli, disputes_cli, org_cli):
        app.cli.add_command(group)


ERROR_TEXT = {
    400: (_l("The request could not be understood"), _l("Check the form and send it again.")),
    401: (_l("Please log in"), _l("Your session may have ended. Log in again and retry.")),
    403: (_l("Not allowed"), _l("Your account may not do this. Ask your supervisor if you think it should.")),
    404: (_l("Not found"), _l("The page or case does not exist, or is outside your area.")),
    # Not "not allowed": a link followed to a form's address (or a form sent twice) is no question of rights.
    405: (_l("This page cannot be opened this way"), _l("Open it from the buttons and links on the pages.")),
    409: (_l("Changed by someone else"), _l("Reload the page to see the latest state, then try again.")),
    # Photos are taken as the camera made them (and shrunk on the phone where it can): only a request
    # over MAX_CONTENT_LENGTH, several large photos at once, comes here.
    413: (_l("Upload too large"), _l("Go back to the form (what you typed is usually still there) and send fewer "
                                     "photos at a time, or screenshots of them: at most %(mb)s MB in all.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("Nothing was saved. Try again; if it happens again, tell the administrator.")),
}


# Where an error page sends each role back to: the start page each one lands on
# (main.index redirects there), named as that role knows it. A liaison has no
# case list, an elder only their invitations.
START_PAGES = {
    "mediator": _l("Back to my cases"),
    "gridworker": _l("Back to my cases"),
    "lawyer": _l("Back to my Saturday duties"),
    "coordinator": _l("Back to the rota"),
    "elder": _l("Back to my invitations"),
    "supervisor": _l("Back to the closures to review"),
    "assistant": _l("Back to the reports"),
    "liaison": _l("Back to my department's referrals"),
    "admin": _l("Back to the case list"),
}
BACK_TO_START = _l("Back to the start page")
# After a too large upload, someone not logged in is a resident: the report form, not the staff login.
BACK_TO_REPORT = _l("Back to the report form")


def sent_from() -> str | None:
    """The page a form was sent from (this site's only), for an error page's way back."""
    from flask import request

    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else None


def back_to_start() -> str:
    """The label of an error page's way on, for the user who sees it."""
    from flask_login import current_user

    return str(START_PAGES.get(getattr(current_user, "role", None), BACK_TO_START))


# Those whose supervisor grants what they may do; everyone else asks the administrator.
SUPERVISED_ROLES = ("mediator", "gridworker", "assistant")
FORBIDDEN_ASK_ADMIN = _l("Your account may not do this. Ask the administrator if you think it should.")
# An administrator asked to ask the administrator is told nothing: their role keeps accounts and settings,
# and another role's work (the rota, a case's steps) is done by that role's people.
FORBIDDEN_ADMIN = _l("This is another role's work (the rota is the coordinator's, a case's steps its mediator's): an "
                     "administrator keeps the accounts and settings. Ask someone of that role, or give an account "
                     "that role on the users' page.")


def upload_mb() -> int:
    from flask import current_app

    return current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)


def request_mb() -> int:
    from flask import current_app

    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)


def _register_errors(app):
    def render(code, detail=None):
        title, hint = ERROR_TEXT.get(code, ERROR_TEXT[500])
        hint = str(hint) % {"mb": request_mb()}  # the one hint with a figure takes it from the settings
        if code == 413:  # a form too large: back to it, where what was typed is
            from flask_login import current_user

            resident = not current_user.is_authenticated
            return render_template("error.html", code=code, title=title, hint=hint, go_back=True,
                                   back_url=sent_from(), resident=resident,
                                   back=BACK_TO_REPORT if resident else back_to_start()), code
        return render_template("error.html", code=code, title=title, hint=hint, detail=detail,
                               back=back_to_start()), code

    for code in ERROR_TEXT:
        app.register_error_handler(code, lambda e, code=code: render(code))

    @app.errorhandler(403)
    def forbidden(error):
        """Said to the one who can change it: a supervisor for those they
        supervise, else the administrator (a supervisor told to ask a
        supervisor was told nothing); and why, where the view said
        (abort(403, description=...))."""
        from flask_login import current_user
        from werkzeug.exceptions import Forbidden

        detail = error.description if error.description != Forbidden.description else None
        role = getattr(current_user, "role", None)
        hint = (ERROR_TEXT[403][1] if role in SUPERVISED_ROLES
                else FORBIDDEN_ADMIN if role == "admin" else FORBIDDEN_ASK_ADMIN)
        return render_template("error.html", code=403, title=ERROR_TEXT[403][0], hint=hint, detail=detail,
                               back=back_to_start()), 403

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render(400, _l("The form has expired or was sent from elsewhere. Reload the page and send it again."))

    @app.errorhandler(DBAPIError)
    def lock_conflict(error):
        """A lock conflict that got through (a deadlock, a serialization
        failure, "database is locked"): nothing was saved, and reloading and
        trying again will do. Any other database error stays a 500."""
        if not database.contention(error):
            raise error
        db.session.rollback()
        app.logger.warning("lock conflict answered 409: %s", error.orig)
        return render(409, _l("Someone else changed this at the same time, so nothing was saved. "
                              "Reload the page and try again."))

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

