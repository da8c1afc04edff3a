"""Reminding the admins to enter a year's holiday notice before the year
begins, when the `chinesecalendar` package does not know it (app/workdays.py).

Until the State Council's notice for a year is known, the year's legal
periods count weekends only (a period ending on its New Year's Day or in its
Spring Festival would end a day or a week early) and the rota sees no
festival in it. From CALENDAR_NOTICE_WARN_DAYS before such a year begins,
and for as long as one of the notice's festivals is not entered
(`workdays.notice_gaps`), every admin has an item on the today page naming
those still to enter and, once per year, a notification (the tick's job,
below); the holidays page says the same.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _, pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock, workdays
from ..i18n import current_locale
from ..audit.chain import lock_chain
from ..auth.models import User
from ..extensions import db
from ..notifications.models import Notification
from ..notifications.service import install_link, message, notify
from ..today import TodayItem

KIND = "holiday_notice"
ENTITY = "calendar_year"
REMINDER_JOB = "holiday notice reminders sent"
MESSAGE = _l("The State Council's holiday notice for %(year)s is not entered: legal periods ending in %(year)s count "
             "weekends only, and the rota sees none of its festivals. Enter it on the holidays page once it is "
             "published.")


def gaps_to_enter(today: date) -> dict[int, list[str]]:
    """The years, from today's to the one the warning reaches, whose notice
    is neither the package's nor entered by hand in full, with the festivals
    still to enter."""
    ahead = today + timedelta(days=int(current_app.config["CALENDAR_NOTICE_WARN_DAYS"]))
    return workdays.notice_gaps(today, ahead)


def years_to_enter(today: date) -> list[int]:
    return list(gaps_to_enter(today))


def still_to_enter(missing: list[str]) -> str:
    """What a year's warning adds when part of its notice is entered."""
    if len(missing) == len(workdays.NOTICE_FESTIVALS):
        return ""
    return _("Entered in part: still to enter %(festivals)s.", festivals=pgettext("list separator", ", ").join(
        workdays.festival_label(f, current_locale()) for f in missing))


def today_items(user, now: datetime, until: datetime) -> list[TodayItem]:
    """An admin's item for each such year: open from the warning's first day,
    due when the year begins (overdue after)."""
    if user.role != "admin":
        return []
    today = clock.local_date(now)
    warn = timedelta(days=int(current_app.config["CALENDAR_NOTICE_WARN_DAYS"]))
    items = []
    for year, missing in gaps_to_enter(today).items():
        begins = clock.day_start(date(year, 1, 1))
        items.append(TodayItem(
            kind=KIND, title=_("Enter the holiday notice for %(year)s", year=year), due_at=begins,
            colour="red" if now >= begins else "yellow", url=url_for("main.calendar_page"),
            detail=still_to_enter(missing) or _("The chinesecalendar package does not know %(year)s: its legal "
                                                "periods count weekends only.", year=year),
            open_since=clock.day_start(date(year, 1, 1) - warn)))
    return items


def remind_admins(now=None) -> int:
    """Notify every active admin, once per year, of each year to enter;
    returns how many notifications were added."""
    now = now or clock.now()
    years = years_to_enter(clock.local_date(now))
    if not years:
        return 0
    if not _untold(years):
        return 0  # the usual tick of the reminder's weeks: everyone told, no lock taken
    # Timer runners on several hosts tick at once: the chain lock makes the check and the notifications
    # one runner's at a time (SQLite's writers queue anyway).
    lock_chain(db.session)
    untold = _untold(years)
    for admin, year in untold:
        notify(admin, KIND, entity_type=ENTITY, entity_id=year, data={"year": year}, now=now)
    db.session.commit()
    return len(untold)


def _untold(years: list[int]) -> list[tuple[int, int]]:
    """(admin, year) for each active admin not yet notified of each year."""
    admins = db.session.execute(select(User.id).where(User.role == "admin", User.active.is_(True))
                                .order_by(User.id)).scalars().all()
    told = {tuple(row) for row in db.session.execute(select(Notification.user_id, Notification.entity_id).where(
        Notification.kind == KIND, Notification.entity_type == ENTITY, Notification.entity_id.in_(years)))}
    return [(admin, year) for year in years for admin in admins if (admin, year) not in told]


def calendar_page_link(_year: int) -> str:
    return url_for("main.calendar_page")


def install() -> None:
    from ..engine.timers import install_job
    from ..today import install_provider

    message(KIND, MESSAGE)
    install_link(ENTITY, calendar_page_link)
    install_provider(KIND, today_items)
    install_job(REMINDER_JOB, remind_admins)
