"""A case's history reads as words in either language: a referral's
department, what it asks and its request by their labels (not `department`,
`Person or organisation: inspect`), each referral entry naming its
department; the reasons the system writes in the page's language; the
elder's invitation the agreement withdrew said to be withdrawn by the
system; what a step set off marked as set off by it; no empty list of
co-mediators, the elder named once; the signers joined as the language
joins a list."""
import re
from datetime import datetime

import pytest

from app import clock, engine
from app.elders import steps
from app.extensions import db
from app.labels import reason_text
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_referrals as fr
from tests.factories import csrf, login

NOW = datetime(2026, 3, 12, 2, 0)  # Thursday 12 March 2026, 10:00 Shanghai


@pytest.fixture
def walked(app):
    """A case assigned without co-mediators, an elder invited and accepted,
    two referrals (to 市场监管 and 应急), then an agreement, signed."""
    with app.app_context():
        clock.set_now(NOW)
        _street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        d = f.walk(f.dispute(m, grids[0]), m, "accept")
        engine.fire(d, "assign", m, mediator_id=m.id, co_mediator_ids=[])
        f.walk(d, m, "start_mediation")
        elder, elder_user = fe.elder_with_login(c1, name="张德厚")
        a = fe.invite(d, elder, m)
        steps.act(a, "accept", elder_user)
        fr.referral(d, fr.department("市场监管"), m, kind="inspect", request="请核查该商户噪声扰民问题并依法处理。")
        fr.referral(d, fr.department("应急"), m, kind="verify_facts", request="请核实楼道堆物的消防隐患。")
        f.walk(d, m, "agree", "sign")
        w = dict(case=d.id, mediator=m.username, mediator_name=m.display_name, elder=elder_user.username,
                 invitation=a.id, signers=d.signed_by)
        db.session.remove()
    yield w
    clock.set_now(None)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def entries(html: str) -> list[tuple[str, str]]:
    """The history's entries, newest first: (the <li>'s class, its text)."""
    history = html[html.index('id="timeline"'):]
    history = history[:history.index("</ol>")]
    return [(cls or "", text(body)) for cls, body in
            re.findall(r'\n\s*<li(?: class="([^"]*)")?>(.*?)\n\s*</li>', history, re.S)]


def pages(client, w, path):
    """The page at `path` in Chinese, then in English."""
    zh = client.get(path).get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(zh), "next": path})
    return zh, client.get(path).get_data(as_text=True)


def titled(found, action):
    return [t for _cls, t in found if action in t.split(" · ")[0]]


def test_a_referral_s_entries_name_its_department_and_its_data_by_their_labels(client, walked):
    login(client, walked["mediator"])
    zh, en = (entries(p) for p in pages(client, walked, f"/cases/{walked['case']}"))
    drafted_en = titled(en, "Referral drafted")
    assert len(drafted_en) == 2
    market = next(t for t in drafted_en if "Department: 市场监管" in t)
    assert "Department: 市场监管" in market
    assert "What is asked: Inspect and deal with on site" in market
    assert "Request to the department: 请核查该商户噪声扰民问题并依法处理。" in market
    assert "department: 市场监管" not in market and "request:" not in market
    assert "Person or organisation" not in market and "inspect" not in market
    assert "What is asked: Check facts or give an opinion" in next(t for t in drafted_en if "Department: 应急" in t)
    market_zh = next(t for t in titled(zh, "拟定交办") if "部门：市场监管" in t)
    assert "交办事项：现场核查处置" in market_zh and "交办要求：请核查" in market_zh
    assert "主体类型" not in market_zh and "department" not in market_zh


def test_each_referral_entry_names_its_department(client, walked):
    login(client, walked["mediator"])
    zh, en = (entries(p) for p in pages(client, walked, f"/cases/{walked['case']}"))
    # Every step of each referral names its department, not only the first.
    sent = titled(en, "Send to the department")
    assert sorted(t.split(" Send")[0] for t in sent) == ["Referral to 市场监管", "Referral to 应急"]
    assert sorted(t.split(" 派单 ")[0] for t in titled(zh, " 派单 ")) == ["交办市场监管", "交办应急"]
    assert all(t.startswith(("Referral to 市场监管 ", "Referral to 应急 ")) for t in titled(en, "Referral drafted"))


def test_the_system_s_withdrawal_of_an_elder_says_why_in_the_page_s_language(client, walked):
    login(client, walked["mediator"])
    zh, en = (entries(p) for p in pages(client, walked, f"/cases/{walked['case']}"))
    withdrawn_en = titled(en, "Withdrawn automatically by the system")
    assert len(withdrawn_en) == 1
    assert "Reason: The case reached agreement: the invitation was withdrawn automatically" in withdrawn_en[0]
    assert "recusal" not in withdrawn_en[0] and "撤回" not in withdrawn_en[0]
    withdrawn_zh = titled(zh, "系统自动撤回")
    assert len(withdrawn_zh) == 1 and "理由：案件已达成协议，五老邀请自动撤回" in withdrawn_zh[0]


def test_the_elder_s_page_reads_the_system_s_reason_in_english(client, walked):
    login(client, walked["elder"])
    zh, en = pages(client, walked, f"/elders/invitations/{walked['invitation']}")
    assert "案件已达成协议，五老邀请自动撤回" in text(zh) and "回避" not in text(zh)
    shown = text(en)
    assert "The case reached agreement: the invitation was withdrawn automatically" in shown
    assert "recusal" not in shown and "五老" not in shown


def test_what_a_step_set_off_is_marked_under_it(client, walked):
    login(client, walked["mediator"])
    zh, en = (entries(p) for p in pages(client, walked, f"/cases/{walked['case']}"))
    for found, agree, planned, marker in (
            (en, "Record agreement", "Follow-up planned", "↳ set off by “Record agreement”"),
            (zh, "达成调解协议", "安排回访", "↳ 由“达成调解协议”引起")):
        actions = [t[:30] for _cls, t in found]
        at = next(i for i, (_cls, t) in enumerate(found) if t.startswith(agree))
        assert found[at][0] == ""  # the step itself: not indented
        effects = [(cls, t) for cls, t in found[at + 1:] if cls == "set-off"]
        assert effects and all(marker in t for _cls, t in effects), actions
        assert any(planned in t.split(" → ")[0] for _cls, t in effects)
        # The elder's withdrawal it set off too.
        assert any("Withdrawn automatically" in t or "系统自动撤回" in t for _cls, t in effects)
        assert not any(marker in t for cls, t in found if cls != "set-off")


def test_no_empty_co_mediators_and_the_elder_named_once(client, walked):
    login(client, walked["mediator"])
    zh, en = (entries(p) for p in pages(client, walked, f"/cases/{walked['case']}"))
    assign_en = titled(en, "Assign")
    assert assign_en and not any("Co-mediators" in t or "[]" in t for t in assign_en)
    assert not any("协办调解员" in t or "[]" in t for t in titled(zh, "指派"))
    suggested = titled(en, "Elder suggested")
    assert len(suggested) == 1
    assert suggested[0].count("张德厚") == 1 and "Elder: 张德厚" in suggested[0] and "Elder no." not in suggested[0]
    assert titled(zh, "列为建议人选")[0].count("张德厚") == 1


def test_the_signers_are_joined_as_the_page_s_language_joins_a_list(client, walked):
    login(client, walked["mediator"])
    zh, en = pages(client, walked, f"/cases/{walked['case']}")
    names = walked["signers"].split("、")
    assert len(names) == 3

    def signers(html):
        return re.search(r'id="agreement-signers">([^<]*)<', html).group(1)

    assert signers(zh) == "、".join(names)
    assert signers(en) == ", ".join(names)


def test_reasons_stored_in_chinese_before_still_read():
    # On a Chinese page as they were written; on an English page as the message that replaced them.
    for old, english in (
            ("案件已确认履行", "The case's agreement was confirmed performed"),
            ("回访确认已全部履行", "The follow-up visit confirmed the agreement fully performed"),
            ("2026-03-09回访：协议未履行：尚未支付", "Follow-up visit of 2026-03-09: the agreement is not performed: 尚未支付"),
            ("案件已转为“达成协议”，五老邀请自动撤回",
             "The case reached agreement: the invitation was withdrawn automatically"),
    ):
        assert reason_text(old, "zh_Hans_CN") == old
        assert reason_text(old, "en") == english
    assert reason_text("当事人要求改期", "en") == "当事人要求改期"  # a person's reason: as written
