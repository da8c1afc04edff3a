"""Parts of pages rendered once per worker (app/fragments.py): the navigation
and the entries of a case's history. A cached part must never show stale
data: each test warms the cache, changes what the part shows, and reads the
page again in the same app (the same worker's cache)."""
import pytest
from flask import render_template_string

from app.extensions import db
from app.fragments import FragmentCache
from app.notifications.service import notify

from .factories import dispute, login, org, user, walk


@pytest.fixture
def world(app):
    with app.app_context():
        street, communities, grids = org()
        mediator = user("mediator", community=communities[0])
        supervisor = user("supervisor", street=street)
        case = dispute(mediator, grids[0])
        walk(case, mediator, "accept")
        db.session.commit()
        ids = {"mediator": mediator.id, "mediator_name": mediator.username,
               "supervisor_name": supervisor.username, "case": case.id}
        db.session.remove()
    return ids


def _page(client, path="/workflows/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_navigation_shows_the_current_count_language_and_role(app, world):
    mediator = app.test_client()
    login(mediator, world["mediator_name"])
    first = _page(mediator)
    assert 'id="unread-count"' not in first
    assert len(app.extensions["fragments"]) >= 1  # the page came through the cache

    with app.app_context():
        notify(world["mediator"], "assigned", entity_type="dispute", entity_id=world["case"], data={"case": "#1"})
        db.session.commit()
    assert 'id="unread-count">1<' in _page(mediator)
    assert "登记纠纷" in _page(mediator)  # "Register a dispute", in the default language

    page = _page(mediator)
    response = mediator.post("/language/en", data={"csrf_token": _csrf(page), "next": "/workflows/"})
    assert response.status_code == 302
    english = _page(mediator)
    assert "Register a dispute" in english and "登记纠纷" not in english

    supervisor = app.test_client()
    login(supervisor, world["supervisor_name"])
    theirs = _page(supervisor)
    assert 'id="nav-closures"' in theirs and "登记纠纷" not in theirs
    assert 'id="nav-closures"' not in _page(mediator)


def test_a_history_entry_shows_a_renamed_actor_by_the_new_name(app, world):
    client = app.test_client()
    login(client, world["mediator_name"])
    with app.app_context():
        from app.auth.models import User

        old_name = db.session.get(User, world["mediator"]).display_name
    assert old_name in _timeline(client, world["case"])

    with app.app_context():
        db.session.get(User, world["mediator"]).display_name = "改名后的调解员"
        db.session.commit()
    history = _timeline(client, world["case"])
    assert "改名后的调解员" in history and old_name not in history


def _timeline(client, case_id) -> str:
    page = _page(client, f"/cases/{case_id}")
    return page[page.index('id="timeline"'):]


def _csrf(page: str) -> str:
    from .factories import csrf

    return csrf(page)


def _render(app, cache, source, **values):
    with app.test_request_context():
        return render_template_string(source, cached=cache, **values)


PART = "{% call cached('p', n) %}<p>{{ n }}{{ rendered.append(n) or '' }}</p>{% endcall %}"


def test_the_cache_keeps_at_most_its_characters_and_drops_the_least_recently_used(app):
    cache = FragmentCache(max_chars=20)  # two parts of 8 characters
    rendered = []
    for n in ["a", "b", "a", "c", "a", "b"]:
        assert _render(app, cache, PART, n=n, rendered=rendered) == f"<p>{n}</p>"
    # "a" was used again after "b": "c" dropped "b", not "a", which is still kept; "b" is rendered again.
    assert rendered == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_a_part_is_kept_no_longer_than_its_age_and_a_huge_one_not_at_all(app):
    rendered = []
    aged = FragmentCache(max_age=0)
    for _ in range(2):
        _render(app, aged, PART, n="a", rendered=rendered)
    assert rendered == ["a", "a"]
    cache = FragmentCache()
    huge = "{% call cached('h') %}<p>{{ 'x' * 40000 }}{{ rendered.append(1) or '' }}</p>{% endcall %}"
    rendered = []
    for _ in range(2):
        _render(app, cache, huge, rendered=rendered)
    assert rendered == [1, 1] and len(cache) == 0


def test_two_templates_naming_a_part_alike_each_get_their_own(app):
    from flask import render_template
    from jinja2 import ChoiceLoader, DictLoader

    cache = FragmentCache()
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "first.html": "{% call cached('row', 1) %}<i>first</i>{% endcall %}",
        "second.html": "{% call cached('row', 1) %}<b>second</b>{% endcall %}"}), app.jinja_env.loader])
    with app.test_request_context():
        shown = [render_template(name, cached=cache) for name in ("first.html", "second.html", "first.html")]
    assert shown == ["<i>first</i>", "<b>second</b>", "<i>first</i>"]


def test_nothing_is_kept_while_templates_reload(app):
    cache = FragmentCache()
    app.jinja_env.auto_reload = True
    assert _render(app, cache, "{% call cached('x') %}<b>{{ 1 + 1 }}</b>{% endcall %}") == "<b>2</b>"
    assert len(cache) == 0


def test_a_cached_part_is_markup_and_not_escaped_twice(app):
    cache = FragmentCache()
    template = "{% call cached('y', v) %}<i>{{ v }}</i>{% endcall %}"
    first = _render(app, cache, template, v="<&>")
    second = _render(app, cache, template, v="<&>")
    assert first == second == "<i>&lt;&amp;&gt;</i>"
