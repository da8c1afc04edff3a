"""The audit browser (every event, filters, scope, logins, reveals and
exports) and the integrity check page (result, digest download, checking
against a kept digest pasted or uploaded, forged or garbage digests)."""
import io
import re

import pytest
from sqlalchemy import func, select

from app.audit.chain import current_digest
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        w.case_a = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1)).id
        w.case_b = f.dispute(fs.user_named(w.m_b1), fs.grid(w.grid_b1)).id
        db.session.remove()
        return w


def rows(client, query=""):
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.findall(r'<tr data-trigger="([^"]+)" data-entity="([^"]*)"', html), html


def test_logins_failed_logins_and_reveals_are_listed(app, client, world):
    login(client, world.m_a1, password="wrong password")
    login(client, world.m_a1)
    page = client.get(f"/cases/{world.case_a}").get_data(as_text=True)
    with app.app_context():
        party = db.session.get(Dispute, world.case_a).parties[0].id
    client.post(f"/cases/{world.case_a}/parties/{party}/reveal", data={"csrf_token": csrf(page)})
    client.post("/logout", data={"csrf_token": csrf(page)})
    login(client, world.sup_a)
    found, html = rows(client)
    triggers = [t for t, _ in found]
    for trigger in ("login_failed", "login", "reveal", "logout", "create"):
        assert trigger in triggers
    assert triggers.index("reveal") < triggers.index("login_failed")  # newest first
    assert "13812345678" not in html  # data shown masked
    only_failed, _ = rows(client, "?trigger=login_failed")
    assert [t for t, _ in only_failed] == ["login_failed"]


def test_filters_by_actor_role_entity_and_date(app, client, world):
    login(client, world.sup_a)
    mine, _ = rows(client, f"?actor={world.m_a1_id}")
    assert mine and all(e in (f"dispute:{world.case_a}", f"user:{world.m_a1_id}") for _, e in mine)
    by_role, _ = rows(client, "?role=supervisor")
    assert [t for t, _ in by_role] == ["login"]
    one_case, _ = rows(client, f"?entity_type=dispute&entity_id={world.case_a}")
    assert one_case == [("create", f"dispute:{world.case_a}")]
    none, html = rows(client, "?date_from=2001-01-01&date_to=2001-01-02")
    assert none == [] and 'id="no-events"' in html
    reversed_range, html = rows(client, "?date_from=2026-05-01&date_to=2026-04-01")
    assert reversed_range == [] and "alert-warning" in html
    garbage, html = rows(client, "?entity_id=abc&actor=xyz&date_from=31-31-2026")
    assert garbage and html.count("alert-warning") >= 2


def test_a_street_supervisor_sees_their_street_only(app, client, world):
    login(client, world.sup_a)
    found, _ = rows(client)
    entities = {e for _, e in found}
    assert f"dispute:{world.case_a}" in entities and f"dispute:{world.case_b}" not in entities
    assert f"user:{world.sup_a_id}" in entities
    assert rows(client, f"?entity_type=dispute&entity_id={world.case_b}")[0] == []
    # Another street's people are not choices; one asked for by id (a link) is no filter, and said so,
    # rather than a filter the box does not show.
    other, html = rows(client, f"?actor={world.m_b1_id}")
    assert other == found and "“操作人”中的人不在您的范围内：已忽略该筛选。" in html
    assert f'value="{world.m_b1_id}"' not in html and '<option selected value="">' in html


def test_the_city_supervisor_sees_everything(app, client, world):
    login(client, world.sup_city)
    entities = {e for _, e in rows(client)[0]}
    assert {f"dispute:{world.case_a}", f"dispute:{world.case_b}"} <= entities


def test_paging_newest_first(app, client, world):
    app.config["SUPERVISION_PER_PAGE"] = 2
    login(client, world.sup_city)
    with app.app_context():
        ids = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalars().all()
    first = re.findall(r"<tr data-trigger=\"[^\"]+\" data-entity=\"[^\"]*\"[^>]*>\s*<td [^>]*class=\"event-id\">(\d+)</td>",
                       client.get("/audit/").get_data(as_text=True))
    second = re.findall(r"<tr data-trigger=\"[^\"]+\" data-entity=\"[^\"]*\"[^>]*>\s*<td [^>]*class=\"event-id\">(\d+)</td>",
                        client.get("/audit/?page=2").get_data(as_text=True))
    assert [int(i) for i in first + second] == ids[:4]


def test_the_integrity_check_runs_from_the_page(app, client, world):
    login(client, world.sup_a)
    page = client.get("/audit/verify").get_data(as_text=True)
    assert 'id="verify-result"' not in page and 'id="run-check"' in page  # it runs when asked
    page = client.get("/audit/verify?run=1").get_data(as_text=True)
    assert 'data-intact="yes"' in page
    with app.app_context():
        digest = str(current_digest())
    assert digest in page


def test_the_digest_downloads_and_checks_against_itself(app, client, world):
    login(client, world.sup_a)
    response = client.get("/audit/digest.txt")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    kept = response.data.decode().strip()
    assert kept.startswith("audit-digest events=")
    login_more = client.get("/audit/verify")  # more events may follow; the kept one still matches
    pasted = client.get("/audit/verify", query_string={"digest": kept, "run": "1"}).get_data(as_text=True)
    assert 'data-match="yes"' in pasted and 'data-intact="yes"' in pasted
    uploaded = client.post("/audit/verify", data={
        "csrf_token": csrf(login_more.get_data(as_text=True)),
        "digest_file": (io.BytesIO(response.data), "kept.txt")}, content_type="multipart/form-data")
    assert uploaded.status_code == 200 and 'data-match="yes"' in uploaded.get_data(as_text=True)


def test_a_forged_digest_gets_a_clear_answer(app, client, world):
    login(client, world.sup_a)
    with app.app_context():
        events = db.session.execute(select(func.count(AuditEvent.id))).scalar()
    forged = f"audit-digest events={events} head={'ab' * 32}"
    page = client.get("/audit/verify", query_string={"digest": forged}).get_data(as_text=True)
    assert 'data-match="no"' in page and 'data-intact="yes"' in page  # the log is fine; the digest is not
    too_long = f"audit-digest events={events + 50} head={'ab' * 32}"
    page = client.get("/audit/verify", query_string={"digest": too_long}).get_data(as_text=True)
    assert 'data-match="no"' in page and f"{events + 50}" in page
    for garbage in ("hello", "audit-digest events=x head=y", "audit-digest events=3 head=" + "z" * 64):
        response = client.get("/audit/verify", query_string={"digest": garbage})
        assert response.status_code == 422 and 'id="digest-error"' in response.get_data(as_text=True)
    # The paste form sends run=1 with the digest: an unreadable digest runs no check and says no "intact".
    response = client.get("/audit/verify", query_string={"digest": "abc", "run": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="digest-error"' in page
    assert 'id="verify-result"' not in page and 'aria-invalid="true"' in page and 'value="abc"' in page
    token = csrf(client.get("/audit/verify").get_data(as_text=True))
    for content in (b"", b"x" * 5000, b"\xff\xfe\x00garbage"):
        response = client.post("/audit/verify", data={"csrf_token": token, "digest_file": (io.BytesIO(content), "d.txt")},
                               content_type="multipart/form-data")
        assert response.status_code == 422
    assert client.post("/audit/verify", data={"digest_file": (io.BytesIO(b"x"), "d.txt")},
                       content_type="multipart/form-data").status_code == 400  # no CSRF token


def test_a_tampered_log_is_reported_on_the_page(app, client, world):
    login(client, world.sup_a)
    with app.app_context():
        from sqlalchemy import text

        from app.audit import guard

        with db.engine.begin() as conn:
            guard.remove(conn)  # what someone with database access could do
            conn.execute(text("UPDATE audit_events SET reason = 'nothing happened' WHERE id = 1"))
    page = client.get("/audit/verify?run=1").get_data(as_text=True)
    assert 'data-intact="no"' in page and "audit row id=1" in page


def test_where_many_people_act_their_name_is_typed(app, client, world, monkeypatch):
    """Past LISTED people in scope (a street's hundreds of grid workers) the actor filter is a name typed: a
    user name or the start of a name, found in the user's scope; one match filters (and the name stays in the
    box, the pages' links carrying the person); several or none are told and ignored."""
    from app.supervision import audit_views

    monkeypatch.setattr(audit_views, "LISTED", 2)
    login(app.test_client(), world.m_a1)  # an event of the mediator's own: their login
    login(client, world.sup_a)
    found, html = rows(client)
    assert 'name="actor_name"' in html and '<select class="form-select form-select-sm" id="actor"' not in html
    mine, html = rows(client, f"?actor_name={world.m_a1}")
    assert mine and {e for _, e in mine} <= {f"dispute:{world.case_a}", f"user:{world.m_a1_id}"}
    assert f'value="{world.m_a1}"' in html and "alert-warning" not in html
    assert rows(client, f"?actor={world.m_a1_id}")[0] == mine  # a link's person, by id
    assert f'value="{world.m_a1}"' in rows(client, f"?actor={world.m_a1_id}")[1]
    several, html = rows(client, "?actor_name=mediator")  # every mediator's name starts so, in any case
    assert several == found and "有多人与“mediator”相符" in html
    with app.app_context():
        whole_names = {key: fs.user_named(getattr(world, key)).display_name for key in ("m_a1", "m_a2", "m_b1")}
    told = re.search(r'class="alert alert-warning[^>]*>(.*?)</div>', html, re.S).group(1)
    assert f"{whole_names['m_a1']} ({world.m_a1})" in told and f"{whole_names['m_a2']} ({world.m_a2})" in told
    assert f"({world.m_b1})" not in told  # another street's mediator is not named
    by_whole_name, html = rows(client, f"?actor_name={whole_names['m_a1']}")  # a whole name, also the start of none
    assert by_whole_name == mine and "alert-warning" not in html
    # Another street's mediator is no one here.
    other, html = rows(client, f"?actor_name={world.m_b1}")
    assert other == found and f"您的范围内没有名为“{world.m_b1}”的人" in html
    # Nor by id, from a link: the filter is dropped and said so, not kept while the box shows no one.
    other, html = rows(client, f"?actor={world.m_b1_id}")
    assert other == found and "“操作人”中的人不在您的范围内：已忽略该筛选。" in html
    assert 'name="actor_name" type="text" value=""' in html


def test_few_people_are_a_select(app, client, world):
    """Few people in scope: a select; a name typed in a link kept from a page that had the box still filters."""
    login(app.test_client(), world.m_a1)
    login(client, world.sup_a)
    _, html = rows(client)
    assert '<select class="form-select form-select-sm" id="actor" name="actor">' in html
    assert 'name="actor_name"' not in html
    mine, html = rows(client, f"?actor_name={world.m_a1}")
    assert mine == rows(client, f"?actor={world.m_a1_id}")[0] and f'<option selected value="{world.m_a1_id}">' in html


def test_a_streets_count_stops_at_its_own_cap(app, client, world, monkeypatch):
    """A street's events are counted up to audit_log.STREET_COUNT_CAP (a street's share of a province's log is
    spread over all of it), the city's up to the lists' cap; the pages offered follow each count."""
    from app import paging
    from app.supervision import audit_log

    monkeypatch.setattr(audit_log, "STREET_COUNT_CAP", 2)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    app.config["SUPERVISION_PER_PAGE"] = 1
    login(client, world.m_a1, password="wrong password")
    login(client, world.m_a1)
    client.post("/logout", data={"csrf_token": csrf(client.get("/cases/mine").get_data(as_text=True))})
    login(client, world.sup_a)
    html = rows(client)[1]
    assert 'id="event-count">(2+)' in html and "1 / 2+" in html  # more events than 2: 2 counted, 2 pages
    with app.app_context():
        newest = db.session.execute(select(AuditEvent.trigger).order_by(AuditEvent.id.desc()).limit(2)).scalars().all()
    assert [t for t, _ in rows(client)[0]] == newest[:1] and [t for t, _ in rows(client, "?page=2")[0]] == newest[1:]
    last, last_html = rows(client, "?page=5")
    assert last == rows(client, "?page=2")[0]  # past the count: the last page offered, which says how to go on
    assert "最多只能翻阅前 2 条结果，请缩小筛选范围。" in last_html
    assert 'id="pager-capped"' not in html  # not before the last page
    client.post("/logout", data={"csrf_token": csrf(html)})
    login(client, world.sup_city)
    html = rows(client)[1]
    assert 'id="event-count">(3+)' in html and "1 / 3+" in html


@pytest.fixture
def labelled(app, world):
    """Events whose labels the filters are typed as: a signing, and the two triggers called 退回重办
    (a closure returned by its reviewer, a referral's answer sent back)."""
    from app.audit.chain import record

    with app.app_context():
        who = fs.user_named(world.m_a1)
        record("dispute", world.case_a, "sign", who, from_state="agreed", to_state="agreed",
               data={"signed_on": "2026-03-09"})
        record("signoff", 9001, "return_case", who, from_state="awaiting", to_state="returned")
        record("referral", 9002, "return_for_redo", who, from_state="answered", to_state="in_progress")
        db.session.commit()
    return world


def test_the_filters_offer_and_take_the_labels_the_table_shows(app, client, labelled):
    login(client, labelled.sup_city)
    _, html = rows(client)
    assert '<option value="纠纷案件">' in html and '<option value="登记签名">' in html
    assert '<option value="退回重办">' in html
    assert '<option value="sign">' not in html and '<option value="dispute">' not in html
    signed, html = rows(client, "?trigger=登记签名")
    assert signed == [("sign", f"dispute:{labelled.case_a}")] and "登记签名" in html
    assert 'value="登记签名"' in html  # the box keeps what was typed
    returned, _ = rows(client, "?trigger=退回重办")
    assert sorted(returned) == [("return_case", "signoff:9001"), ("return_for_redo", "referral:9002")]
    cases, _ = rows(client, "?entity_type=纠纷案件")
    assert cases and {e.split(":")[0] for _, e in cases} == {"dispute"}
    assert rows(client, "?entity_type=案件")[0] == cases  # part of the label, as typed
    one, _ = rows(client, f"?entity_type=纠纷案件&trigger=登记&entity_id={labelled.case_b}")
    assert one == [("create", f"dispute:{labelled.case_b}")]


def test_links_with_codes_still_work(app, client, labelled):
    login(client, labelled.sup_city)
    assert rows(client, "?trigger=sign")[0] == [("sign", f"dispute:{labelled.case_a}")]
    assert rows(client, "?trigger=return_case")[0] == [("return_case", "signoff:9001")]
    by_code, _ = rows(client, "?entity_type=dispute")
    assert by_code == rows(client, "?entity_type=纠纷案件")[0]
    # A code names its events only, not the labels it happens to be part of.
    assert rows(client, "?entity_type=user")[0] == rows(client, "?entity_type=账号")[0]
    nothing, html = rows(client, "?trigger=没有这个操作")
    assert nothing == [] and 'id="no-events"' in html


def test_a_label_in_english_is_matched_on_the_english_page(app, client, labelled):
    login(client, labelled.sup_city)
    page = client.get("/audit/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/audit/"})
    signed, html = rows(client, "?trigger=Record the signing&entity_type=Dispute case")
    assert signed == [("sign", f"dispute:{labelled.case_a}")] and '<option value="Dispute case">' in html
    assert rows(client, "?trigger=登记签名")[0] == []  # the Chinese label is not the English page's
    # A letter is part of nearly every label: it narrows nothing, and is looked for as itself only.
    assert rows(client, "?trigger=e")[0] == [] and rows(client, "?entity_type=a")[0] == []


def event_cells(html: str, trigger: str) -> dict[str, str]:
    """The text of each cell of the first row of `trigger`, by the cell's class (event-when, event-who...)."""
    row = re.search(rf'<tr data-trigger="{trigger}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no {trigger} event on the page"
    cells = re.findall(r'<td [^>]*class="event-(\w+)[^"]*">(.*?)</td>', row.group(1), re.S)
    return {name: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for name, text in cells}


def test_each_event_shows_when_who_what_the_step_and_its_data(app, client, world):
    """What the phone's blocks and the desk's columns both show: every field of an event, none left out."""
    from app.audit.chain import record

    with app.app_context():
        who = fs.user_named(world.m_a1)
        who.display_name = "王调解"
        record("dispute", world.case_a, "close", who, from_state="fulfilled", to_state="closed",
               reason="当事人已履行完毕", data={"summary": "案件已依法办结，当事人无异议。"})
        db.session.commit()
        event_id = db.session.execute(select(func.max(AuditEvent.id))).scalar_one()
        title = db.session.get(Dispute, world.case_a).title
    login(client, world.sup_a)
    _, html = rows(client, f"?entity_type=dispute&entity_id={world.case_a}")
    cells = event_cells(html, "close")
    assert list(cells) == ["id", "when", "who", "what", "action", "data"]
    assert cells["id"] == str(event_id)
    assert re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", cells["when"])
    assert cells["who"] == "王调解 (调解员)"
    assert cells["what"] == f"纠纷案件 {title}" and f'href="/supervision/cases/{world.case_a}"' in html
    assert cells["action"].startswith("结案 ") and "已履行 → 已结案" in cells["action"]
    assert "当事人已履行完毕" in cells["action"]
    assert cells["data"] == "数据 结案小结：案件已依法办结，当事人无异议。"
