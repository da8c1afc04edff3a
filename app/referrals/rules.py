"""Guards and effects of the referral workflow, and the guard the case's
closing step asks: no case closes while one of its referrals is open."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, pgettext
from sqlalchemy import bindparam, select

from workflows.referral import OPEN

from ..auth.models import User
from ..disputes.scope_rule import supervises
from ..engine.core import apply_deadline
from ..engine.hooks import Hooks
from ..extensions import db
from ..i18n import N_, translate
from ..org.models import Department
from ..notifications.service import notify
from .deadlines import periods
from .models import Referral
from .naming import notice_data

hooks = Hooks()


# Built once: the case page and the closing guard ask.
_OPEN_OF_CASE = (select(Referral).where(Referral.dispute_id == bindparam("dispute_id"), Referral.state.in_(OPEN))
                 .order_by(Referral.id))


def open_referrals(dispute_id: int) -> list[Referral]:
    return list(db.session.execute(_OPEN_OF_CASE, {"dispute_id": dispute_id}).scalars())


# Guards -------------------------------------------------------------------

def by_case_mediator(dispute, actor) -> bool:
    """The mediators who work the case; before a lead is assigned, those
    of its community (who may see it)."""
    return actor.role == "mediator" and (dispute.works_on(actor) or dispute.assignee_id is None)


NOT_CASE_MEDIATOR = _l("Only the mediators who work the case may refer it, check the answers or withdraw a referral.")


@hooks.guard("referral_by_case_mediator")
def referral_by_case_mediator(referral, actor, data):
    return None if by_case_mediator(referral.dispute, actor) else NOT_CASE_MEDIATOR


def department_refusal(department, dispute):
    """Why this case may not be referred to this department, or None."""
    if department is None or not department.active:
        return _l("Choose one of the departments listed.")
    if not department.covers(dispute.street_id):
        return _l("%(department)s does not cover this case's street: choose a department of the street or "
                  "of the city.", department=department.name)
    return None


@hooks.guard("liaison_of_department")
def liaison_of_department(referral, actor, data):
    if actor.role == "liaison" and actor.department_id == referral.department_id:
        return None
    return _l("Only the liaisons of %(department)s may act on this referral.", department=referral.department.name)


@hooks.guard("referral_by_case_supervisor")
def referral_by_case_supervisor(referral, actor, data):
    if supervises(actor, referral.dispute):
        return None
    return _l("Only the supervisors of the case's street, or of the city, may urge this referral.")


@hooks.guard("no_open_referrals")
def no_open_referrals(dispute, actor, data):
    still_open = open_referrals(dispute.id)
    if not still_open:
        return None
    return _l("%(departments)s still work on a referral of this case: accept their answer or withdraw the "
              "referral (with a reason) before closing the case.",
              departments=pgettext("list separator", ", ").join(sorted({r.department.name for r in still_open})))


# Effects ------------------------------------------------------------------

def _restart_answer_clock(referral, now):
    """The state's due time is read from `ack_by`/`answer_by` when entered,
    before the effects run: read it again once they have set them."""
    apply_deadline(referral, referral.__workflow__, None, now, {})


@hooks.effect("referral", "send")
def send(referral, actor, data, now):
    ack, answer = periods(referral.department, referral.kind)
    referral.sent_at = now
    referral.ack_by = now + ack
    referral.answer_by = now + answer
    _restart_answer_clock(referral, now)
    tell_liaisons(referral, "referral_sent", now)


@hooks.effect("referral", "acknowledge")
def acknowledge(referral, actor, data, now):
    referral.acknowledged_at = now
    referral.acknowledged_by_id = actor.id


@hooks.effect("referral", "answer")
def answer(referral, actor, data, now):
    referral.answer = data["answer"].strip()
    referral.answered_at = now
    referral.answered_by_id = actor.id
    for user_id in referral_mediators(referral):
        notify(user_id, "referral_answered", entity_type="referral", entity_id=referral.id,
               data=notice_data(referral), now=now)


@hooks.effect("referral", "return_for_redo")
def return_for_redo(referral, actor, data, now):
    referral.returns = (referral.returns or 0) + 1
    referral.answer_by = now + periods(referral.department, referral.kind)[1]
    _restart_answer_clock(referral, now)
    tell_liaisons(referral, "referral_returned", now)


@hooks.effect("referral", "accept_answer")
def accept_answer(referral, actor, data, now):
    referral.verified_at = now


def _escalate(kind):
    def escalate(referral, actor, data, now):
        supervisors = db.session.execute(
            select(User.id).where(User.role == "supervisor", User.active.is_(True),
                                  User.street_id == referral.dispute.street_id)
        ).scalars().all()
        for user_id in sorted(set(supervisors) | set(referral_mediators(referral))):
            notify(user_id, kind, entity_type="referral", entity_id=referral.id, data=notice_data(referral), now=now)
        tell_liaisons(referral, kind, now)

    return escalate


hooks.effect("referral", "escalate_unacknowledged")(_escalate("referral_not_acknowledged"))
hooks.effect("referral", "escalate_overdue")(_escalate("referral_overdue"))


@hooks.effect("referral", "urge")
def urge(referral, actor, data, now):
    """The department's liaisons and the case's mediators are told who urged;
    the note itself is read on the referral's page (a notification may be
    mailed)."""
    told = {"supervisor": actor.display_name, **notice_data(referral)}
    for user_id in sorted(set(liaisons_of(referral.department_id)) | set(referral_mediators(referral))):
        notify(user_id, "referral_urged", entity_type="referral", entity_id=referral.id, data=told, now=now)


def referral_mediators(referral) -> list[int]:
    """Who hears of a referral for the case: its mediators; before the case
    has one, the mediator who referred it (not whoever registered the case: a
    grid worker or a lawyer, who may not open the referral)."""
    dispute = referral.dispute
    ids = [dispute.assignee_id] if dispute.assignee_id else []
    ids += [m.id for m in dispute.co_mediators if m.id not in ids]
    if not ids and referral.created_by_id:
        ids = [referral.created_by_id]
    return ids


def liaisons_of(department_id: int) -> list[int]:
    return list(db.session.execute(
        select(User.id).where(User.role == "liaison", User.active.is_(True), User.department_id == department_id)
        .order_by(User.id)
    ).scalars())


def tell_liaisons(referral, kind, now):
    for user_id in liaisons_of(referral.department_id):
        notify(user_id, kind, entity_type="referral", entity_id=referral.id, data=notice_data(referral), now=now)


def referrals_of_case(dispute):
    """A case's timeline shows its referrals' steps too."""
    return "referral", select(Referral.id).where(Referral.dispute_id == dispute.id)


def referral_subjects(ids: list[int], locale: str) -> dict[int, str]:
    """What a case's history calls each of its referrals: by its department,
    so that two referrals of one case are told apart."""
    rows = db.session.execute(select(Referral.id, Department.name).join(Department, Referral.department)
                              .where(Referral.id.in_(ids))).all()
    return {i: translate(REFERRAL_TO, locale) % {"department": name} for i, name in rows}


REFERRAL_TO = N_("Referral to %(department)s")
