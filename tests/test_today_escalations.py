"""A supervisor's "today" page puts what needs acting on now first: in the
overdue section the late referrals, then the escalated follow-ups, then the
overdue cases, and only after them the rest, the review queue last as one
line; however long ago the reviews fell due (a walk found a year of
"审核案件#2的结案" above the late referrals, six screens down)."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from app import clock
from app.engine.timers import tick
from app.extensions import db
from app.supervision.models import SignOff
from tests import factories as f
from tests import factories_followups as ff
from tests import factories_referrals as fr
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_statement_budgets import counted

SENT = datetime(2026, 3, 2, 2, 0)     # 10:00 on Monday 2 March, Shanghai
NOW = datetime(2026, 3, 15, 2, 0)     # the follow-up planned a week after the agreement is escalated
YEAR_AGO = NOW - timedelta(days=365)


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=street)
        agreed = ff.agreed_case(mediator, grids[0], SENT)
        market = fr.department("市场监管", ack_hours=24, answer_days=7)
        referred = f.walk(f.dispute(mediator, grids[0], now=SENT), mediator, "accept", now=SENT)
        referral = fr.referral(referred, market, mediator, now=SENT)
        late_case = f.dispute(mediator, grids[1], now=SENT)  # never accepted: red a day later
        reviews = []
        for _ in range(3):
            review = fs.review_of(fs.closed_case(mediator, grids[1], fs.ON_SPOT_PATH, now=SENT))
            reviews.append(review.id)
        # A year of reviews waiting: due long before anything else on the page.
        db.session.execute(update(SignOff).where(SignOff.id.in_(reviews)).values(
            due_at=YEAR_AGO, warn_at=YEAR_AGO - timedelta(days=1)))
        db.session.commit()
        tick(now=NOW)  # the referral's acknowledgement and the follow-up's visit run late
        followup = next(x for x in ff.followups_of(agreed.id) if x.kind == "after_agreement")
        w = dict(sup=supervisor.username, mediator=mediator.username, referral=referral.id,
                 followup=followup.id, late_case=late_case.id, referred=referred.id, reviews=len(reviews),
                 department=market.id)
        assert followup.state == "escalated"
        db.session.remove()
    clock.set_now(NOW)
    yield type("World", (), w)
    clock.set_now(None)


def overdue_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'id="today-overdue-items">(.*?)</div>\s*</section>', html, re.S).group(1)
    return re.findall(r'<a class="list-group-item[^"]*" href="([^"]+)"\s+data-kind="([^"]+)"', block)


def test_the_overdue_section_leads_with_late_referrals_then_follow_ups_then_cases(client, world):
    login(client, world.sup)
    html = client.get("/today").get_data(as_text=True)
    links = overdue_links(html)
    kinds = [kind for _url, kind in links]
    escalations = [k for k in kinds if k in ("referral", "followup", "overdue_case")]
    assert kinds[:len(escalations)] == escalations  # escalations first, whatever their due times
    assert links[0] == (f"/referrals/{world.referral}", "referral")
    assert links[1] == (f"/followups/{world.followup}", "followup")
    assert {url for url, kind in links if kind == "overdue_case"} >= {f"/cases/{world.late_case}"}
    assert kinds.index("followup") < kinds.index("overdue_case")
    # The year-old reviews: one line, last, counting them, leading to the bulk sign-off.
    assert links[-1] == ("/supervision/closures/sign-off", "signoff")
    assert kinds.count("signoff") == 1
    badge = int(re.search(r'id="today-overdue".*?<span class="badge[^"]*">(\d+)</span>', html, re.S).group(1))
    assert badge == len(links) - 1 + world.reviews  # the section's count still takes in every review


def test_a_liaison_s_referrals_are_not_marked_as_escalations(app, world):
    """The ranks are a supervisor's order: the other roles' pages keep their own (by due time)."""
    from app.auth.models import User
    from app.referrals.today import referrals_due
    from app.followups.today import followups_due

    with app.test_request_context():
        mediator = db.session.query(User).filter_by(username=world.mediator).one()
        assert all(item.escalation == 0 for item in followups_due(mediator, NOW, NOW + timedelta(days=7)))
        liaison = fr.liaison(db.session.get(fr.Department, world.department))
        assert [item.escalation for item in referrals_due(liaison, NOW, NOW + timedelta(days=7))] == [0]


def test_the_supervisor_s_page_sends_as_many_statements_whatever_the_number_of_rows(app, world, monkeypatch):
    """No statement per row: more reviews and more late cases cost nothing more, and the review
    queue, folded, is one statement (its count by section), as its list was."""
    from app import today as registry

    client = app.test_client()
    login(client, world.sup)

    def statements():
        client.get("/today")  # warm
        with counted(app) as sent:
            assert client.get("/today").status_code == 200
        return len(sent)

    before = statements()
    with app.app_context():
        mediator = fs.user_named(world.mediator)
        for _ in range(3):
            f.dispute(mediator, mediator.community.grids[0], now=SENT)
            fs.closed_case(mediator, mediator.community.grids[0], fs.ON_SPOT_PATH, now=SENT)
        db.session.remove()
    assert statements() == before
    monkeypatch.delitem(registry.PROVIDERS, "signoff")
    assert statements() == before - 1
