"""A coordinator takes the month's rota away (issue 16, item 9): CSV, XLSX
and a print view for the notice board; each file is an audit event; no phone
numbers; lawyers may not export."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.auth.models import User
from app.rota import planning
from app.rota.admin import add_holiday
from app.rota.models import Duty
from tests import factories_rota as fr
from tests.factories import login

MONTH = f"{fr.FIRST_SATURDAY:%Y-%m}"


@pytest.fixture
def world(app):
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=3, seats=1)
        planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=3), coordinator)
        planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=3), coordinator)
        duties = [(d.day.isoformat(), d.lawyer.name) for d in db.session.execute(
            select(Duty).where(Duty.day <= fr.FIRST_SATURDAY + timedelta(days=27)).order_by(Duty.day)).scalars()]
        w = type("World", (), dict(coordinator=coordinator.username, lawyer=people[0][1].username, duties=duties))
        db.session.remove()
    return w


def exports(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "export")).scalars().all()


def test_csv_xlsx_and_print_of_a_month(client, app, world):
    login(client, world.coordinator)
    csv = client.get(f"/rota/month/export.csv?m={MONTH}")
    assert csv.status_code == 200 and csv.headers["Content-Disposition"].endswith(f'rota-{MONTH}.csv"')
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    text = csv.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "日期,工作室,席位,时间,律师,律师事务所,状态"
    for day, name in world.duties:
        assert f"{day}," in text and name in text
    assert "139" not in text  # the lawyers' phones stay out
    xlsx = client.get(f"/rota/month/export.xlsx?m={MONTH}")
    assert xlsx.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.values)
    assert rows[0][0] == "日期" and len(rows) - 1 == len(text.splitlines()) - 1
    printed = client.get(f"/rota/month/print?m={MONTH}").get_data(as_text=True)
    assert 'id="print-rota"' in printed and all(name in printed for _day, name in world.duties)
    assert [e.actor_role for e in exports(app)] == ["coordinator", "coordinator"]  # the files, not the print view


def test_only_coordinators_and_the_admin_export(client, app, world):
    login(client, world.lawyer)
    assert client.get(f"/rota/month/export.csv?m={MONTH}").status_code == 403
    assert client.get(f"/rota/month/print?m={MONTH}").status_code == 403
    assert exports(app) == []
    coordinator = app.test_client()
    login(coordinator, world.coordinator)
    assert coordinator.get("/rota/month/export.pdf").status_code == 404


def test_a_closed_saturday_is_a_state_not_a_room_and_prints_unbroken(client, app, world):
    closed = fr.FIRST_SATURDAY + timedelta(weeks=1)
    with app.app_context():
        # As the coordinator adds it: the day's duties are cancelled (a holiday whose duties stay lists them).
        coordinator = db.session.execute(select(User).where(User.username == world.coordinator)).scalar_one()
        add_holiday("工作室消防安全检修", closed, closed, coordinator)
    login(client, world.coordinator)
    lines = client.get(f"/rota/month/export.csv?m={MONTH}").get_data().decode("utf-8-sig").splitlines()
    assert f"{closed.isoformat()},,,,,,不坐班：工作室消防安全检修" in lines
    printed = client.get(f"/rota/month/print?m={MONTH}").get_data(as_text=True)
    row = printed[printed.index(f'data-day="{closed.isoformat()}"'):]
    assert "不坐班：工作室消防安全检修" in row[:row.index("</tr>")]
    # The wall sheet keeps each date, time and name on one line.
    seat = printed[printed.index(f'data-day="{fr.FIRST_SATURDAY.isoformat()}"'):]
    assert seat[:seat.index("</tr>")].count('class="text-nowrap"') == 3


@pytest.mark.parametrize("path", ["/rota/month/export.csv", "/rota/month/export.xlsx", "/rota/month/print"])
def test_a_mistyped_month_is_said_not_swapped_for_this_month(client, app, world, path):
    login(client, world.coordinator)
    response = client.get(f"{path}?m=2027-13")
    assert response.status_code == 302 and "/rota/month?m=2027-13" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2027-13" in page and "不是有效的月份" in page
    assert exports(app) == []  # no file, so no export recorded
