"""Follow-ups through the web client: the case page's section, recording a
visit, planning an extra one, the list; who may do what, and every refusal
answered with a message, the right status and nothing written."""
import re
from datetime import date, datetime, timedelta

import pytest

from app import clock
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.labels import reason_text
from tests import factories as f
from tests import factories_followups as ff
from tests.factories import csrf, login

AGREED = datetime(2026, 3, 2, 2, 0)          # 10:00 on 2 March, Shanghai
DUE_DAY = datetime(2026, 3, 9, 2, 0)         # 10:00 on 9 March: the 7-day follow-up is due


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        case = ff.agreed_case(lead, grids[0], AGREED)
        plain = ff.mediating_case(lead, grids[0], AGREED)  # no agreement yet
        tick(now=DUE_DAY)
        fu = next(x for x in ff.followups_of(case.id) if x.kind == "after_agreement")
        w = dict(lead=lead.username, lead_id=lead.id, case=case.id, plain=plain.id, fu=fu.id,
                 bystander=f.user("mediator", community=c1).username,
                 outsider=f.user("mediator", community=c2).username,
                 sup=f.user("supervisor", street=street).username,
                 other_sup=f.user("supervisor", street=f.org()[0]).username)
        db.session.remove()
    clock.set_now(DUE_DAY)
    return type("World", (), w)


def english(client):
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})


def as_user(client, username):
    login(client, username)
    english(client)
    return client


def visit_form(client, fu_id, **changes):
    page = client.get(f"/followups/{fu_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    # Nothing is answered in advance for the person who visited.
    performed = re.search(r'<select[^>]*name="fulfilment".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="">', performed), performed
    data = {"csrf_token": csrf(page), "version": version, "visited_on": "2026-03-09", "method": "phone",
            "reached": "申请人本人", "fulfilment": "fully", "satisfaction": "satisfied", "notes": ""}
    data.update(changes)
    return data


def followup(app, fu_id):
    with app.app_context():
        row = db.session.get(FollowUp, fu_id)
        db.session.expunge(row)
        return row


def test_the_case_page_lists_its_follow_ups_and_offers_to_plan_one(client, app, world):
    as_user(client, world.lead)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="followups"' in page and f'data-followup="{world.fu}"' in page
    assert 'data-state="due"' in page and 'data-state="scheduled"' in page
    # The form to plan one is fetched when its panel opens (or in place with ?form=followup).
    assert 'id="followup-form"' in page and 'id="add-followup"' not in page
    with app.app_context():
        version = db.session.get(f.Dispute, world.case).version
    form_url = f"/followups/cases/{world.case}/add?version={version}"
    assert f'data-fetch-form="{form_url}"' in page
    fragment = client.get(form_url)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<form method="post" action="/followups/cases/') and "data-form-fragment" in html
    assert 'id="add-followup"' in html and 'name="planned_on"' in html and "<html" not in html
    opened = client.get(f"/cases/{world.case}?form=followup").get_data(as_text=True)
    assert 'id="add-followup"' in opened and 'class="collapse show" id="followup-form"' in opened
    # A bystander of the same community sees the follow-ups but may not plan one.
    client.post("/logout", data={"csrf_token": csrf(page)})
    as_user(client, world.bystander)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert f'data-followup="{world.fu}"' in page and 'id="followup-form"' not in page
    refused = client.get(form_url)
    assert refused.status_code == 403 and "data-form-fragment" in refused.get_data(as_text=True)
    assert "Only the mediators who work the case may plan its follow-ups." in refused.get_data(as_text=True)
    assert 'id="add-followup"' not in client.get(f"/cases/{world.case}?form=followup").get_data(as_text=True)


def test_a_fetched_follow_up_form_of_a_page_left_open_says_the_case_changed(client, app, world):
    as_user(client, world.lead)
    with app.app_context():
        version = db.session.get(f.Dispute, world.case).version
    answer = client.get(f"/followups/cases/{world.case}/add?version={version - 1}")
    assert answer.status_code == 409
    assert "The case has changed since this page was loaded." in answer.get_data(as_text=True)


def test_recording_not_performed_breaches_the_case_and_shows_on_its_timeline(client, app, world):
    as_user(client, world.lead)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, fulfilment="not",
                                                                          notes="尚未支付"))
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{world.case}#followups")
    page = client.get(answer.location).get_data(as_text=True)
    assert "Follow-up recorded: Not performed." in page
    assert re.search(r'id="case-state">\s*Not performed', page)
    assert "Record non-performance" in page  # the case's own step, on its timeline
    assert "Follow-up visit</span><strong>Record the visit" in page  # the follow-up's step, marked as such
    row = followup(app, world.fu)
    assert (row.state, row.fulfilment, row.method, row.reached, row.visited_on) == (
        "done", "not", "phone", "申请人本人", date(2026, 3, 9))


def test_a_follow_up_row_read_before_a_visit_shows_the_visit_after_it(client, app, world):
    """The case page's follow-up rows are rendered once per worker (app/fragments.py), keyed by what they show."""
    as_user(client, world.lead)
    row = re.compile(rf'data-followup="{world.fu}" data-state="(\w+)".*?</a>', re.S)
    before = row.search(client.get(f"/cases/{world.case}").get_data(as_text=True))
    assert before.group(1) == "due" and "Fully performed" not in before.group(0)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu))
    assert answer.status_code == 302
    after = row.search(client.get(f"/cases/{world.case}").get_data(as_text=True))
    assert after.group(1) == "done" and "Fully performed" in after.group(0) and "Phone call" in after.group(0)


@pytest.mark.parametrize("changes, status, message", [
    ({"visited_on": "2026-03-10"}, 422, "The visit cannot be dated in the future."),
    ({"visited_on": "2026-02-28"}, 422, "The visit cannot be dated before the agreement it follows up."),
    ({"visited_on": ""}, 422, "Give the date of the visit."),
    ({"fulfilment": "maybe"}, 422, "Not a valid choice"),
    ({"fulfilment": ""}, 422, "Say whether the agreement is performed."),
    ({"reached": "", "fulfilment": "partly"}, 422, "Say who was reached"),
    ({"version": "0"}, 409, "Reload the page"),
])
def test_bad_visits_are_refused_with_a_message_and_write_nothing(client, app, world, changes, status, message):
    as_user(client, world.lead)
    before = followup(app, world.fu)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, **changes))
    assert answer.status_code == status
    assert message in answer.get_data(as_text=True)
    after = followup(app, world.fu)
    assert (after.state, after.version, after.fulfilment) == (before.state, before.version, None)
    with app.app_context():
        assert len(ff.events("followup", world.fu)) == 2  # created, became due


def test_a_second_done_is_refused(client, app, world):
    as_user(client, world.lead)
    data = visit_form(client, world.fu)
    assert client.post(f"/followups/{world.fu}/visit", data=data).status_code == 302
    again = client.post(f"/followups/{world.fu}/visit", data=dict(data, fulfilment="not"))
    assert again.status_code == 409
    assert "This follow-up was already recorded" in again.get_data(as_text=True)
    assert followup(app, world.fu).fulfilment == "fully"
    with app.app_context():
        assert [e.trigger for e in ff.events("followup", world.fu)].count("record_visit") == 1


def test_only_the_case_s_mediators_record_and_others_get_403_or_404(client, app, world):
    as_user(client, world.lead)
    data = visit_form(client, world.fu)
    client.post("/logout", data={"csrf_token": data["csrf_token"]})
    as_user(client, world.bystander)
    page = client.get(f"/followups/{world.fu}").get_data(as_text=True)
    assert 'id="visit-form"' not in page and "Only the mediators who work the case" in page
    data["csrf_token"] = csrf(page)
    assert client.post(f"/followups/{world.fu}/visit", data=data).status_code == 403
    client.post("/logout", data={"csrf_token": data["csrf_token"]})
    as_user(client, world.outsider)  # another community: the follow-up does not exist for them
    assert client.get(f"/followups/{world.fu}").status_code == 404
    assert client.post(f"/followups/{world.fu}/visit", data=data).status_code in (400, 404)
    assert followup(app, world.fu).state == "due"


def test_supervisors_read_their_street_s_follow_ups_only(client, app, world):
    as_user(client, world.sup)
    page = client.get(f"/followups/{world.fu}")
    assert page.status_code == 200 and 'id="visit-form"' not in page.get_data(as_text=True)
    token = csrf(page.get_data(as_text=True))
    assert client.post(f"/followups/{world.fu}/visit", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    as_user(client, world.other_sup)
    assert client.get(f"/followups/{world.fu}").status_code == 404


def test_planning_a_follow_up_for_a_case_without_an_agreement_is_refused(client, app, world):
    as_user(client, world.lead)
    page = client.get(f"/cases/{world.plain}").get_data(as_text=True)
    assert 'id="followup-form"' not in page
    fragment = client.get(f"/followups/cases/{world.plain}/add")
    assert fragment.status_code == 422 and "data-form-fragment" in fragment.get_data(as_text=True)
    assert "This case has no agreement being performed" in fragment.get_data(as_text=True)
    with app.app_context():
        version = db.session.get(f.Dispute, world.plain).version
    answer = client.post(f"/followups/cases/{world.plain}/add",
                         data={"csrf_token": csrf(page), "version": version, "planned_on": "2026-03-10"})
    assert answer.status_code == 422
    assert "This case has no agreement being performed" in answer.get_data(as_text=True)
    with app.app_context():
        assert ff.followups_of(world.plain) == []


def test_planning_an_extra_follow_up(client, app, world):
    as_user(client, world.lead)
    page = client.get(f"/cases/{world.case}?form=followup").get_data(as_text=True)
    version = re.search(r'id="add-followup".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    data = {"csrf_token": csrf(page), "version": version}
    for day, status, message in [("2026-03-08", 422, "Plan the follow-up for today"),
                                 ("2027-06-01", 422, "Plan the follow-up for today"),
                                 ("", 422, "Give the day of the follow-up.")]:
        answer = client.post(f"/followups/cases/{world.case}/add", data=dict(data, planned_on=day))
        assert answer.status_code == status and message in answer.get_data(as_text=True)
    assert len(ff_rows(app, world.case)) == 2
    answer = client.post(f"/followups/cases/{world.case}/add", data=dict(data, planned_on="2026-03-12"))
    assert answer.status_code == 302
    rows = ff_rows(app, world.case)
    assert [(r.kind, r.planned_for) for r in rows if r.kind == "extra"] == [("extra", datetime(2026, 3, 11, 16))]


def test_an_extra_follow_up_on_a_day_the_case_has_one_is_refused(client, app, world):
    """One visit a case and day: a second would be listed twice on the today page (and the case's)."""
    as_user(client, world.lead)
    page = client.get(f"/cases/{world.case}?form=followup").get_data(as_text=True)
    version = re.search(r'id="add-followup".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    # The agreement's own follow-ups: due today (9 March) and on its performance deadline (20 March).
    answer = client.post(f"/followups/cases/{world.case}/add",
                         data={"csrf_token": csrf(page), "version": version, "planned_on": "2026-03-20"})
    assert answer.status_code == 422
    assert "A follow-up of this case is already planned for" in answer.get_data(as_text=True)
    assert len(ff_rows(app, world.case)) == 2


def test_a_follow_up_plan_sent_back_opens_on_the_case_page_where_it_was_filled_in(client, app, world):
    """No day, or a day out of range: the case page again with the form open
    in its panel, the field marked and focused, the top message linking to
    the panel. Nothing is planned."""
    as_user(client, world.lead)
    page = client.get(f"/cases/{world.case}?form=followup").get_data(as_text=True)
    version = re.search(r'id="add-followup".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    data = {"csrf_token": csrf(page), "version": version}
    for day, message in [("", "Give the day of the follow-up."),
                         ("2027-06-01", "Plan the follow-up for today or a day within the next year.")]:
        answer = client.post(f"/followups/cases/{world.case}/add", data=dict(data, planned_on=day))
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert 'id="case-state"' in html  # the case page, not a page of its own
        f.assert_sent_back(html, "planned_on", "followup-form")
        assert 'class="collapse show" id="followup-form"' in html
        assert re.search(rf'<input[^>]*class="form-control is-invalid"[^>]*name="planned_on"[^>]*value="{day}"',
                         html)
        assert f'<div class="invalid-feedback" id="planned_on-error1">{message}</div>' in html
    assert len(ff_rows(app, world.case)) == 2


def test_a_follow_up_plan_on_a_case_changed_meanwhile_is_a_conflict_on_the_case_page(client, app, world):
    as_user(client, world.lead)
    page = client.get(f"/cases/{world.case}?form=followup").get_data(as_text=True)
    version = re.search(r'id="add-followup".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    with app.app_context():
        from app.engine.edits import edit
        from app.auth.models import User

        edit(db.session.get(f.Dispute, world.case), db.session.get(User, world.lead_id), {"place": "社区调解室"})
    answer = client.post(f"/followups/cases/{world.case}/add",
                         data={"csrf_token": csrf(page), "version": version, "planned_on": "2026-03-12"})
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert 'id="case-state"' in html and "社区调解室" in html and "This was changed by" in html
    assert 'id="add-followup"' not in html  # opened again from its panel, with the case as it is now
    assert len(ff_rows(app, world.case)) == 2


def ff_rows(app, case_id):
    with app.app_context():
        rows = ff.followups_of(case_id)
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_list_filters_and_sorts_by_colour(client, app, world):
    clock.set_now(DUE_DAY + timedelta(days=4))  # 13 March: the 7-day follow-up is overdue
    with app.app_context():
        tick()
    as_user(client, world.lead)
    page = client.get("/followups/").get_data(as_text=True)
    rows = re.findall(r'data-followup="(\d+)" data-state="(\w+)" data-colour="(\w+)"', page)
    assert rows[0] == (str(world.fu), "overdue", "red")  # most urgent first, and mine by default
    assert {state for _, state, _ in rows} == {"overdue", "scheduled"}
    red = client.get("/followups/?colour=red&state=open&mine=1").get_data(as_text=True)
    assert re.findall(r'data-followup="(\d+)"', red) == [str(world.fu)]
    assert 'id="deadline-legend"' in red
    blue = client.get("/followups/?colour=blue&state=all").get_data(as_text=True)
    assert str(world.fu) not in re.findall(r'data-followup="(\d+)"', blue)
    # A bad filter value is ignored, never a 500.
    assert client.get("/followups/?colour=purple&state=nope&page=x").status_code == 200


def test_follow_up_pages_need_a_login(client, world):
    assert client.get(f"/followups/{world.fu}").status_code == 302
    assert client.get("/followups/").status_code == 302
    assert client.post(f"/followups/{world.fu}/visit").status_code in (400, 401)


def test_a_visit_without_a_csrf_token_is_refused(client, app, world):
    as_user(client, world.lead)
    data = visit_form(client, world.fu)
    del data["csrf_token"]
    assert client.post(f"/followups/{world.fu}/visit", data=data).status_code == 400
    assert followup(app, world.fu).state == "due"




def _audit(app, entity_type, entity_id=None):
    with app.app_context():
        return [(e.trigger, e.from_state, e.to_state, e.actor_id) for e in ff.events(entity_type, entity_id)]


def _case_state(app, case_id):
    with app.app_context():
        return db.session.get(f.Dispute, case_id).state


CONFIRM_BOX = re.compile(r'<input[^>]*name="mark_fulfilled"[^>]*>')


def test_a_fully_performed_visit_also_confirms_the_case_performed_ticked_by_default(client, app, world):
    as_user(client, world.lead)
    # Offered on any open follow-up of a case whose performance may be confirmed, ticked.
    box = CONFIRM_BOX.search(client.get(f"/followups/{world.fu}").get_data(as_text=True))
    assert box and "checked" in box.group(0)
    [other] = [r.id for r in ff_rows(app, world.case) if r.kind == "perform_by"]
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, mark_fulfilled="y"))
    assert answer.status_code == 302
    page = client.get(answer.location).get_data(as_text=True)
    assert re.search(r'id="case-state">\s*Fulfilled', page)
    assert "confirmed performed; its other planned follow-ups were cancelled" in page
    assert _case_state(app, world.case) == "fulfilled"
    assert followup(app, world.fu).state == "done"
    # The case step's own effect cancels the follow-ups left, by the system, with its reason.
    assert followup(app, other).state == "cancelled"
    with app.app_context():
        [cancel] = ff.events("followup", other)[-1:]
        assert (cancel.trigger, cancel.from_state, cancel.to_state) == ("cancel", "scheduled", "cancelled")
        assert reason_text(cancel.reason, "en") == "The case's agreement was confirmed performed"
        fulfil = ff.events("dispute", world.case)[-1]
        assert reason_text(fulfil.reason, "en") == "The follow-up visit confirmed the agreement fully performed"
    # Both steps audited, by the mediator, in one transaction's order.
    assert _audit(app, "dispute", world.case)[-2:] == [("start_performance", "agreed", "performing", world.lead_id),
                                                      ("fulfil", "performing", "fulfilled", world.lead_id)]
    assert _audit(app, "followup", world.fu)[-1] == ("record_visit", "due", "done", world.lead_id)
    with app.app_context():
        assert verify() == []


def test_an_unticked_box_leaves_the_case_as_it_was(client, app, world):
    as_user(client, world.lead)
    before = _audit(app, "dispute", world.case)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu))  # box not sent
    assert answer.status_code == 302
    assert "confirmed performed" not in client.get(answer.location).get_data(as_text=True)
    assert _case_state(app, world.case) == "agreed"
    assert _audit(app, "dispute", world.case) == before
    [other] = [r for r in ff_rows(app, world.case) if r.kind == "perform_by"]
    assert other.state == "scheduled"


LEFT_ASIDE = "The agreement was not confirmed performed: only a visit that finds it “Fully performed” does that"


@pytest.mark.parametrize("result", ["partly", "unreachable"])
def test_the_tick_counts_only_with_a_fully_performed_result(client, app, world, result):
    """Sent ticked (the form without a script shows the box whatever the result): the visit is recorded, the
    case left as it was, and the mediator told the box was left aside."""
    as_user(client, world.lead)
    answer = client.post(f"/followups/{world.fu}/visit",
                         data=visit_form(client, world.fu, fulfilment=result, mark_fulfilled="y"))
    assert answer.status_code == 302
    assert _case_state(app, world.case) == "agreed"
    assert followup(app, world.fu).fulfilment == result
    page = client.get(answer.location).get_data(as_text=True)
    assert LEFT_ASIDE in page and "alert-warning" in page
    assert "its other planned follow-ups were cancelled" not in page


def test_a_not_performed_visit_sent_ticked_breaches_the_case_and_says_the_box_was_left_aside(client, app, world):
    as_user(client, world.lead)
    answer = client.post(f"/followups/{world.fu}/visit",
                         data=visit_form(client, world.fu, fulfilment="not", mark_fulfilled="y"))
    assert answer.status_code == 302
    assert _case_state(app, world.case) == "breached"
    assert LEFT_ASIDE in client.get(answer.location).get_data(as_text=True)


def test_the_box_is_shown_only_beside_a_fully_performed_result_and_nothing_is_said_without_it(client, app, world):
    """The page marks the box's block for the script that shows it only with "fully performed" (the script's
    work itself: tests/test_browser_followups.py); a visit sent unticked, or fully performed, hears nothing of
    a box left aside."""
    as_user(client, world.lead)
    page = client.get(f"/followups/{world.fu}").get_data(as_text=True)
    block = page.split('id="confirm-performed"')[1].split("</form>")[0]
    assert block.startswith(' data-when-fulfilment="fully"') and CONFIRM_BOX.search(block)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, fulfilment="partly"))
    assert answer.status_code == 302 and LEFT_ASIDE not in client.get(answer.location).get_data(as_text=True)


def test_a_case_step_refused_by_its_guard_writes_nothing_and_the_form_says_why(client, app, world, monkeypatch):
    import dataclasses

    from app.engine.hooks import GUARDS
    from workflows.dispute import DISPUTE

    start = DISPUTE.transition("start_performance", "agreed")
    monkeypatch.setitem(GUARDS, "test_not_now", lambda dispute, actor, data: "Not confirmable in this test.")
    monkeypatch.setitem(DISPUTE._trigger_index, ("start_performance", "agreed"),
                        dataclasses.replace(start, guards=("test_not_now",)))
    as_user(client, world.lead)
    # Not offered while the case's step would refuse.
    assert not CONFIRM_BOX.search(client.get(f"/followups/{world.fu}").get_data(as_text=True))
    before = (_audit(app, "dispute", world.case), _audit(app, "followup"))
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, mark_fulfilled="y"))
    assert answer.status_code == 422
    assert "Not confirmable in this test." in answer.get_data(as_text=True)
    assert (_audit(app, "dispute", world.case), _audit(app, "followup")) == before
    assert followup(app, world.fu).state == "due"
    assert _case_state(app, world.case) == "agreed"


def test_confirming_is_refused_on_a_case_recorded_not_performed(client, app, world):
    as_user(client, world.lead)
    assert client.post(f"/followups/{world.fu}/visit",
                       data=visit_form(client, world.fu, fulfilment="not")).status_code == 302
    [other] = [r.id for r in ff_rows(app, world.case) if r.kind == "perform_by"]
    clock.set_now(datetime(2026, 3, 20, 2, 0))
    with app.app_context():
        tick()
    assert not CONFIRM_BOX.search(client.get(f"/followups/{other}").get_data(as_text=True))
    before = _audit(app, "followup")
    answer = client.post(f"/followups/{other}/visit",
                         data=visit_form(client, other, visited_on="2026-03-20", mark_fulfilled="y"))
    assert answer.status_code == 422
    assert "press for performance on the case page first" in answer.get_data(as_text=True)
    assert _audit(app, "followup") == before
    assert _case_state(app, world.case) == "breached"


def test_only_the_case_mediators_may_confirm_through_a_visit(app, world):
    for who in (world.bystander, world.outsider, world.sup):
        client = as_user(app.test_client(), who)
        page = client.get("/today").get_data(as_text=True)
        answer = client.post(f"/followups/{world.fu}/visit",
                             data={"csrf_token": csrf(page), "version": "1", "visited_on": "2026-03-09",
                                   "method": "phone", "reached": "x", "fulfilment": "fully",
                                   "mark_fulfilled": "y"})
        assert answer.status_code in (403, 404), (who, answer.status_code)
    assert _case_state(app, world.case) == "agreed"
    assert followup(app, world.fu).state == "due"


def test_who_was_reached_is_marked_required_and_its_absence_marked_next_to_it(client, app, world):
    login(client, world.lead)
    page = client.get(f"/followups/{world.fu}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="reached"[^>]*required', page)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, reached=" ",
                                                                         fulfilment="partly"))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'role="alert">请按提示更正标出的填写项。\s*<a class="alert-link" href="#visit">转到表单</a>', page)
    assert re.search(r'<input[^>]*autofocus[^>]*class="form-control is-invalid"[^>]*name="reached"', page)
    assert "请填写回访对象（或选择“无法联系”）。" in page
    assert followup(app, world.fu).state == "due"


def test_no_one_reached_needs_no_name(client, app, world):
    login(client, world.lead)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, reached="",
                                                                         fulfilment="unreachable"))
    assert answer.status_code == 302
    assert followup(app, world.fu).fulfilment == "unreachable"


def test_a_visit_sent_empty_puts_the_focus_on_the_first_marked_field_in_the_page_s_order(client, app, world):
    login(client, world.lead)
    answer = client.post(f"/followups/{world.fu}/visit", data=visit_form(client, world.fu, reached="",
                                                                         fulfilment=""))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    marked = re.findall(r'<(?:input|select)[^>]*is-invalid[^>]*name="(\w+)"', page)
    assert marked[:2] == ["fulfilment", "reached"]  # the performance question comes first on the page
    focused = re.findall(r'<(?:input|select)[^>]*autofocus[^>]*name="(\w+)"', page)
    assert focused == ["fulfilment"]


def test_the_visit_form_says_what_not_performed_does_in_the_page_s_language(client, world):
    as_user(client, world.lead)
    form = client.get(f"/followups/{world.fu}").get_data(as_text=True).split('id="visit-form"')[1].split("</form>")[0]
    assert "Choosing “Not performed” puts the case itself in the state “Not performed”." in form
    assert not re.search(r"[\u4e00-\u9fff]", form)
