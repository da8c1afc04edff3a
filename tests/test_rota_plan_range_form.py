"""The plan page's range, given in its address (a link, bookmarked or edited
by hand): a day written 2027/1/9 or 2027年1月9日 is read; one that is no date
is named in its field's message (the browser's date input cannot show it
back), and nothing is drawn; the form keeps its fields side by side under an
error (aligned at the top, the button under a blank label)."""
import re

import pytest

from tests import factories as f, factories_rota as fr


@pytest.fixture
def client(app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
        name = coordinator.username
    client = app.test_client()
    assert f.login(client, name).status_code == 302
    page = client.get("/rota/board").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(page), "next": "/rota/plan"})
    return client


def range_form(html):
    return re.search(r'<form method="get" action="/rota/plan"[^>]*id="range-form">.*?</form>', html, re.S).group(0)


def test_a_day_that_is_no_date_is_named_and_nothing_is_drawn(client):
    answer = client.get("/rota/plan?first_day=2027-13-06&last_day=2027-02-30")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "“2027-13-06” is not a date: write it like 2027-01-09, 2027/1/9 or 2027年1月9日." in html
    assert "“2027-02-30” is not a date" in html
    assert "Not a valid date value" not in html
    assert 'id="rota-grid"' not in html and 'id="generate"' not in html


def test_a_day_written_the_chinese_way_is_read_and_shown_as_the_date_input_s(client):
    answer = client.get("/rota/plan?first_day=2027/3/6&last_day=2027年3月13日")
    assert answer.status_code == 200
    form = range_form(answer.get_data(as_text=True))
    assert 'value="2027-03-06"' in form and 'value="2027-03-13"' in form
    assert 'id="day-2027-03-13"' in answer.get_data(as_text=True)


def test_the_range_form_is_aligned_at_the_top_with_a_blank_label_over_its_button(client):
    html = client.get("/rota/plan?first_day=2027-03-06&last_day=2032-03-06").get_data(as_text=True)
    form = range_form(html)
    assert "align-items-start" in form and "align-items-end" not in form
    assert re.search(r'<span class="form-label[^"]*invisible" aria-hidden="true">&nbsp;</span><button', form)
