"""The resident's and the grid worker's forms on a phone: phone fields that
open the phone keypad, the thanks page's copy button, and a rate limit that
says when it works again. (The /track card's code, day and time limit:
test_public.py.)"""
import re

import pytest
from flask_wtf import FlaskForm

from app.disputes.forms import IntakeForm, PartyForm
from app.elders.forms import ElderForm, RelationForm
from app.public.forms import ReportForm
from app.rota.forms import ConvertForm, LawyerForm
from tests import factories as f
from tests.factories import csrf, login
from tests.test_public import english, report, tracking_code


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        w = dict(c1=c1.id, c1_name=c1.name, m1=m1.username, gw=f.user("gridworker", grid=grids[0]).username)
        return type("World", (), w)


def attributes(html: str, name: str) -> dict:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def test_the_residents_phone_opens_the_keypad_and_offers_their_number(client, world):
    page = client.get("/report").get_data(as_text=True)
    attrs = attributes(page, "phone")
    assert (attrs["type"], attrs["inputmode"], attrs["autocomplete"]) == ("tel", "tel", "tel")


def test_the_registration_phones_open_the_keypad(client, world):
    login(client, world.gw)
    page = client.get("/cases/new").get_data(as_text=True)
    for name in ("applicant_phone", "respondent_phone"):
        attrs = attributes(page, name)
        # Another person's number: the browser's autofill would offer the grid worker's own.
        assert (attrs["type"], attrs["inputmode"], attrs["autocomplete"]) == ("tel", "tel", "off")


@pytest.mark.parametrize("form_class, name", [
    (ReportForm, "phone"), (IntakeForm, "applicant_phone"), (IntakeForm, "respondent_phone"), (PartyForm, "phone"),
    (ElderForm, "phone"), (RelationForm, "phone"), (LawyerForm, "phone"), (ConvertForm, "applicant_phone"),
])
def test_every_phone_field_is_a_tel_field(app, form_class, name):
    with app.test_request_context():
        form: FlaskForm = form_class(meta={"csrf": False})
        html = str(form[name]())
    attrs = attributes(html, name)
    assert attrs["type"] == "tel" and attrs["inputmode"] == "tel" and attrs["autocomplete"] in ("tel", "off")


def test_a_phone_number_is_still_checked(client, world):
    english(client)
    response, _ = report(client, world, phone="1234567")
    assert response.status_code == 422
    assert "Enter a mobile number of 11 digits" in response.get_data(as_text=True)


def test_the_thanks_page_offers_to_copy_the_code(client, world):
    response, _ = report(client, world)
    page = response.get_data(as_text=True)
    code = tracking_code(response)
    button = re.search(r'<button[^>]*id="copy-code"[^>]*>', page).group(0)
    # Hidden until js/copy.js shows it: without a script the code stays selectable instead.
    assert 'data-copy-from="tracking-code"' in button and " hidden" in button
    assert '<script src="/static/js/copy.js"></script>' in page and code in page


def test_the_rate_limit_says_when_to_try_again(app, client, world):
    app.config["PUBLIC_REPORTS_PER_HOUR"] = 2
    english(client)
    for _ in range(2):
        report(client, world)
    response, data = report(client, world)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    minutes = int(re.search(r'id="report-wait">You can send it again in about (\d+) minutes?', page).group(1))
    assert 1 <= minutes <= 60
    assert data["description"] in page  # what was typed is kept


def test_the_track_limit_says_when_to_try_again(app, client, world):
    app.config["TRACK_LOOKUPS_PER_HOUR"] = 1
    english(client)
    page = client.get("/track").get_data(as_text=True)
    client.post("/track", data={"csrf_token": csrf(page), "code": "AAAAAAAAAA"})
    blocked = client.post("/track", data={"csrf_token": csrf(page), "code": "AAAAAAAAAA"})
    assert blocked.status_code == 429
    assert re.search(r'id="track-wait">You can check again in about \d+ minutes?', blocked.get_data(as_text=True))
