"""Defects found by a second reading of follow-ups and supervision."""
import pytest

from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        w.case_a = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1)).id
        db.session.remove()
        return w


@pytest.mark.parametrize("events", ["-5", "1e3", "١٢"])
def test_a_digest_with_a_negative_or_odd_count_is_not_a_digest(client, world, events):
    login(client, world.sup_a)
    r = client.get("/audit/verify", query_string={"digest": f"audit-digest events={events} head=" + "a" * 64})
    assert r.status_code == 422


def test_the_case_files_retention_counts_from_the_local_year_of_closing(app):
    """A case closed at 01:00 on 1 January in Shanghai (17:00 UTC on
    31 December) was closed in the new year: its retention runs from it."""
    from datetime import datetime

    from app.supervision import casefile

    with app.test_request_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        d = fs.closed_case(m, fs.grid(w.grid_a1), now=datetime(2026, 12, 31, 10, 0),
                           steps_at=[datetime(2026, 12, 31, 16, 0 + i) for i in range(len(fs.AGREEMENT_PATH))])
        assert d.closed_at == datetime(2026, 12, 31, 16, 6)  # 2027-01-01 00:06 in Shanghai
        cover = dict(casefile.build(d).parts[0].lines)
        years = app.config["RETENTION_YEARS"]
        assert str(2027 + years) in cover[casefile._("Retention period")]


def test_statistics_up_to_an_earlier_years_month_cover_that_year(app, client, world):
    """Only "to month" given, in an earlier year: the period is that year up
    to that month, not a reversed range that silently counts nothing."""
    from datetime import datetime

    from app.supervision.forms import StatsFilterForm

    with app.test_request_context("/supervision/stats?month_to=2025-03"):
        form = StatsFilterForm(formdata=__import__("flask").request.args)
        form.validate()
        from datetime import date

        assert form.period(date(2026, 11, 27)) == (date(2025, 1, 1), date(2025, 3, 31))
    with app.app_context():
        f.dispute(fs.user_named(world.m_a1), fs.grid(world.grid_a1), now=datetime(2025, 2, 10, 3, 0))
        db.session.remove()
    login(client, world.sup_a)
    text = client.get("/supervision/stats/export.csv?month_to=2025-03").data.decode("utf-8-sig")
    assert "2025-01-01" in text and "2025-03-31" in text
    assert "2025-02,1," in text


def test_an_xlsx_export_with_control_characters_in_a_summary(app, client):
    """A vertical tab or an escape pasted into a closing summary: openpyxl
    refuses such text, and the export was a 500. They are left out, and a
    formula behind one is still kept as text."""
    import io

    from openpyxl import load_workbook

    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        first = fs.closed_case(m, fs.grid(w.grid_a1))
        first.summary = "双方\x0b和解\x1b完毕"
        second = fs.closed_case(m, fs.grid(w.grid_a1))
        second.summary = "\x0b=HYPERLINK(\"http://example.invalid\")"
        db.session.commit()
        db.session.remove()
    login(client, w.sup_a)
    response = client.get("/supervision/closures/export.xlsx")
    assert response.status_code == 200
    cells = [row[-1] for row in load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(min_row=2)]
    # The formula bared by the removed character is typed as text (XLSX needs no apostrophe for that).
    assert {c.value for c in cells} == {"双方和解完毕", "=HYPERLINK(\"http://example.invalid\")"}
    assert {c.data_type for c in cells} == {"s"}


@pytest.mark.parametrize("wanted", ["9" * 25, "-3", "0", "abc"])
def test_the_sweep_form_named_by_a_huge_or_odd_id(client, world, wanted):
    """`/sweeps/record?sweep=<id>` with an id beyond any row's was a 500
    (SQLite: int too large): the form opens without the named sweep."""
    login(client, world.sup_a)
    assert client.get(f"/sweeps/record?sweep={wanted}").status_code == 200


def test_a_review_form_from_before_a_return_and_a_new_closure_is_refused(app, client):
    """A supervisor's page shows round 1 awaiting; meanwhile another
    supervisor returns the case and the mediator closes it again (round 2,
    again version 1). The old page's "sign off" must not sign off the new
    closure, which its author never read."""
    import re

    from app.supervision.models import SignOff
    from tests.factories import csrf

    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        case_id = fs.closed_case(m, fs.grid(w.grid_a1)).id
        from app.org.models import Street

        other_id = f.user("supervisor", street=db.session.get(Street, w.street_a)).id
        db.session.remove()
    login(client, w.sup_a)
    page = client.get(f"/supervision/cases/{case_id}").get_data(as_text=True)
    with app.app_context():
        from app.disputes.models import Dispute

        d = db.session.get(Dispute, case_id)
        from app.auth.models import User

        fs.return_case(d, db.session.get(User, other_id))
        f.walk(d, fs.user_named(w.m_a1), "fulfil" if d.state == "performing" else "fail", "close")
        db.session.remove()
    data = {name: value for name, value in re.findall(r'name="(sign_off-[\w]+)" type="hidden" value="([^"]*)"', page)}
    data["sign_off-csrf_token"] = csrf(page)
    data["sign_off-comment"] = ""
    response = client.post(f"/supervision/cases/{case_id}/review/sign_off", data=data)
    assert response.status_code == 409
    with app.app_context():
        rounds = db.session.execute(
            __import__("sqlalchemy").select(SignOff).where(SignOff.dispute_id == case_id).order_by(SignOff.round)
        ).scalars().all()
        assert [r.state for r in rounds] == ["returned", "awaiting"]
