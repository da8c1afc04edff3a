"""Sign-off of closed cases: each closure opens a review; a supervisor of
the case's street signs it off (then the case may be archived) or returns it
with a comment (the case goes back into mediation); through the engine and
through the pages, with scope, roles, stale forms and bad input."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.supervision.models import SignOff
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        w.case = fs.closed_case(m, fs.grid(w.grid_a1)).id
        w.open_case = f.dispute(m, fs.grid(w.grid_a1)).id
        w.case_b = fs.closed_case(fs.user_named(w.m_b1), fs.grid(w.grid_b1), fs.ON_SPOT_PATH).id
        db.session.remove()
        return w


def reviews(case_id):
    return list(db.session.execute(select(SignOff).where(SignOff.dispute_id == case_id)
                                   .order_by(SignOff.round)).scalars())


def events_count():
    return db.session.execute(select(func.count(AuditEvent.id))).scalar()


def review_page(client, case_id):
    response = client.get(f"/supervision/cases/{case_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_review(client, case_id, trigger, comment="", page=None, version=None):
    page = page or review_page(client, case_id)
    if version is None:
        version = re.search(rf'id="{trigger}-version" name="{trigger}-version" type="hidden" value="(\d+)"',
                            page).group(1)
    return client.post(f"/supervision/cases/{case_id}/review/{trigger}", data={
        f"{trigger}-csrf_token": csrf(page), f"{trigger}-version": version, f"{trigger}-comment": comment})


def test_closing_opens_a_review_with_the_summary_and_outcome(app, world):
    with app.app_context():
        (review,) = reviews(world.case)
        assert (review.state, review.round, review.outcome, review.summary) == ("awaiting", 1, "agreement", "已结案")
        assert review.street_id == world.street_a and review.due_at is not None
        (on_spot,) = reviews(world.case_b)
        assert on_spot.outcome == "on_spot"
        failed = fs.closed_case(fs.user_named(world.m_a1), fs.grid(world.grid_a1), fs.FAILED_PATH)
        assert reviews(failed.id)[0].outcome == "failed"
        assert verify() == []


def test_archiving_waits_for_the_sign_off(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        mediator = fs.user_named(world.m_a1)
        assert "archive" not in [t.trigger for t in engine.available(d, mediator)]
        before = events_count()
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="sign-off"):
            engine.fire(d, "archive", mediator)
        assert db.session.get(Dispute, world.case).state == "closed" and events_count() == before
        fs.sign_off(d, fs.user_named(world.sup_a), comment="材料齐全")
        review = reviews(world.case)[0]
        assert (review.state, review.comment, review.decided_by_id) == ("signed_off", "材料齐全", world.sup_a_id)
        assert "archive" in [t.trigger for t in engine.available(d, mediator)]
        f.walk(d, mediator, "archive")
        assert d.state == "archived" and verify() == []


def test_returning_reopens_the_case_and_a_new_closure_is_reviewed_again(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        comment = "请补充履行情况的证明材料后重新结案。"
        fs.return_case(d, fs.user_named(world.sup_a), comment)
        d = db.session.get(Dispute, world.case)
        assert d.state == "mediating" and d.closed_at is None and d.due_at is not None
        assert reviews(world.case)[0].state == "returned" and reviews(world.case)[0].comment == comment
        reopen = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id, AuditEvent.trigger == "reopen")
        ).scalar_one()
        assert (reopen.from_state, reopen.to_state, reopen.reason) == ("closed", "mediating", comment)
        assert reopen.actor_id == world.sup_a_id
        mediator = fs.user_named(world.m_a1)
        f.walk(d, mediator, "fail", "close")
        second = reviews(world.case)
        assert [(r.round, r.state, r.outcome) for r in second] == [(1, "returned", "agreement"),
                                                                   (2, "awaiting", "failed")]
        assert verify() == []


def test_reopen_cannot_be_fired_except_by_a_return(app, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        supervisor = fs.user_named(world.sup_a)
        assert engine.available(d, supervisor) == []  # neither reopen nor archive before the sign-off
        with pytest.raises(engine.GuardFailed):
            engine.fire(d, "reopen", supervisor, "想重开")
        assert db.session.get(Dispute, world.case).state == "closed"


def test_a_return_needs_a_comment_and_writes_nothing_without_one(app, client, world):
    login(client, world.sup_a)
    with app.app_context():
        before = events_count()
    response = post_review(client, world.case, "return_case", comment="   ")
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    with app.app_context():
        assert events_count() == before
        assert db.session.get(Dispute, world.case).state == "closed"
        assert reviews(world.case)[0].state == "awaiting"


def test_a_review_sent_back_leads_to_its_form(app, client, world):
    """A comment too long: the top message, linked to the review's form, the
    comment focused. None at all for a return: the top message says what is
    needed, and leads to the form the same way."""
    login(client, world.sup_a)
    response = post_review(client, world.case, "return_case", comment="长" * 2001)
    assert response.status_code == 422
    f.assert_sent_back(response.get_data(as_text=True), "return_case-comment", "review-return_case")
    response = post_review(client, world.case, "return_case", comment="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'role="alert">[^<]*\s*<a class="alert-link" href="#review-return_case">', html)
    assert re.search(r'<textarea[^>]*autofocus[^>]*class="form-control is-invalid"[^>]*name="return_case-comment"',
                     html)
    assert html.count("autofocus") == 1
    with app.app_context():
        assert reviews(world.case)[0].state == "awaiting"


def test_supervisor_signs_off_and_returns_through_the_page(app, client, world):
    login(client, world.sup_a)
    page = review_page(client, world.case)
    assert 'id="review-sign_off"' in page and 'id="review-return_case"' in page
    assert "已结案" in page  # the closing summary is shown
    response = post_review(client, world.case, "sign_off", comment="同意结案", page=page)
    assert response.status_code == 302
    page = review_page(client, world.case)
    assert 'id="review-actions"' not in page and 'data-review="signed_off"' in page
    # Signed off, the page says what comes next and leads to it: archiving, on the case's page.
    assert f'id="archive-link" href="/cases/{world.case}?step=archive#act-archive"' in page
    assert 'data-step="archive"' in client.get(f"/cases/{world.case}?step=archive").get_data(as_text=True)
    with app.app_context():
        second = fs.closed_case(fs.user_named(world.m_a1), fs.grid(world.grid_a1)).id
    response = post_review(client, second, "return_case", comment="协议履行证明缺失")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, second).state == "mediating"
    page = review_page(client, second)
    assert "协议履行证明缺失" in page and 'data-review="returned"' in page and 'id="archive-link"' not in page
    assert "退回重办" in page  # the timeline shows the review's step


def test_a_stale_review_form_is_refused(app, client, world):
    login(client, world.sup_a)
    page = review_page(client, world.case)
    with app.app_context():
        review = reviews(world.case)[0]
        version = review.version
        engine.edits.commit_change(review, fs.user_named(world.sup_a), "edit", lambda: None, {"changes": {}})
    response = post_review(client, world.case, "sign_off", page=page, version=str(version))
    assert response.status_code == 409
    with app.app_context():
        assert reviews(world.case)[0].state == "awaiting"


def test_a_decided_review_cannot_be_decided_again(app, client, world):
    login(client, world.sup_a)
    page = review_page(client, world.case)
    assert post_review(client, world.case, "sign_off", page=page).status_code == 302
    again = post_review(client, world.case, "return_case", comment="改主意了", page=page, version="1")
    assert again.status_code == 409
    with app.app_context():
        assert reviews(world.case)[0].state == "signed_off"
        assert db.session.get(Dispute, world.case).state == "closed"


@pytest.mark.parametrize("who,status", [("sup_b", 404), ("m_a1", 403), ("gw_a1", 403)])
def test_others_cannot_see_or_decide_the_review(app, client, world, who, status):
    login(client, getattr(world, who))
    assert client.get(f"/supervision/cases/{world.case}").status_code == status
    page = client.get("/cases/").get_data(as_text=True) if who != "sup_b" else client.get(
        "/supervision/closures").get_data(as_text=True)
    response = client.post(f"/supervision/cases/{world.case}/review/sign_off",
                           data={"sign_off-csrf_token": csrf(page), "sign_off-version": "1"})
    assert response.status_code == status
    with app.app_context():
        assert reviews(world.case)[0].state == "awaiting"


def test_the_city_supervisor_reviews_every_street_and_the_admin_only_reads(app, client, world):
    login(client, world.sup_city)
    assert post_review(client, world.case_b, "sign_off").status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client.get("/supervision/closures").get_data(as_text=True))})
    login(client, world.admin)
    page = review_page(client, world.case)
    assert 'id="review-actions"' not in page  # the workflow gives sign-off to supervisors only
    response = client.post(f"/supervision/cases/{world.case}/review/sign_off",
                           data={"sign_off-csrf_token": csrf(page), "sign_off-version": "1"})
    assert response.status_code == 403
    with app.app_context():
        assert reviews(world.case_b)[0].state == "signed_off" and reviews(world.case)[0].state == "awaiting"


def test_the_mediator_sees_the_return_on_the_case_page(app, client, world):
    with app.app_context():
        fs.return_case(db.session.get(Dispute, world.case), fs.user_named(world.sup_a), "补充回访记录")
    login(client, world.m_a1)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "补充回访记录" in timeline and "督导退回重办" in timeline and "结案审核" in timeline
    assert timeline.index("督导退回重办") < timeline.index("<strong>结案</strong>")  # newest first, in log order


def test_awaiting_reviews_are_on_the_supervisors_today_list(app, world):
    from datetime import timedelta

    from app import clock
    from app.today import items_for

    with app.test_request_context():
        now = clock.now()
        later = now + timedelta(days=8)  # past the week a review is given
        theirs = [i for i in items_for(fs.user_named(world.sup_a), now, later) if i.kind == "signoff"]
        # One line counting them, which leads to the page that signs several off (test_today_queue_rest.py).
        assert [(i.url, i.count) for i in theirs] == [("/supervision/closures/sign-off", 1)]
        assert [i.kind for i in items_for(fs.user_named(world.sup_b), now, later) if i.kind == "signoff"] == ["signoff"]
        assert sum(i.count for i in items_for(fs.user_named(world.sup_city), now, later) if i.kind == "signoff") == 2
        assert [i for i in items_for(fs.user_named(world.m_a1), now, later) if i.kind == "signoff"] == []
        assert [i for i in items_for(fs.user_named(world.sup_a), now, now) if i.kind == "signoff"] == []  # not due yet
