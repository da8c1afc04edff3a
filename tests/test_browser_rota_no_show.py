"""A no-show corrected in a real browser: the coordinator types what shows
the lawyer came, the page asks first (app.js's data-confirm) naming the
lawyer and the day; dismissed, nothing is sent; accepted, the duty is
completed and its history shows the reason. Runs on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.rota import planning
from app.rota.models import Duty
from tests import factories as f, factories_rota as fr
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, chromium, live_server, log_in, pages, submit,
)

REASON = "签到簿上有该律师的签名"


def test_the_coordinator_corrects_a_no_show_after_a_question_naming_the_lawyer(pages, app, backend):
    with app.app_context():
        coordinator, _room, _people = fr.rota_world(lawyers=2, seats=1)
        planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
        planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
        duty = db.session.execute(select(Duty)).scalar_one()
        tick(now=fr.at_local(duty.day + timedelta(days=1), 0, 1))
        fr.set_today(duty.day + timedelta(days=2))
        duty_id, lawyer_name, username = duty.id, duty.lawyer.name, coordinator.username
        db.session.remove()

    desk = pages.open(**DESKTOP)
    log_in(desk, username, f.PASSWORD, lands_on=r"/rota/$")
    desk.goto(f"/rota/duties/{duty_id}")
    expect(desk.locator("#duty-state")).to_have_attribute("data-state", "no_show")
    form = desk.locator('form[action$="/fire/correct_no_show"]')
    form.locator('[name="reason"]').fill(REASON)

    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    desk.once("dialog", dismiss)
    form.locator("button[type=submit]").click()
    expect(desk.locator("#duty-state")).to_have_attribute("data-state", "no_show")
    assert questions and lawyer_name in questions[0] and "2027" in questions[0], questions
    with app.app_context():
        assert db.session.get(Duty, duty_id).state == "no_show"

    desk.once("dialog", lambda dialog: dialog.accept())
    submit(desk, form.locator("button[type=submit]"))
    expect(desk).to_have_url(re.compile(rf"/rota/duties/{duty_id}$"))
    expect(desk.locator("#duty-state")).to_have_attribute("data-state", "completed")
    expect(desk.locator("#timeline")).to_contain_text(REASON)
    expect(desk.locator('form[action$="/fire/correct_no_show"]')).to_have_count(0)
    with app.app_context():
        assert db.session.get(Duty, duty_id).state == "completed"
        assert verify() == []
    assert pages.problems == []
