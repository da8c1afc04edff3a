"""Accounts: login with throttling and device cookies, a second factor
(TOTP and recovery codes), server-side sessions, the account page,
passwords, roles and the deny-by-default check. A shared
service: it imports the foundation, the audit core and the engine's timer
registry, never a domain."""


def init_app(app) -> None:
    """Bind the sessions to Flask-Login and to the request cycle, and have the
    timer runner end timed-out sessions. Call it before any other
    before_request hook that reads `current_user` (the login check), so that a
    timed-out session is ended and audited before anything refuses it; then
    a user who must set up a second factor is kept to that."""
    from ..engine import timers
    from ..extensions import login_manager
    from . import sessions, two_factor

    two_factor.check_settings(app.config)
    login_manager.user_loader(sessions.load_user)
    app.before_request(sessions.check_session)
    app.before_request(two_factor.require_enrolment)
    timers.install_job("sessions timed out", sessions.end_expired)
