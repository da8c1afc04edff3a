"""Small texts a supervisor reads: the sign-off queue is called by one name
on the today page and on the closures page; the statistics' definitions take
their punctuation from the translation; and the statistics' month boxes say
which months an empty box stands for."""
import html as html_lib
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from app import clock
from app.extensions import db
from app.i18n import catalogue
from app.supervision.models import SignOff
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import csrf, login

NOW = datetime(2026, 12, 7, 2, 0)   # 10:00 on Monday 7 December 2026, Shanghai


@pytest.fixture
def world(app):
    clock.set_now(NOW)
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        m = f.user("mediator", community=c1)
        review = fs.review_of(fs.closed_case(m, grids[0], fs.FAILED_PATH, now=NOW - timedelta(days=20)))
        # Overdue: on the today page, whatever the review period.
        db.session.execute(update(SignOff).where(SignOff.id == review.id).values(
            due_at=NOW - timedelta(days=1), warn_at=NOW - timedelta(days=2)))
        db.session.commit()
        w = dict(sup=f.user("supervisor", street=street).username)
        db.session.remove()
    yield type("World", (), w)
    clock.set_now(None)


def text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment))).strip()


def test_the_today_page_names_the_sign_off_queue_as_the_closures_page_s_button_does(client, world):
    # The reviews waiting are one line on the today page, which names the queue.
    login(client, world.sup)
    closures = client.get("/supervision/closures").get_data(as_text=True)
    button = text(re.search(r'<a [^>]*id="bulk-sign-off-link"[^>]*>(.*?)</a>', closures, re.S).group(1))
    assert button == "批量审核结案"
    today = client.get("/today").get_data(as_text=True)
    rest = text(re.search(r'<a [^>]*href="/supervision/closures/sign-off"[^>]*>(.*?)</a>', today, re.S).group(1))
    assert f"→ {button}" in rest
    bulk = client.get("/supervision/closures/sign-off").get_data(as_text=True)
    assert text(re.search(r"<h1[^>]*>(.*?)<small", bulk, re.S).group(1)) == button


RATES = "%(success)s = %(success_formula)s; %(on_spot)s = %(on_spot_formula)s; %(resolution)s = %(resolution_formula)s."


def rates_line(page: str) -> str:
    definitions = re.search(r'<details[^>]*id="definitions".*?</details>', page, re.S).group(0)
    return next(text(li) for li in re.findall(r"<li>(.*?)</li>", definitions, re.S) if " = " in li)


def test_the_rates_definitions_take_their_punctuation_from_the_translation(app, client, world, monkeypatch):
    login(client, world.sup)
    catalog = catalogue("zh_Hans_CN")._catalog  # the Chinese catalogue the templates read
    # Whatever the catalog says for the sentence is what the page shows, punctuation included.
    monkeypatch.setitem(catalog, RATES, "%(success)s = %(success_formula)s；%(on_spot)s = %(on_spot_formula)s；"
                                        "%(resolution)s = %(resolution_formula)s。")
    line = rates_line(client.get("/supervision/stats").get_data(as_text=True))
    assert line == ("调解成功率 = 达成协议数 ÷ 受理数；现场化解率 = " + catalog["resolved on the spot ÷ registered cases"]
                    + "；化解率 = " + catalog["(agreements + resolved on the spot) ÷ registered cases"] + "。")
    assert ";" not in line and not line.endswith(".")


def test_the_rates_definitions_in_english(client, world):
    login(client, world.sup)
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/today"})
    assert rates_line(client.get("/supervision/stats").get_data(as_text=True)) == (
        "Mediation success rate = agreements ÷ accepted cases; On-the-spot resolution rate = resolved on the spot "
        "÷ registered cases; Resolution rate = (agreements + resolved on the spot) ÷ registered cases.")


def month_box(page: str, name: str) -> tuple[str, str, str]:
    box = re.search(rf'<input [^>]*name="{name}"[^>]*>', page).group(0)
    hint = re.search(rf'id="{name}-default">(.*?)</div>', page)
    return (re.search(r'value="([^"]*)"', box).group(1), re.search(r'placeholder="([^"]*)"', box).group(1),
            text(hint.group(1)) if hint else "")


def test_the_empty_month_boxes_say_which_months_the_page_covers(client, world):
    login(client, world.sup)
    page = client.get("/supervision/stats")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'id="stats-period" data-first="2026-01-01" data-last="2026-12-31"', html)
    # Empty (the default moves with the calendar), each standing for the month it covers today.
    assert month_box(html, "month_from")[:2] == ("", "2026-01")
    assert month_box(html, "month_to")[:2] == ("", "2026-12")
    assert "2026-01" in month_box(html, "month_from")[2] and "2026-12" in month_box(html, "month_to")[2]
    # A month given alone: the other box stands for that month's year, from January.
    html = client.get("/supervision/stats?month_to=2025-06").get_data(as_text=True)
    assert month_box(html, "month_to") == ("2025-06", "2025-06", "")
    assert month_box(html, "month_from")[:2] == ("", "2025-01")
    assert re.search(r'id="stats-period" data-first="2025-01-01" data-last="2025-06-30"', html)
