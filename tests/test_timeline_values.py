"""The case history's submitted data as people read it: the people who
signed by their names (not `party-12`), a session's time and a signing date
as the pages write dates (not ISO text), a community, a grid or a street by
their names (not their ids); on the mediator's case page and the supervisor's
case view alike, without a statement per entry."""
import re
from datetime import date, datetime

import pytest

from app import clock, engine
from app.audit.chain import record
from app.disputes.models import Dispute, Party
from app.disputes.rules import signer_choices
from app.extensions import db
from app.labels import field_value, names_for, readable
from app.auth.models import User
from tests import factories as f
from tests.factories import login
from tests.test_statement_budgets import statements_of

NOW = datetime(2026, 12, 8, 2, 0)
HELD = "2026-12-07T06:50:00+08:00"  # as the session form records it: local time with its offset


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(NOW)
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        d = Dispute(tracking_code=f.new_tracking_code(), channel="photo", dispute_type="neighbour",
                    street_id=street.id, community_id=c1.id, grid_id=grids[0].id, facts="楼道堆物",
                    created_by_id=mediator.id, created_at=NOW)
        d.parties.append(Party(role="applicant", name="王秀兰", phone="13812345678"))
        d.parties.append(Party(role="respondent", name="李建军", phone="13912345678"))
        # A resident's report as registered: the community and grid by id.
        engine.create(d, mediator, {"channel": "photo", "community_id": c1.id, "grid_id": grids[0].id,
                                    "facts": "楼道堆物"}, now=NOW)
        f.walk(d, mediator, "accept", "assign", "start_mediation", now=NOW)
        record("dispute", d.id, "session_recorded", mediator, at=NOW, data={
            "session_id": 1, "held_at": HELD, "place": "调解室", "attendees": "双方", "record": "各自陈述"})
        engine.fire(d, "agree", mediator, **dict(form="written", terms="三日内清理", main_facts="楼道堆物",
                                                 matters="清理", responsibilities="李负责", perform_how="自行清理",
                                                 perform_where="楼道", perform_by=date(2026, 12, 31)), now=NOW)
        signers = [key for key, _name in signer_choices(d)]
        assert signers == [f"party-{d.parties[0].id}", f"party-{d.parties[1].id}", f"user-{mediator.id}"]
        engine.fire(d, "sign", mediator, signers=signers, signed_on=date(2026, 12, 8), now=NOW)
        w = type("World", (), dict(case=d.id, mediator=mediator.username, mediator_name=mediator.display_name,
                                   community=c1.name, grid=grids[0].name, street=street.name, signers=signers,
                                   sup=f.user("supervisor", street=street).username))
        db.session.remove()
        return w


def submitted(html: str) -> str:
    """The history's submitted data, as text."""
    history = html[html.index('id="timeline"'):]
    return re.sub(r"<[^>]+>", " ", history)


def check_history(text: str, world):
    assert "party-" not in text and "user-" not in text and "['" not in text
    assert "签名人：王秀兰、李建军、" + world.mediator_name in text
    assert "2026-12-07T06:50" not in text and "调解时间：2026/12/7 06:50" in text
    assert "签订日期：2026年12月8日" in text and "2026-12-08" not in text
    assert f"社区：{world.community}" in text and f"网格：{world.grid}" in text


def test_the_case_page_names_the_signers_and_formats_times_and_places(app, client, world):
    login(client, world.mediator)
    response = client.get(f"/cases/{world.case}")
    assert response.status_code == 200
    check_history(submitted(response.get_data(as_text=True)), world)
    # The entry's cached HTML is keyed by what it shows: a second rendering reads the same.
    check_history(submitted(client.get(f"/cases/{world.case}").get_data(as_text=True)), world)
    # The signers (the case's parties and its mediator, who acted), its community and grid are named from
    # what the page has read already: no statement of its own.
    statements = statements_of(app, client, f"/cases/{world.case}")
    assert not [s for s in statements if re.match(r"SELECT (parties|users|communities|grids)\.id, \1\.", s)]


def test_the_supervisors_case_view_shows_the_same(app, client, world):
    login(client, world.sup)
    response = client.get(f"/supervision/cases/{world.case}")
    assert response.status_code == 200
    check_history(submitted(response.get_data(as_text=True)), world)


def test_values_in_english_and_in_the_centres_time(app):
    with app.test_request_context():
        assert field_value("held_at", HELD, "en") == "Dec 7, 2026, 06:50"
        # A moment recorded without an offset is UTC, as stored: 22:50 UTC is 06:50 the next day in Shanghai.
        assert field_value("session_at", "2026-12-06T22:50:00", "zh_Hans_CN") == "2026/12/7 06:50"
        assert field_value("signed_on", "2026-12-08", "en") == "Dec 8, 2026"
        assert field_value("signed_on", "not a day", "en") == "not a day"
        # Names listed as the page's language lists them.
        names = {"party_id": {1: "Wang", 2: "Li"}, "user_id": {3: "Zhang"}}
        assert field_value("signers", ["party-1", "party-2", "user-3"], "en", names) == "Wang, Li, Zhang"
        assert field_value("signers", ["party-1", "party-2", "user-3"], "zh_Hans_CN", names) == "Wang、Li、Zhang"


def test_signers_are_named_in_one_statement_per_kind_of_row(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        m = f.user("mediator", community=c1)
        d = f.dispute(m, grids[0])
        keys = [f"party-{p.id}" for p in d.parties] + [f"user-{m.id}", "mediator"]
        names = names_for([{"signers": keys[:-1]}, {"signers": keys[:1]}])
        shown = readable({"signers": keys[:-1]}, "zh_Hans_CN", names)
        assert shown["signers"] == "、".join([p.name for p in d.parties] + [db.session.get(User, m.id).display_name])
        # A key naming no known kind of row stays as it was recorded (the list joined as a list reads, not its repr).
        assert readable({"signers": keys}, "zh_Hans_CN", names)["signers"] == "、".join(keys)
        # A department's street (referrals) by its name.
        place = {"street_id": street.id, "community_id": c1.id}
        assert readable(place, "zh_Hans_CN", names_for([place])) == {"street_id": street.name,
                                                                     "community_id": c1.name}
