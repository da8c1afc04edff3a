"""The Simplified Chinese catalog is complete, keeps every placeholder, and
is up to date with the strings in the source (app/ and workflows/)."""
import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# The same keywords as scripts/update-translations gives `pybabel extract`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "_lp": ((1, "c"), 2), "NC_": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _read(path):
    with open(path, "rb") as f:
        return read_po(f)


def _ids(message):
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_there_is_a_simplified_chinese_catalog():
    assert TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po" in CATALOGS


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalog = _read(path)
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    untranslated = [m.id for m in catalog if m.id and not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {path.parts[-3]}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path.parts[-3]}: {fuzzy}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_translations_keep_every_placeholder(path):
    wrong = []
    for m in _read(path):
        if not m.id:
            continue
        wanted = sorted(PLACEHOLDER.findall(_ids(m)[0]))
        for string in _strings(m):
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                wrong.append((m.id, string))
            # Templates %-format every message, so a lone % would break the page.
            elif "%" in PLACEHOLDER.sub("", string).replace("%%", ""):
                wrong.append((m.id, string))
    assert not wrong, f"placeholders differ from the msgid: {wrong}"


def _source_messages():
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def test_extraction_only_covers_app_and_workflows():
    places = {where.split("/")[0] for where in _source_messages().values()}
    assert places <= {"app", "workflows"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_catalog_is_up_to_date_with_the_source(path):
    catalog = _read(path)
    missing = [
        f"{where}: {msgid!r}"
        for (msgid, context), where in sorted(_source_messages().items(), key=lambda item: item[1])
        if catalog.get(msgid, context=context) is None
    ]
    assert not missing, (
        "strings missing from the catalog; run pybabel extract and update (see babel.cfg), "
        "then translate them:\n" + "\n".join(missing)
    )


def test_gettext_is_imported_only_under_names_the_extraction_knows():
    """`pybabel extract` finds _(), gettext(), ngettext()... and the names it
    is told (_l, _lp); a string passed to any other name (say lazy_gettext
    itself) is missed."""
    unknown = []
    for path in [*(ROOT / "app").rglob("*.py"), *(ROOT / "workflows").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                unknown += [f"{path.relative_to(ROOT)}: {a.name} as {a.asname or a.name}" for a in node.names
                            if a.name.endswith("gettext") and (a.asname or a.name) not in KEYWORDS]
    assert not unknown, f"gettext bound to a name pybabel is not told about (-k): {unknown}"


def test_chinese_is_the_default_and_english_falls_back_to_the_source():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.test_request_context():
        assert gettext("Log in") == "登录"
        assert gettext("Done: %(action)s.", action="受理") == "已完成：受理。"
        with force_locale("en"):
            assert gettext("Log in") == "Log in"


def test_templates_date_filters_say_what_flask_babel_says_in_each_language():
    """Templates' datetimeformat and dateformat remember what they said (app/i18n.py): the same words as
    Flask-Babel's, in the page's language, for moments, days and explicit patterns; "now" is never kept."""
    import flask_babel
    from datetime import date, datetime
    from flask import render_template_string

    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    moment, day = datetime(2026, 3, 8, 16, 30), date(2026, 3, 9)  # 00:30 on 9 March in Shanghai
    template = ("{{ m|datetimeformat('short') }}|{{ m|dateformat('medium') }}|{{ d|dateformat('full') }}|"
                "{{ d|dateformat('yyyy-MM') }}")
    for _round in (1, 2):  # the second round is said from memory
        for language in ("zh_Hans_CN", "en"):
            with app.test_request_context(), force_locale(language):
                shown = render_template_string(template, m=moment, d=day)
                expected = "|".join([flask_babel.format_datetime(moment, "short"),
                                     flask_babel.format_date(moment, "medium"), flask_babel.format_date(day, "full"),
                                     flask_babel.format_date(day, "yyyy-MM")])
            assert shown == expected
    assert "2026/3/9" in shown or "3/9/26" in shown  # the last round was English: the Shanghai day, not UTC's
