"""The language of the current request, with the default outside one."""
from flask_babel import get_locale

DEFAULT_LOCALE = "zh_Hans_CN"


def current_locale() -> str:
    try:
        return str(get_locale() or DEFAULT_LOCALE)
    except RuntimeError:  # no application context (e.g. a bare script)
        return DEFAULT_LOCALE
