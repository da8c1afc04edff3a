"""The language of the current request, and the one catalogue every label is
translated through.

UI strings use Flask-Babel's gettext as usual. Labels kept as data (states and
transitions in workflows/, code lists, field and role labels) are English
msgids marked with `N_` / `NC_` (workflows/i18n.py); `translate` looks them up
in the same catalogue, in their message context if they have one, either in
the request's language or in a language named by the caller (an agreement is
printed in Chinese whatever the page's language).

Templates' `_`, `ngettext` and `pgettext` and WTForms' own messages read the
same per-process catalogues (see `init_app`).

Foundation layer: imports Flask, Flask-Babel, Babel, WTForms' message folder and
workflows/ only. Days and moments are said by app.dates.
"""
import gettext
from functools import cache, partial
from pathlib import Path
from typing import Callable

from babel.support import NullTranslations, Translations
from flask import request
from flask_babel import get_locale
from jinja2 import pass_context
from wtforms.i18n import messages_path

from workflows.i18n import NC_, N_, Message  # noqa: F401  (the markers, for the app's own labels)

DEFAULT_LOCALE = "zh_Hans_CN"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def current_locale() -> str:
    try:
        return str(get_locale() or DEFAULT_LOCALE)
    except RuntimeError:  # no application context (e.g. a bare script)
        return DEFAULT_LOCALE


@cache
def catalogue(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue for `locale`; a bare language ("zh") takes the
    catalogue of that language. English is the source: no catalogue needed."""
    available = sorted(mo.parent.parent.name for mo in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo"))
    language = locale.replace("-", "_").split("_")[0]
    chosen = locale if locale in available else next((a for a in available if a.split("_")[0] == language), None)
    return Translations.load(str(TRANSLATIONS), [chosen]) if chosen else NullTranslations()


def translate(message: str, locale: str | None = None) -> str:
    """A marked label in `locale`, by default the current request's language."""
    if not message:  # the empty msgid would give the catalogue's header
        return ""
    found = catalogue(locale or current_locale())
    if isinstance(message, Message):
        return str(found.pgettext(message.context, message))
    return str(found.gettext(message))


def translator(locale: str | None = None) -> Callable[[str], str]:
    """`translate` bound to one language, for code that takes a function."""
    return partial(translate, locale=locale)


@cache
def wtforms_catalogue(locale: str) -> gettext.NullTranslations:
    """WTForms' own messages ("This field is required.") in `locale`. Where
    the app's catalogue translates the same English message, its words win:
    a required field left empty says "此项为必填项。" whether a form's
    DataRequired/InputRequired gave no message of its own or a step's check
    (engine/core.py) said it, never WTForms' "该字段是必填字段。" beside it."""
    theirs = Translations.load(messages_path(), [locale], domain="wtforms")
    ours = catalogue(locale)
    if isinstance(theirs, Translations) and isinstance(ours, gettext.GNUTranslations):
        theirs.merge(ours)  # only WTForms' own messages are ever looked up in it
    return theirs


def _wtforms_messages() -> None:
    """before_request: Flask-WTF loads WTForms' catalogue from disk for every
    request that builds a form unless the request already carries one
    (`request.wtforms_translations`): hand it the one this process keeps.
    Not for static files: the language is in the session, and reading it would
    mark every stylesheet `Vary: Cookie`."""
    if request.endpoint == "static":
        return
    request.wtforms_translations = wtforms_catalogue(current_locale())


# The request's language as the render of a page found it (a context processor
# puts it in the template's context): a case page translates about 80 strings,
# and looking the language up again for each (Flask-Babel's context, through
# `g`) cost more than the translating. A template rendered without the context
# processors (or a macro imported without context) looks it up.
_LOCALE_KEY = "_i18n_locale"


def page_locale(context) -> str:
    """The language of the page a template renders (for filters that take
    the context, app.dates)."""
    return context.get(_LOCALE_KEY) or current_locale()


def _page_locale() -> dict:
    return {_LOCALE_KEY: current_locale()}


def count_text(value) -> str:
    """A count as the statistics say it: digits grouped in threes
    ("886,491"; Chinese and English alike)."""
    return "—" if value is None else f"{value:,}"


def amount_text(value) -> str:
    """An amount of yuan, to the fen, its digits grouped ("1,234,567.50")."""
    return "—" if value is None else f"{value:,.2f}"


@pass_context
def _translate(context, message: str, locale: str | None = None) -> str:
    return translate(message, locale or page_locale(context))


@pass_context
def _gettext(context, message: str) -> str:
    return catalogue(page_locale(context)).gettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return catalogue(page_locale(context)).ngettext(singular, plural, n)


@pass_context
def _pgettext(context, msgctxt: str, message: str) -> str:
    return catalogue(page_locale(context)).pgettext(msgctxt, message)


@pass_context
def _npgettext(context, msgctxt: str, singular: str, plural: str, n: int) -> str:
    return catalogue(page_locale(context)).npgettext(msgctxt, singular, plural, n)


def init_app(app) -> None:
    """Templates show marked labels with {{ translate(state.label) }}.

    Templates' `_()` and its siblings read this module's catalogue of the
    request's language, instead of Flask-Babel's callables, which look up the
    Babel context, its domain and its translations on every call (a case page
    makes about 60 such calls): the same .mo file, the same result, less work.
    Call after `babel.init_app`, which installs its own."""
    app.jinja_env.globals["translate"] = _translate
    app.jinja_env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True,
                                            pgettext=_pgettext, npgettext=_npgettext)
    app.jinja_env.filters.update(countformat=count_text, amountformat=amount_text)  # dates: app.dates
    app.context_processor(_page_locale)
    app.before_request(_wtforms_messages)
