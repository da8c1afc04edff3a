"""Closing a case (结案) while some of its parts are still open: the closing
form lists them, each with its link, and says what closing does (it
withdraws and cancels nothing), so that the mediator closes knowingly;
closing is not refused for them."""
from datetime import timedelta

import pytest

from app import clock
from app.disputes.models import Dispute
from app.extensions import db
from app.followups import scheduling
from app.opinions.models import LegalOpinion
from tests import factories as f
from tests import factories_rota as fr
from tests import factories_supervision as fs
from tests.factories import login
from tests.test_disputes_web import action, case_page
from tests.test_opinions_web import english


@pytest.fixture
def world(app):
    from app.opinions.steps import act, ask

    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        d = f.dispute(m, fs.grid(w.grid_a1))
        f.walk(d, m, "accept", "assign", "start_mediation")
        lawyer, lawyer_user = fr.lawyer_with_login(name="赵律师", phone="13700000009")
        opinion = ask(d, lawyer, m, question="维修费用由谁承担？")
        act(opinion, "accept", lawyer_user)
        act(opinion, "answer", lawyer_user, opinion="楼上住户承担。", laws_cited="民法典第一千一百六十五条")
        f.walk(d, m, "agree", "start_performance", "fulfil")
        # A visit planned after the agreement was performed (fulfilling cancelled the earlier ones).
        followup = scheduling.plan(d, "extra", clock.local_date(clock.now()) + timedelta(days=7), m, clock.now())
        db.session.commit()
        w.case, w.opinion, w.followup = d.id, opinion.id, followup.id
        db.session.remove()
        return w


def test_the_closing_form_lists_what_is_still_open_and_what_closing_does(client, world):
    login(client, world.m_a1)
    english(client)
    page = case_page(client, world.case, step="close")
    ends = page[page.index('id="loose-ends"'):page.index('id="closing-effects"')]
    assert f'href="/opinions/{world.opinion}"' in ends and "赵律师" in ends and "Opinion given" in ends
    assert f'href="/followups/{world.followup}"' in ends and "Additional" in ends
    effects = page[page.index('id="closing-effects"'):]
    assert "withdraws and cancels nothing" in effects[:400]
    # The form fetched on its own (when the panel opens) says the same.
    with_version = client.get(f"/cases/{world.case}/steps/close").get_data(as_text=True)
    assert 'id="loose-ends"' in with_version and f"/opinions/{world.opinion}" in with_version


def test_closing_goes_through_and_leaves_them_open_as_the_form_said(app, client, world):
    login(client, world.m_a1)
    assert action(client, world.case, "close", summary="协议已履行完毕").status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "closed"
        assert db.session.get(LegalOpinion, world.opinion).state == "answered"
        assert [fu.id for fu in scheduling.open_followups(world.case)] == [world.followup]


def test_nothing_open_no_list_but_what_closing_does(app, client):
    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        d = f.dispute(m, fs.grid(w.grid_a1))
        f.walk(d, m, "accept", "assign", "start_mediation", "agree", "start_performance", "fulfil")
        case = d.id
        db.session.remove()
    login(client, w.m_a1)
    english(client)
    page = case_page(client, case, step="close")
    assert 'id="loose-ends"' not in page and 'id="closing-effects"' in page


def test_a_grid_worker_is_not_shown_the_legal_opinions(app, client, world):
    """The list leaves out what the reader may not read on the case page."""
    from flask_login import login_user

    from app.auth.models import User
    from app.disputes import loose_ends

    with app.test_request_context():
        d = db.session.get(Dispute, world.case)
        gw = db.session.get(User, world.users[world.gw_a1])
        login_user(gw)
        kinds = {e.url.split("/")[1] for e in loose_ends.of_case(d, gw)}
        assert "opinions" not in kinds and "followups" in kinds
        db.session.remove()
