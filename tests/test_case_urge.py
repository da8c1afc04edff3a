"""A supervisor urges (督办) a late or nearly due case: a step that keeps the
case's state and due time, with a required note, told to those responsible
(the lead mediator, or the community's mediators while the case has none),
kept in the log and the case's history, and marked on the case pages, "my
cases" and the today lists until the case's next step. Only a supervisor of
the case's street or of the city, only on an open case that is overdue or due
soon. And a closed case's page leads to its case file (卷宗)."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.notifications.models import Notification
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login
from tests.test_disputes_web import action

T0 = datetime(2026, 3, 2, 2, 0)      # 10:00 on Monday 2 March, Shanghai
NOW = T0 + timedelta(days=15)        # the report of T0 is 14 days past its one day for acceptance
NOTE = "请今日内受理，并联系当事人说明进度。"


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(T0 - timedelta(days=12))
        w = fs.two_streets()
        a1 = fs.grid(w.grid_a1)
        lead = fs.user_named(w.m_a1)
        colleague = f.user("mediator", community=a1.community)
        f.user("mediator", community=a1.community, active=False)  # not told, not named
        # Accepted twelve days before T0: its 30 days of mediation are in their last fifth at NOW (yellow).
        led = f.walk(f.dispute(lead, a1, now=T0 - timedelta(days=12)), lead, "accept", "assign", "start_mediation",
                     now=T0 - timedelta(days=12))
        late = f.dispute(lead, a1, now=T0)  # 待受理, no lead mediator, red at NOW
        on_track = f.dispute(lead, a1, now=NOW - timedelta(hours=1))
        closed = fs.closed_case(lead, a1, now=T0)
        w.led, w.late, w.on_track, w.closed = led.id, late.id, on_track.id, closed.id
        w.lead_name, w.colleague, w.colleague_id = lead.display_name, colleague.username, colleague.id
        w.colleague_name = colleague.display_name
        w.late_due = late.due_at
        db.session.remove()
    clock.set_now(NOW)
    yield w
    clock.set_now(None)


def english(app, username):
    client = app.test_client()
    login(client, username)
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    return client


def urge(client, case_id, note=NOTE):
    return action(client, case_id, "urge_mediators", urging=note)


def written(app):
    with app.app_context():
        return (db.session.execute(select(func.count()).select_from(AuditEvent)).scalar(),
                db.session.execute(select(func.count()).select_from(Notification)).scalar())


def told(app, kind="case_urged"):
    with app.app_context():
        return sorted(db.session.execute(select(Notification.user_id).where(Notification.kind == kind)).scalars())


def mark(html):
    """The urged mark(s) on a page or part of one: [(count, text)]."""
    return [(int(n), text) for n, text in
            re.findall(r'<span class="badge text-bg-warning urged-mark" data-urged="(\d+)">(.*?)</span>', html)]


def test_the_supervisor_urges_an_unled_late_case_and_its_community_s_mediators_are_told(app, world):
    sup = english(app, world.sup_a)
    page = sup.get(f"/cases/{world.late}").get_data(as_text=True)
    assert 'data-step="urge_mediators"' in page and "Urge the mediators" in page
    responsible = re.search(r'id="responsible-now">(.*?)</dd>', page, re.S).group(1)
    assert world.lead_name in responsible and world.colleague_name in responsible  # whom to call
    assert mark(page) == []
    # The step's form asks for the note alone, not a second optional one.
    form = sup.get(f"/cases/{world.late}?step=urge_mediators").get_data(as_text=True)
    assert 'name="urge_mediators-urging"' in form and 'name="urge_mediators-reason"' not in form

    response = urge(sup, world.late)
    assert response.status_code == 302
    page = sup.get(response.location).get_data(as_text=True)
    assert "Urged: the mediators of" in page and world.colleague_name in page
    [(count, text)] = mark(page)
    assert count == 1 and text.startswith("Urged on ")
    with app.app_context():
        d = db.session.get(Dispute, world.late)
        assert d.state == "submitted" and d.due_at == world.late_due  # state and due time kept: still red
        assert d.urged_at == NOW  # kept on the row, as referrals and follow-ups keep theirs
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "dispute",
                                                            AuditEvent.entity_id == world.late)
                                   .order_by(AuditEvent.seq.desc())).scalars().first()
        assert (event.trigger, event.from_state, event.to_state, event.actor_role) == \
               ("urge_mediators", "submitted", "submitted", "supervisor")
        assert NOTE in event.data
        assert verify() == []
    assert told(app) == sorted([world.users[world.m_a1], world.colleague_id])  # not a2's, not the inactive one
    history = page.split('id="timeline"', 1)[1]
    assert "Urge the mediators" in history and NOTE in history

    # The mediators see it marked in their inbox, on "my cases" and on today, and read the notice.
    mediator = english(app, world.colleague)
    inbox = mediator.get("/cases/mine").get_data(as_text=True).split('id="inbox-list"', 1)[1]
    assert len(mark(re.search(rf'href="/cases/{world.late}".*?</a>', inbox, re.S).group(0))) == 1
    today = mediator.get("/today").get_data(as_text=True)
    assert len(mark(re.search(rf'href="/cases/{world.late}".*?</a>', today, re.S).group(0))) == 1
    notices = mediator.get("/notifications/").get_data(as_text=True)
    assert "Urged by supervisor" in notices and "is overdue or due soon" in notices

    # A second urging counts; the case's next step (acceptance) ends the mark.
    assert urge(sup, world.late, "再次督办").status_code == 302
    assert mark(sup.get(f"/cases/{world.late}").get_data(as_text=True))[0][0] == 2
    with app.app_context():
        f.walk(db.session.get(Dispute, world.late), fs.user_named(world.m_a1), "accept")
    assert mark(sup.get(f"/cases/{world.late}").get_data(as_text=True)) == []
    with app.app_context():
        assert db.session.get(Dispute, world.late).urged_at is None


def test_a_led_case_due_soon_is_urged_by_a_city_supervisor_and_only_its_lead_is_told(app, world):
    sup = english(app, world.sup_city)
    page = sup.get(f"/cases/{world.led}").get_data(as_text=True)
    assert "due soon" in page and 'data-step="urge_mediators"' in page
    assert 'id="responsible-now"' not in page and world.lead_name in page  # the lead mediator's own row
    response = urge(sup, world.led)
    assert response.status_code == 302
    assert "Urged: the lead mediator" in sup.get(response.location).get_data(as_text=True)
    assert told(app) == [world.users[world.m_a1]]
    lead = english(app, world.m_a1)
    mine = lead.get("/cases/mine").get_data(as_text=True).split('id="case-list"', 1)[1]
    assert len(mark(re.search(rf'href="/cases/{world.led}".*?</a>', mine, re.S).group(0))) == 1
    with app.app_context():
        assert db.session.get(Dispute, world.led).state == "mediating"


def test_the_supervisor_s_pages_lead_to_the_urging_and_mark_it(app, world):
    sup = english(app, world.sup_a)
    today = sup.get("/today").get_data(as_text=True)
    item = re.search(rf'href="/cases/{world.late}".*?</a>', today, re.S).group(0)
    assert mark(item) == []
    supervision = sup.get(f"/supervision/cases/{world.late}").get_data(as_text=True)
    link = re.search(r'id="urge-link" href="([^"]+)"', supervision).group(1).replace("&amp;", "&")
    assert link == f"/cases/{world.late}?step=urge_mediators#act-urge_mediators"
    responsible = re.search(r'id="responsible-now">(.*?)</dd>', supervision, re.S).group(1)
    assert world.lead_name in responsible and world.colleague_name in responsible
    assert urge(sup, world.late).status_code == 302
    today = sup.get("/today").get_data(as_text=True)
    assert len(mark(re.search(rf'href="/cases/{world.late}".*?</a>', today, re.S).group(0))) == 1
    assert len(mark(sup.get(f"/supervision/cases/{world.late}").get_data(as_text=True))) == 1
    listed = sup.get("/cases/?colour=red").get_data(as_text=True)
    assert len(mark(re.search(rf'href="/cases/{world.late}".*?</a>', listed, re.S).group(0))) == 1
    # Neither page offers it on a case on track.
    assert 'id="urge-link"' not in sup.get(f"/supervision/cases/{world.on_track}").get_data(as_text=True)
    assert 'data-step="urge_mediators"' not in sup.get(f"/cases/{world.on_track}").get_data(as_text=True)


def test_the_note_is_required(app, world):
    sup = english(app, world.sup_a)
    before = written(app)
    response = urge(sup, world.late, "   ")
    assert response.status_code == 422
    f.assert_sent_back(response.get_data(as_text=True), "urge_mediators-urging", "act-urge_mediators")
    assert written(app) == before


def test_another_street_s_supervisor_gets_404_and_nothing_is_written(app, world):
    other = english(app, world.sup_b)
    assert other.get(f"/cases/{world.late}").status_code == 404
    assert other.get(f"/supervision/cases/{world.late}").status_code == 404
    before = written(app)
    token = csrf(other.get("/today").get_data(as_text=True))
    response = other.post(f"/cases/{world.late}/fire/urge_mediators",
                          data={"urge_mediators-csrf_token": token, "urge_mediators-urging": "越权督办"})
    assert response.status_code == 404
    assert written(app) == before


@pytest.mark.parametrize("who", ["m_a1", "admin"])
def test_a_mediator_or_an_administrator_may_not_urge(app, world, who):
    client = english(app, getattr(world, who))
    page = client.get(f"/cases/{world.late}").get_data(as_text=True)
    assert 'data-step="urge_mediators"' not in page
    before = written(app)
    with app.app_context():
        version = db.session.get(Dispute, world.late).version
    response = client.post(f"/cases/{world.late}/fire/urge_mediators",
                           data={"urge_mediators-csrf_token": csrf(page), "urge_mediators-version": version,
                                 "urge_mediators-urging": "自己督办"})
    assert response.status_code == 403
    assert "Your role may not do" in response.get_data(as_text=True)
    assert written(app) == before


@pytest.mark.parametrize("case, status, message", [
    ("on_track", 422, "Only a case that is overdue or due soon can be urged"),
    ("closed", 409, "This action is not possible in the state"),
])
def test_a_case_on_track_or_closed_is_not_urged_and_the_supervisor_is_told_why(app, world, case, status, message):
    sup = english(app, world.sup_a)
    case_id = getattr(world, case)
    page = sup.get(f"/cases/{case_id}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Dispute, case_id).version
    before = written(app)
    response = sup.post(f"/cases/{case_id}/fire/urge_mediators",
                        data={"urge_mediators-csrf_token": csrf(page), "urge_mediators-version": version,
                              "urge_mediators-urging": "督办"})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert written(app) == before


def test_an_urging_without_a_csrf_token_is_refused(app, world):
    sup = english(app, world.sup_a)
    before = written(app)
    with app.app_context():
        version = db.session.get(Dispute, world.late).version
    response = sup.post(f"/cases/{world.late}/fire/urge_mediators",
                        data={"urge_mediators-version": version, "urge_mediators-urging": NOTE})
    assert response.status_code == 400
    assert written(app) == before


@pytest.mark.parametrize("who", ["sup_a", "sup_city", "admin", "m_a1", "gw_a1"])
def test_a_closed_case_s_page_leads_everyone_who_may_open_its_case_file_to_it(app, world, who):
    client = english(app, getattr(world, who))
    page = client.get(f"/cases/{world.closed}").get_data(as_text=True)
    link = re.search(r'id="casefile-link" href="([^"]+)"', page).group(1)
    assert link == f"/supervision/cases/{world.closed}/casefile"
    assert f'href="/supervision/cases/{world.closed}/casefile.pdf"' in page
    assert client.get(link).status_code == 200  # the case file's own check agrees


@pytest.mark.parametrize("who", ["sup_a", "admin", "gw_a1"])
def test_an_open_case_s_page_leads_to_its_case_file_only_for_those_who_work_it(app, world, who):
    assert 'id="casefile-link"' not in english(app, getattr(world, who)).get(f"/cases/{world.led}").get_data(
        as_text=True)
    assert 'id="casefile-link"' in english(app, world.m_a1).get(f"/cases/{world.led}").get_data(as_text=True)


def test_the_overdue_list_asks_the_log_only_of_a_case_whose_row_says_it_is_urged(app, world):
    """The supervisor's overdue cases (today) read the urgings standing in their own statement
    (urgings.standing_columns): none on a case never urged, the count and day on an urged one, as the
    case's own readers give them; and the log is not asked of a row whose urged_at says none stands."""
    from sqlalchemy import update

    from app.disputes.overdue import overdue_query
    from app.engine.urgings import Urged, standing, standing_on, urged_of

    with app.app_context():
        also_late = f.dispute(fs.user_named(world.m_a1), fs.grid(world.grid_a1), now=T0).id
    sup = english(app, world.sup_a)
    assert urge(sup, world.late).status_code == 302
    assert urge(sup, world.late, "再次督办").status_code == 302

    def listed():
        with app.app_context():
            rows = db.session.execute(overdue_query(fs.user_named(world.sup_a), NOW)).unique().all()
            marks = {d.id: (count, last, urged_of(count, last)) for d, _total, count, last in rows}
            # The case's other readers agree with the list's columns.
            for d, *_ in rows:
                assert standing(Dispute, [d]).get(d.id) == marks[d.id][2]
                assert len(standing_on(Dispute, d)) == marks[d.id][0]
            return marks

    marks = listed()
    assert set(marks) == {world.late, also_late}
    assert marks[also_late] == (0, None, None)
    assert marks[world.late] == (2, NOW, Urged(clock.local_date(NOW), 2))

    # The row is what says an urging may stand: with urged_at cleared (as fire() keeps it, never by
    # hand), the list reads none though the log still holds the two urgings.
    with app.app_context():
        db.session.execute(update(Dispute).where(Dispute.id == world.late).values(urged_at=None))
        db.session.commit()
    assert listed() == {world.late: (0, None, None), also_late: (0, None, None)}
