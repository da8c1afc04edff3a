"""Referrals through the web client: a mediator refers from the case page,
a liaison sees only their department's referrals (404 otherwise, and
nothing under /cases), and every refusal is answered with a message, the
right status and nothing written."""
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.org.models import Grid
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf, login
from tests.factories_supervision import FAILED_PATH

NOW = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        market = fr.department("市场监管")
        env = fr.department("环保")
        foreign = fr.department("行政执法", street=f.org()[0])
        case = f.dispute(mediator, grids[0], now=NOW)
        ours = fr.referral(case, market, mediator, now=NOW)
        theirs = fr.referral(case, env, mediator, now=NOW)
        w = dict(mediator=mediator.username, case=case.id, market=market.id, env=env.id, foreign=foreign.id,
                 ours=ours.id, theirs=theirs.id, liaison=fr.liaison(market).username,
                 other_liaison=fr.liaison(env).username,
                 outsider=f.user("mediator", community=c2).username)
        db.session.remove()
    clock.set_now(NOW)
    yield type("World", (), w)
    clock.set_now(None)


def as_user(client, username):
    login(client, username)
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    return client


def step(client, referral_id, trigger, **data):
    page = client.get(f"/referrals/{referral_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/referrals/{referral_id}/{trigger}",
                       data={"csrf_token": csrf(page), "version": version, **data})


def events(app):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.entity_type.in_(("referral", "dispute")))).scalar()


def test_a_liaison_sees_only_their_departments_referrals(client, world):
    as_user(client, world.liaison)
    assert client.get("/").headers["Location"].endswith("/referrals/")
    listing = client.get("/referrals/").get_data(as_text=True)
    assert f'data-referral="{world.ours}"' in listing
    assert f'data-referral="{world.theirs}"' not in listing
    assert client.get(f"/referrals/{world.ours}").status_code == 200
    assert client.get(f"/referrals/{world.theirs}").status_code == 404
    assert client.get(f"/cases/{world.case}").status_code in (403, 404)
    assert client.get("/cases/").status_code == 403


def test_a_draft_is_not_the_departments_until_it_is_sent(client, app, world):
    """A liaison's list showed the mediator's drafts (待派单), with nothing to
    do on them; the today page already left them out."""
    from app import engine
    from app.referrals.models import Referral

    with app.app_context():
        from app.auth.models import User
        from app.disputes.models import Dispute
        mediator = db.session.execute(select(User).where(User.username == world.mediator)).scalar_one()
        draft = Referral(dispute=db.session.get(Dispute, world.case), department_id=world.market, kind="inspect",
                         request="请核查。", created_by_id=mediator.id, created_at=NOW, returns=0)
        engine.create(draft, mediator, {"department": "市场监管", "kind": "inspect", "request": "请核查。"}, now=NOW)
        db.session.commit()
        draft_id = draft.id
    as_user(client, world.liaison)
    for state in ("open", "all"):
        listing = client.get(f"/referrals/?state={state}").get_data(as_text=True)
        assert f'data-referral="{world.ours}"' in listing and f'data-referral="{draft_id}"' not in listing
    assert 'value="draft"' not in client.get("/referrals/").get_data(as_text=True)
    assert client.get(f"/referrals/{draft_id}").status_code == 404
    mediator_client = app.test_client()
    as_user(mediator_client, world.mediator)
    assert f'data-referral="{draft_id}"' in mediator_client.get("/referrals/").get_data(as_text=True)
    assert mediator_client.get(f"/referrals/{draft_id}").status_code == 200


def test_an_outside_mediator_gets_404(client, world):
    as_user(client, world.outsider)
    assert client.get(f"/referrals/{world.ours}").status_code == 404
    assert client.get(f"/referrals/cases/{world.case}/new").status_code == 404  # the form, for a case not theirs
    assert f'data-referral="{world.ours}"' not in client.get("/referrals/").get_data(as_text=True)


def test_the_mediator_refers_from_the_case_page(client, app, world):
    as_user(client, world.mediator)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="referrals"' in page and "市场监管" in page
    assert 'id="referrals-block-closing"' not in page  # a submitted case cannot be closed anyway
    # The form, fetched when the panel opens: the foreign street's department is not offered, and refused
    # when sent anyway.
    form = client.get(f"/referrals/cases/{world.case}/new").get_data(as_text=True)
    assert f'value="{world.market}"' in form and f'value="{world.foreign}"' not in form
    before = events(app)
    refused = client.post(f"/referrals/cases/{world.case}/new",
                          data={"csrf_token": csrf(page), "department_id": world.foreign, "kind": "inspect",
                                "request": "请处理"})
    # Not a choice of the form: the case page again, the form open where it was filled in, the field marked.
    assert refused.status_code == 422
    assert re.search(r'<select[^>]*autofocus[^>]*class="form-select is-invalid"[^>]*name="department_id"',
                     refused.get_data(as_text=True))
    assert events(app) == before
    done = client.post(f"/referrals/cases/{world.case}/new",
                       data={"csrf_token": csrf(page), "department_id": world.market, "kind": "enforce",
                             "request": "餐馆油烟扰民，请执法检查"}, follow_redirects=True)
    assert "Referred to 市场监管" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Referral)).scalar() == 3


def test_bad_input_is_refused_with_a_message_and_nothing_written(app, world):
    other = as_user(app.test_client(), world.other_liaison)
    page = other.get(f"/referrals/{world.theirs}").get_data(as_text=True)
    before = events(app)
    answer = other.post(f"/referrals/{world.ours}/answer", data={"csrf_token": csrf(page), "version": 1,
                                                                 "answer": "不是我们的"})
    assert answer.status_code == 404  # another department's referral
    liaison = as_user(app.test_client(), world.liaison)
    assert step(liaison, world.ours, "acknowledge").status_code == 302
    empty = step(liaison, world.ours, "answer", answer="  ")
    assert empty.status_code == 422 and "This field is required" in empty.get_data(as_text=True)
    # The top message is every form's, leading to the answer field marked below (not the field's own error).
    f.assert_sent_back(empty.get_data(as_text=True), "answer", "step-answer")
    assert step(liaison, world.ours, "answer", answer="已核查").status_code == 302
    assert events(app) == before + 2
    mediator = as_user(app.test_client(), world.mediator)
    no_reason = step(mediator, world.ours, "return_for_redo", reason="")
    assert no_reason.status_code == 422 and "Please give a reason" in no_reason.get_data(as_text=True)
    f.assert_sent_back(no_reason.get_data(as_text=True), "reason", "step-return_for_redo")
    assert events(app) == before + 2
    page = mediator.get(f"/referrals/{world.ours}").get_data(as_text=True)
    withdraw = re.search(r'<form method="post" action="/referrals/\d+/withdraw".*?</form>', page, re.S).group(0)
    assert "data-confirm=" in withdraw and '<noscript><input type="hidden" name="_confirm"' in withdraw  # a dangerous step asks
    assert step(mediator, world.ours, "withdraw", reason="当事人撤回申请").status_code == 302
    page = liaison.get(f"/referrals/{world.ours}").get_data(as_text=True)
    assert 'id="do-acknowledge"' not in page
    with app.app_context():  # the current version: refused for the state, not as a stale form
        version = db.session.get(Referral, world.ours).version
    late = liaison.post(f"/referrals/{world.ours}/acknowledge", data={"csrf_token": csrf(page), "version": version})
    assert late.status_code == 409 and "not possible in the state" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Referral, world.ours).state == "withdrawn"
    assert events(app) == before + 3  # acknowledged, answered, withdrawn: nothing else


def test_an_admin_adds_a_department(client, app, world):
    with app.app_context():
        f.user("admin", username="boss")
    as_user(client, "boss")
    page = client.get("/referrals/departments").get_data(as_text=True)
    ok = client.post("/referrals/departments", data={"csrf_token": csrf(page), "name": "劳动监察", "street_id": 0,
                                                     "ack_hours": 12, "answer_days": 5}, follow_redirects=True)
    assert "劳动监察" in ok.get_data(as_text=True)
    twice = client.post("/referrals/departments", data={"csrf_token": csrf(page), "name": "劳动监察",
                                                        "street_id": 0, "ack_hours": 12, "answer_days": 5})
    assert twice.status_code == 422
    bad = client.post("/referrals/departments", data={"csrf_token": csrf(page), "name": "住建", "street_id": 0,
                                                      "ack_hours": 0, "answer_days": 5})
    assert bad.status_code == 422


def test_an_escalated_referral_is_on_the_supervisors_and_the_liaisons_today_page(app, world):
    from datetime import timedelta

    from app.engine.timers import tick

    with app.app_context():
        street_id = db.session.get(Referral, world.ours).dispute.street_id
        sup = f.user("supervisor", street=db.session.get(f.Street, street_id)).username
        late = NOW + timedelta(hours=25)
        fired = tick(now=late).fired
        assert ("referral", world.ours, "escalate_unacknowledged") in fired
        db.session.remove()
    clock.set_now(late)
    supervisor = as_user(app.test_client(), sup)
    assert f'href="/referrals/{world.ours}"' in supervisor.get("/today").get_data(as_text=True)
    liaison = as_user(app.test_client(), world.liaison)
    today = liaison.get("/today").get_data(as_text=True)
    assert f'href="/referrals/{world.ours}"' in today and f'href="/referrals/{world.theirs}"' not in today


def test_an_answer_comes_with_a_document_seen_only_within_the_referrals_scope(app, world):
    import io

    from tests.uploads_data import PDF

    liaison = as_user(app.test_client(), world.liaison)
    assert step(liaison, world.ours, "acknowledge").status_code == 302
    page = liaison.get(f"/referrals/{world.ours}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    fake = liaison.post(f"/referrals/{world.ours}/answer", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "version": version, "answer": "见附件",
        "file": (io.BytesIO(b"MZ not a document"), "report.pdf")})
    assert fake.status_code == 422
    with app.app_context():
        assert db.session.get(Referral, world.ours).state == "acknowledged"
    done = liaison.post(f"/referrals/{world.ours}/answer", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "version": version, "answer": "检查记录见附件",
        "file": (io.BytesIO(PDF), "检查记录.pdf")})
    assert done.status_code == 302
    shown = liaison.get(f"/referrals/{world.ours}").get_data(as_text=True)
    link = re.search(r'href="(/referrals/\d+/files/\d+)"', shown).group(1)
    mediator = as_user(app.test_client(), world.mediator)
    got = mediator.get(link)
    assert got.status_code == 200 and got.data == PDF
    other = as_user(app.test_client(), world.other_liaison)
    assert other.get(link).status_code == 404
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "referral",
                                                            AuditEvent.trigger == "answer")).scalar_one()
        assert "attachment" in event.data


def test_a_case_with_an_open_referral_offers_no_closing_and_says_why(client, app, world):
    with app.app_context():
        from app.disputes.models import Dispute

        case = db.session.get(Dispute, world.case)
        f.walk(case, db.session.get(Referral, world.ours).dispute.created_by, "resolve_on_spot", now=NOW)
        db.session.remove()
    as_user(client, world.mediator)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="referrals-block-closing"' in page
    assert 'data-step="close"' not in page


def test_a_referral_form_sent_twice_makes_one_referral(client, app, world):
    as_user(client, world.mediator)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    # The form is fetched when the panel opens, each time with a fresh one-time token.
    assert f'data-fetch-form="/referrals/cases/{world.case}/new"' in page and 'id="refer-form"' not in page
    fetched = client.get(f"/referrals/cases/{world.case}/new")
    assert fetched.status_code == 200 and "data-form-fragment" in fetched.get_data(as_text=True)
    token = re.search(r'id="submission_token" name="submission_token" type="hidden" value="([^"]+)"',
                      fetched.get_data(as_text=True)).group(1)
    form = {"csrf_token": csrf(page), "submission_token": token, "department_id": world.market, "kind": "enforce",
            "request": "餐馆油烟扰民，请执法检查"}
    before = events(app)
    first = client.post(f"/referrals/cases/{world.case}/new", data=form, follow_redirects=True)
    assert "Referred to 市场监管" in first.get_data(as_text=True)
    after_first = events(app)
    assert after_first > before
    again = client.post(f"/referrals/cases/{world.case}/new", data=form, follow_redirects=True)
    assert again.status_code == 200
    assert "This form was already sent" in again.get_data(as_text=True)
    assert events(app) == after_first  # nothing more written
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Referral)
                                  .where(Referral.submission_token == token)).scalar() == 1
        assert db.session.execute(select(func.count()).select_from(Referral)).scalar() == 3
    # Each fetch of the form (and the page opened with it) carries a fresh token, so a second, deliberate
    # referral still goes through.
    assert token not in client.get(f"/referrals/cases/{world.case}/new").get_data(as_text=True)
    opened = client.get(f"/cases/{world.case}?form=referral").get_data(as_text=True)
    assert 'id="refer-form"' in opened and 'name="submission_token"' in opened and token not in opened


def test_a_racing_second_post_gets_the_first_referral_back(app, world, monkeypatch):
    """Two posts of one form at the same moment: the unique token lets the
    loser find the winner's referral instead of writing a second one."""
    with app.app_context():
        from app.auth.models import User
        from app.disputes.models import Dispute
        from app.org.models import Department
        from app.referrals import service

        mediator = db.session.execute(select(User).where(User.username == world.mediator)).scalar_one()
        case, market = db.session.get(Dispute, world.case), db.session.get(Department, world.market)
        first = service.refer(case, market.id, "enforce", "请处理", mediator, NOW, submission_token="tok-1")
        count_events = select(func.count()).select_from(AuditEvent)
        written = db.session.execute(count_events).scalar()
        looks = []
        real = service.by_submission

        def not_yet_committed(token):  # the first look misses the other post's row; the insert then collides
            looks.append(token)
            return None if len(looks) == 1 else real(token)

        monkeypatch.setattr(service, "by_submission", not_yet_committed)
        second = service.refer(case, market.id, "enforce", "请处理", mediator, NOW, submission_token="tok-1")
        assert second.id == first.id and len(looks) == 2
        assert db.session.execute(count_events).scalar() == written
        assert db.session.execute(select(func.count()).select_from(Referral)
                                  .where(Referral.submission_token == "tok-1")).scalar() == 1


def test_a_token_from_another_cases_form_makes_nothing(client, app, world):
    with app.app_context():
        from app.auth.models import User
        from app.disputes.models import Dispute

        mediator = db.session.execute(select(User).where(User.username == world.mediator)).scalar_one()
        first = db.session.get(Dispute, world.case)
        other_id = f.dispute(mediator, first.grid, now=NOW).id
        # The first case's referral was made from a form with this token.
        db.session.get(Referral, world.ours).submission_token = "copied-token"
        db.session.commit()
    as_user(client, world.mediator)
    page = client.get(f"/cases/{other_id}").get_data(as_text=True)
    before = events(app)
    sent = client.post(f"/referrals/cases/{other_id}/new",
                       data={"csrf_token": csrf(page), "submission_token": "copied-token", "department_id": world.market,
                             "kind": "enforce", "request": "请处理"}, follow_redirects=True)
    assert "This form is out of date" in sent.get_data(as_text=True)
    assert events(app) == before
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Referral)
                                  .where(Referral.dispute_id == other_id)).scalar() == 0


def test_a_closed_case_offers_no_referral_and_its_fetched_form_says_why(client, app, world):
    with app.app_context():
        mediator = db.session.execute(select(User).where(User.username == world.mediator)).scalar_one()
        grid = db.session.execute(select(Grid).where(Grid.community_id == mediator.community_id)
                                  .order_by(Grid.id)).scalars().first()
        case_id = f.walk(f.dispute(mediator, grid, now=NOW), mediator, *FAILED_PATH, now=NOW).id
        db.session.commit()
        db.session.remove()
    as_user(client, world.mediator)
    assert 'id="refer-panel"' in client.get(f"/cases/{world.case}").get_data(as_text=True)  # an open case offers it
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="case-state">Closed<' in page and 'id="refer-panel"' not in page
    before = events(app)
    response = client.get(f"/referrals/cases/{case_id}/new")  # an old link, or a page left open before closing
    assert response.status_code == 409
    assert "The case is closed: it can no longer be referred to a department." in response.get_data(as_text=True)
    assert 'name="department_id"' not in response.get_data(as_text=True)
    assert events(app) == before


def test_a_referral_sent_back_with_errors_opens_where_it_was_filled_in(client, app, world):
    """No request written: the case page again, the form open in its panel
    with what was chosen, the field marked; the top message links to the
    panel and the field has focus. Corrected, it refers once."""
    as_user(client, world.mediator)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    fetched = client.get(f"/referrals/cases/{world.case}/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', fetched).group(1)
    form = {"csrf_token": csrf(page), "submission_token": token, "department_id": world.market, "kind": "enforce",
            "request": "  "}
    before = events(app)
    answer = client.post(f"/referrals/cases/{world.case}/new", data=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, "request", "refer-panel")
    assert 'class="collapse show" id="refer-panel"' in html
    assert re.search(r'class="form-control is-invalid"[^>]*name="request"[^>]*>\s*</textarea>'
                     r'<div class="invalid-feedback" id="request-error1">Say what the department is asked to do.</div>', html)
    assert f'<option selected value="{world.market}">' in html and f'value="{token}"' in html
    assert "; " not in re.search(r'role="alert">(.*?)</div>', html, re.S).group(1)  # no raw list of errors
    assert events(app) == before
    sent = client.post(f"/referrals/cases/{world.case}/new", data=dict(form, request="餐馆油烟扰民，请执法检查"))
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Referral)
                                  .where(Referral.submission_token == token)).scalar() == 1


def test_a_referral_step_sent_back_marks_its_own_section_only(app, client, world):
    """Two steps on the page take a reason: only the one sent shows its error and has focus."""
    liaison = as_user(app.test_client(), world.liaison)
    assert step(liaison, world.ours, "acknowledge").status_code == 302
    assert step(liaison, world.ours, "answer", answer="已核查").status_code == 302
    as_user(client, world.mediator)
    before = events(app)
    answer = step(client, world.ours, "withdraw", reason="长" * 2001)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, "reason", "step-withdraw")
    sections = dict(re.findall(r'<section class="card mb-2" id="step-(\w+)">(.*?)</section>', html, re.S))
    assert {"return_for_redo", "withdraw"} <= set(sections)
    assert "is-invalid" in sections["withdraw"] and "is-invalid" not in sections["return_for_redo"]
    assert events(app) == before
    # A required reason is marked so: the browser asks for it before the page's "are you sure?" (app.js asks
    # only of a form whose fields are valid), rather than confirming a step the server then refuses.
    blank = dict(re.findall(r'<section class="card mb-2" id="step-(\w+)">(.*?)</section>', client.get(
        f"/referrals/{world.ours}").get_data(as_text=True), re.S))
    assert re.search(r'<textarea[^>]*name="reason"[^>]*required', blank["withdraw"])


def test_a_liaison_s_today_page_counts_the_referrals_beyond_the_ones_it_lists(app, world, monkeypatch):
    from app.referrals import today as referral_items

    with app.app_context():
        case = db.session.get(f.Dispute, world.case)
        mediator = db.session.execute(select(User).where(User.username == world.mediator)).scalar_one()
        market = db.session.get(fr.Department, world.market)
        for _ in range(2):
            fr.referral(case, market, mediator, now=NOW)
        db.session.remove()
    monkeypatch.setattr(referral_items, "LIMIT", 1)
    liaison = as_user(app.test_client(), world.liaison)
    html = liaison.get("/today").get_data(as_text=True)
    assert re.search(r'id="today-today".*?<span class="badge[^"]*">3</span>', html, re.S)
    block = re.search(r'id="today-today-items">(.*?)</section>', html, re.S).group(1)
    assert re.findall(r'href="(/referrals/[^"]*)"', block) == [f"/referrals/{world.ours}", "/referrals/"]
    assert "2 more referrals: see the referrals list" in block
    assert f'href="/referrals/{world.theirs}"' not in html  # another department's, counted nowhere


def test_two_escalated_referrals_of_one_case_on_the_supervisor_s_today_page_name_their_departments(app, world):
    """The walk found "案件#924的交办 · 超期未签收（督办）" twice: the referrals to 市场监管 and to 环保."""
    from datetime import timedelta

    from app.engine.timers import tick

    with app.app_context():
        street_id = db.session.get(Referral, world.ours).dispute.street_id
        sup = f.user("supervisor", street=db.session.get(f.Street, street_id)).username
        late = NOW + timedelta(hours=25)
        fired = tick(now=late).fired
        assert {("referral", world.ours, "escalate_unacknowledged"),
                ("referral", world.theirs, "escalate_unacknowledged")} <= set(fired)
        title = db.session.get(Referral, world.ours).dispute.title
        db.session.remove()
    clock.set_now(late)
    supervisor = as_user(app.test_client(), sup)
    html = supervisor.get("/today").get_data(as_text=True)
    items = {int(n): re.sub(r"\s+", " ", text) for n, text in
             re.findall(r'href="/referrals/(\d+)"[^>]*>(.*?)</a>', html, re.S)}
    # Named as the lists name them (community, dispute type, day sent), and by their departments.
    assert items[world.ours].split(" to 市场监管")[0] == items[world.theirs].split(" to 环保")[0]
    assert "to 市场监管" in items[world.ours] and "to 环保" in items[world.theirs]
    assert f"{title} " not in items[world.ours] and "acknowledgement was due" in items[world.ours]


def said(client, response) -> str:
    """The page a step redirected to, its markup unescaped (the messages' apostrophes)."""
    assert response.status_code == 302
    import html

    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_each_step_says_what_comes_next_not_done_and_the_state(app, world):
    """The liaison is told their answer deadline, then that the mediator checks the answer; the
    mediator that the department must answer again, by when, and that the referral is complete."""
    from app.dates import deadline_text

    liaison = as_user(app.test_client(), world.liaison)
    mediator = as_user(app.test_client(), world.mediator)

    def by():
        with app.test_request_context():
            return deadline_text(db.session.get(Referral, world.ours).answer_by, "en")

    page = said(liaison, step(liaison, world.ours, "acknowledge"))
    assert f"Acknowledged: please answer by {by()}." in page and "Done:" not in page
    page = said(liaison, step(liaison, world.ours, "start_work"))
    assert f"Work started: please answer by {by()}." in page
    page = said(liaison, step(liaison, world.ours, "answer", answer="已现场检查并责令整改"))
    assert "Answer sent: waiting for the case's mediator to check it." in page
    page = said(mediator, step(mediator, world.ours, "return_for_redo", reason="请补充整改结果"))
    assert f"Returned for more work: the department is told and is to answer by {by()}." in page
    said(liaison, step(liaison, world.ours, "answer", answer="整改已完成"))
    page = said(mediator, step(mediator, world.ours, "accept_answer"))
    assert "Answer accepted: the referral is complete." in page
    page = said(mediator, step(mediator, world.theirs, "withdraw", reason="当事人已和解"))
    assert "Referral withdrawn." in page and "Done:" not in page
    with app.app_context():
        assert db.session.get(Referral, world.ours).state == "verified"
        assert db.session.get(Referral, world.theirs).state == "withdrawn"
