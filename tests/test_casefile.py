"""The case file (卷宗) as an archive expects it: the cover, the list of
contents with page numbers in the PDF, the parties' full registration fields,
the session's place, the agent against their principal, and the archive
copy with full ID numbers for those who may reveal them, audited."""
import json
import logging
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.disputes.models import Dispute, MediationSession
from app.disputes.parties import save_party
from app.extensions import db
from tests import factories as f
from tests import factories_supervision as fs
from tests.factories import login

APPLICANT_ID = "11010519491231002X"
APPLICANT_PHONE = "13912345678"


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        d = f.dispute(m, fs.grid(w.grid_a1))
        d.place = "幸福路12号院"
        applicant, respondent = d.parties
        for name, value in dict(name="张建国", sex="male", ethnicity="汉族", age=52, id_type="resident_id",
                                id_number=APPLICANT_ID, occupation="退休教师", address="城厢街道幸福路12号院3号楼",
                                phone=APPLICANT_PHONE).items():
            setattr(applicant, name, value)
        respondent.name = "李秀英"
        db.session.commit()
        save_party(d, m, {"role": "agent", "kind": "person", "name": "王律师", "occupation": "律师",
                          "address": "山东某某律师事务所", "acts_for_id": applicant.id})
        f.walk(d, m, "accept", "assign", "start_mediation")
        db.session.add(MediationSession(dispute_id=d.id, held_at=d.created_at, place="社区调解室（二楼）",
                                        attendees="双方当事人", record="双方陈述事实", recorded_by_id=m.id,
                                        recorded_at=d.created_at))
        db.session.commit()
        f.walk(d, m, "agree", "start_performance", "fulfil", "close")
        w.case = d.id
        w.file_no = d.file_no
        w.community = d.community.name
        w.mediator_name = m.display_name
        db.session.remove()
        return w


def exports(app):
    with app.app_context():
        return [json.loads(e.data) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.trigger == "export").order_by(AuditEvent.id)).scalars()]


def section(html, title):
    start = html.index(f">{title}</h2>")
    return html[start:html.index("</section>", start)]


def test_the_cover_carries_what_an_archive_files_a_case_under(app, client, world):
    app.config["COMMITTEE_NAME"] = "莱阳市{community}人民调解委员会"
    login(client, world.sup_a)
    html = client.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True)
    cover = section(html, "封面")
    assert f"莱阳市{world.community}人民调解委员会" in html
    for label in ("卷宗编号", "案件名称", "当事人", "受理", "结案", "结案方式", "立卷人", "立卷日期", "保管期限"):
        assert label in cover, (label, cover)
    assert world.file_no in cover
    assert "张建国与李秀英邻里纠纷" in cover
    assert "申请人 张建国（代理人：王律师）" in cover and "被申请人 李秀英" in cover
    assert "立卷人" in cover and "立卷日期" in cover and world.mediator_name in cover
    assert "保管期限" in cover and str(app.config["RETENTION_YEARS"]) in cover
    assert "调解成功（协议已履行）" in cover  # the outcome


def test_the_list_of_contents_and_the_parties_full_registration(app, client, world):
    login(client, world.sup_a)
    html = client.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True)
    contents = html[html.index('id="casefile-contents"'):]
    contents = contents[:contents.index("</section>")]
    assert "卷内目录" in contents
    assert re.findall(r"<td[^>]*>(\d+)</td><td><a[^>]*>([^<]+)</a>", contents)[:3] == [
        ("1", "登记"), ("2", "权利义务告知"), ("3", "调解记录")]
    registration = section(html, "登记")
    for value in ("男", "汉族", "52", "居民身份证", "退休教师", "城厢街道幸福路12号院3号楼"):
        assert value in registration, value
    # The ID number and phone are masked in the ordinary copy.
    assert APPLICANT_ID not in html and "1101**********002X" in registration and APPLICANT_PHONE not in html
    # The agent follows the party they act for, and says so.
    assert registration.index("张建国") < registration.index("王律师") < registration.index("李秀英")
    assert "被代理人" in registration and "申请人 张建国" in registration
    # The dispute's place and the session's place are told apart.
    assert "纠纷发生地点" in registration and "幸福路12号院" in registration
    sessions = section(html, "调解记录")
    assert "调解地点" in sessions and "社区调解室（二楼）" in sessions


def test_the_pdf_lists_the_page_each_part_starts_on(app, client, world):
    from app.supervision import casefile

    login(client, world.sup_a)
    pdf = client.get(f"/supervision/cases/{world.case}/casefile.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.data))
    with app.test_request_context():
        d = db.session.get(Dispute, world.case)
        doc = casefile.build(d)
        starts = casefile.page_starts(doc)
    # The cover is page 1, the list of contents page 2, then every part in order on a page the PDF has.
    assert len(starts) == len(doc.contents) == 7
    assert starts[0] == 3 and starts == sorted(starts) and starts[-1] <= pages


def test_every_character_of_the_case_file_is_in_the_pdf_s_font(app, world, caplog):
    """The PDF is drawn in one font, where a character it lacks prints as an empty box: the mark of a step that
    another set off (the follow-ups the agreement planned) is one it has ("↳" is not), as is every other character
    of the file (its marks, labels and words), and drawing the PDF reports no glyph missing."""
    from fontTools.ttLib import TTCollection

    from app.supervision import casefile

    with app.test_request_context():
        doc = casefile.build(db.session.get(Dispute, world.case))
        path, index = casefile.font_path(), app.config["CASEFILE_FONT_INDEX"]
        with caplog.at_level(logging.WARNING, logger="fpdf"):
            assert casefile.to_pdf(doc).startswith(b"%PDF")
        db.session.remove()
    history = doc.parts[-1].lines
    marked = [text for _when, text in history if text.startswith(f"{casefile.SET_OFF_MARK} ")]
    assert marked and all("↳" not in text for _when, text in history), history
    said = [doc.title, doc.file_no, doc.committee]
    for part in doc.parts:
        said += [part.title, *(x for line in part.lines for x in line),
                 *(x for block in part.blocks for line in block for x in line)]
    collection = TTCollection(path)
    cmap = collection.fonts[index].getBestCmap()
    collection.close()
    assert ord(casefile.SET_OFF_MARK) in cmap
    assert sorted({ch for ch in "".join(said) if not ch.isspace() and ord(ch) not in cmap}) == []
    assert [r.getMessage() for r in caplog.records if "missing the following glyphs" in r.getMessage()] == []


def test_the_archive_copy_shows_full_id_numbers_to_those_who_may_reveal_them_and_is_audited(app, client, world):
    login(client, world.m_a1)  # the case's mediator
    case_page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'id="casefile-link"' in case_page
    masked = client.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True)
    assert APPLICANT_ID not in masked and 'id="archive-copy"' in masked
    page = client.get(f"/supervision/cases/{world.case}/casefile?copy=archive")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert APPLICANT_ID in html and APPLICANT_PHONE in html and "卷宗（存档本）" in html
    pdf = client.get(f"/supervision/cases/{world.case}/casefile.pdf?copy=archive")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    logged = exports(app)
    assert [e.get("copy") for e in logged] == [None, "archive", "archive"]
    assert [e["format"] for e in logged] == ["print", "print", "pdf"]
    assert logged[1]["fields"] == ["id_number", "phone"] and len(logged[1]["party_ids"]) == 3


@pytest.mark.parametrize("who, status", [("sup_a", 403), ("admin", 403), ("m_a2", 404), ("m_b1", 404)])
def test_others_get_no_archive_copy_and_nothing_is_recorded(app, client, world, who, status):
    login(client, getattr(world, who))
    for path in ("casefile", "casefile.pdf"):
        response = client.get(f"/supervision/cases/{world.case}/{path}?copy=archive")
        assert response.status_code == status
        assert APPLICANT_ID not in response.get_data(as_text=True)
    assert exports(app) == []


def test_the_case_file_says_days_and_moments_as_the_case_page_does(app, client, world):
    """No ISO "2026-12-01 01:32" in print, and a follow-up's planned day without a made-up "00:00"."""
    from app.dates import day_text, moment_text
    from tests.factories_followups import followups_of

    login(client, world.sup_a)
    printed = client.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True)
    page = client.get(f"/supervision/cases/{world.case}").get_data(as_text=True)
    with app.test_request_context():
        d = db.session.get(Dispute, world.case)
        registered = moment_text(d.created_at)
        planned = [day_text(fu.planned_for) for fu in followups_of(d.id)]
        db.session.remove()
    assert re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d\d:\d\d", registered)
    assert registered in printed and registered in page
    read = re.sub(r"<[^>]+>", " ", printed)  # what a reader reads, not the links' query strings
    assert not re.search(r"\d{4}-\d\d-\d\d", read)
    assert planned and all(day in read and f"{day} 00:00" not in read for day in planned)


OPINION_QUESTION = "楼上漏水的维修费用应由谁承担？"
OPINION_TEXT = "依照民法典第一千一百六十五条，楼上住户应承担维修费用。"


@pytest.fixture
def opinions_world(app):
    """A case with three requests for a legal opinion: one answered and
    acknowledged (its lawyer flagged, asked anyway: the lawyer's phone is the
    applicant's), one declined, one withdrawn by the system when the case
    reached an agreement."""
    from app import engine
    from app.opinions.steps import act, ask
    from tests import factories_rota as fr

    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        d = f.dispute(m, fs.grid(w.grid_a1))
        applicant = d.parties[0]
        applicant.name, applicant.phone = "张建国", APPLICANT_PHONE
        db.session.commit()
        f.walk(d, m, "accept", "assign", "start_mediation")
        (answering, a_user), (declining, d_user), (silent, _s) = [
            fr.lawyer_with_login(name=name, phone=phone) for name, phone in
            (("赵律师", APPLICANT_PHONE), ("钱律师", "13700000001"), ("孙律师", "13700000002"))]
        answered = ask(d, answering, m, question=OPINION_QUESTION, override_reason="本所只有赵律师熟悉相邻关系")
        act(answered, "accept", a_user)
        act(answered, "answer", a_user, opinion=OPINION_TEXT, laws_cited="民法典第一千一百六十五条")
        engine.fire(answered, "acknowledge", m)
        declined = ask(d, declining, m, question="能否申请司法确认？")
        act(declined, "decline", d_user, "本周出差，无法答复")
        ask(d, silent, m, question="协议能否约定分期履行？")
        f.walk(d, m, "agree", "start_performance", "fulfil", "close")
        w.case = d.id
        w.lawyers = (answering.name, declining.name, silent.name)
        w.mediator_name = m.display_name
        db.session.remove()
        return w


def test_the_case_file_lists_each_request_for_a_legal_opinion(app, client, opinions_world):
    from tests.test_opinions_web import english

    w = opinions_world
    login(client, w.sup_a)
    english(client)
    html = client.get(f"/supervision/cases/{w.case}/casefile").get_data(as_text=True)
    contents = html[html.index('id="casefile-contents"'):]
    titles = re.findall(r"<td[^>]*>\d+</td><td><a[^>]*>([^<]+)</a>", contents[:contents.index("</section>")])
    assert titles[2:5] == ["Session records", "Legal opinions", "Agreement"]
    part = section(html, "Legal opinions")
    blocks = part.split('<dl class="row mb-1 border-top pt-1">')[1:]
    assert len(blocks) == 3
    first, second, third = (dict(re.findall(r"<dt[^>]*>([^<]+)</dt><dd[^>]*>([^<]*)</dd>", b)) for b in blocks)
    # Oldest first: whom, when and what was asked, where it stands, the answer and when it was acknowledged.
    assert first["Lawyer"] == w.lawyers[0] and first["Law firm"] == "齐鲁律师事务所"
    assert first["Question"] == OPINION_QUESTION and first["State"] == "Acknowledged"
    assert first["Legal opinion"] == OPINION_TEXT and first["Laws cited"] == "民法典第一千一百六十五条"
    for label in ("Asked on", "Answered on", "Acknowledged on"):
        assert re.search(r"\d\d:\d\d$", first[label]), (label, first[label])  # a moment, as the case page says it
    assert first["Asked by"] == w.mediator_name
    # The conflict in words, never the phone that raised it; and why the lawyer was asked anyway.
    assert "same phone as the party 张建国" in first["Possible conflict"]
    assert first["Asked anyway because"] == "本所只有赵律师熟悉相邻关系"
    assert APPLICANT_PHONE not in html
    assert second["Lawyer"] == w.lawyers[1] and second["State"] == "Declined" and second["Reason"] == "本周出差，无法答复"
    assert second["Legal opinion"] == "—" and second["Answered on"] == "—" and "Possible conflict" not in second
    assert third["State"] == "Withdrawn" and third["Reason"]  # by the system, when the case reached an agreement


def test_the_pdf_has_the_legal_opinions_part_and_a_grid_worker_no_such_part(app, client, opinions_world):
    from flask_login import login_user

    from app.auth.models import User
    from app.supervision import casefile

    w = opinions_world
    login(client, w.sup_a)
    pdf = client.get(f"/supervision/cases/{w.case}/casefile.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.data))
    with app.test_request_context():
        login_user(db.session.get(User, w.users[w.sup_a]))
        doc = casefile.build(db.session.get(Dispute, w.case))
        starts = casefile.page_starts(doc)
        titles = [p.title for p in doc.contents]
        db.session.remove()
    assert len(titles) == len(starts) == 8 and titles[3] == "法律意见"
    assert starts == sorted(starts) and starts[-1] <= pages
    # A grid worker may print the case file, not read the questions put to a lawyer (as on the case page).
    grid_worker = app.test_client()
    login(grid_worker, w.gw_a1)
    html = grid_worker.get(f"/supervision/cases/{w.case}/casefile").get_data(as_text=True)
    assert "封面" in html and ">法律意见</" not in html and OPINION_QUESTION not in html and OPINION_TEXT not in html


def test_the_history_names_the_system_for_its_steps(app, client, opinions_world):
    """The request withdrawn when the case reached an agreement was the system's step: the line says so."""
    from tests.test_opinions_web import english

    w = opinions_world
    login(client, w.sup_a)
    english(client)
    history = section(client.get(f"/supervision/cases/{w.case}/casefile").get_data(as_text=True), "History")
    withdrawn = [line for line in history.split("</dd>") if "Withdrawn automatically by the system" in line]
    assert withdrawn and all(" · System · " in line for line in withdrawn), withdrawn
    assert " ·  · " not in history  # no step without whoever took it


def test_before_closing_the_cover_shows_no_way_of_closing(app, client):
    """达成协议 is where the case stands, not how it was closed: the outcome stays blank until closing."""
    with app.app_context():
        w = fs.two_streets()
        m = fs.user_named(w.m_a1)
        d = f.dispute(m, fs.grid(w.grid_a1))
        f.walk(d, m, "accept", "assign", "start_mediation", "agree")
        case = d.id
        db.session.remove()
    login(client, w.sup_a)
    html = client.get(f"/supervision/cases/{case}/casefile").get_data(as_text=True)
    cover = dict(re.findall(r"<dt[^>]*>([^<]+)</dt>\s*<dd[^>]*>([^<]*)</dd>", section(html, "封面")))
    assert cover["结案"] == "—" and cover["结案方式"] == "—", cover
    closing = dict(re.findall(r"<dt[^>]*>([^<]+)</dt>\s*<dd[^>]*>([^<]*)</dd>", section(html, "结案小结")))
    assert closing["结案方式"] == "—", closing
