"""Demo data of the legal opinions: on open demo cases (the first community's first),
requests to the demo `lawyer` account's lawyer in each state a person meets
(one waiting for the lawyer's answer, one answered and waiting for the
mediator's acknowledgement, one acknowledged) and one declined by a
colleague, made through the engine at their own times so that their
histories are real. Loaded after the rota's demo (its lawyers)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..auth.models import User
from ..disputes.models import Dispute
from ..extensions import db
from ..org.models import Community, Street
from ..rota.models import Lawyer
from . import steps
from .rules import CASE_STATES, conflicts_of

# (question, opinion, laws cited) by what the case is about: a water-leak
# question on a marriage case read as nonsense.
LEAK = ("楼上住户装修导致楼下天花板渗水，维修费用之外，楼下住户的误工损失能否一并主张？举证上需要注意什么？",
        "依照《民法典》侵权责任编的一般规定，受害人可以请求赔偿实际损失，包括维修费用和有证据证明的误工损失。"
        "建议调解时请楼下住户提供维修报价单、误工证明及收入证明。",
        "《民法典》第一千一百六十五条、第一千一百八十四条")
INJURY = ("电动车与行人相撞致行人骨折，双方对赔偿项目有争议。可以主张哪些项目？",
          "依照《民法典》第一千一百七十九条，造成人身损害的，应当赔偿医疗费、护理费、交通费、营养费、住院伙食补助费等"
          "合理费用，以及因误工减少的收入。建议调解时逐项核对票据和误工证明。",
          "《民法典》第一千一百七十九条")
BY_TYPE = {
    "neighbour": LEAK, "property_mgmt": LEAK, "damages": INJURY, "traffic": INJURY,
    "marriage_family": ("一方要求分割婚后购买的住房，另一方主张首付款系其父母出资。调解时如何把握分割原则？",
                        "依照《民法典》第一千零六十二条、第一千零八十七条，婚后购买的房屋一般为夫妻共同财产；父母出资如无明确约定"
                        "只赠与一方，通常视为对夫妻双方的赠与。建议调解时请双方提供出资凭证，并照顾子女、女方和无过错方的权益。",
                        "《民法典》第一千零六十二条、第一千零八十七条"),
    "contract": ("买卖合同约定货到付款，买方收货后以质量问题为由拒付全部货款。调解时如何区分质量瑕疵与拒付理由？",
                 "依照《民法典》第六百一十七条、第五百八十二条，标的物质量不符合约定的，买受人可以请求修理、更换、减少价款等，"
                 "但并不当然免除全部付款义务。建议调解时先确认质量问题的范围，再就减价或修理协商。",
                 "《民法典》第五百八十二条、第六百一十七条"),
    "labour": ("装修工人在施工中受伤，雇主以系临时帮工为由拒绝赔偿。调解时如何认定责任？",
               "依照《民法典》第一千一百九十二条，个人之间形成劳务关系，提供劳务一方因劳务受到损害的，根据双方各自的过错"
               "承担相应的责任。建议调解时查明双方约定、工作内容及受伤经过。",
               "《民法典》第一千一百九十二条"),
}
GENERAL = ("双方对赔偿数额争议较大，调解协议中约定分期履行时，如何约定才便于日后申请司法确认？",
           "依照《人民调解法》第三十三条，调解协议生效后三十日内可以共同向人民法院申请司法确认。建议协议写明每期的金额、"
           "期限和逾期责任，内容明确、具体，便于确认后申请强制执行。",
           "《人民调解法》第三十三条")
# Asked an hour at least after the case came in.
AFTER_INTAKE = timedelta(hours=1)


def _open_cases(street_id, community_id) -> list[Dispute]:
    """The street's open cases with a lead mediator, the first community's (the demo mediator's) first."""
    return list(db.session.execute(
        select(Dispute).where(Dispute.street_id == street_id, Dispute.state.in_(CASE_STATES),
                              Dispute.assignee_id.is_not(None))
        .order_by((Dispute.community_id != community_id), Dispute.id.desc())).scalars())


def _ask(dispute, lawyer, at):
    clock.set_now(at)
    reason = "已核实，与当事人无利害关系" if conflicts_of(lawyer, dispute) else None
    question = BY_TYPE.get(dispute.dispute_type, GENERAL)[0]
    return steps.ask(dispute, lawyer, dispute.assignee, question=question, override_reason=reason, now=at)


def load(seed: int) -> str:
    street = db.session.execute(select(Street).order_by(Street.id)).scalars().first()
    account = db.session.execute(select(User).where(User.username == "lawyer")).scalar_one_or_none()
    lawyer = db.session.execute(select(Lawyer).where(Lawyer.user_id == account.id)).scalar_one_or_none() \
        if account is not None else None
    if street is None or lawyer is None:
        return "opinions: no street or no demo lawyer, nothing loaded"
    community = db.session.execute(
        select(Community).where(Community.street_id == street.id).order_by(Community.id)).scalars().first()
    colleague = db.session.execute(
        select(Lawyer).where(Lawyer.id != lawyer.id, Lawyer.active.is_(True), Lawyer.user_id.is_not(None))
        .order_by(Lawyer.id)).scalars().first()
    cases = _open_cases(street.id, community.id)
    now = clock.now()
    made = 0
    try:
        plan = [("wait", lawyer, timedelta(hours=20)), ("answered", lawyer, timedelta(days=3)),
                ("acknowledged", lawyer, timedelta(days=10)), ("declined", colleague, timedelta(days=5))]
        used: set[int] = set()
        for story, who, ago in plan:
            start = now - ago
            # A case that came in before the request, each asked once.
            dispute = next((d for d in cases if d.id not in used and d.created_at + AFTER_INTAKE <= start), None)
            if who is None or dispute is None:
                continue
            used.add(dispute.id)
            _question, opinion, laws = BY_TYPE.get(dispute.dispute_type, GENERAL)
            row = _ask(dispute, who, start)
            if story in ("answered", "acknowledged"):
                steps.act(row, "accept", who.user, now=_at(start + timedelta(hours=4)))
                steps.act(row, "answer", who.user, now=_at(start + timedelta(days=1)), opinion=opinion,
                          laws_cited=laws)
            if story == "acknowledged":
                steps.act(row, "acknowledge", dispute.assignee, now=_at(start + timedelta(days=2)))
            if story == "declined":
                steps.act(row, "decline", who.user, "本周在外地开庭，无法及时答复。",
                          now=_at(start + timedelta(hours=6)))
            made += 1
    finally:
        clock.set_now(None)
    return f"opinions: {made} requests for a legal opinion on demo cases, asked of 'lawyer' ({lawyer.name}) and a colleague"


def _at(moment):
    clock.set_now(moment)
    return moment
