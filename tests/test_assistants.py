"""Grid assistants (role `assistant`) report a dispute of their own grid and
see what they reported, and nothing else: no case pages, no lists, no other
grid."""
import re

import pytest
from sqlalchemy import select

from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        assistant = f.user("assistant", grid=grids[0])
        mediator = f.user("mediator", community=c1)
        others = f.dispute(mediator, grids[0])
        w = dict(assistant=assistant.username, assistant_id=assistant.id, grid=grids[0].id, other_grid=grids[1].id,
                 others=others.id)
        db.session.remove()
    return type("World", (), w)


def report(client, **changes):
    page = client.get("/cases/report").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf(page), "submission_token": token, "channel": "assistant",
            "dispute_type": "neighbour", "facts": "楼道堆物引发邻里争吵。", "applicant_name": "王某", "risk": "low"}
    data.update(changes)
    return client.post("/cases/report", data=data)


def test_an_assistant_reports_for_their_grid_and_sees_only_what_they_reported(client, app, world):
    login(client, world.assistant)
    assert client.get("/").headers["Location"].endswith("/cases/reported")
    done = report(client, grid_id=world.grid)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    with app.app_context():
        mine = db.session.execute(select(Dispute).where(Dispute.created_by_id == world.assistant_id)).scalar_one()
        assert (mine.channel, mine.grid_id, mine.state) == ("assistant", world.grid, "submitted")
        mine_id = mine.id
    listing = client.get("/cases/reported").get_data(as_text=True)
    assert f'data-case="{mine_id}"' in listing and f'data-case="{world.others}"' not in listing
    # No case page, no case list, not even of their own report; no referrals.
    assert client.get(f"/cases/{mine_id}").status_code == 403
    assert client.get(f"/cases/{world.others}").status_code == 403
    assert client.get("/cases/").status_code == 403
    assert client.get("/referrals/").status_code == 403


def test_another_grid_is_refused_and_nothing_written(client, app, world):
    login(client, world.assistant)
    refused = report(client, grid_id=world.other_grid)
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.execute(select(Dispute).where(Dispute.created_by_id == world.assistant_id)).first() is None


def test_the_assistant_s_button_says_report_upwards_not_mediation_report(client, world):
    login(client, world.assistant)
    page = client.get("/cases/report").get_data(as_text=True)
    button = re.search(r'<button[^>]*id="report">([^<]*)</button>', page).group(1)
    assert button == "上报"
