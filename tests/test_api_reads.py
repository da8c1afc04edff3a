"""The read APIs: the published Saturday rota (rota:read) and the monthly
statistics of the client's community (stats:read), the same figures as the
statistics page."""
from datetime import datetime

from sqlalchemy import select

from app import clock, engine
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty
from app.supervision import stats
from app.supervision.scope import Place, Scope
from tests import factories as f
from tests import factories_rota as fr
from tests.factories_api import bearer, cli_client


def test_the_published_rota_names_lawyer_and_firm_and_leaves_planned_duties_out(app, client, ctx):
    coordinator, room, _people = fr.rota_world(lawyers=2, seats=2)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    first, second = db.session.execute(select(Duty).order_by(Duty.seat)).scalars().all()
    engine.fire(first, "publish", coordinator)
    token = cli_client(app, "city-portal", "rota:read")
    answer = client.get(f"/api/v1/rota?month={fr.FIRST_SATURDAY:%Y-%m}", headers=bearer(token))
    assert answer.status_code == 200
    day = next(d for d in answer.json["days"] if d["date"] == fr.FIRST_SATURDAY.isoformat())
    seats = {s["seat"]: s for s in day["seats"]}
    assert seats[1]["lawyer"] == first.lawyer.name and seats[1]["firm"] == first.lawyer.firm
    assert seats[2]["lawyer"] is None  # planned, not published
    assert "139" not in answer.get_data(as_text=True)  # no phones
    assert client.get("/api/v1/rota?month=2027-13", headers=bearer(token)).status_code == 422


def test_the_statistics_of_the_client_s_community_are_the_page_s_figures(app, client, ctx):
    clock.set_now(datetime(2026, 3, 10, 2))
    street, communities, grids = f.org()
    here, there = f.user("mediator", community=communities[0]), f.user("mediator", community=communities[1])
    for mediator, grid in ((here, grids[0]), (here, grids[1]), (there, grids[2])):  # two here, one there
        f.walk(f.dispute(mediator, grid), mediator, "accept")
    token = cli_client(app, "street-office", "stats:read", community=communities[0].id)
    answer = client.get("/api/v1/stats?month=2026-03", headers=bearer(token))
    assert answer.status_code == 200, answer.json
    supervisor = f.user("supervisor", street=street)
    page = stats.dashboard(Scope(supervisor), Place(community_id=communities[0].id),
                           datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date(), clock.now())
    assert answer.json["totals"]["registered"] == page.totals.registered == 2
    assert answer.json["totals"]["accepted"] == page.totals.accepted == 2
    assert [t["code"] for t in answer.json["by_type"]] == ["neighbour"]
    assert answer.json["by_type"][0]["label"]["en"] == "Neighbours"


def test_statistics_need_a_place_and_the_scope(app, client, ctx):
    no_place = cli_client(app, "nowhere", "stats:read")
    assert client.get("/api/v1/stats", headers=bearer(no_place)).status_code == 403
    rota_only = cli_client(app, "portal", "rota:read")
    assert client.get("/api/v1/stats", headers=bearer(rota_only)).status_code == 403
    assert client.get("/api/v1/rota", headers=bearer(no_place)).status_code == 403
