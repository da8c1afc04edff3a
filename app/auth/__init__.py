"""Accounts: users and their roles and places, login with its throttling,
deny-by-default access (`require_login`, `roles_required`) and the users CLI.

A shared service: imports the foundation, the audit core, the engine and
app.org; never a domain package."""


def init_app(app) -> None:
    """Tell the engine how to name a user: it knows no account model."""
    from ..engine.core import install_name_lookup
    from .models import display_name

    install_name_lookup(display_name)
