"""The mediator's side of the closure review: a supervisor's return tells the
case's mediators (lead, co-mediators, whoever closed it) with the file
number, the supervisor and the comment, read by their next step on the case;
a sign-off tells them too, read by the archiving; the page of a returned
case says so at its top; the menu's badge on "My cases" and the page agree;
the notifications page lists by the time each notice was written."""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import clock, engine
from app.disputes.models import Dispute
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import notify, text_of, url_of
from app.org.models import Community
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login

COMMENT = "请补充回访记录和履行凭证后重新结案。"


@pytest.fixture
def world(app):
    """Street A's mediator m_a1 leads a failed and closed case of community
    a1 with a co-mediator (w.colleague), awaiting sign-off (w.case)."""
    with app.app_context():
        w = fs.two_streets()
        lead = fs.user_named(w.m_a1)
        colleague = f.user("mediator", community=db.session.get(Community, w.a1))
        w.colleague, w.colleague_id = colleague.username, colleague.id
        d = f.walk(f.dispute(lead, fs.grid(w.grid_a1)), lead, "accept")
        engine.fire(d, "assign", lead, mediator_id=lead.id, co_mediator_ids=[colleague.id])
        f.walk(d, lead, "start_mediation", "fail", "close")
        w.case, w.file_no = d.id, d.file_no
        db.session.remove()
        return w


def notices(kind=None, user_id=None):
    query = select(Notification).order_by(Notification.user_id, Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if user_id:
        query = query.where(Notification.user_id == user_id)
    return list(db.session.execute(query).scalars())


def case(w):
    return db.session.get(Dispute, w.case)


def test_a_return_tells_the_lead_and_the_co_mediator_with_the_file_number_and_the_comment(app, world):
    with app.test_request_context():
        assert world.file_no
        fs.return_case(case(world), fs.user_named(world.sup_a), COMMENT)
        told = notices("closure_returned")
        # One each: the lead closed the case, and is told once.
        assert sorted(n.user_id for n in told) == sorted([world.m_a1_id, world.colleague_id])
        assert all(n.entity_type == "dispute" and n.entity_id == world.case and n.read_at is None for n in told)
        supervisor = fs.user_named(world.sup_a).display_name
        with force_locale("en"):
            text = text_of(told[0])
        assert world.file_no in text and supervisor in text and COMMENT in text and "returned" in text
        assert url_of(told[0]) == f"/cases/{world.case}"
        assert notices(user_id=world.sup_a_id) == []  # the deciding supervisor is not told


def test_the_return_is_read_by_the_mediators_next_step_and_a_colleagues_stays_new(app, world):
    with app.app_context():
        fs.return_case(case(world), fs.user_named(world.sup_a), COMMENT)
        d = case(world)
        assert d.state == "mediating"
        f.walk(d, fs.user_named(world.m_a1), "fail")
        (lead_note,) = notices("closure_returned", world.m_a1_id)
        (colleague_note,) = notices("closure_returned", world.colleague_id)
        assert lead_note.read_at == d.changed_at and colleague_note.read_at is None
        # The re-closing is the colleague's step: theirs is read by it.
        f.walk(d, fs.user_named(world.colleague), "close")
        assert notices("closure_returned", world.colleague_id)[0].read_at is not None


def test_an_on_the_spot_case_tells_who_closed_it_and_closing_again_reads_it(app, world):
    with app.app_context():
        closer = fs.user_named(world.m_b1)
        d = fs.closed_case(closer, fs.grid(world.grid_b1), fs.ON_SPOT_PATH)
        assert d.assignee_id is None and d.file_no is None
        fs.return_case(d, fs.user_named(world.sup_b), "现场化解记录缺少双方签字。")
        (note,) = notices("closure_returned")
        assert note.user_id == closer.id and f"#{d.id}" in note.data
        d = db.session.get(Dispute, d.id)
        assert d.state == "resolved_on_spot"
        f.walk(d, closer, "close")
        assert notices("closure_returned")[0].read_at is not None


def test_a_sign_off_tells_the_mediators_once_each_with_its_comment_and_archiving_reads_it(app, world):
    with app.test_request_context():
        fs.sign_off(case(world), fs.user_named(world.sup_a), comment="材料齐全，准予归档。")
        told = notices("closure_signed_off")
        assert sorted(n.user_id for n in told) == sorted([world.m_a1_id, world.colleague_id])
        assert notices("closure_returned") == []
        with force_locale("en"):
            text = text_of(told[0])
        assert "signed off" in text and world.file_no in text and "材料齐全，准予归档。" in text
        f.walk(case(world), fs.user_named(world.m_a1), "archive")
        assert [n.read_at is not None for n in notices("closure_signed_off", world.m_a1_id)] == [True]
        assert notices("closure_signed_off", world.colleague_id)[0].read_at is None


def test_a_sign_off_without_a_comment_says_no_comment(app, world):
    with app.test_request_context():
        fs.sign_off(case(world), fs.user_named(world.sup_a))
        note = notices("closure_signed_off", world.m_a1_id)[0]
        with force_locale("en"):
            text = text_of(note)
        assert "signed off" in text and "comment" not in text and "%(" not in text


def test_a_return_refused_writes_no_notice(app, client, world):
    from tests.test_supervision_signoff import post_review

    login(client, world.sup_a)
    assert post_review(client, world.case, "return_case", comment="   ").status_code == 422
    with app.app_context():
        assert db.session.execute(select(func.count(Notification.id))
                                  .where(Notification.kind.like("closure_%"))).scalar() == 0
    # A deactivated co-mediator is not told.
    with app.app_context():
        fs.user_named(world.colleague).active = False
        db.session.commit()
    assert post_review(client, world.case, "return_case", comment=COMMENT).status_code == 302
    with app.app_context():
        assert [n.user_id for n in notices("closure_returned")] == [world.m_a1_id]


def test_the_returned_case_page_says_who_returned_it_when_and_why(app, client, world):
    login(client, world.m_a1)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="closure-returned"' not in page
    with app.app_context():
        supervisor = fs.user_named(world.sup_a).display_name
        fs.return_case(case(world), fs.user_named(world.sup_a), COMMENT)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    banner = re.search(r'<div[^>]*id="closure-returned"[^>]*>(.*?)</div>', page, re.S)
    assert banner and supervisor in banner.group(1) and COMMENT in banner.group(1)
    assert page.index('id="closure-returned"') < page.index('id="parties"')  # at the top, before the details
    assert 'id="closure-review"' not in page  # the case is open: no review line
    # Closed again: the new review's line, not the old return.
    with app.app_context():
        f.walk(case(world), fs.user_named(world.m_a1), "fail", "close")
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="closure-returned"' not in page and 'data-state="awaiting"' in page


def test_a_signed_off_closure_shows_the_supervisors_comment(app, client, world):
    with app.app_context():
        fs.sign_off(case(world), fs.user_named(world.sup_a), comment="材料齐全，准予归档。")
    login(client, world.m_a1)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    line = re.search(r'<p[^>]*id="closure-review" data-state="signed_off">(.*?)</p>', page, re.S)
    assert line and "材料齐全，准予归档。" in line.group(1)


def test_the_badge_on_my_cases_and_the_inbox_heading_show_one_number(app, client, world):
    """The menu's badge counts what waits for the mediator (the inbox); the
    page says that number on the inbox's heading, and its own cases' count
    on "Cases I mediate", not beside the title the badge sits on."""
    with app.app_context():
        lead = fs.user_named(world.m_a1)
        for _ in range(3):
            f.dispute(lead, fs.grid(world.grid_a1))  # waiting for acceptance
    login(client, world.m_a1)
    page = client.get("/cases/mine").get_data(as_text=True)
    badge = re.search(r'id="inbox-count"[^>]*>(\d+)<', page).group(1)
    inbox = re.search(r'id="inbox-total">(\d+)<', page).group(1)
    assert badge == inbox == "3"
    title = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert 'id="case-count"' not in title
    mine = re.search(r'<h2[^>]*id="mine-heading">(.*?)</h2>', page, re.S).group(1)
    # The closed case is listed in its own group, with its own count, not under "Cases I mediate".
    assert re.search(r'id="case-count">\(0\)', mine)
    group = re.search(r'<section id="awaiting-sign-off".*?</section>', page, re.S).group(0)
    assert world.file_no in group and re.search(r'<span class="badge bg-secondary">1</span>', group)
    assert re.search(r'title="[^"]*3[^"]*" id="inbox-count"', page)  # the badge says what it counts


def test_a_grid_workers_my_cases_keeps_its_count_beside_the_title(app, client, world):
    login(client, world.gw_a1)
    page = client.get("/cases/mine").get_data(as_text=True)
    assert 'id="inbox-count"' not in page
    assert re.search(r'<h1[^>]*>[^<]*<small class="text-muted" id="case-count">', page)


def test_the_notifications_page_lists_by_the_time_written_newest_first(app, client):
    with app.app_context():
        f.org()
        reader = f.user("coordinator")
        now = clock.now()
        # Written out of order: the later id holds the older time (a step run late by the timer).
        for n, at in ((0, now), (1, now - timedelta(days=2)), (2, now - timedelta(days=1)), (3, now)):
            notify(reader.id, "duty_cancelled", entity_type="lawyer_duty", entity_id=n + 1,
                   data={"day": "2026-12-19", "room": f"工作室{n}"}, now=at)
        db.session.commit()
        username = reader.username
    login(client, username)
    page = client.get("/notifications/").get_data(as_text=True)
    # Newest first; of two at one time, the later written (the larger id) first.
    order = sorted(range(4), key=lambda n: page.index(f"工作室{n}"))
    assert order == [3, 0, 2, 1]


def test_the_notices_read_in_the_readers_language(app, world):
    with app.test_request_context():
        fs.return_case(case(world), fs.user_named(world.sup_a), COMMENT)
        note = notices("closure_returned", world.m_a1_id)[0]
        with force_locale("zh_Hans_CN"):
            text = text_of(note)
        assert text.startswith(f"案件{world.file_no}已被督导") and text.endswith(f"督导意见：{COMMENT}")


def test_a_signed_off_closure_waits_for_archiving_in_a_group_of_its_own(app, client, world):
    """Signed off, a closed case no longer waits for the supervisor: "my
    cases" lists it under the archiving it waits for; "Cases I mediate"
    counts the open cases listed under it alone."""
    with app.app_context():
        lead = fs.user_named(world.m_a1)
        mediated = f.walk(f.dispute(lead, fs.grid(world.grid_a1)), lead, "accept")
        engine.fire(mediated, "assign", lead, mediator_id=lead.id, co_mediator_ids=[])  # one open case of theirs
        fs.sign_off(case(world), fs.user_named(world.sup_a), comment="材料齐全，准予归档。")
    login(client, world.m_a1)
    page = client.get("/cases/mine").get_data(as_text=True)
    assert 'id="awaiting-sign-off"' not in page
    group = re.search(r'<section id="to-archive".*?</section>', page, re.S).group(0)
    assert world.file_no in group and re.search(r'<span class="badge bg-secondary">1</span>', group)
    mine = re.search(r'<h2[^>]*id="mine-heading">(.*?)</h2>', page, re.S).group(1)
    assert re.search(r'id="case-count">\(1\)', mine)
    # Archived, it leaves the page.
    with app.app_context():
        f.walk(case(world), fs.user_named(world.m_a1), "archive")
    page = client.get("/cases/mine").get_data(as_text=True)
    assert 'id="to-archive"' not in page and world.file_no not in page


def test_a_decision_by_an_actor_of_plain_values_names_the_supervisor(app, world):
    """The engine's actor need only carry an id and a role (the demo's
    builder hands such values): the notice reads the supervisor's name by id.
    `flask demo load` stopped at its first sign-off when it read the name off
    the actor."""
    from app.demo.build import Actor

    with app.test_request_context():
        supervisor = fs.user_named(world.sup_a)
        actor = Actor(supervisor.id, supervisor.role, supervisor.street_id, supervisor.community_id,
                      supervisor.grid_id)
        fs.sign_off(case(world), actor, comment="材料齐全，准予归档。")
        (note,) = notices("closure_signed_off", world.m_a1_id)
        with force_locale("en"):
            assert supervisor.display_name in text_of(note)


def test_cases_i_mediate_counts_the_open_cases_over_several_pages(app, client, world):
    """A list longer than a page counts its closed cases in the database:
    the heading's count is the open cases of every page."""
    app.config["CASES_PER_PAGE"] = 1
    with app.app_context():
        lead = fs.user_named(world.m_a1)
        for _ in range(2):
            mediated = f.walk(f.dispute(lead, fs.grid(world.grid_a1)), lead, "accept")
            engine.fire(mediated, "assign", lead, mediator_id=lead.id, co_mediator_ids=[])
    login(client, world.m_a1)
    for number in (1, 3):
        page = client.get(f"/cases/mine?page={number}").get_data(as_text=True)
        mine = re.search(r'<h2[^>]*id="mine-heading">(.*?)</h2>', page, re.S).group(1)
        assert re.search(r'id="case-count">\(2\)', mine), number
    assert world.file_no in page and 'id="awaiting-sign-off"' in page  # the closed one, on the last page
