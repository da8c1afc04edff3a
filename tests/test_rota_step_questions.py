"""The questions of the rota's dangerous steps, as a lawyer on a phone and the
coordinator read them: a lawyer's own duty and swap are "yours", not named by
their own name as a stranger's; withdrawing a swap says the duty stays
theirs (they may ask again), refusing one that the duty stays with the
lawyer who asked, cancelling a duty that the seat is left empty."""
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app import engine
from app.dates import day_text
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty
from app.rota.swaps import request_swap
from tests import factories as f, factories_rota as fr

FIRST = fr.FIRST_SATURDAY


@pytest.fixture
def world(app):
    """Two Saturdays of two seats published, four lawyers, one duty each:
    the first Saturday's first lawyer (A) checked in on the day; the second
    Saturday's first lawyer (B) asks A by name to take it; the second one's
    (C) swap is taken by the first Saturday's other lawyer, awaiting the
    coordinator."""
    with app.app_context():
        coordinator, _room, people = fr.rota_world(lawyers=4, seats=2)
        planning.generate(FIRST, FIRST + timedelta(weeks=1), coordinator)
        planning.publish(FIRST, FIRST + timedelta(weeks=1), coordinator)
        d0, d1, d2, d3 = db.session.execute(select(Duty).order_by(Duty.day, Duty.seat)).scalars().all()
        assert d2.day == FIRST + timedelta(weeks=1)
        who = {lw.id: (lw, u) for lw, u in people}
        (a, a_user), (b, b_user), (c, c_user) = who[d0.lawyer_id], who[d2.lawyer_id], who[d3.lawyer_id]
        asked = request_swap(d2, b, a, "家里有事", b_user)
        taken = request_swap(d3, c, None, "", c_user)
        engine.fire(taken, "accept", who[d1.lawyer_id][1])
        fr.set_today(FIRST, hour=9)
        engine.fire(d0, "check_in", a_user)
        values = dict(coordinator=coordinator.username, a=a_user.username, b=b_user.username, first=d0.id,
                      second=d2.id, asked=asked.id, taken=taken.id, other=d3.id, c=c.name,
                      first_day=d0.day, second_day=d2.day, other_day=d3.day)
        db.session.remove()
    return values


def in_english(app, username):
    client = app.test_client()
    assert f.login(client, username).status_code == 302
    page = client.get("/today").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(page), "next": "/today"})
    return client


def asked(client, url, action):
    """The question of the form posting to `action` on `url`, as the dialog and the page without a script ask it."""
    page = client.get(url).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S).group(0)
    script = re.search(r'data-confirm="([^"<>]*)"', form).group(1)
    without = re.search(r'<noscript><input type="hidden" name="_confirm" value="([^"<>]*)"></noscript>',
                        form).group(1)
    assert script == without
    return unescape(script)


def test_the_lawyer_finishing_their_duty_reads_your_duty_and_what_follows(app, world):
    lawyer = in_english(app, world["a"])
    question = asked(lawyer, f"/rota/duties/{world['first']}", f"/rota/duties/{world['first']}/fire/complete")
    assert question.startswith(f"“Finish the duty” on your duty on {day_text(world['first_day'], 'en')}?")
    assert question.endswith("Consultations cannot be logged on it afterwards.")


def test_the_lawyer_withdrawing_their_swap_reads_that_the_duty_stays_theirs(app, world):
    lawyer = in_english(app, world["b"])
    question = asked(lawyer, f"/rota/duties/{world['second']}", f"/rota/swaps/{world['asked']}/fire/withdraw")
    assert question == (f"“Withdraw” on your swap request for the duty on {day_text(world['second_day'], 'en')}? "
                        "The duty stays yours: sit it, or ask for a swap again.")
    assert "cannot be undone" not in question


def test_the_coordinator_refusing_a_swap_reads_whose_duty_it_stays(app, world):
    coordinator = in_english(app, world["coordinator"])
    question = asked(coordinator, f"/rota/duties/{world['other']}", f"/rota/swaps/{world['taken']}/fire/refuse")
    assert question == (f"“Refuse the swap” on the swap of the duty of {world['c']} on "
                        f"{day_text(world['other_day'], 'en')}? The duty stays with the lawyer who asked; both "
                        "lawyers are told.")


def test_in_chinese_the_lawyer_s_own_duty_is_yours(app, world):
    client = app.test_client()
    f.login(client, world["a"])
    question = asked(client, f"/rota/duties/{world['first']}", f"/rota/duties/{world['first']}/fire/complete")
    assert question.startswith(f"对您{day_text(world['first_day'], 'zh_Hans_CN')}的值班执行“值班结束”？")
