"""Security headers on every response, and a session cookie that static
files never depend on."""
from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

# blob: images are the photos a page shrinks before sending them (js/photos.js): only a script of
# the page can make such a URL, of a file the user chose.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The state diagrams are drawn by mermaid.js, which styles its SVG inline.
CSP_DIAGRAM = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def add_security_headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP_DIAGRAM if request.endpoint == "diagrams.show" else CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # `not is_anonymous` rather than `is_authenticated`: the latter reads the account's `active`
    # column, which after a step's COMMIT (expired) costs a second transaction and a SELECT on every
    # POST. The login loader has already refused inactive accounts.
    if request.endpoint != "static" and (not current_user.is_anonymous or response.mimetype == "text/html"):
        # Pages may show personal data: never keep them in a cache.
        h["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a static file's response
    neither sets the cookie nor says `Vary: Cookie`: a stylesheet is the same
    for everyone, and with that header a proxy or the browser's cache keeps
    one copy per session (Flask-Login's after-request hook reads the session
    on every response, static ones included)."""

    def save_session(self, app, session, response):
        if request.endpoint == "static" and not session.modified:
            return
        super().save_session(app, session, response)
