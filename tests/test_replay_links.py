"""Replay "as of" (issue 16, item 4): it opens on the present moment, an
empty submission shows the present instead of nothing, and every timeline
event links to the case as it stood right after that event."""
import re
from datetime import datetime

from app import clock
from tests.factories import login
from tests.test_supervision_history import story, text_of, world  # noqa: F401  (fixtures, used by name)

NOW = datetime(2026, 3, 25, 2, 0)  # 10:00 on 25 March, Shanghai: after the story's closure


def test_the_replay_opens_on_now_and_an_empty_time_means_now(client, world, story):
    clock.set_now(NOW)
    login(client, world.sup_a)
    for url in (f"/supervision/cases/{story}/as-of", f"/supervision/cases/{story}/as-of?at="):
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'value="2026-03-25T10:00:00"' in html
        assert text_of(html, "snap-state") == "已结案"


def test_every_timeline_event_links_to_the_case_as_it_stood_after_it(client, world, story):
    clock.set_now(NOW)
    login(client, world.sup_a)
    html = client.get(f"/supervision/cases/{story}").get_data(as_text=True)
    timeline = html[html.index('id="timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    links = re.findall(r'class="as-of-here" href="([^"]+)"', timeline)
    assert len(links) == len(re.findall(r"<li( class=\"set-off\")?>\s*<div>", timeline))  # one per event, set off or not
    states = [text_of(client.get(link.replace("&amp;", "&")).get_data(as_text=True), "snap-state")
              for link in reversed(links)]  # oldest first
    # The story's steps come several to a moment (accepted and assigned at once): each link shows the
    # case after its moment's steps, from the report to the closure.
    assert states[0] == "待受理" and states[-1] == "已结案"
    assert list(dict.fromkeys(states)) == ["待受理", "已指派", "达成协议", "已结案"]
