"""Volunteer lawyers' Saturday rota: rooms, fair duty plans, swaps, check-in,
consultations and calendar feeds.

A domain package: it imports the layers below it and disputes (a consultation may
become a case through the intake service); nothing below imports it, supervision
reads it."""


def init_app(app) -> None:
    """Hand the duty and swap hooks to the engine (the step's own changes
    first, then who is told of them: an accepted swap's notice names its
    taker), put a duty's swaps on its timeline and duties on the today page,
    tell the coordinators of the duties on a holiday the admin enters, and
    decline the swaps asked of a lawyer whose login is deactivated or who is
    taken off the roster (and tell the coordinators of their duties)."""
    from ..auth.accounts import install_deactivation_listener
    from ..confirm import install_step_subject
    from ..timeline import install_related
    from ..today import install_provider
    from ..workdays import install_holiday_listener
    from . import leaving, notices, rules, swaps, today_items
    from .admin import install_on_leaving

    rules.hooks.install()
    notices.hooks.install()
    notices.install()
    install_related("lawyer_duty", rules.swaps_on_duty)
    install_provider("duty", today_items.duty_items)
    install_holiday_listener(notices.duties_on_new_holidays)
    install_deactivation_listener(swaps.decline_for_deactivated)
    install_on_leaving(leaving.on_roster_leaving)
    install_step_subject("lawyer_duty", _duty_asked_about)
    install_step_subject("duty_swap", _swap_asked_about)


def _duty_asked_about(duty) -> str:
    """A duty as a dangerous step's question names it: its day and its lawyer."""
    from flask_babel import gettext as _

    from ..dates import day_text

    if _is_own(duty):  # the lawyer's own step (finish the duty): "your", not their name as a stranger's
        return _("your duty on %(day)s", day=day_text(duty.day))
    return _("the duty of %(lawyer)s on %(day)s", lawyer=duty.lawyer.name, day=day_text(duty.day))


def _swap_asked_about(swap) -> str:
    """A swap as a dangerous step's question names it: by the duty it would hand over."""
    from flask_babel import gettext as _

    from ..dates import day_text

    if _is_own(swap.duty):  # the requester withdrawing it
        return _("your swap request for the duty on %(day)s", day=day_text(swap.duty.day))
    return _("the swap of the duty of %(lawyer)s on %(day)s", lawyer=swap.duty.lawyer.name,
             day=day_text(swap.duty.day))


def _is_own(duty) -> bool:
    """Whether the signed-in user is the duty's lawyer."""
    from flask_login import current_user

    from .roster import lawyer_of

    me = lawyer_of(current_user) if current_user and current_user.is_authenticated else None
    return me is not None and me.id == duty.lawyer_id
