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

QUESTION = "楼上住户装修导致楼下天花板渗水，维修费用之外，楼下住户的误工损失能否一并主张？举证上需要注意什么？"
OPINION = ("依照《民法典》侵权责任编的一般规定，受害人可以请求赔偿实际损失，包括维修费用和有证据证明的误工损失。"
           "建议调解时请楼下住户提供维修报价单、误工证明及收入证明。")
LAWS = "《民法典》第一千一百六十五条、第一千一百八十四条"


def _open_cases(street_id, community_id) -> list[Dispute]:
    """The street's open cases with a lead mediator, the first community's (the demo mediator's) first."""
    return list(db.session.execute(
        select(Dispute).where(Dispute.street_id == street_id, Dispute.state.in_(CASE_STATES),
                              Dispute.assignee_id.is_not(None))
        .order_by((Dispute.community_id != community_id), Dispute.id.desc())).scalars())


def _ask(dispute, lawyer, at):
    clock.set_now(at)
    reason = "已核实，与当事人无利害关系" if conflicts_of(lawyer, dispute) else None
    return steps.ask(dispute, lawyer, dispute.assignee, question=QUESTION, override_reason=reason, now=at)


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
        for (story, who, ago), dispute in zip(plan, cases):
            if who is None:
                continue
            start = now - ago
            row = _ask(dispute, who, start)
            if story in ("answered", "acknowledged"):
                steps.act(row, "accept", who.user, now=_at(start + timedelta(hours=4)))
                steps.act(row, "answer", who.user, now=_at(start + timedelta(days=1)), opinion=OPINION,
                          laws_cited=LAWS)
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
