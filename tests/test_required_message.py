"""One wording for a required field left empty: the app's "此项为必填项。"
("This field is required."), whether a form's DataRequired/InputRequired
gave no message of its own (WTForms' default, which WTForms' own catalogue
words "该字段是必填字段。") or a step's check said it (engine/core.py). The
same for a choice not offered. See app/i18n.py, wtforms_catalogue."""
import re

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectFieldBase

from app.i18n import DEFAULT_LOCALE, catalogue
from tests import factories as f
from tests.factories import csrf, login

REQUIRED = "此项为必填项。"
# WTForms' own Chinese for the messages the app words itself.
THEIR_WORDS = ("该字段是必填字段。", "不是有效的选择。")


def test_the_apps_catalogue_words_both_messages():
    ours = catalogue(DEFAULT_LOCALE)
    assert ours.gettext("This field is required.") == REQUIRED
    assert ours.gettext("Not a valid choice.") not in THEIR_WORDS


def test_a_party_without_a_name_is_told_in_the_apps_words(app, client):
    """The party form's name has a bare DataRequired(): WTForms' default message."""
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        case_id, username = f.dispute(mediator, grids[0]).id, mediator.username
    login(client, username)
    page = client.get(f"/cases/{case_id}/parties/new").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    answer = client.post(f"/cases/{case_id}/parties/new", data={
        "csrf_token": csrf(page), "version": version, "role": "respondent", "kind": "person", "name": "",
        "id_type": "robot"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert re.search(rf'name="name"[^>]*>\s*<div class="invalid-feedback" id="name-error1">{REQUIRED}</div>', html)
    assert "不是有效的选项。" in html  # the ID type not offered
    assert not any(words in html for words in THEIR_WORDS)


def app_forms() -> list[type]:
    """Every form class of the application (those built on the fly by a step
    included, once built)."""
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("app."):
            found.append(cls)
    return found


def test_every_form_sent_empty_says_required_in_the_apps_words(app):
    forms = app_forms()
    assert len(forms) > 40
    said = []
    # A page's request (in the default language) runs the hooks that hand Flask-WTF its catalogue.
    with app.test_request_context("/login"):
        app.preprocess_request()
        for cls in forms:
            form = cls(formdata=MultiDict(), meta={"csrf": False})
            for field in form:
                if isinstance(field, SelectFieldBase) and field.choices is None:
                    field.choices = []  # set by the view; none offered here
            form.validate()
            errors = [str(e) for field in form for e in field.errors if isinstance(e, str)]
            assert not any(words in e for e in errors for words in THEIR_WORDS), (cls, errors)
            said.extend(errors)
    assert said.count(REQUIRED) > 20
