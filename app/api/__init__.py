"""The integrators' JSON API under /api/v1 (issue 14): clients with tokens
and scopes, cases sent through the single intake, IoT alarms folded into
candidate cases, webhooks back to the sender, read APIs for the rota and the
statistics. Its OpenAPI 3.1 document is generated from the code by
flask-smorest, at /api/v1/openapi.json.

A domain-level package: it may import the domains (disputes, rota) and
supervision's statistics; nothing imports it but the app factory.
"""
from flask import request
from flask_smorest import Api
from werkzeug.exceptions import MethodNotAllowed, NotFound

PREFIX = "/api/v1"


class ProblemApi(Api):
    """flask-smorest's Api without its app-wide error handler: the HTML
    pages keep theirs; the API's blueprint answers problem+json itself."""

    # Every route documents its own problem+json answers instead of
    # flask-smorest's generic JSON error.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        return None


def init_app(app) -> None:
    from ..auth.access import public
    from ..engine import timers
    from . import webhooks
    from ..extensions import csrf
    from .cli import api_cli
    from .pages import bp as pages_bp
    from .schemas import DisputeIn
    from .views import blp, docs_page, openapi_json

    app.config.setdefault("API_TITLE", "Community mediation centre API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    spec = ProblemApi(app, spec_kwargs={"servers": [{"url": "/"}]})
    spec.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # Named here so that the multipart body of POST /disputes can refer to it as its JSON part.
    spec.spec.components.schema("DisputeIn", schema=DisputeIn)
    csrf.exempt(blp)
    spec.register_blueprint(blp)
    app.extensions["api_spec"] = spec
    app.add_url_rule("/api/v1/openapi.json", "api_openapi", public(openapi_json))
    app.add_url_rule("/api/v1/docs", "api_docs", public(docs_page))
    app.register_blueprint(pages_bp)
    app.cli.add_command(api_cli)
    webhooks.hooks.install()
    # Its own step of the tick, after the e-mail outbox.
    timers.install_job("webhooks sent", webhooks.send_pending)


def problems_for_unknown_paths(app) -> None:
    """Called by the app factory after its own error pages are registered
    (it wraps them). A path no route matches (404) or a method its route lacks (405) has no
    blueprint yet, so Flask answers it with the app's HTML error page: under
    /api/v1 an integrator gets problem+json instead; elsewhere the page stays."""
    from .problems import handle_http_exception

    for code, kind in ((404, NotFound), (405, MethodNotAllowed)):
        page = app.error_handler_spec[None][code].get(kind)

        def either(error, page=page):
            if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
                return handle_http_exception(error)
            return page(error) if page is not None else error

        app.register_error_handler(code, either)
