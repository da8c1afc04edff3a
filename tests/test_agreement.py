"""The agreement on the case page (contents, judicial-confirmation window) and
its print view: the 人民调解协议书 / 口头协议登记表, masking, and the audit
of prints with personal data."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock, engine
from app.audit.models import AuditEvent
from app.disputes.agreement import cn_number
from app.disputes.models import Dispute, Party
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login

ACCEPTED = datetime(2026, 10, 20, 1, 0)
AGREED = datetime(2026, 11, 1, 2, 0)  # 10:00 on 1 November in Laiyang (UTC+8)
ID_NUMBER = "11010519491231002X"


def _user(username):
    return db.session.execute(select(f.User).where(f.User.username == username)).scalar_one()


def _case(lead, co, grid, *, form="written", parties=2):
    d = f.dispute(lead, grid, parties=parties, now=ACCEPTED)
    first = d.parties[0]
    first.sex, first.ethnicity, first.age, first.occupation = "男", "汉族", 45, "退休职工"
    first.address, first.id_type, first.id_number = "莱阳市城厢街道某小区3号楼", "resident_id", ID_NUMBER
    db.session.commit()
    f.walk(d, lead, "accept", now=ACCEPTED)
    engine.fire(d, "assign", lead, mediator_id=lead.id, co_mediator_ids=[co.id], now=ACCEPTED)
    f.walk(d, lead, "start_mediation", now=ACCEPTED)
    if form == "written":  # drafted and signed by everyone the same day
        f.walk(d, lead, "agree", "sign", now=AGREED)
    else:
        engine.fire(d, "agree", lead, form="oral", terms="楼上住户当面赔礼道歉", now=AGREED)
    return d


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        co = f.user("mediator", community=c1)
        w = dict(
            lead=lead.username, co=co.username, lead_name=lead.display_name, co_name=co.display_name,
            bystander=f.user("mediator", community=c1).username,
            outsider=f.user("mediator", community=c2).username,
            sup=f.user("supervisor", street=street).username,
        )
        d = _case(lead, co, grids[0])
        w["case"], w["file_no"] = d.id, d.file_no
        w["oral_case"] = _case(lead, co, grids[0], form="oral").id
        w["three_parties"] = _case(lead, co, grids[0], parties=3).id
        pending = f.dispute(lead, grids[0], now=ACCEPTED)
        w["pending"] = pending.id
        return type("World", (), w)


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})


def case_page(client, case_id):
    return client.get(f"/cases/{case_id}").get_data(as_text=True)


def window_of(page):
    start = page.index('id="confirmation-window"')
    return page[start:page.index("</div>", page.index("</div>", start) + 1)]


def print_events(app, case_id):
    with app.app_context():
        return db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_id == case_id, AuditEvent.trigger == "print_agreement")).scalars().all()


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 11, 1, 3, 0), "30 days left, until Dec 1, 2026."),
    (datetime(2026, 11, 21, 2, 0), "10 days left, until Dec 1, 2026."),
    (datetime(2026, 11, 30, 15, 0), "1 day left, until Dec 1, 2026."),  # 23:00 on 30 November locally
    (datetime(2026, 11, 30, 16, 30), "today, Dec 1, 2026, is the last day to apply."),  # 00:30 on 1 December
    (datetime(2026, 12, 1, 15, 59), "today, Dec 1, 2026, is the last day to apply."),
    (datetime(2026, 12, 1, 16, 0), "the window closed on Dec 1, 2026."),  # midnight locally
])
def test_the_case_page_shows_the_judicial_confirmation_window(app, client, world, now, expected):
    login(client, world.lead)
    english(client)
    clock.set_now(now)
    page = case_page(client, world.case)
    window = window_of(page)
    assert expected in window
    assert "Nov 1, 2026" in window  # the day it took effect
    agreement = page[page.index('id="agreement"'):page.index('id="confirmation-window"') + 2000]
    assert f"/cases/{world.case}/agreement/print" in agreement


def test_the_case_page_shows_the_agreements_contents(client, world):
    login(client, world.sup)  # read-only users see it too
    english(client)
    page = case_page(client, world.case)
    section = page[page.index('id="agreement"'):]
    for text in ("Written", "楼上漏水致楼下受损", "维修费用由谁承担", "楼上住户负主要责任", "十日内赔偿两千元",
                 "一次性现金支付", "社区调解室", "Dec 31, 2026"):
        assert text in section, text


def test_no_agreement_no_section_and_nothing_to_print(client, world):
    login(client, world.lead)
    assert 'id="agreement"' not in case_page(client, world.pending)
    assert client.get(f"/cases/{world.pending}/agreement/print").status_code == 404


def test_the_printed_agreement(app, client, world):
    login(client, world.lead)
    english(client)  # the document stays in Chinese; only its buttons follow the language
    response = client.get(f"/cases/{world.case}/agreement/print?copy=full")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>人民调解协议书" in page and ">人民调解协议书</h1>" in page
    assert f'编号：<span id="doc-file-no">{world.file_no}</span>' in page and world.file_no.startswith("(2026)")
    for text in ("当事人1", "当事人2", "申请人", "被申请人", "男", "汉族", "45岁", "退休职工", "莱阳市城厢街道某小区3号楼",
                 "居民身份证", "纠纷主要事实、争议事项", "楼上漏水致楼下受损", "维修费用由谁承担",
                 "各方当事人责任", "楼上住户负主要责任", "十日内赔偿两千元",
                 "履行方式、地点、期限", "一次性现金支付", "社区调解室", "履行期限：</span>2026年12月31日前履行完毕",
                 "人民调解员签名并加盖人民调解委员会印章之日起生效", "三十日内共同向人民法院申请司法确认",
                 "本协议书一式三份，当事人各执一份，人民调解委员会留存一份。",
                 "当事人（签名、盖章或按指印）", "人民调解员（签名）", "记录人（签名）", "人民调解委员会（印章）",
                 '<p id="doc-date">2026年11月1日</p>', ">Print</button>", "Back to the case"):
        assert text in page, text
    signatures = page[page.index('class="signatures"'):]
    assert signatures.count('class="sign-line"') >= 5  # two parties, two mediators, the recorder
    assert world.lead_name in signatures and world.co_name in signatures
    # The case's own mediator prints the copy for signing with personal data in full, and that print is recorded.
    assert ID_NUMBER in page and "13812345678" in page
    assert 'id="full-copy"' not in page and 'id="masked-copy"' in page
    (event,) = print_events(app, world.case)
    assert event.actor_role == "mediator" and '"fields":["id_number","phone"]' in event.data
    assert "css/print.css" in page and "js/print.js" in page


def test_the_print_view_has_no_inline_style_or_script(client, world):
    login(client, world.lead)
    response = client.get(f"/cases/{world.case}/agreement/print")
    page = response.get_data(as_text=True)
    assert "style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_the_print_view_is_masked_and_offers_the_full_copy(app, client, world):
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}/agreement/print").get_data(as_text=True)
    assert ID_NUMBER not in page and "13812345678" not in page
    assert "1101**********002X" in page and "138****5678" in page
    assert print_events(app, world.case) == []  # nothing revealed, nothing logged
    assert "masked" in page[page.index('id="print-privacy"'):]
    link = page[page.index('id="full-copy"') - 200:page.index('id="full-copy"') + 200]
    assert f"/cases/{world.case}/agreement/print?copy=full" in link and "Copy for signing" in link


def test_a_co_mediator_prints_in_full_too(app, client, world):
    login(client, world.co)
    page = client.get(f"/cases/{world.case}/agreement/print?copy=full").get_data(as_text=True)
    assert ID_NUMBER in page
    assert len(print_events(app, world.case)) == 1


@pytest.mark.parametrize("who", ["sup", "bystander"])
def test_others_get_masked_personal_data_and_no_audit(app, client, world, who):
    login(client, getattr(world, who))
    english(client)
    response = client.get(f"/cases/{world.case}/agreement/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ID_NUMBER not in page and "13812345678" not in page
    assert "1101**********002X" in page and "138****5678" in page
    assert "masked" in page[page.index('id="print-privacy"'):]
    assert 'id="full-copy"' not in page
    assert client.get(f"/cases/{world.case}/agreement/print?copy=full").status_code == 403
    assert print_events(app, world.case) == []


def test_the_print_is_in_the_case_history(client, world):
    login(client, world.lead)
    english(client)
    client.get(f"/cases/{world.case}/agreement/print?copy=full")
    page = case_page(client, world.case)
    assert "Agreement printed (with personal data)" in page[page.index('id="timeline"'):]


def test_another_communitys_agreement_is_404(app, client, world):
    login(client, world.outsider)
    assert client.get(f"/cases/{world.case}/agreement/print").status_code == 404
    assert print_events(app, world.case) == []


def test_an_oral_agreement_prints_as_the_oral_agreement_record(app, client, world):
    login(client, world.lead)
    english(client)
    page = case_page(client, world.oral_case)
    section = page[page.index('id="agreement"'):]
    assert "Oral" in section and "Print the oral agreement record" in section
    page = client.get(f"/cases/{world.oral_case}/agreement/print").get_data(as_text=True)
    assert ">人民调解口头协议登记表</h1>" in page and "人民调解协议书" not in page
    for text in ("楼上住户当面赔礼道歉", "口头调解协议自各方当事人达成协议之日起生效", "人民调解员（签名）",
                 "登记人（签名）", "2026年11月1日", "楼上漏水，双方就维修费用发生争执。"):
        assert text in page, text
    assert "当事人（签名" not in page  # an oral agreement is recorded by the mediator, not signed
    assert print_events(app, world.oral_case) == []
    client.get(f"/cases/{world.oral_case}/agreement/print?copy=full")
    assert len(print_events(app, world.oral_case)) == 1


def test_one_copy_per_party_plus_one(client, world):
    login(client, world.lead)
    page = client.get(f"/cases/{world.three_parties}/agreement/print").get_data(as_text=True)
    assert "本协议书一式四份" in page
    assert page[page.index('class="signatures"'):].count("当事人3") == 1


def test_an_agent_signs_for_no_copy(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        d.parties.append(Party(role="agent", name="代理人甲"))
        db.session.commit()
    login(client, world.lead)
    page = client.get(f"/cases/{world.case}/agreement/print").get_data(as_text=True)
    assert "代理人甲" in page and "本协议书一式三份" in page


def test_an_organisation_is_printed_by_its_name_and_code(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        d.parties[1].kind, d.parties[1].name = "organisation", "莱阳市某物业服务有限公司"
        d.parties[1].id_type, d.parties[1].id_number = "credit_code", "91370682MA3C000000"
        d.parties[0].sex = "female"
        db.session.commit()
    login(client, world.lead)
    page = client.get(f"/cases/{world.case}/agreement/print?copy=full").get_data(as_text=True)
    assert "单位名称</td><td colspan=\"7\" class=\"party-name\">莱阳市某物业服务有限公司" in page
    assert "统一社会信用代码　91370682MA3C000000" in page
    assert '<td class="v-short">女</td>' in page


@pytest.mark.parametrize("n, words", [(2, "二"), (3, "三"), (10, "十"), (11, "十一"), (21, "二十一")])
def test_copies_in_chinese_numerals(n, words):
    assert cn_number(n) == words
