"""The landing page: sends each user to their own work (my cases, the elder's
invitations, my duties, the rota, the closure history).

A shared service: it imports workflows/ and app.auth; never a domain."""


def init_app(app) -> None:
    """The admins' reminder to enter a year's holiday notice: its today item,
    its notification and the tick's job that sends it (holiday_notice.py)."""
    from . import holiday_notice

    holiday_notice.install()
