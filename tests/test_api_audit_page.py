"""The audit log page names the API client for the events an integrator
caused (it has no user account: its name is in each event's data)."""
import re

from tests import factories as f
from tests.factories import login
from tests.factories_api import bearer, cli_client, png_base64


def who_column(html: str) -> dict[str, list[str]]:
    """trigger -> the text of the "Who" cells of its rows."""
    found = {}
    for trigger, who in re.findall(r'<tr data-trigger="([^"]+)"[^>]*>(?:(?!</tr>).)*?'
                                   r'<td [^>]*class="event-who"><span class="text-nowrap">([^<]*)</span>', html, re.S):
        found.setdefault(trigger, []).append(who.strip())
    return found


def test_api_events_name_their_client(app, client):
    with app.app_context():
        _, communities, _ = f.org()
        community = communities[0].id
        admin = f.user("admin", username="root").username
    token = cli_client(app, "hotline", "disputes:write")
    sent = client.post("/api/v1/disputes", headers=bearer(token), json={
        "community_id": community, "description": "楼上漏水", "photos": [png_base64()]})
    assert sent.status_code == 201, sent.json
    assert client.get("/api/v1/disputes", headers=bearer(token)).status_code == 403  # lacks disputes:read
    login(client, admin)
    page = client.get("/audit/?role=api_client")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    who = who_column(html)
    assert who["create"] == ["hotline"] and who["upload"] == ["hotline"] and who["api_refused"] == ["hotline"]
    assert "对接系统" in html  # the role's label, not its code
    # Only the integrator's own events are named from their data: the CLI's creation of the client (the
    # system's event, whose data also holds the client's name) is not shown as done by the client.
    everyone = who_column(client.get("/audit/").get_data(as_text=True))
    assert everyone["create"].count("hotline") == 1


def test_a_clients_own_events_say_what_they_are_about_in_words(app, client):
    """The client's creation and a refused call were "api_client #1": the
    kind of row in words, and the client by its name."""
    with app.app_context():
        f.org()
        admin = f.user("admin", username="root").username
    token = cli_client(app, "hotline", "disputes:write")
    assert client.get("/api/v1/disputes", headers=bearer(token)).status_code == 403
    login(client, admin)
    html = client.get("/audit/?entity_type=api_client").get_data(as_text=True)
    subjects = re.findall(r'<tr data-trigger="(create|api_refused)" data-entity="api_client:\d+"[^>]*>'
                          r'(?:(?!</tr>).)*?<td [^>]*class="event-what">([^<]*)</td>', html, re.S)
    assert sorted(subjects) == [("api_refused", "接口客户端 hotline"), ("create", "接口客户端 hotline")]
    assert "api_client #" not in html
