"""Asking for a swap, and the swaps a lawyer's page shows."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import clock, engine
from ..audit.chain import lock_chain
from ..engine.errors import GuardFailed, NotAllowed
from ..extensions import db
from ..i18n import N_
from ..labels import install_reason
from . import leaving, notices
from .models import Duty, Lawyer, SwapRequest
from .rules import cannot_sit
from .scope import CITY, duties_clause

OPEN_STATES = ("requested", "accepted")


def open_swap_for(duty: Duty) -> SwapRequest | None:
    return db.session.execute(select(SwapRequest).where(
        SwapRequest.duty_id == duty.id, SwapRequest.state.in_(OPEN_STATES)).limit(1)).scalar_one_or_none()


def request_swap(duty: Duty, me: Lawyer | None, target: Lawyer | None, note: str, actor) -> SwapRequest:
    """A lawyer asks a named colleague (or anyone, target None) to take one
    of their published duties. Refused, with nothing written, when the duty
    is not theirs or not ahead, a request is already open, or the colleague
    could not sit that Saturday."""
    # One request at a time (a double click, two tabs): on PostgreSQL the
    # audit chain's lock serialises the check below with the insert; SQLite
    # writers already queue.
    lock_chain(db.session)
    db.session.refresh(duty)
    if me is None or duty.lawyer_id != me.id:
        raise GuardFailed(_("You can only ask for a swap of your own duty."))
    if duty.state != "published":
        raise NotAllowed(_("Only a published duty that has not begun can be swapped."))
    if duty.day <= clock.today():
        raise NotAllowed(_("A swap must be asked for before the day of the duty."))
    if open_swap_for(duty) is not None:
        raise NotAllowed(_("A swap of this duty is already being asked for."))
    if target is not None:
        if target.id == me.id:
            raise GuardFailed(_("Choose a colleague, not yourself."), field="target_id")
        problem = cannot_sit(target, duty)
        if problem:
            raise GuardFailed(problem, field="target_id")
    now = clock.now()
    swap = SwapRequest(duty_id=duty.id, requester_id=me.id, target_id=target.id if target else None,
                       note=note, expires_at=clock.day_start(duty.day), created_at=now)
    try:
        engine.create(swap, actor, {"duty_id": duty.id, "target_id": swap.target_id, "note": note}, now=now,
                      commit=False)
        notices.tell_asked_colleague(swap, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return swap


def swaps_of(lawyer: Lawyer, limit: int = 30) -> list[SwapRequest]:
    """The swaps this lawyer is part of, and the open ones anybody may take,
    newest first."""
    return list(db.session.execute(
        select(SwapRequest).where(or_(
            SwapRequest.requester_id == lawyer.id, SwapRequest.target_id == lawyer.id,
            SwapRequest.taker_id == lawyer.id,
            (SwapRequest.target_id.is_(None)) & (SwapRequest.state == "requested"),
        )).order_by(SwapRequest.created_at.desc(), SwapRequest.id.desc()).limit(limit)).scalars())


def asked_of(lawyer: Lawyer) -> list[SwapRequest]:
    """The swaps colleagues asked of this lawyer by name and still waiting
    for the answer (to take or decline), soonest to expire first, with their
    requester, duty and room."""
    return list(db.session.execute(
        select(SwapRequest).where(SwapRequest.target_id == lawyer.id, SwapRequest.state == "requested")
        .options(joinedload(SwapRequest.requester), joinedload(SwapRequest.duty).joinedload(Duty.room))
        .order_by(SwapRequest.expires_at, SwapRequest.id)).scalars())


def awaiting_approval(street_id: int | None = CITY) -> list[SwapRequest]:
    """The swaps a coordinator is to decide: those of duties in their
    street's rooms (CITY: the whole city's)."""
    duties = select(Duty.id).where(duties_clause(street_id))
    return list(db.session.execute(
        select(SwapRequest).where(SwapRequest.state == "accepted", SwapRequest.duty_id.in_(duties))
        .order_by(SwapRequest.expires_at, SwapRequest.id)).scalars())


# ---- a colleague's login deactivated (app/auth/accounts.py)

ASKED_ONE_DEACTIVATED = install_reason(
    N_("The colleague's account was deactivated: the swap request was declined automatically"))


TAKER_DEACTIVATED = install_reason(
    N_("The account of the colleague who took the duty was deactivated: the swap was declined automatically "
       "before the coordinator decided"))


def decline_for_deactivated(user, actor, now):
    """The swaps of the lawyer whose login this was that wait for them or
    on them, declined as the system in the deactivation's own transaction:
    those asked of them by name still waiting for their answer (they can no
    longer take or decline them), and those they took that wait for the
    coordinator (they can no longer sit the duty; the coordinator's check
    reads the roster, not the login). The colleague who asked is told (the
    decline's own notice) and may ask another. Their own requests go on: a
    colleague may still take the duty. Their future duties are left to the
    coordinators, who are told (unless the lawyer was already off the
    roster, and they were told then). A sentence for the administrator, or None."""
    lawyer = db.session.execute(select(Lawyer).where(Lawyer.user_id == user.id)).scalar_one_or_none()
    if lawyer is None:
        return None
    asked, taken = leaving.decline_waiting_swaps(lawyer, ASKED_ONE_DEACTIVATED, TAKER_DEACTIVATED, now)
    duties = leaving.future_duties(lawyer)
    if lawyer.active:
        leaving.tell_coordinators(lawyer, duties, now)
    said = [s for s in (leaving.swaps_sentence(asked, taken), leaving.duties_sentence(lawyer, duties)) if s]
    return " ".join(said) or None


def taken_decline_refusal(swap: SwapRequest, user) -> str | None:
    """What a user trying to decline a swap already taken is told instead of
    "your role may not": the colleague's `decline` from "accepted" is the
    system's alone (workflows/duty_swap.py), so no page offers it there. The
    real ways on, by who asks: the coordinator approves or refuses it; the
    lawyer who asked may withdraw it. None unless the swap is taken."""
    if swap.state != "accepted":
        return None
    lawyer = db.session.execute(select(Lawyer).where(Lawyer.user_id == user.id)).scalar_one_or_none() \
        if user.role == "lawyer" else None
    taker = swap.taker.name if swap.taker else _("A colleague")
    if user.role == "coordinator":
        return _("%(name)s has already taken this swap, so it can no longer be declined: it waits for your "
                 "decision. Approve it, or refuse it with a reason.", name=taker)
    if lawyer is not None and lawyer.id == swap.taker_id:
        return _("You have already taken this swap, so it can no longer be declined: it waits for the "
                 "coordinator’s approval. If you cannot sit the duty after all, ask the coordinator to refuse the "
                 "swap, or the colleague who asked to withdraw it.")
    if lawyer is not None and lawyer.id == swap.requester_id:
        return _("%(name)s has already taken this swap, so it can no longer be declined: it waits for the "
                 "coordinator’s approval. You may still withdraw it.", name=taker)
    return _("%(name)s has already taken this swap, so it can no longer be declined: the coordinator approves or "
             "refuses it, and the lawyer who asked for it may still withdraw it.", name=taker)
