"""The screening alliance (联合体): who took part in a sweep, chosen from the
people the system knows, each counted as the kind of member their account
makes them (a grid worker, the 公安 liaison as community police, a lawyer
as the legal adviser, mediators and coordinators as cadres, grid assistants
as volunteers, other departments' liaisons as department staff). Recorded
with the sweep's own step, in its transaction."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..auth.models import User
from ..engine.hooks import Hooks
from ..extensions import db
from ..org.models import Department
from .models import SweepParticipant

hooks = Hooks()

POLICE = "公安"
ROLE_KINDS = {"gridworker": "gridworker", "lawyer": "legal_adviser", "mediator": "cadre", "coordinator": "cadre",
              "supervisor": "cadre", "assistant": "volunteer", "liaison": "department"}


def kind_of(user, department_names: dict[int, str]) -> str | None:
    if user.role == "liaison" and department_names.get(user.department_id) == POLICE:
        return "police"
    return ROLE_KINDS.get(user.role)


def candidates(street_id: int, community_id: int | None) -> list[tuple[User, str]]:
    """The people who may be named as taking part in a sweep of this place:
    the place's own staff and assistants, the street's, the liaisons of the
    departments covering the street, and the volunteer lawyers."""
    place = User.community_id == community_id if community_id else User.street_id == street_id
    departments = {d.id: d.name for d in db.session.execute(
        select(Department).where(or_(Department.street_id.is_(None), Department.street_id == street_id))).scalars()}
    users = db.session.execute(
        select(User).where(User.active.is_(True), User.role.in_(tuple(ROLE_KINDS)), or_(
            place & User.role.in_(("gridworker", "mediator", "assistant")),
            (User.street_id == street_id) & User.role.in_(("coordinator", "supervisor")),
            User.role == "lawyer",
            (User.role == "liaison") & User.department_id.in_(tuple(departments) or (-1,)),
        )).order_by(User.role, User.display_name, User.id)).scalars()
    return [(user, kind_of(user, departments)) for user in users]


@hooks.effect("sweep", "record")
def record_participants(sweep, actor, data, now):
    chosen = {int(i) for i in data.get("participant_ids") or ()}
    if not chosen:
        return
    for user, kind in candidates(sweep.street_id, sweep.community_id):
        if user.id in chosen:
            db.session.add(SweepParticipant(sweep_id=sweep.id, user_id=user.id, kind=kind))


@hooks.guard("participants_known")
def participants_known(sweep, actor, data):
    if data is None:
        return None
    chosen = {int(i) for i in data.get("participant_ids") or ()}
    known = {user.id for user, _kind in candidates(sweep.street_id, sweep.community_id)}
    if chosen - known:
        from flask_babel import lazy_gettext as _l

        return _l("Choose the people who took part from the list.")
    return None


def participants_of(sweep_id: int) -> list[tuple[User, str]]:
    return list(db.session.execute(
        select(User, SweepParticipant.kind).join(SweepParticipant, SweepParticipant.user_id == User.id)
        .where(SweepParticipant.sweep_id == sweep_id).order_by(SweepParticipant.kind, User.display_name)).all())
