"""Accounts: users and their roles and places, login with throttling and
device cookies, a second factor (TOTP and recovery codes), server-side
sessions, the account page, passwords, deny-by-default access
(`require_login`, `roles_required`) and the users CLI.

A shared service: imports the foundation, the audit core, the engine and
app.org; never a domain package."""


def init_app(app) -> None:
    """Bind the sessions to Flask-Login and to the request cycle, have the
    timer runner end timed-out sessions, and tell the engine how to name a
    user (it knows no account model). Call it before any other
    before_request hook that reads `current_user` (the login check), so that a
    timed-out session is ended and audited before anything refuses it; then
    a user who must set up a second factor is kept to that."""
    from ..engine import timers
    from ..engine.core import install_name_lookup
    from ..extensions import login_manager
    from . import sessions, two_factor
    from .models import display_name

    two_factor.check_settings(app.config)
    install_name_lookup(display_name)
    login_manager.user_loader(sessions.load_user)
    app.before_request(sessions.check_session)
    app.before_request(two_factor.require_enrolment)
    timers.install_job("sessions timed out", sessions.end_expired)
