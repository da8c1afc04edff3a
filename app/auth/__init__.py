"""Accounts: login with throttling and device cookies, server-side sessions,
the account page, passwords, roles and the deny-by-default check. A shared
service: it imports the foundation, the audit core and the engine's timer
registry, never a domain."""


def init_app(app) -> None:
    """Bind the sessions to Flask-Login and to the request cycle, and have the
    timer runner end timed-out sessions. Call it before any other
    before_request hook that reads `current_user` (the login check), so that a
    timed-out session is ended and audited before anything refuses it."""
    from ..engine import timers
    from ..extensions import login_manager
    from . import sessions

    login_manager.user_loader(sessions.load_user)
    app.before_request(sessions.check_session)
    timers.install_job("sessions timed out", sessions.end_expired)
