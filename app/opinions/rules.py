"""Guards and effects of the legal-opinion workflow (workflows/legal_opinion.py),
the conflict check, the lawyers a mediator may ask, and the link that puts a
request's steps on the case's timeline.

The conflict check is deliberately plain, and says what it is: a lawyer is
flagged for a case when
- the lawyer's name is a party's name;
- the lawyer's phone is a party's phone (both known);
(both compared as the elders' check does, app/matching.py: NFKC, no spaces,
case folded; a phone's digits without the country code 86);
- the lawyer logged, on a Saturday duty, the consultation that became this
  case (app/rota/consultations.py `to_case`): they advised the party who
  brought it. A consultation records no visitor's identity, so this is the
  only link the rota keeps between a lawyer and a party.
A flag does not forbid the request: the mediator gives a reason to go ahead,
which is recorded with the step (as for the elders' conflicts).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from workflows import DISPUTE
from workflows.legal_opinion import AWAITING

from .. import clock, engine
from ..engine.hooks import Hooks
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, N_, translate
from ..labels import LIST_SEPARATOR, install_reason, system_reason
from ..matching import same_name, same_phone
from ..rota.days import saturdays
from ..rota.models import SAT_STATES, Consultation, Duty, Lawyer
from .models import LegalOpinion

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()

WF = "legal_opinion"
# The case states in which a lawyer may be asked (as for the council of elders).
CASE_STATES = ("accepted", "assigned", "mediating", "extended", "breached")
QUESTION_MAX = 4000
OPINION_MAX = 10000


def works_on_case(dispute, user) -> bool:
    """A mediator who works the case; before a lead is assigned, any mediator
    who can see it (the centre routes the case)."""
    if getattr(user, "role", None) != "mediator" or not dispute.visible_to(user):
        return False
    return dispute.assignee_id is None or dispute.works_on(user)


def case_closed_message(dispute):
    """Why no lawyer can be asked on this case now, or None."""
    if dispute.state not in CASE_STATES:
        return _l("A lawyer can be asked while the case is open (%(states)s); it is now “%(state)s”.",
                  states=translate(LIST_SEPARATOR).join(translate(DISPUTE.state(s).label) for s in CASE_STATES),
                  state=translate(DISPUTE.state(dispute.state).label))
    return None


# ---- guards ------------------------------------------------------------------

@hooks.guard("opinion_works_the_case")
def opinion_works_the_case(row, actor, data):
    if actor.role == "mediator" and not works_on_case(row.dispute, actor):
        return _l("Only the mediators working on this case may do this.")
    return None


@hooks.guard("opinion_case_open")
def opinion_case_open(row, actor, data):
    return case_closed_message(row.dispute)


@hooks.guard("own_request")
def own_request(row, actor, data):
    if actor.role == "lawyer" and row.lawyer.user_id != actor.id:
        return _l("This request is addressed to another lawyer: only they can answer it.")
    return None


@hooks.guard("lawyer_active")
def lawyer_active(row, actor, data):
    if not row.lawyer.active:
        return _l("%(name)s is no longer on the roster of volunteer lawyers.", name=row.lawyer.name)
    return None


def can_answer(lawyer: Lawyer) -> bool:
    """Whether the lawyer can take the steps of a request: only the lawyer
    role accepts and answers, so one without an active lawyer's account (on
    the roster but never given a login) could never answer, and the request
    would only expire."""
    user = lawyer.user
    return user is not None and user.active and user.role == "lawyer"


NO_ACCOUNT = _l("no account yet (the coordinator can give one)")
ACCOUNT_OFF = _l("their account is turned off (an administrator can turn it on)")
NOT_A_LAWYERS_ACCOUNT = _l("their account is not a lawyer's (an administrator can correct it)")


def why_cannot_answer(lawyer: Lawyer):
    """Why a lawyer of the roster cannot take a request's steps, or None."""
    user = lawyer.user
    if user is None:
        return NO_ACCOUNT
    if not user.active:
        return ACCOUNT_OFF
    return None if user.role == "lawyer" else NOT_A_LAWYERS_ACCOUNT


@hooks.guard("lawyer_has_account")
def lawyer_has_account(row, actor, data):
    why = why_cannot_answer(row.lawyer)
    if why is not None:
        return _l("%(name)s cannot answer: %(why)s.", name=row.lawyer.name, why=why)
    return None


@hooks.guard("lawyer_not_asked_yet")
def lawyer_not_asked_yet(row, actor, data):
    """One open question at a time to one lawyer on one case: a second one
    waits for the first answer (or goes into the first request's question)."""
    if data is None:
        return None
    earlier = db.session.execute(
        select(LegalOpinion.id).where(LegalOpinion.dispute_id == row.dispute_id,
                                      LegalOpinion.lawyer_id == row.lawyer_id, LegalOpinion.id != row.id,
                                      LegalOpinion.state.in_(AWAITING)).limit(1)).first()
    if earlier is not None:
        return _l("%(name)s has not answered the earlier request on this case yet: wait for that answer, or "
                  "withdraw it and ask again.", name=row.lawyer.name)
    return None


@hooks.guard("question_given")
def question_given(row, actor, data):
    if data is not None and not str(data.get("question") or "").strip():
        return _l("Write the question for the lawyer.")
    return None


@hooks.guard("opinion_given")
def opinion_given(row, actor, data):
    if data is not None and not str(data.get("opinion") or "").strip():
        return _l("Write the opinion.")
    return None


CONFLICT_NEEDS_REASON = _l("This lawyer may have a conflict of interest: give the reason for asking them anyway.")


@hooks.guard("lawyer_conflict_overridden")
def lawyer_conflict_overridden(row, actor, data):
    if data is None or not row.conflicts:
        return None
    if not str(data.get("override_reason") or "").strip():
        return CONFLICT_NEEDS_REASON
    return None


@hooks.guard("request_not_expired")
def request_not_expired(row, actor, data):
    if row.due_at is not None and clock.now() >= row.due_at:
        return expired_message(row)
    return None


def expired_message(row):
    from ..dates import deadline_text

    return _l("This request expired at %(when)s without an answer: it can no longer be answered.",
              when=deadline_text(row.due_at))


# ---- effects -----------------------------------------------------------------

@hooks.effect(WF, "request")
def record_request(row, actor, data, now):
    row.question = data["question"].strip()
    reason = (data.get("override_reason") or "").strip()
    row.override_reason = reason if row.conflicts and reason else None
    row.requested_by_id = actor.id
    row.requested_at = now


@hooks.effect(WF, "answer")
def record_opinion(row, actor, data, now):
    row.opinion = data["opinion"].strip()
    row.laws_cited = (data.get("laws_cited") or "").strip() or None
    row.answered_at = now


@hooks.effect(WF, "acknowledge")
def record_acknowledgement(row, actor, data, now):
    row.acknowledged_at = now


def opinions_of_case(dispute):
    """A case's timeline shows its legal-opinion requests' steps too."""
    return WF, select(LegalOpinion.id).where(LegalOpinion.dispute_id == dispute.id)


# ---- the case's steps out of the states open for lawyers --------------------

CASE_MOVED_ON = install_reason(
    N_("The case moved on: the request for a legal opinion was withdrawn automatically"))


def withdraw_with_case(dispute, actor, data, now):
    """Withdraw, in the case's own transaction and as the system, the
    requests still waiting for an answer once the case has left the states
    in which a lawyer may be asked. An opinion already given stays, for the
    mediator to acknowledge."""
    if dispute.state in CASE_STATES:
        return
    params = {"dispute_id": dispute.id}
    if engine.first_row(db.session, _ANY_AWAITING, params) is None:
        return  # most cases: no request to withdraw, and no ORM query to ask
    reason = system_reason(CASE_MOVED_ON)
    for row in db.session.execute(_AWAITING, params).scalars().all():
        engine.fire(row, "withdraw", engine.SYSTEM_ACTOR, reason, now=now, commit=False)


# Built once (as the elders' own): this runs on many of a case's steps.
_ANY_AWAITING = select(LegalOpinion.id).where(
    LegalOpinion.dispute_id == bindparam("dispute_id"),
    LegalOpinion.state.in_([bindparam(f"state_{i}", state) for i, state in enumerate(AWAITING)]),
).limit(1)
_AWAITING = (select(LegalOpinion).where(LegalOpinion.dispute_id == bindparam("dispute_id"),
                                        LegalOpinion.state.in_(AWAITING)).order_by(LegalOpinion.id))

# ---- the lawyer taken off the roster ------------------------------------------

LAWYER_LEFT = install_reason(
    N_("The lawyer left the roster of volunteer lawyers: the request for a legal opinion was withdrawn "
       "automatically"))

# The lawyer still on the roster, but their login deactivated by an administrator (app/auth/accounts.py).
ACCOUNT_DEACTIVATED = install_reason(
    N_("The lawyer's account was deactivated: the request for a legal opinion was withdrawn automatically"))

_LAWYERS_AWAITING = (select(LegalOpinion).where(LegalOpinion.lawyer_id == bindparam("lawyer_id"),
                                                LegalOpinion.state.in_(AWAITING)).order_by(LegalOpinion.id))


def withdraw_for_leaving(lawyer, actor, now, because: str = LAWYER_LEFT) -> list[LegalOpinion]:
    """Withdraw, as the system and in the roster change's (or the account
    deactivation's) own transaction, the requests still waiting for the
    answer of a lawyer who can no longer give it (taken off the roster:
    lawyer_active; their login deactivated); the requests withdrawn.
    `because`: the installed reason. An opinion already given stays, for the
    mediator to acknowledge."""
    rows = db.session.execute(_LAWYERS_AWAITING, {"lawyer_id": lawyer.id}).scalars().all()
    reason = system_reason(because)
    for row in rows:
        engine.fire(row, "withdraw", engine.SYSTEM_ACTOR, reason, now=now, commit=False)
    return rows


# Read from the workflow, so that a new way out of those states is covered too.
CASE_ENDING_TRIGGERS = sorted({t.trigger for t in DISPUTE.transitions
                               if t.dest not in CASE_STATES and set(t.sources) & set(CASE_STATES)})
for _trigger in CASE_ENDING_TRIGGERS:
    hooks.effect("dispute", _trigger)(withdraw_with_case)


# ---- conflicts -----------------------------------------------------------------

def consulting_lawyers(dispute_id: int) -> set[int]:
    """The lawyers who logged the consultation(s) that became this case."""
    return set(db.session.execute(
        select(Consultation.lawyer_id).where(Consultation.dispute_id == dispute_id)).scalars())


def conflicts_of(lawyer: Lawyer, dispute, consulted: set[int] | None = None) -> list[dict]:
    """What the check finds between the lawyer and the case, as dicts kept on the request."""
    found = []
    for party in dispute.parties:
        if same_name(lawyer.name, party.name):
            found.append({"kind": "name", "party": party.name, "role": party.role})
        elif same_phone(lawyer.phone, party.phone):
            found.append({"kind": "phone", "party": party.name, "role": party.role})
    if consulted is None:
        consulted = consulting_lawyers(dispute.id)
    if lawyer.id in consulted:
        found.append({"kind": "consulted"})
    return found


def conflict_words(conflict: dict) -> str:
    if conflict.get("kind") == "name":
        return _("The lawyer has the same name as the party %(party)s", party=conflict.get("party", ""))
    if conflict.get("kind") == "phone":
        return _("The lawyer has the same phone as the party %(party)s", party=conflict.get("party", ""))
    if conflict.get("kind") == "consulted":
        return _("The lawyer logged the consultation that became this case: they advised the party who brought it")
    return str(conflict.get("kind"))


def conflicts_for_record(conflicts: list[dict]) -> str:
    """The conflicts as the centre's record reads them, in its own language."""
    with force_locale(DEFAULT_LOCALE):
        return "；".join(conflict_words(c) for c in conflicts)


# ---- whom to ask ---------------------------------------------------------------

@dataclass
class Choice:
    lawyer: Lawyer
    on_duty: bool
    conflicts: list[dict]
    # False: the lawyer has no active account to answer with (can_answer); shown, not offered.
    can_answer: bool = True


def next_saturday(today: date | None = None) -> date:
    today = today or clock.today()
    return saturdays(today, today + timedelta(days=6))[0]


def choices_for(dispute, today: date | None = None) -> tuple[date, list[Choice]]:
    """The active lawyers of the roster, those on duty on the next Saturday
    first (each list by name), each with what the conflict check finds and
    whether they have an account to answer with (the others are shown, not
    offered)."""
    saturday = next_saturday(today)
    lawyers = list(db.session.execute(
        select(Lawyer).options(joinedload(Lawyer.user)).where(Lawyer.active.is_(True))
        .order_by(Lawyer.name, Lawyer.id)).scalars())
    on_duty = set(db.session.execute(
        select(Duty.lawyer_id).where(Duty.day == saturday, Duty.state.in_(SAT_STATES))).scalars())
    consulted = consulting_lawyers(dispute.id)
    rows = [Choice(lw, lw.id in on_duty, conflicts_of(lw, dispute, consulted), can_answer(lw)) for lw in lawyers]
    rows.sort(key=lambda c: not c.on_duty)  # stable: by name within each group
    return saturday, rows
