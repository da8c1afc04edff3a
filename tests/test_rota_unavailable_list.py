"""The roster entry's "unavailable dates": every bad entry is said at once,
each naming its date and why; 2027/1/9 and 2027年1月9日 are read as on the
admin's holiday notice. Nothing is written while any entry is wrong."""
from datetime import date

import pytest

from app.extensions import db
from app.rota.models import Lawyer, Unavailable
from tests import factories as f, factories_rota as fr


@pytest.fixture
def world(app):
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=1, seats=1)
        lawyer = people[0][0]
        lawyer.unavailable = [Unavailable(day=date(2027, 2, 20))]  # a past date recorded earlier may stay
        db.session.commit()
        ids = dict(coordinator=coordinator.username, lawyer=lawyer.id)
        db.session.remove()
    return ids


def save(app, username, lawyer_id, text, english=True):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    url = f"/rota/lawyers/{lawyer_id}"
    page = client.get(url).get_data(as_text=True)
    if english:
        client.post("/language/en", data={"csrf_token": f.csrf(page), "next": url})
        page = client.get(url).get_data(as_text=True)
    with app.app_context():
        lawyer = db.session.get(Lawyer, lawyer_id)
        form = {"name": lawyer.name, "firm": lawyer.firm, "practice_areas": "", "phone": "",
                "user_id": lawyer.user_id or 0, "active": "y", "unavailable": text, "version": lawyer.version}
    return client.post(url, data=dict(form, csrf_token=f.csrf(page)))


def days_of(app, lawyer_id):
    with app.app_context():
        return db.session.get(Lawyer, lawyer_id).unavailable_days


def test_every_bad_entry_is_named_at_once(app, world):
    answer = save(app, world["coordinator"], world["lawyer"],
                  "2027-03-13, 2027-03-14, 2025-05-03, 2028-12-30, 13/03/2027")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Mar 14, 2027 is not a Saturday" in html                  # the Sunday
    assert "May 3, 2025: This date is in the past." in html           # the past date, named
    assert "Dec 30, 2028: Dates can be marked up to a year ahead" in html  # beyond the year, named
    assert "“13/03/2027” is not a date" in html                       # the unreadable one
    assert days_of(app, world["lawyer"]) == {date(2027, 2, 20)}     # nothing written


def test_slashes_and_chinese_dates_are_read(app, world):
    answer = save(app, world["coordinator"], world["lawyer"], "2027-02-20，2027/3/13、2027年3月20日 2027.3.27")
    assert answer.status_code == 302
    assert days_of(app, world["lawyer"]) == {date(2027, 2, 20), date(2027, 3, 13), date(2027, 3, 20),
                                             date(2027, 3, 27)}


def test_no_such_day_is_refused(app, world):
    assert save(app, world["coordinator"], world["lawyer"], "2027/2/30").status_code == 422
    assert days_of(app, world["lawyer"]) == {date(2027, 2, 20)}
