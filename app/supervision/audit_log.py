"""The audit browser's query: every event, newest first, filtered by actor,
role, entity, trigger and dates, within the user's scope.

Scope: the administrator and a city supervisor (no street) read the whole
log. A street supervisor reads the events of their street: those about its
cases and their sign-off reviews, about its people's accounts (logins,
failed logins on their names, logouts), and every event whose actor is one
of its people (including their exports and reveals). Events about no entity
and no known person (a failed login with an unknown name) are city-level.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, func, or_, select, true

from workflows import WORKFLOWS

from .. import clock
from ..audit.chain import canonical_json
from ..audit.models import AuditEvent
from ..auth.models import User
from ..paging import page_by_ids, page_of
from ..disputes.models import Dispute
from ..engine.registry import registered_models
from ..extensions import db
from ..i18n import translate
from ..timeline import EXPORT_WORDS, ROW_WORDS, TYPE_WORDS, WORDS
from .audit_subjects import ENTITY_LABELS, entity_label
from .models import SignOff


@dataclass(frozen=True)
class Action:
    """Events an action's label names: its trigger, on rows of `entity_type`
    (None: of any type but those in `except_types`, which call it otherwise),
    whose data recorded each (field, value) of `recorded` (an export told by
    what it exported: the case file printed)."""
    trigger: str
    entity_type: str | None = None
    except_types: frozenset[str] = frozenset()
    recorded: tuple[tuple[str, str], ...] = ()

    def clause(self):
        clause = AuditEvent.trigger == self.trigger
        for field, value in self.recorded:
            # The data is stored as canonical JSON (no spaces, keys sorted): a field recorded with
            # this value reads `"field":"value"` in it, whatever was recorded beside it.
            clause = and_(clause, AuditEvent.data.contains(canonical_json({field: value})[1:-1], autoescape=True))
        if self.entity_type is not None:
            return and_(AuditEvent.entity_type == self.entity_type, clause)
        if self.except_types:  # events about no entity (a login) have no type: not excepted
            return and_(clause, or_(AuditEvent.entity_type.is_(None),
                                    AuditEvent.entity_type.not_in(sorted(self.except_types))))
        return clause


@dataclass
class EventFilters:
    actor_id: int | None = None
    role: str | None = None
    # The entity types and actions a typed code or label names (entity_types_named, actions_named).
    entity_types: tuple[str, ...] = ()
    entity_id: int | None = None
    actions: tuple[Action, ...] = ()
    date_from: date | None = None
    date_to: date | None = None


def city_level(user) -> bool:
    return user.role == "admin" or (user.role == "supervisor" and not user.street_id)


def scope_clause(user):
    if city_level(user):
        return true()
    street = user.street_id
    people = select(User.id).where(User.street_id == street)
    cases = select(Dispute.id).where(Dispute.street_id == street)
    reviews = select(SignOff.id).where(SignOff.street_id == street)
    return or_(
        AuditEvent.actor_id.in_(people),
        and_(AuditEvent.entity_type == "dispute", AuditEvent.entity_id.in_(cases)),
        and_(AuditEvent.entity_type == "signoff", AuditEvent.entity_id.in_(reviews)),
        and_(AuditEvent.entity_type == "user", AuditEvent.entity_id.in_(people)),
    )


def events_query(user, f: EventFilters):
    query = select(AuditEvent).where(scope_clause(user))
    if f.actor_id is not None:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    if f.role:
        query = query.where(AuditEvent.actor_role == f.role)
    if f.entity_types:
        query = query.where(AuditEvent.entity_type.in_(f.entity_types))
    if f.entity_id is not None:
        query = query.where(AuditEvent.entity_id == f.entity_id)
    if f.actions:
        query = query.where(or_(*(action.clause() for action in f.actions)))
    query = query.where(*clock.on_local_days(AuditEvent.at, f.date_from, f.date_to))
    return query


# A street's events are a small share of the city's log, spread over all of
# it: counting up to paging.COUNT_CAP (10,000) of them read some 200,000
# events at ten million (100-130 ms on PostgreSQL, bench/scale.py), where the
# city's count reads its index alone. A street's count stops here instead: 40
# pages of 25; the dates and the other filters reach further back.
STREET_COUNT_CAP = 1_000


def page(user, f: EventFilters, number: int, per_page: int):
    """Newest first, with the capped count every list uses; a street's
    capped lower, and counted and paged from one list of ids (its scope's
    filter, with its hash of the street's cases, run once), whose page is
    then read by id."""
    query = events_query(user, f)
    if city_level(user):
        return page_of(query, (AuditEvent.id.desc(),), number, per_page)

    def load(ids):
        return db.session.execute(select(AuditEvent).where(AuditEvent.id.in_(ids))
                                  .order_by(AuditEvent.id.desc())).scalars().all()

    ids = query.with_only_columns(AuditEvent.id).order_by(AuditEvent.id.desc())
    return page_by_ids(ids, load, number, per_page, STREET_COUNT_CAP)


ACCOUNT_TYPES = ("user", "login", "export")


def known_entity_types() -> list[str]:
    """Suggestions for the "what" filter, without scanning the log: every
    workflow entity, plus the accounts, exports and the other rows the
    browser names (any other value typed is searched for as well)."""
    return sorted({name for name, _ in registered_models()} | set(ACCOUNT_TYPES) | set(ENTITY_LABELS))


def known_triggers() -> list[str]:
    return sorted({t.trigger for wf in WORKFLOWS.values() for t in wf.transitions} | set(WORDS))


@lru_cache(maxsize=8)
def entity_type_labels(locale: str) -> dict[str, tuple[str, ...]]:
    """label -> the entity types the browser's "what" column calls so
    (audit_subjects.entity_label)."""
    found: dict[str, tuple[str, ...]] = {}
    for entity_type in known_entity_types():
        label = entity_label(entity_type, locale)
        found[label] = found.get(label, ()) + (entity_type,)
    return found


@lru_cache(maxsize=8)
def action_labels(locale: str) -> dict[str, tuple[Action, ...]]:
    """label -> the Actions the browser's "action" column calls so: the
    labels audit_views.action_label gives, read backwards (an export's word
    by what it exported, a row type's own word, then the shared words, then
    its workflow's transition). One label may name several triggers (退回重办:
    a returned case, a referral sent back)."""
    found: dict[str, list[Action]] = {}

    def add(label, action):
        actions = found.setdefault(translate(label, locale), [])
        if action not in actions:
            actions.append(action)

    for (exported, file_format), label in EXPORT_WORDS.items():
        add(label, Action("export", recorded=(("export", exported), ("format", file_format))))
    type_words = {**TYPE_WORDS, **ROW_WORDS}
    for (entity_type, trigger), label in type_words.items():
        add(label, Action(trigger, entity_type))
    for trigger, label in WORDS.items():
        add(label, Action(trigger, except_types=frozenset(t for t, tr in type_words if tr == trigger)))
    for entity_type, model in registered_models():
        for t in model.__workflow__.transitions:
            if t.trigger not in WORDS and (entity_type, t.trigger) not in TYPE_WORDS:
                add(t.label, Action(t.trigger, entity_type))
    return {label: tuple(actions) for label, actions in found.items()}


def _named(typed: str, codes: set[str], labels: dict[str, tuple]) -> tuple:
    """What a typed filter names: the labels it is (else, unless it is a
    code, those it is part of: "案件" for 纠纷案件)."""
    if typed in labels:
        return labels[typed]
    if typed in codes or len(typed) < PART_MIN_CHARS:
        return ()
    found = [item for label, items in labels.items() if typed in label for item in items]
    # A part found in a great many labels ("e") narrows nothing and would make one
    # long OR of the log's filters: then only the typed text itself is looked for.
    return tuple(found) if len(found) <= PART_MAX_MATCHES else ()


# A typed part of a label ("案件" of 纠纷案件) is matched from two characters, up to so many labels.
PART_MIN_CHARS = 2
PART_MAX_MATCHES = 12


def entity_types_named(typed: str | None, locale: str) -> tuple[str, ...]:
    """The entity types a typed code or label names (the code itself always:
    links kept from before the labels, and codes no label names)."""
    if not typed:
        return ()
    found = _named(typed, set(known_entity_types()), entity_type_labels(locale))
    return (typed, *(t for t in found if t != typed))


def actions_named(typed: str | None, locale: str) -> tuple[Action, ...]:
    """The actions a typed trigger or label names (the trigger itself always)."""
    if not typed:
        return ()
    found = _named(typed, set(known_triggers()), action_labels(locale))
    return (Action(typed), *(a for a in found if a != Action(typed)))


def actors_in_scope(user, limit: int | None = None, actor_id: int | None = None, named: str | None = None,
                    ) -> list[tuple[int, str, str]]:
    """(id, name, user name) of the people of the user's street (the
    city's for a city user): all of them (the first `limit`), the one
    `actor_id`, or those `named`: by their user name, else by their whole
    name, else by the start of either (letters in any case, as on both
    databases alike)."""
    query = select(User.id, User.display_name, User.username).order_by(User.display_name, User.id)
    if not city_level(user):
        query = query.where(User.street_id == user.street_id)
    if actor_id is not None:
        query = query.where(User.id == actor_id)
    if named is not None:
        lowered = named.lower()
        for exact in (func.lower(User.username) == lowered, User.display_name == named):
            found = db.session.execute(query.where(exact)).all()
            if len(found) == 1:
                return [tuple(found[0])]
        query = query.where(or_(func.lower(User.display_name).startswith(lowered, autoescape=True),
                                func.lower(User.username).startswith(lowered, autoescape=True)))
    if limit is not None:
        query = query.limit(limit)
    return [tuple(row) for row in db.session.execute(query)]
