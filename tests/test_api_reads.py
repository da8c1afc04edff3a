"""The read APIs: the published Saturday rota (rota:read) and the monthly
statistics of the client's community (stats:read), the same figures as the
statistics page."""
from datetime import datetime

import pytest

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


def test_a_rate_none_of_whose_cases_has_concluded_is_null_not_0(app, client, ctx):
    """Two cases awaiting acceptance (待受理): no rate has a concluded case to count, so each is null (the
    page's "—"), as the OpenAPI document says it may be; once one is resolved on the spot and another accepted
    and mediated to an agreement, DOMAIN.md's figures: 调解成功率 1 ÷ 1, 现场化解率 1 ÷ 3, 化解率 2 ÷ 3."""
    clock.set_now(datetime(2026, 3, 10, 2))
    _street, communities, grids = f.org()
    mediator = f.user("mediator", community=communities[0])
    waiting = [f.dispute(mediator, grids[0]) for _ in range(2)]
    token = cli_client(app, "street-office", "stats:read", community=communities[0].id)

    def figures():
        answer = client.get("/api/v1/stats?month=2026-03", headers=bearer(token))
        assert answer.status_code == 200, answer.json
        return answer.json

    rates = ("success_rate", "on_spot_rate", "resolution_rate")
    got = figures()
    assert got["totals"]["registered"] == 2 and [got["totals"][r] for r in rates] == [None, None, None]
    assert [got["by_type"][0][r] for r in rates] == [None, None, None]
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["CountsOut"]["properties"]
    for rate in rates:
        assert schema[rate]["type"] == ["number", "null"] and "null" in schema[rate]["description"]
    f.walk(f.dispute(mediator, grids[0]), mediator, "resolve_on_spot")
    f.walk(waiting[0], mediator, "accept", "assign", "start_mediation", "agree")
    totals = figures()["totals"]
    assert (totals["registered"], totals["accepted"], totals["agreements"], totals["on_spot"]) == (3, 1, 1, 1)
    assert totals["success_rate"] == 1.0
    assert totals["on_spot_rate"] == pytest.approx(1 / 3) and totals["resolution_rate"] == pytest.approx(2 / 3)
