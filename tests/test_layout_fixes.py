"""Issue 16, item 5: the thank-you page checks progress with the code it
shows (in a form, never in a URL); /rota/plan lists no "seats that cannot be
filled" before anything is planned; the mediator choosing whom to assign
finds themself marked; short Chinese button labels do not wrap."""
import re
from pathlib import Path

from app.extensions import db
from tests import factories as f
from tests import factories_rota as fr
from tests.factories import csrf, login
from tests.test_rota_web import check_in, world  # noqa: F401  (a published month, its first duty: by name)

TEMPLATES = Path(__file__).resolve().parent.parent / "app/templates"


def test_the_thank_you_page_checks_progress_with_its_code(client, app):
    with app.app_context():
        _street, (c1, _c2), _grids = f.org()
        community = c1.id
        db.session.remove()
    form = client.get("/report").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', form).group(1)
    thanks = client.post("/report", data={"csrf_token": csrf(form), "submission_token": token,
                                          "community_id": community, "description": "楼道堆放杂物。"})
    html = thanks.get_data(as_text=True)
    code = re.search(r'id="tracking-code">\s*(\w+)\s*<', html).group(1)
    track_form = html[html.index('id="track-now"'):]
    assert f'name="code" value="{code}"' in track_form and 'action="/track"' in html
    assert code not in re.sub(r'name="code" value="\w+"', "", html).replace(f">{code}<", "")  # in no link
    status = client.post("/track", data={"csrf_token": csrf(track_form), "code": code})
    assert status.status_code == 200 and 'id="track-status"' in status.get_data(as_text=True)


def test_the_plan_page_lists_no_unfilled_saturdays_before_anything_is_planned(client, app):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2)
        username = coordinator.username
        db.session.remove()
    login(client, username)
    html = client.get("/rota/plan").get_data(as_text=True)
    assert 'id="unfilled"' not in html


def test_the_mediator_finds_themself_marked_among_those_to_assign(client, app):
    with app.app_context():
        _street, (c1, _c2), grids = f.org()
        me = f.user("mediator", community=c1)
        f.user("mediator", community=c1)
        case = f.walk(f.dispute(me, grids[0]), me, "accept").id
        name, username = me.display_name, me.username
        db.session.remove()
    login(client, username)
    html = client.get(f"/cases/{case}?step=assign").get_data(as_text=True)
    mine = re.search(r'<select[^>]*id="assign-mediator_id".*?</select>', html, re.S).group(0)
    assert re.search(rf'<optgroup label="本人">\s*<option[^>]*>{name}</option>\s*</optgroup>', mine)
    assert '<optgroup label="同事">' in mine


def test_short_button_labels_do_not_wrap():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for label in ("Apply", "Set"):
            for button in re.findall(rf"<button[^>]*>{{{{ _\('{label}'\) }}}}</button>", text):
                assert "text-nowrap" in button, f"{path.name}: {button}"


def test_a_city_supervisor_is_not_offered_a_sweep_to_record(client, app):
    """A city-level supervisor (no street) has no sweep of their own: the button would answer 403."""
    with app.app_context():
        f.org()
        city = f.user("supervisor").username
        db.session.remove()
    login(client, city)
    assert 'id="record-sweep"' not in client.get("/sweeps/").get_data(as_text=True)
    assert client.get("/sweeps/record").status_code == 403


def test_ending_the_duty_comes_after_the_consultation_form_and_quietly(app, world):
    client = check_in(app, world)
    html = client.get(f"/rota/duties/{world['duty']}").get_data(as_text=True)
    form_at, end_at = html.index('id="consultation-form"'), html.index('data-trigger="complete"')
    assert form_at < end_at
    end_button = html[html.rindex("<button", 0, end_at):end_at]
    # An outline button, not the page's main one; red, as every step that cannot be undone, and it asks first.
    assert "btn-outline-danger" in end_button and "btn-primary" not in end_button
    end_form = html[html.rindex("<form", 0, end_at):end_at]
    assert "data-confirm=" in end_form and 'name="_confirm"' in end_form
