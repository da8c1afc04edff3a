"""A mediator asks a volunteer lawyer for a legal opinion in a real browser:
from the case page, choosing among the lawyers (those on duty on Saturday
first); the lawyer, on a phone, finds the request from their landing page,
reads the case with the parties' personal data masked, accepts and writes
the opinion; the mediator reads and acknowledges it, and the case's history
shows each step. Accessibility (axe) of the lawyer's phone page; the audit
log verified at the end. Runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set.

New UI strings are not translated yet: elements are found by id, name and
data attributes; states are the workflow's labels read through the catalogue."""
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app.audit.verify import verify
from app.disputes.models import Dispute
from app.disputes.parties import save_party
from app.extensions import db
from app.i18n import DEFAULT_LOCALE, translate
from app.rota.models import Duty
from tests import factories as f
from tests import factories_opinions as fo
from tests import factories_rota as fr
from tests.browser_support import (  # noqa: F401  (fixtures, used by name)
    DESKTOP, PHONE, chromium, expect_no_sideways_scroll, live_server, log_in, pages, screenshot, submit,
)
from workflows.legal_opinion import LEGAL_OPINION

ID_NUMBER = "11010519491231002X"
QUESTION = "楼上装修导致楼下天花板渗水，维修费用和误工损失能否一并主张？"
OPINION = "依照侵权责任的一般规定，受损一方可以主张维修费用及有证据证明的合理损失。"


def blocking_violations(page) -> list[str]:
    return [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]


def state_label(code: str) -> str:
    return translate(LEGAL_OPINION.state(code).label, DEFAULT_LOCALE)


def test_a_mediator_asks_a_lawyer_who_answers_from_a_phone(pages, app, backend):
    with app.app_context():
        _coordinator, people, mediator, _other, d = fo.world(lawyers=3)
        save_party(d, mediator, {"id_number": ID_NUMBER}, party=d.parties[0])
        on_duty_id = db.session.execute(select(Duty.lawyer_id).where(Duty.day == fr.FIRST_SATURDAY)).scalar_one()
        lawyer, lawyer_user = next((lw, u) for lw, u in people if lw.id == on_duty_id)
        mediator.username, lawyer_user.username = "tiaojie", "lvshi"
        db.session.commit()
        case_id, lawyer_id = d.id, lawyer.id
        db.session.remove()

    # --- The mediator asks from the case page; the lawyer on duty on Saturday is offered first.
    desk = pages.open(**DESKTOP)
    log_in(desk, "tiaojie", f.PASSWORD)
    desk.goto(f"/cases/{case_id}")
    desk.locator("#opinions #ask-lawyer").click()
    expect(desk).to_have_url(re.compile(rf"/opinions/cases/{case_id}/new$"))
    assert blocking_violations(desk) == []
    options = desk.locator('select[name="lawyer_id"] option')
    expect(options.first).to_have_attribute("value", "0")  # "Choose…": no lawyer chosen for the mediator
    expect(options.nth(1)).to_have_attribute("value", str(lawyer_id))
    desk.locator('select[name="lawyer_id"]').select_option(str(lawyer_id))
    desk.locator('textarea[name="question"]').fill(QUESTION)
    submit(desk, desk.locator("#opinion-request button[type=submit]"))
    expect(desk).to_have_url(re.compile(rf"/cases/{case_id}#opinions$"))
    request_row = desk.locator(f'#opinion-requests > li[data-lawyer-id="{lawyer_id}"]')
    expect(request_row.locator("[data-state]")).to_have_text(state_label("requested"))

    # --- The lawyer, on a phone, finds it from the landing page.
    phone = pages.open(**PHONE)
    log_in(phone, "lvshi", f.PASSWORD, lands_on=r"/rota/mine$")
    phone.locator("#opinions-waiting a").click()
    expect(phone).to_have_url(re.compile(r"/opinions/mine$"))
    phone.locator("#open-requests a[data-opinion-id]").first.click()
    expect(phone).to_have_url(re.compile(r"/opinions/\d+$"))
    expect(phone.locator("#opinion-question")).to_have_text(QUESTION)
    expect(phone.locator("#case-facts")).to_contain_text("楼上漏水")
    expect(phone.locator("body")).not_to_contain_text(ID_NUMBER)
    expect(phone.locator("#case-parties")).to_contain_text("1101**********002X")
    expect_no_sideways_scroll(phone)
    assert blocking_violations(phone) == []
    accept = phone.locator('#opinion-actions button[data-trigger="accept"]')
    assert accept.bounding_box()["height"] >= 44, accept.bounding_box()  # finger-sized
    submit(phone, accept)
    expect(phone.locator("#opinion-state [data-state]")).to_have_text(state_label("accepted"))
    answer = phone.locator('#opinion-actions details[data-step="answer"]')
    expect(answer).to_have_attribute("open", "")
    answer.locator('textarea[name$="-opinion"]').fill(OPINION)
    answer.locator('textarea[name$="-laws_cited"]').fill("《民法典》第一千一百六十五条")
    submit(phone, answer.locator('button[data-trigger="answer"]'))
    expect(phone.locator("#opinion-state [data-state]")).to_have_text(state_label("answered"))
    expect(phone.locator(".legal-opinion")).to_contain_text(OPINION)
    expect_no_sideways_scroll(phone)
    screenshot(phone, "lawyer-opinion-phone", backend)

    # --- The mediator reads the opinion on the case page and acknowledges it.
    desk.goto(f"/cases/{case_id}")
    expect(request_row.locator(".legal-opinion")).to_contain_text(OPINION)
    submit(desk, request_row.locator('button[data-trigger="acknowledge"]'))
    expect(request_row.locator("[data-state]")).to_have_text(state_label("acknowledged"))
    history = desk.locator("#timeline")
    expect(history).to_contain_text(translate(LEGAL_OPINION.label, DEFAULT_LOCALE))
    expect(history).to_contain_text(OPINION)

    with app.app_context():
        assert db.session.get(Dispute, case_id).state == "assigned"
        assert verify() == []
