"""A readable name for a browser from its User-Agent header, such as
"Chrome on Android", for the list of an account's sessions. Good enough to
tell one's own devices apart; it decides nothing."""
from flask_babel import gettext as _, lazy_gettext as _l

# First match wins: most browsers also name the engines and browsers they are
# built on (Edge says Chrome and Safari, Chrome says Safari, WeChat says all).
BROWSERS = (
    ("MicroMessenger/", _l("WeChat")),
    ("DingTalk/", _l("DingTalk")),
    ("MQQBrowser/", _l("QQ Browser")),
    ("QQBrowser/", _l("QQ Browser")),
    ("UCBrowser/", _l("UC Browser")),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("HeadlessChrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"),
    ("OpenHarmony", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _first(table, user_agent: str):
    return next((str(name) for marker, name in table if marker in user_agent), None)


def describe(user_agent: str | None) -> str:
    user_agent = user_agent or ""
    browser, system = _first(BROWSERS, user_agent), _first(SYSTEMS, user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")
