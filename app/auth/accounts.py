"""Making and changing accounts: the one door both `flask users create`
(cli.py) and the administrators' users pages (admin.py) go through, so a role
gets the same places, a password the same rules, and every change the same
audit event, wherever it is made.

Each function works in the caller's transaction and audits there; the caller
commits. A refusal raises `AccountProblem` before anything is written, with
the form field it concerns and a message in the current language.

What a role needs of the organisation tree (`REQUIRED_PLACE`): a mediator
works in a community, a grid worker and a grid assistant in a grid, a liaison
answers for a department. The others may have a place (a street's supervisor
or coordinator, an elder's community) or none (the city's).
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from workflows import ROLES

from .. import clock
from ..audit.chain import lock_chain, record
from ..extensions import db
from ..i18n import N_
from ..org.models import Community, Department, Grid, Street
from . import sessions
from .models import User, username_is
from .passwords import hash_password, password_problem

# role -> the place it cannot work without
REQUIRED_PLACE = {"mediator": "community", "gridworker": "grid", "assistant": "grid", "liaison": "department"}
# role -> the places it may keep; a place it has no use for is dropped when the
# account is saved, so that an account moved to another role (a grid worker
# made a liaison) does not keep its old grid and community as if they meant
# something. The street narrows the lists and comes with a community or grid.
ROLE_PLACES = {
    "mediator": ("street", "community"),
    "gridworker": ("street", "community", "grid"),
    "assistant": ("street", "community", "grid"),
    "liaison": ("street", "department"),
    "supervisor": ("street",),
    "coordinator": ("street",),
    "elder": ("street", "community"),
    "lawyer": ("street", "community"),
    "admin": (),
}
# Roles whose scope is their street, or the whole city when they have none
# (app/disputes/scope_rule.py, the rota): the city is chosen, never left by a
# street forgotten.
STREET_OR_CITY = ("supervisor", "coordinator")


class AccountProblem(Exception):
    """Why an account cannot be made or changed so. `field`: the form field
    (and the CLI option) it concerns; `code`: what is wrong, for callers that
    word it their own way."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


@dataclass
class Details:
    """What an administrator sets on an account (never its password)."""
    display_name: str
    role: str
    street_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None
    department_id: int | None = None
    # A supervisor or coordinator for the whole city (STREET_OR_CITY): said, not implied.
    whole_city: bool = False


def _missing_place(role: str, place: str) -> AccountProblem:
    messages = {
        "community": lambda: _("A mediator needs a community."),
        "grid": lambda: _("This role needs a grid."),
        "department": lambda: _("A liaison needs a department."),
    }
    return AccountProblem(place, "missing", messages[place]())


def _places(details: Details, current_department_id: int | None = None) -> dict:
    """The account's street, community, grid and department ids as the tree
    has them: a grid gives its community, a community its street; a place
    given with one that is not its parent is refused. A deactivated
    department takes no new liaison; an account already its liaison keeps it."""
    role = details.role
    if role not in ROLES:
        raise AccountProblem("role", "unknown_role", _("Choose a role from the list."))
    kept = ROLE_PLACES.get(role, ())
    street_id, community_id, grid_id, department_id = (
        getattr(details, f"{place}_id") if place in kept else None
        for place in ("street", "community", "grid", "department"))
    if grid_id:
        grid = db.session.get(Grid, grid_id)
        if grid is None:
            raise AccountProblem("grid", "unknown", _("Choose a grid from the list."))
        if community_id and community_id != grid.community_id:
            raise AccountProblem("grid", "mismatch", _("This grid is not in the chosen community."))
        # Said of the grid, not of the community it brings: the administrator chose no community.
        if street_id and street_id != grid.community.street_id:
            raise AccountProblem("grid", "mismatch", _("This grid is not in the chosen street."))
        community_id = grid.community_id
    if community_id:
        community = db.session.get(Community, community_id)
        if community is None:
            raise AccountProblem("community", "unknown", _("Choose a community from the list."))
        if street_id and street_id != community.street_id:
            raise AccountProblem("community", "mismatch", _("This community is not in the chosen street."))
        street_id = community.street_id
    if street_id and db.session.get(Street, street_id) is None:
        raise AccountProblem("street", "unknown", _("Choose a street from the list."))
    if department_id:
        department = db.session.get(Department, department_id)
        if department is None:
            raise AccountProblem("department", "unknown", _("Choose a department from the list."))
        if not department.active and department_id != current_department_id:
            raise AccountProblem("department", "inactive",
                                 _("This department is deactivated: it takes no new liaison. Choose another one."))
        if street_id and department.street_id not in (None, street_id):
            raise AccountProblem("department", "mismatch",
                                 _("This department covers another street than the account's."))
    places = {"street_id": street_id, "community_id": community_id, "grid_id": grid_id,
              "department_id": department_id}
    needed = REQUIRED_PLACE.get(role)
    if needed and not places[f"{needed}_id"]:
        raise _missing_place(role, needed)
    if role in STREET_OR_CITY and details.whole_city and street_id:
        raise AccountProblem("street", "mismatch", _("Choose a street or the whole city, not both."))
    if role in STREET_OR_CITY and not street_id and not details.whole_city:
        raise AccountProblem("street", "missing", _("A supervisor or a coordinator covers a street or the whole "
                                                    "city: choose the street, or “The whole city”."))
    return places


def _display_name(details: Details, username: str) -> str:
    name = (details.display_name or "").strip() or username
    if len(name) > 80:
        raise AccountProblem("display_name", "too_long", _("Use at most %(count)s characters.", count=80))
    return name


def check_password_rules(password: str) -> None:
    problem = password_problem(password or "")
    if problem:
        raise AccountProblem("password", "weak", problem)


# Where an administrator made a change ("by"): on the users' pages or with `flask users`.
BY = {"web": N_("On the web pages"), "cli": N_("On the command line")}


def create(username: str, details: Details, password: str, actor, by: str) -> User:
    """A new active account; audited as `user_created` (without the password).
    `by`: "cli" or "web"."""
    username = (username or "").strip()
    if not username or len(username) > 60:
        raise AccountProblem("username", "bad", _("Give a username of at most %(count)s characters.", count=60))
    lock_chain(db.session)  # one writer at a time: two admins cannot both take the name
    taken = db.session.execute(select(User.username).where(username_is(username))).scalar()
    if taken == username:
        raise AccountProblem("username", "taken", _("The username %(name)s is taken. Choose another.", name=username))
    if taken is not None:  # names differing only in capitals are one name (the login ignores them)
        raise AccountProblem("username", "taken_other_case", _(
            "The username %(name)s is taken: it differs from %(existing)s only in capitals. Choose another.",
            name=username, existing=taken))
    places = _places(details)
    name = _display_name(details, username)
    check_password_rules(password)
    user = User(username=username, display_name=name, role=details.role, password_hash=hash_password(password),
                session_token=secrets.token_hex(16), active=True, **places)
    db.session.add(user)
    db.session.flush()
    record("user", user.id, "user_created", actor, data={
        "username": username, "display_name": name, "role": details.role, "by": by,
        **{key: value for key, value in places.items() if value}})
    return user


def state_of(user: User) -> str:
    """What an administrator's form was loaded with, so that a change made
    meanwhile by another is noticed (`StaleForm`) rather than overwritten."""
    values = (user.display_name, user.role, user.street_id, user.community_id, user.grid_id, user.department_id,
              bool(user.active))
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


class StaleForm(Exception):
    """Another administrator changed the account after this form was loaded."""


def _locked_fresh(user: User, loaded_state: str | None) -> None:
    """Take the chain lock (one writer at a time) and reread the account, so
    the check below sees what the last writer committed."""
    lock_chain(db.session)
    db.session.refresh(user)
    if loaded_state is not None and loaded_state != state_of(user):
        raise StaleForm()


def _active_admins_other_than(user: User) -> int:
    return db.session.execute(select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)).scalar_one()


def update(user: User, details: Details, actor, loaded_state: str | None = None) -> dict:
    """Change the account's name, role and places; audited as `user_changed`
    with what was and what is. Returns the changes ({} when nothing changed,
    and then nothing is audited)."""
    _locked_fresh(user, loaded_state)
    if user.role == "admin" and details.role != "admin" and user.active and not _active_admins_other_than(user):
        raise AccountProblem("role", "last_admin", _("This is the last active administrator: "
                                                      "make another account administrator first."))
    places = _places(details, current_department_id=user.department_id)
    name = _display_name(details, user.username)
    new = {"display_name": name, "role": details.role, **places}
    changes = {key: [getattr(user, key), value] for key, value in new.items() if getattr(user, key) != value}
    if not changes:
        return {}
    for key, (_old, value) in changes.items():
        setattr(user, key, value)
    record("user", user.id, "user_changed", actor, data={"changes": changes})
    return changes


def end_all_sessions(user: User, actor, cause: str) -> int:
    """Log out every session of the account, each audited (one that had
    already timed out as its timeout); how many were still live."""
    return sessions.end_all(user, actor, {"cause": cause})


# What the domains end or tell when an account is deactivated (what waits for
# that person's answer: a volunteer lawyer's legal-opinion requests and the
# swaps asked of them by name are ended; an elder's invitations stay, for a
# mediator records an elder's answers, and their mediators are told): each listener, installed from its
# package's init_app (never on import), runs in the deactivation's own
# transaction, after the chain lock, as fn(user, actor, now) and returns a
# sentence for whoever deactivated it, or None. Reactivating calls none of
# them: what was ended stays ended.
DEACTIVATION_LISTENERS: list[Callable] = []


def install_deactivation_listener(fn: Callable) -> None:
    """Run fn(user, actor, now) in the transaction that deactivates an
    account. Installing the same function again changes nothing."""
    if fn not in DEACTIVATION_LISTENERS:
        DEACTIVATION_LISTENERS.append(fn)


@dataclass
class StateChange:
    """What `set_active` did: `data` as audited, and `said`, the
    listeners' sentences (what the deactivation ended elsewhere)."""
    data: dict
    said: list[str]


def set_active(user: User, active: bool, actor, loaded_state: str | None = None,
               reason: str | None = None) -> StateChange | None:
    """Deactivate (every session logged out at once; the password no longer
    logs in; the deactivation listeners end what waited for this account) or
    reactivate the account. An administrator cannot deactivate themself, nor
    the last active administrator. None when the account was so already
    (nothing audited)."""
    _locked_fresh(user, loaded_state)
    if user.active == active:
        return None
    data: dict = {}
    if not active:
        if actor is not None and user.id == getattr(actor, "id", None):
            raise AccountProblem("active", "self", _("You cannot deactivate your own account."))
        if user.role == "admin" and not _active_admins_other_than(user):
            raise AccountProblem("active", "last_admin", _("This is the last active administrator: "
                                                            "it cannot be deactivated."))
        user.active = False
        # A new credential generation: the device cookies issued so far stop counting too.
        user.session_token = secrets.token_hex(16)
        data["sessions_ended"] = end_all_sessions(user, actor, "deactivated")
    else:
        user.active = True
    record("user", user.id, "user_deactivated" if not active else "user_reactivated", actor, reason=reason,
           data=data)
    said: list[str] = []
    if not active:
        now = clock.now()
        said = [s for s in (fn(user, actor, now) for fn in DEACTIVATION_LISTENERS) if s]
    return StateChange(data, said)


def set_password(user: User, password: str, actor, by: str) -> dict:
    """An administrator's new password for the account (a forgotten one):
    the same rules as one the user chooses; every session of the account is
    logged out and its device cookies stop counting. Audited without the
    password."""
    check_password_rules(password)
    lock_chain(db.session)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    data = {"by": by, "sessions_ended": end_all_sessions(user, actor, "password_set")}
    record("user", user.id, "password_set", actor, data=data)
    return data
