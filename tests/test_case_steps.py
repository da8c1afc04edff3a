"""The case page's steps as a mediator meets them (walk-mediator findings 1, 3, 4, 7, 8): an agreement's
performance deadline checked against its own day; the agreement's and the signing's checks shown under
their fields, every one at once; what recording the agreement withdraws, listed on its form; a step a
check refuses for a reason the mediator can act on, listed with the reason and what blocks it; a closure
that says it waits for the supervisor's sign-off, on the page and in "my cases"."""
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, engine
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from app.followups.models import FollowUp
from app.opinions.models import LegalOpinion
from app.opinions.steps import ask
from tests import factories as f
from tests import factories_opinions as fo
from tests import factories_referrals as fref
from tests import factories_supervision as fs
from tests.factories import assert_sent_back, csrf, login

NOW = datetime(2026, 12, 8, 2, 0)  # 10:00 on 8 December 2026 in Shanghai
TODAY = date(2026, 12, 8)
WRITTEN = {"form": "written", "terms": "十日内赔偿两千元", "main_facts": "楼上漏水", "matters": "维修费用",
           "responsibilities": "楼上负责", "perform_how": "现金", "perform_where": "社区调解室"}


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(NOW)
        street, (c1, _c2), grids = f.org()
        m = f.user("mediator", community=c1)
        d = f.walk(f.dispute(m, grids[0]), m, "accept", "assign", "start_mediation")
        w = dict(mediator=m.username, case=d.id, street_id=street.id, grid_id=grids[0].id, mediator_id=m.id,
                 supervisor=f.user("supervisor", street=street).username)
        return type("World", (), w)


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})


def post_step(client, case_id, trigger, **fields):
    page = client.get(f"/cases/{case_id}?step={trigger}").get_data(as_text=True)
    version = re.search(rf'name="{trigger}-version" type="hidden" value="(\d+)"', page).group(1)
    data = {f"{trigger}-csrf_token": csrf(page), f"{trigger}-version": version}
    data.update({f"{trigger}-{name}": value for name, value in fields.items()})
    return client.post(f"/cases/{case_id}/fire/{trigger}", data=data)


def errors_of(html, field_id):
    return re.findall(rf'id="{field_id}-error\d+">([^<]*)<', html)


def state_and_followups(app, case_id):
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        return d.state, db.session.execute(select(FollowUp).where(FollowUp.dispute_id == case_id)).scalars().all()


# ---- 1: the performance deadline ------------------------------------------------------------------------

@pytest.mark.parametrize("perform_by, words", [
    ("2020-01-01", "cannot be before the agreement is reached"),
    ("2025-12-31", "cannot be before the agreement is reached"),
    ((TODAY - timedelta(days=1)).isoformat(), "cannot be before the agreement is reached"),
    ("2030-01-01", "more than 3 years after the agreement"),
])
def test_a_deadline_before_the_agreement_or_years_ahead_is_refused_under_its_field(app, client, world, perform_by,
                                                                                     words):
    login(client, world.mediator)
    english(client)
    response = post_step(client, world.case, "agree", perform_by=perform_by, **WRITTEN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = errors_of(html, "agree-perform_by")
    assert words in error and "check the year" in error
    assert_sent_back(html, "agree-perform_by", "act-agree")
    state, followups = state_and_followups(app, world.case)
    assert state == "mediating" and followups == []


def test_a_deadline_from_today_to_three_years_is_recorded_and_followed_up_on_its_day(app, client, world):
    login(client, world.mediator)
    for_today = post_step(client, world.case, "agree", perform_by=TODAY.isoformat(), **WRITTEN)
    assert for_today.status_code == 302
    state, followups = state_and_followups(app, world.case)
    assert state == "agreed"
    assert {(fu.kind, clock.local_date(fu.planned_for)) for fu in followups} >= {("perform_by", TODAY)}


def test_the_last_day_three_years_ahead_is_accepted(app, client, world):
    login(client, world.mediator)
    assert post_step(client, world.case, "agree", perform_by="2029-12-08", **WRITTEN).status_code == 302


def test_the_step_weighs_the_deadline_against_its_own_day_whoever_fires_it(app, world):
    """Not only the web form: the step itself refuses (the field named), and nothing of it is kept; a step
    recorded for an earlier day is weighed against that day."""
    with app.app_context():
        m = fs.user_named(world.mediator)
        d = db.session.get(Dispute, world.case)
        data = {**WRITTEN, "perform_by": TODAY - timedelta(days=1)}
        with pytest.raises(engine.GuardFailed) as refused:
            engine.fire(d, "agree", m, now=NOW, **data)
        assert refused.value.field == "perform_by"
        d = db.session.get(Dispute, world.case)
        assert d.state == "mediating" and d.perform_by is None
        assert db.session.execute(select(FollowUp).where(FollowUp.dispute_id == d.id)).first() is None
        assert db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id,
            AuditEvent.trigger == "agree")).first() is None
        earlier = NOW - timedelta(days=20)
        engine.fire(d, "agree", m, now=earlier, **{**WRITTEN, "perform_by": TODAY - timedelta(days=5)})
        assert d.state == "agreed" and d.perform_by == TODAY - timedelta(days=5)


# ---- 7: every problem at once, under its field -----------------------------------------------------------

def test_a_written_agreement_lacking_its_contents_marks_every_field_at_once(app, client, world):
    login(client, world.mediator)
    english(client)
    response = post_step(client, world.case, "agree", form="written", terms="十日内赔偿", agreed_amount="-5")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("main_facts", "matters", "responsibilities", "perform_how", "perform_where", "perform_by"):
        assert errors_of(html, f"agree-{name}") == ["A written agreement must state this (People's Mediation Law "
                                                     "art. 29)."], name
        assert re.search(rf'<(?:input|textarea)[^>]*class="[^"]*is-invalid[^"]*"[^>]*name="agree-{name}"', html)
    assert errors_of(html, "agree-agreed_amount") == ["The amount cannot be negative."]
    # And at the form's top, each problem linked to its field.
    summary = html[html.index('id="agree-problems"'):]
    summary = summary[:summary.index("</ul>")]
    assert re.findall(r'<a href="#agree-(\w+)">', summary) == ["main_facts", "matters", "responsibilities",
                                                               "perform_how", "perform_where", "perform_by",
                                                               "agreed_amount"]
    assert_sent_back(html, "agree-main_facts", "act-agree")
    assert "A written agreement needs the facts" not in html  # no banner a round later: it is all said here
    assert state_and_followups(app, world.case)[0] == "mediating"


def test_an_oral_agreement_needs_only_its_terms(app, client, world):
    login(client, world.mediator)
    assert post_step(client, world.case, "agree", form="oral", terms="当面道歉").status_code == 302
    assert state_and_followups(app, world.case)[0] == "agreed"


def test_the_written_agreements_fields_say_they_are_required_once_written_is_chosen(app, client, world):
    login(client, world.mediator)
    english(client)
    html = client.get(f"/cases/{world.case}?step=agree").get_data(as_text=True)
    assert html.count('data-required-when="agree-form=written"') == 6
    assert html.count("Required for a written agreement.") == 6
    sent_back = post_step(client, world.case, "agree", form="written", terms="x").get_data(as_text=True)
    # Sent back with "written" chosen: marked required without a script too.
    assert len(re.findall(r'<div class="mb-2 field-required">', sent_back)) == 6


def test_the_signings_date_and_signers_are_both_marked_at_once(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        m = fs.user_named(world.mediator)
        engine.fire(d, "agree", m, now=NOW, perform_by=TODAY + timedelta(days=10), **WRITTEN)
        first_party = d.parties[0].id
    login(client, world.mediator)
    english(client)
    response = post_step(client, world.case, "sign", signed_on=(TODAY + timedelta(days=30)).isoformat(),
                         signers=[f"party-{first_party}"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert errors_of(html, "sign-signed_on") == ["The signing date cannot be in the future."]
    [signers] = errors_of(html, "sign-signers")
    assert "did not" in signers
    assert_sent_back(html, "sign-signed_on", "act-sign")
    with app.app_context():
        assert db.session.get(Dispute, world.case).signed_on is None


# ---- 3: what the agreement withdraws ---------------------------------------------------------------------

def test_the_agreement_form_lists_the_lawyers_requests_it_withdraws(app, client):
    with app.app_context():
        _coordinator, people, mediator, _other, d = fo.world(lawyers=2)
        f.walk(d, mediator, "start_mediation")
        lawyer, _user = people[0]
        opinion = ask(d, lawyer, mediator, question="赡养费按子女人数平均分担是否合法？")
        case_id, opinion_id, lawyer_name, username = d.id, opinion.id, lawyer.name, mediator.username
    login(client, username)
    english(client)
    form = client.get(f"/cases/{case_id}/steps/agree").get_data(as_text=True)
    listed = form[form.index('id="withdrawn-by-step"'):]
    assert lawyer_name in listed and f"/opinions/{opinion_id}" in listed and "asked" in listed
    # A step that keeps the case open for lawyers lists nothing.
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    extend = re.search(r'data-fetch-form="([^"]*/steps/extend[^"]*)"', page)
    if extend:
        assert 'id="withdrawn-by-step"' not in client.get(extend.group(1).replace("&amp;", "&")).get_data(
            as_text=True)
    # The rule stays: recording the agreement withdraws the request (the mediator was told on the form).
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        engine.fire(d, "agree", fs.user_named(username), form="oral", terms="当面道歉")
        assert db.session.get(LegalOpinion, opinion_id).state == "withdrawn"
        assert 'id="withdrawn-by-step"' not in client.get(f"/cases/{case_id}?step=sign").get_data(as_text=True)


def test_a_case_without_open_requests_shows_no_list_on_the_agreement_form(app, client, world):
    login(client, world.mediator)
    assert 'id="withdrawn-by-step"' not in client.get(f"/cases/{world.case}/steps/agree").get_data(as_text=True)


# ---- 4: a step refused for a reason the mediator can act on ------------------------------------------------

def fulfilled_with_a_referral(app, world):
    with app.app_context():
        m = fs.user_named(world.mediator)
        d = db.session.get(Dispute, world.case)
        dept = fref.department("行政执法")
        referral = fref.referral(d, dept, m)
        f.walk(d, m, "agree", "start_performance", "fulfil")
        return referral.id


def test_a_fulfilled_case_with_an_open_referral_lists_closing_as_refused_with_the_referral(app, client, world):
    referral_id = fulfilled_with_a_referral(app, world)
    login(client, world.mediator)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "What you can do now" in page
    refused = page[page.index('id="refused-steps"'):page.index('id="timeline"')]
    assert 'data-refused-step="close"' in refused and "not available yet" in refused
    assert "行政执法" in refused and "before closing the case" in refused
    assert f'href="/referrals/{referral_id}"' in refused
    assert 'data-fetch-form="/cases/%d/steps/close' % world.case not in page  # not offered as a step


def test_once_the_referral_is_withdrawn_closing_is_offered_again(app, client, world):
    referral_id = fulfilled_with_a_referral(app, world)
    with app.app_context():
        from app.referrals.models import Referral
        engine.fire(db.session.get(Referral, referral_id), "withdraw", fs.user_named(world.mediator), "不再需要")
    login(client, world.mediator)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="refused-steps"' not in page and "/steps/close" in page


def test_a_refused_step_is_not_listed_for_a_reason_the_user_cannot_act_on(app, client, world):
    """An agreed case: the court's ruling, mediating again after a rejection... are refused by checks the
    mediator cannot act on now; they stay out of the list, as before."""
    with app.app_context():
        f.walk(db.session.get(Dispute, world.case), fs.user_named(world.mediator), "agree")
    login(client, world.mediator)
    assert 'id="refused-steps"' not in client.get(f"/cases/{world.case}").get_data(as_text=True)


# ---- 8: the closure awaits the supervisor's sign-off --------------------------------------------------------

def test_closing_says_it_awaits_sign_off_on_the_page_and_in_my_cases(app, client, world):
    with app.app_context():
        f.walk(db.session.get(Dispute, world.case), fs.user_named(world.mediator), "agree", "start_performance",
               "fulfil")
    login(client, world.mediator)
    english(client)
    response = post_step(client, world.case, "close", summary="已履行完毕")
    assert response.status_code == 302
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "waits for the sign-off of a supervisor of the street" in page
    line = re.search(r'<p[^>]*id="closure-review" data-state="(\w+)">(.*?)</p>', page, re.S)
    assert line.group(1) == "awaiting" and "Closure review" in line.group(2) and "submitted on" in line.group(2)
    mine = client.get("/cases/mine").get_data(as_text=True)
    group = mine[mine.index('id="awaiting-sign-off"'):]
    assert f'href="/cases/{world.case}"' in group
    assert f'href="/cases/{world.case}"' not in mine[:mine.index('id="awaiting-sign-off"')]
    with app.app_context():
        fs.sign_off(db.session.get(Dispute, world.case), fs.user_named(world.supervisor))
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert re.search(r'id="closure-review" data-state="signed_off"', page)


def test_an_open_case_has_no_closure_review_line(app, client, world):
    login(client, world.mediator)
    assert 'id="closure-review"' not in client.get(f"/cases/{world.case}").get_data(as_text=True)


def test_a_report_without_a_party_lists_accepting_as_refused_with_the_way_to_add_one(app, client, world):
    with app.app_context():
        m = fs.user_named(world.mediator)
        d = f.dispute(m, fs.grid(world.grid_id), parties=0)
        case_id = d.id
    login(client, world.mediator)
    english(client)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    refused = page[page.index('id="refused-steps"'):page.index('id="timeline"')]
    assert 'data-refused-step="accept"' in refused and "Register at least one party" in refused
    assert f'href="/cases/{case_id}/parties/new"' in refused
