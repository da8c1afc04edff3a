"""Consultations logged during a duty, and what may follow from them with
the visitor's consent: a mediation case (channel 律师咨询转入) or a
legal-aid referral. Monthly counts for the coordinator."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, true, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit.chain import lock_chain, record
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..disputes.models import Dispute
from ..engine.errors import Forbidden, NotAllowed
from ..extensions import db
from .models import Consultation, Duty, Lawyer
from .roster import lawyer_of
from .scope import CITY, duties_clause


def logging_refusal(duty: Duty, user) -> tuple[int, str] | None:
    """Why this user may not log a consultation on this duty now (status and
    message), or None: only its own lawyer, checked in, on that day."""
    me = lawyer_of(user)
    if me is None or me.id != duty.lawyer_id:
        return 403, _("Only the lawyer on this duty may log its consultations.")
    if clock.today() != duty.day:
        return 409, _("Consultations are logged on the day of the duty.")
    if duty.state != "checked_in":
        return 409, _("Check in first: consultations are logged during the duty.")
    return None


def by_submission(token: str | None) -> Consultation | None:
    """The consultation a form (identified by its one-time token) logged."""
    if not token:
        return None
    return db.session.execute(select(Consultation).where(Consultation.submission_token == token)).scalar_one_or_none()


def log(duty: Duty, actor, values: dict, submission_token: str | None = None) -> Consultation:
    """Log a consultation on the duty. A form sent twice, even at the same
    moment, gives back the consultation the first one logged, and nothing
    more is written (nor counted)."""
    existing = by_submission(submission_token)
    if existing is not None and existing.duty_id == duty.id:
        return existing
    refusal = logging_refusal(duty, actor)
    if refusal:
        raise (Forbidden if refusal[0] == 403 else NotAllowed)(refusal[1])
    now = clock.now()
    try:
        row = Consultation(duty_id=duty.id, lawyer_id=duty.lawyer_id, day=duty.day, created_by_id=actor.id,
                           created_at=now, submission_token=submission_token, **values)
        db.session.add(row)
        db.session.flush()
        record(Consultation.__entity_type__, row.id, "consultation_logged", actor, at=now,
               data={"duty_id": duty.id, "service_type": values["service_type"], "topic": values["topic"]})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = by_submission(submission_token)
        if existing is None or existing.duty_id != duty.id:
            raise
        return existing
    except Exception:
        db.session.rollback()
        raise
    return row


def case_of(row: Consultation) -> Dispute | None:
    """The case the consultation became, if it did."""
    return db.session.get(Dispute, row.dispute_id) if row.dispute_id is not None else None


def may_follow_up(row: Consultation, user) -> bool:
    """The lawyer who logged it, on the same day (the visitor is there)."""
    me = lawyer_of(user)
    return me is not None and me.id == row.lawyer_id and clock.today() == row.day


def _claim(row: Consultation, **values) -> bool:
    """Mark the row converted or referred, once: a second, concurrent try
    finds it already done and changes nothing."""
    lock_chain(db.session)  # the chain lock before the row's (app/audit/chain.py)
    column = Consultation.dispute_id if "dispute_id" in values else Consultation.legal_aid_referred_at
    done = db.session.execute(update(Consultation).where(Consultation.id == row.id, column.is_(None))
                              .values(**values).execution_options(synchronize_session=False))
    return done.rowcount == 1


def to_case(row: Consultation, actor, values: dict) -> Dispute:
    """With the visitor's consent, register the matter as a dispute case of
    the room's community (channel 律师咨询转入), in one transaction with the
    consultation's link to it."""
    if not may_follow_up(row, actor):
        raise Forbidden(_("Only the lawyer who logged the consultation may do this, on the same day."))
    if row.dispute_id is not None:
        raise NotAllowed(_("This consultation has already become a case."))
    now = clock.now()
    parties = [PartyDetails("applicant", values["applicant_name"], values.get("applicant_phone") or None)]
    if values.get("respondent_name"):
        parties.append(PartyDetails("respondent", values["respondent_name"]))
    case = NewCase(dispute_type=values["dispute_type"], facts=values["facts"],
                   community_id=row.duty.room.community_id, place=row.duty.room.name, parties=parties)

    def link_the_consultation(dispute):
        if not _claim(row, dispute_id=dispute.id):
            raise NotAllowed(_("This consultation has already become a case."))
        record(Consultation.__entity_type__, row.id, "consultation_to_case", actor, at=now,
               data={"dispute_id": dispute.id, "visitor_consent": True})

    submitted = {"channel": "lawyer", "dispute_type": values["dispute_type"], "consultation_id": row.id,
                 "visitor_consent": True}
    return open_case(case, "consultation", actor, submitted, now=now, also=link_the_consultation).case


def refer_legal_aid(row: Consultation, actor) -> None:
    if not may_follow_up(row, actor):
        raise Forbidden(_("Only the lawyer who logged the consultation may do this, on the same day."))
    now = clock.now()
    try:
        if not _claim(row, legal_aid_referred_at=now):
            db.session.rollback()
            raise NotAllowed(_("This visitor has already been referred for legal aid."))
        record(Consultation.__entity_type__, row.id, "legal_aid_referral", actor, at=now, data={"visitor_consent": True})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def monthly(first: date, last: date, street_id: int | None = CITY) -> dict:
    """Counts of the month's consultations per service type and per lawyer,
    with the cases and legal-aid referrals that followed: those held in the
    rooms of a street (CITY: the whole city)."""
    held_there = true() if street_id is CITY else Consultation.duty_id.in_(
        select(Duty.id).where(duties_clause(street_id)))
    rows = db.session.execute(
        select(Consultation.lawyer_id, Consultation.service_type, func.count(Consultation.id),
               func.count(Consultation.dispute_id), func.count(Consultation.legal_aid_referred_at))
        .where(Consultation.day >= first, Consultation.day <= last, held_there)
        .group_by(Consultation.lawyer_id, Consultation.service_type)).all()
    by_lawyer: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_type: dict[str, int] = defaultdict(int)
    cases = referrals = 0
    for lawyer_id, service_type, n, n_cases, n_referrals in rows:
        by_lawyer[lawyer_id][service_type] += n
        by_lawyer[lawyer_id]["_total"] += n
        by_type[service_type] += n
        cases += n_cases
        referrals += n_referrals
    names = dict(db.session.execute(select(Lawyer.id, Lawyer.name).where(Lawyer.id.in_(list(by_lawyer)))).all()) \
        if by_lawyer else {}
    lawyers = sorted(by_lawyer.items(), key=lambda item: (-item[1]["_total"], names.get(item[0], "")))
    return {"by_type": dict(by_type), "by_lawyer": [(names.get(i, i), dict(c)) for i, c in lawyers],
            "total": sum(by_type.values()), "cases": cases, "referrals": referrals}
