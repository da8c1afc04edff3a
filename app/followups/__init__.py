"""Follow-up visits (回访) after an agreement, and screening sweeps (排查)."""


def init_app(app) -> None:
    """Hand the follow-up and sweep workflows' guards and effects to the
    engine, and put a case's follow-ups on its timeline."""
    from ..timeline import install_related
    from . import rules

    rules.hooks.install()
    install_related("dispute", rules.followups_of_case)
