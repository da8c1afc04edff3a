"""The case page carries the form of the open step only: the other steps are
headings whose form the page fetches when one is opened (/cases/<id>/steps/<trigger>),
or a link to the page with that form open (?step=)."""
import re

from sqlalchemy import select

from app.disputes.models import Dispute
from app.engine.edits import edit
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login
from tests.test_disputes_web import case_page, world  # noqa: F401  (fixture)


def test_the_case_page_offers_each_step_with_no_form(client, world):
    login(client, world.m1)
    page = case_page(client, world.case)
    steps = re.findall(r'data-step="(\w+)"', page)
    assert {"accept", "reject"} <= set(steps)
    for step in steps:
        assert f'name="{step}-version"' not in page and f'data-trigger="{step}"' not in page
        assert f'data-fetch-form="/cases/{world.case}/steps/{step}?version=1"' in page
        assert f'href="/cases/{world.case}?step={step}#act-{step}"' in page  # without scripts


def test_a_step_named_in_the_address_opens_with_its_form_alone(client, world):
    login(client, world.m1)
    page = case_page(client, world.case, step="reject")
    assert 'id="act-reject" class="accordion-collapse collapse show"' in page
    assert 'name="reject-version" type="hidden" value="1"' in page and 'name="reject-route"' in page
    assert 'name="accept-version"' not in page
    assert 'id="act-accept" class="accordion-collapse collapse "' in page  # the others stay closed


def test_the_fetched_form_is_the_step_alone_and_it_takes_the_step(app, client, world):
    login(client, world.m1)
    response = client.get(f"/cases/{world.case}/steps/accept?version=1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<form") and "<html" not in html
    assert "data-form-fragment" in html.split(">", 1)[0]  # what the page's script inserts
    assert f'action="/cases/{world.case}/fire/accept"' in html and 'data-trigger="accept">受理</button>' in html
    answer = client.post(f"/cases/{world.case}/fire/accept", data={
        "accept-csrf_token": csrf(html), "accept-version": "1", "accept-reason": "材料齐全"})
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "accepted"


def test_a_form_fetched_after_a_change_says_the_case_changed_and_a_stale_one_is_refused(app, client, world):
    """The page showed version 1; a colleague edits the case before the panel
    is opened: the panel says the case changed instead of a form bound to be
    refused, and a form of version 1 sent all the same is refused as stale,
    naming who changed the case."""
    login(client, world.m1)
    page = case_page(client, world.case)
    url = re.search(r'data-fetch-form="([^"]+/steps/reject[^"]*)"', page).group(1).replace("&amp;", "&")
    stale = client.get(url).get_data(as_text=True)  # fetched before the change
    assert 'name="reject-version" type="hidden" value="1"' in stale
    with app.app_context():
        colleague = f.user("mediator", community=db.session.get(f.Community, world.c1))
        edit(db.session.get(Dispute, world.case), colleague, {"place": "三号楼东侧"})
        db.session.commit()
        colleague_name = colleague.display_name
    response = client.get(url)
    assert response.status_code == 409 and "reject-version" not in response.get_data(as_text=True)
    assert "案件在页面打开后已有变化" in response.get_data(as_text=True)
    answer = client.post(f"/cases/{world.case}/fire/reject", data={
        "reject-csrf_token": csrf(stale), "reject-version": "1", "reject-route": "court", "reject-reason": "重复"})
    assert answer.status_code == 409 and colleague_name in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "submitted"
    fresh = client.get(f"/cases/{world.case}/steps/reject").get_data(as_text=True)
    assert 'name="reject-version" type="hidden" value="2"' in fresh  # no version given: the current one


def test_a_step_no_longer_offered_says_so_and_what_to_do(client, world):
    login(client, world.m1)
    page = case_page(client, world.case, step="accept")
    client.post(f"/cases/{world.case}/fire/accept", data={"accept-csrf_token": csrf(page), "accept-version": "1"})
    response = client.get(f"/cases/{world.case}/steps/accept?version=1")
    assert response.status_code == 409
    assert "此案件已不能办理这一步" in response.get_data(as_text=True) and "刷新页面" in response.get_data(as_text=True)


def test_a_step_never_offered_to_this_user_says_why_rather_than_that_it_moved_on(client, world):
    """A mistyped step name, or a step of another role, could never have
    been offered: the page does not tell the user to reload for it."""
    login(client, world.m1)
    response = client.get(f"/cases/{world.case}/steps/no_such_step")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "案件没有这个名称的步骤" in html and "刷新页面" not in html
    response = client.get(f"/cases/{world.case}/steps/reopen")  # the supervisor reopens a closed case
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "这一步不由您的角色办理，而由：督导" in html
    response = client.get(f"/cases/{world.case}/steps/confirmation_window_closed")  # the timer's own
    assert response.status_code == 403 and "系统在期限届满时自动办理" in response.get_data(as_text=True)
    page = client.get(f"/cases/{world.case}?step=reopen").get_data(as_text=True)
    assert "这一步不由您的角色办理，而由：督导" in page
    page = client.get(f"/cases/{world.case}?step=no_such_step").get_data(as_text=True)
    assert "案件没有这个名称的步骤" in page and "此案件已不能办理这一步" not in page


def test_a_step_a_check_refuses_says_what_to_do_rather_than_to_reload(app, client, world):
    """The case's state offers 受理 to its mediator, but a case with no party
    cannot be accepted: the step's form and the page opened on it say so."""
    with app.app_context():
        mediator = db.session.execute(select(f.User).where(f.User.username == world.m1)).scalar_one()
        bare = f.dispute(mediator, db.session.get(f.Grid, world.g1), parties=0).id
    login(client, world.m1)
    response = client.get(f"/cases/{bare}/steps/accept")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "受理前请至少登记一名当事人" in html and "刷新页面" not in html
    page = client.get(f"/cases/{bare}?step=accept").get_data(as_text=True)
    assert "受理前请至少登记一名当事人" in page and "此案件已不能办理这一步" not in page


def test_the_step_forms_keep_the_case_pages_scope(client, world):
    assert client.get(f"/cases/{world.case}/steps/accept").status_code == 302  # to the login page
    login(client, world.m2)  # another community's mediator
    assert client.get(f"/cases/{world.case}/steps/accept").status_code == 404
    client.post("/logout", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True))})
    login(client, world.sup)  # supervisors read cases; they take no step on them here
    response = client.get(f"/cases/{world.case}/steps/accept")
    assert response.status_code == 403 and 'name="accept-version"' not in response.get_data(as_text=True)
    assert "这一步不由您的角色办理，而由：调解员" in response.get_data(as_text=True)


def test_a_link_to_a_step_no_longer_offered_opens_the_page_saying_so(client, world):
    login(client, world.m1)
    page = case_page(client, world.case, step="accept")
    client.post(f"/cases/{world.case}/fire/accept", data={"accept-csrf_token": csrf(page), "accept-version": "1"})
    response = client.get(f"/cases/{world.case}?step=accept")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "此案件已不能办理这一步" in html
    assert 'name="accept-version"' not in html and 'id="case-state">已受理<' in html
