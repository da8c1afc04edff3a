"""How people read days and moments: one convention for every page,
notification, history line and printed case file, in Chinese (the default
language) and in English.

    what                          Chinese                 English
    a moment (lists, histories)   2026/12/7 09:32         Dec 7, 2026, 09:32
    a day                         2026年12月7日           Dec 7, 2026
    a day and its weekday         2026年12月7日星期一     Monday, December 7, 2026
    a month                       2026年12月              Dec 2026
    a deadline                    2026/12/11 17:00        Dec 11, 2026, 17:00
      one at local midnight       2026/12/11 24:00        end of Dec 11, 2026
    a deadline in a line of text  截止 2026/12/11 24:00   due end of Dec 11, 2026
    a day gone by                 今天 / 昨天 / 3天前     today / yesterday / 3 days ago

A moment is said in the centre's time (`clock.zone`). English names the
month and counts hours to 24: CLDR's short style ("12/7/26, 9:38 AM") reads
as July 12 to most of the world. A deadline at local midnight is the end of
the day before (`clock.last_day`: a legal period's last day), never the next
day's 00:00. After its own label ("办理期限", "Please answer by") a deadline
stands alone (`deadline_text`); anywhere else it is said with 截止 / "due"
(`due_text`), the same words on the case lists, the today page and the
follow-ups. A weekday is given where it matters (a rota's Saturdays, the
today page's heading): the templates' `dateformat('full')`.

Machine formats are not made here and stay ISO 8601: URLs, form inputs, the
API, CSV and XLSX cells, file names and the values the audit log records.

Templates use the filters (`init_app`): `datetimeformat`, `dateformat`,
`monthformat`, `deadlineformat` and `daysformat` (a list of days) without a
format say the convention;
`datetimeformat` and `dateformat` with an explicit Babel format say what
Flask-Babel says. Python code calls the functions, which take the
request's language unless told another (a notification's reader, a case
file printed in Chinese).

Foundation layer: imports Babel, Flask-Babel, the clock and app.i18n only.
"""
from datetime import date, datetime
from typing import Callable

from babel.dates import format_date as babel_date, format_datetime as babel_datetime
from flask_babel import format_date, format_datetime
from jinja2 import pass_context

from . import clock
from .i18n import NC_, N_, catalogue, current_locale, page_locale, translate

# Babel patterns by language; another language takes CLDR's medium style.
MOMENT = {"zh": "y/M/d HH:mm", "en": "MMM d, y, HH:mm"}
DEADLINE_DAY = {"zh": "y/M/d", "en": "MMM d, y"}  # the day of a deadline that ends with it
MONTH = {"zh": "y年M月", "en": "MMM y"}

# The end of a whole day, as a deadline: 24:00 in Chinese usage.
DAY_END = N_("end of %(day)s")
# A deadline not after its own label.
DUE = N_("due %(deadline)s")
# Between the days of a list ("2026年12月26日、2027年2月20日"): the history's separator.
LIST_SEPARATOR = NC_("list separator", ", ")
TODAY = N_("today")
YESTERDAY = N_("yesterday")


def _language(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0]


def _pattern(patterns: dict, locale: str, default: str = "medium") -> str:
    return patterns.get(_language(locale), default)


def moment_text(value: datetime | None, locale: str | None = None) -> str:
    """A stored (naive UTC) moment in the centre's time: "2026/12/7 09:32"."""
    if value is None:
        return ""
    locale = locale or current_locale()
    return babel_datetime(value, _pattern(MOMENT, locale), tzinfo=clock.zone(), locale=locale)


def day_text(value: date | datetime | None, locale: str | None = None) -> str:
    """A day ("2026年12月7日", "Dec 7, 2026"); a stored moment's local day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local_date(value)
    return babel_date(value, "medium", locale=locale or current_locale())


def days_text(days, locale: str | None = None) -> str:
    """Several days, each as `day_text`, in a list ("2026年12月26日、2027年2月20日")."""
    locale = locale or current_locale()
    return translate(LIST_SEPARATOR, locale).join(day_text(day, locale) for day in days)


def month_text(value: date | str | None, locale: str | None = None) -> str:
    """A month ("2026年12月", "Dec 2026"): a day in it, or its key "2026-12"."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(f"{value}-01")
    locale = locale or current_locale()
    return babel_date(value, _pattern(MONTH, locale, "MMM y"), locale=locale)


def deadline_text(value: datetime | None, locale: str | None = None) -> str:
    """A stored deadline: at local midnight the end of the day before
    ("2026/12/11 24:00", "end of Dec 11, 2026"), any other as its moment."""
    if value is None:
        return ""
    locale = locale or current_locale()
    if not clock.ends_a_day(value):
        return moment_text(value, locale)
    day = babel_date(clock.last_day(value), _pattern(DEADLINE_DAY, locale), locale=locale)
    return catalogue(locale).gettext(DAY_END) % {"day": day}


def due_text(value: datetime | None, locale: str | None = None) -> str:
    """A deadline in a line of text, without a label of its own: "截止 2026/12/11 24:00"."""
    if value is None:
        return ""
    locale = locale or current_locale()
    return catalogue(locale).gettext(DUE) % {"deadline": deadline_text(value, locale)}


def days_ago_text(days: int | None, locale: str | None = None) -> str:
    """How long ago a day was, counted in the centre's days: 今天, 昨天, 3天前."""
    if days is None:
        return ""
    words = catalogue(locale or current_locale())
    if days <= 0:
        return words.gettext(TODAY)
    if days == 1:
        return words.gettext(YESTERDAY)
    return words.ngettext("%(num)d day ago", "%(num)d days ago", days) % {"num": days}


DATES_KEPT = 8192


def _remembered(convention: Callable, babel: Callable | None) -> Callable:
    """A template filter: without a format, `convention` in the page's
    language; with one, Flask-Babel's `babel` (None is then "now", as
    Flask-Babel says it; `deadlineformat` takes no format). Remembered per
    value, format and language: a list page formats a date or two per row,
    and each costs a look-up of the language and the zone. At most
    DATES_KEPT texts are kept (the zone is the app's: each app builds its
    own filters)."""
    said: dict[tuple, str] = {}

    @pass_context
    def say(context, value=None, format=None, rebase=True):
        if format is None:
            if value is None:  # never "now": an empty field says nothing
                return ""
        elif value is None or not rebase:  # "now", or a value taken as already local
            return babel(value, format, rebase)
        locale = page_locale(context)
        key = (value, format, locale)
        text = said.get(key)
        if text is None:
            # An explicit format is said in Flask-Babel's language: kept only if it is the page's.
            text = convention(value, locale) if format is None else babel(value, format)
            if format is not None and locale != current_locale():
                return text
            if len(said) >= DATES_KEPT:
                said.clear()  # rarely reached: one worker's pages show a few thousand moments
            said[key] = text
        return text

    return say


def _in_page_language(function: Callable) -> Callable:
    @pass_context
    def say(context, value):
        return function(value, page_locale(context))

    return say


def init_app(app) -> None:
    """The templates' date filters, `due_text` and `days_ago` (after i18n.init_app)."""
    app.jinja_env.filters.update(
        datetimeformat=_remembered(moment_text, format_datetime), dateformat=_remembered(day_text, format_date),
        deadlineformat=_remembered(deadline_text, None), monthformat=_in_page_language(month_text),
        daysformat=_in_page_language(days_text))
    app.jinja_env.globals.update(due_text=_in_page_language(due_text), days_ago=_in_page_language(days_ago_text))
