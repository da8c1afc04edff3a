"""What the liaison and the supervisor see of a referral once it is urged
(the urging's box above the actions, the mark beside the state, the
supervisor's form folded once used), how the lists and the today page name
referrals (by community, dispute type and the day sent, with the deadline an
escalated one missed), and where the error pages send each role back to."""
import html
import re

import pytest

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.referrals.models import Referral
from tests import factories as f
from tests.factories import csrf, login
from tests.test_referrals_urge import LATE, SENT, page_of, urge, world  # noqa: F401  (the fixture)


def client_of(app, username):
    client = app.test_client()
    login(client, username)
    return client


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/account").get_data(as_text=True)),
                                      "next": "/account"})


def box(page):
    match = re.search(r'id="urging-box".*?</div>', page, re.S)
    return match.group(0) if match else None


def test_the_liaison_reads_the_urging_above_the_acknowledge_button_with_the_mark_by_the_state(app, world):
    sup = client_of(app, world.sup)
    liaison = client_of(app, world.liaison)
    assert box(page_of(liaison, world.late)) is None  # escalated, not urged yet
    assert urge(sup, world.late, "请今日内签收并联系申请人。").status_code == 302
    page = page_of(liaison, world.late)
    urged = box(page)
    assert urged is not None and "请今日内签收并联系申请人。" in urged
    assert "3月3日" in urged or "2026" in urged  # the day of the urging
    with app.app_context():
        name = db.session.execute(select(User.display_name).where(User.username == world.sup)).scalar_one()
    assert name in urged
    assert page.index('id="urging-box"') < page.index('id="do-acknowledge"')
    header = page[:page.index('id="urging-box"')]
    assert 'class="badge text-bg-warning urged-mark" data-urged="1"' in header
    # Once acknowledged, the urging no longer stands: no box, no mark.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    liaison.post(f"/referrals/{world.late}/acknowledge", data={"csrf_token": csrf(page), "version": version})
    after = page_of(liaison, world.late)
    assert box(after) is None and "urged-mark" not in after


def test_the_supervisor_who_just_urged_finds_the_form_folded_behind_a_button(app, world):
    sup = client_of(app, world.sup)
    first = page_of(sup, world.late)
    assert 'id="urge-again"' not in first and 'id="step-urge"' in first  # not urged yet: the form is open
    urge(sup, world.late, "请今日内签收。")
    page = page_of(sup, world.late)
    assert box(page) is not None
    folded = page[page.index('id="urge-again"'):]
    assert folded.index("<summary") < folded.index('id="step-urge"') < folded.index("</details>")
    # Sent back with its errors (an empty note), the form shows open again.
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    back = sup.post(f"/referrals/{world.late}/urge", data={"csrf_token": token, "version": version, "urging": ""})
    assert back.status_code in (409, 422)
    assert 'id="urge-again"' not in back.get_data(as_text=True)


def test_the_liaisons_list_and_today_name_referrals_by_community_type_and_day_and_the_missed_deadline(app, world):
    liaison = client_of(app, world.liaison)
    english(liaison)
    with app.app_context():
        late = db.session.get(Referral, world.late)
        community = late.dispute.community.name
    page = liaison.get("/referrals/").get_data(as_text=True)
    names = re.findall(r'<strong data-referral-name>(.*?)</strong>', page)
    assert len(names) == 2
    assert all(community in name and "sent" in name for name in names)
    assert all(f"#{late.dispute_id}" not in name and "环保" not in name for name in names)
    row = page[page.index(f'data-referral="{world.late}"'):]
    row = row[:row.index("</a>")]
    assert "data-missed" in row and "acknowledgement was due" in row
    today = liaison.get("/today").get_data(as_text=True)
    assert names[0] in today or names[1] in today
    assert "acknowledgement was due" in today


def test_the_centres_staff_see_the_department_with_the_referrals_name(app, world):
    mediator = client_of(app, world.mediator)
    page = mediator.get("/referrals/").get_data(as_text=True)
    row = page[page.index(f'data-referral="{world.fresh}"'):]
    assert "环保" in row[:row.index("</a>")]


@pytest.mark.parametrize("role, back", [("liaison", "Back to my department's referrals"),
                                        ("mediator", "Back to my cases"), ("elder", "Back to my invitations"),
                                        ("lawyer", "Back to my Saturday duties")])
def test_the_404_page_sends_each_role_back_to_its_own_start(app, role, back):
    with app.app_context():
        f.org()
        username = f.user(role).username
    client = client_of(app, username)
    english(client)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = html.unescape(response.get_data(as_text=True))
    assert back in page and "case list" not in page
    assert re.search(r'href="/"[^>]*id="error-back"', page)  # the start page takes each role to its own


def test_the_404_page_says_it_to_a_liaison_in_chinese_without_a_case_list(app, world):
    liaison = client_of(app, world.liaison)
    page = liaison.get("/referrals/99999").get_data(as_text=True)
    assert "案件列表" not in page


@pytest.mark.parametrize("role, told, not_told", [
    ("admin", "another role's work", "Ask the administrator"),
    ("supervisor", "Ask the administrator", "another role's work"),
    ("mediator", "Ask your supervisor", "Ask the administrator")])
def test_the_403_page_tells_each_role_whom_to_ask(app, role, told, not_told):
    with app.app_context():
        f.org()
        username = f.user(role).username
    client = client_of(app, username)
    english(client)
    response = client.get("/rota/plan")  # the coordinator's page
    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    assert told in page and not_told not in page
