"""An entity's audit events as plain sentences for the case page.

A case's timeline also shows the steps of the rows that belong to it (an
elder's invitation, a follow-up visit, a sign-off): each such domain installs,
with `install_related("dispute", fn)` from its init_app, a function returning
(entity_type, a query of the ids of its rows for one case); the ids of every
domain are read in one statement (a UNION ALL), and their events are merged
with the case's own in log order. A domain whose rows not everyone who sees
the case may read (a lawyer's opinion: not a grid worker) says who may with
`shown_to`: the others' timelines leave those rows' events out.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Callable

from sqlalchemy import and_, bindparam, inspect, literal, or_, select, union_all

from flask import has_request_context
from flask_login import current_user

from .audit.chain import CAUSE, event_key
from .audit.models import AuditEvent
from .audit.personal import open_all
from .auth.models import User
from .extensions import db
from .labels import REFERENCES, field_label, names_for, readable, reason_text
from .privacy import mask_data
from .i18n import N_, NC_, translate
from workflows.spec import SYSTEM

WORDS = {
    "create": NC_("step", "Registered"),
    "edit": N_("Edited"),
    "deadline_moved": N_("Deadline moved off a holiday"),
    "upload": N_("File attached"),
    "reveal": N_("Revealed personal data"),
    "shred": N_("Personal data erased (retention period ended)"),
    "add_party": N_("Party added"),
    "edit_party": N_("Party details changed"),
    "session_recorded": N_("Session recorded"),
    "print_agreement": N_("Agreement printed (with personal data)"),
    "notification_settings": N_("Notification settings changed"),
    "roster_add": N_("Added to the council's roster"),
    "roster_edit": N_("Roster details changed"),
    "unavailable_add": N_("Unavailable dates added"),
    "unavailable_remove": N_("Unavailable dates removed"),
    "relation_add": N_("Declared relation added"),
    "relation_remove": N_("Declared relation removed"),
    # The lawyers' Saturday rota (app/rota)
    "rota_roster_add": N_("Added to the lawyer rota's roster"),
    "rota_roster_edit": N_("Lawyer rota roster changed"),
    "replanned": N_("Re-planned"),
    "assigned": N_("Lawyer changed by the coordinator"),
    "swapped": N_("Duty swapped"),
    "plan_generated": N_("Rota plan made"),
    "plan_published": N_("Rota published"),
    "holiday_added": N_("Holiday added"),
    "holiday_removed": N_("Holiday removed"),
    "holiday_kept": N_("Kept on a holiday by the coordinator"),
    "feed_issued": N_("Calendar link issued"),
    "feed_revoked": N_("Calendar link revoked"),
    "consultation_logged": N_("Consultation logged"),
    "consultation_to_case": N_("Consultation became a case"),
    "legal_aid_referral": N_("Referred for legal aid"),
    "export": N_("Exported"),
    "login": N_("Logged in"),
    "login_failed": N_("Failed login"),
    "login_throttled": N_("Login refused (too many attempts)"),
    "logout": N_("Logged out"),
    "logout_one": N_("Logged out a session from the account page"),
    "logout_others": N_("Logged out all other sessions"),
    "session_timeout": N_("Session timed out"),
    "user_created": N_("Account created"),
    "password_changed": N_("Password changed"),
    "user_changed": N_("Account details changed by an administrator"),
    "user_deactivated": N_("Account deactivated"),
    "user_reactivated": N_("Account reactivated"),
    "password_set": N_("New password set by an administrator"),
    "password_change_failed": N_("Password change refused (wrong current password)"),
    "password_change_throttled": N_("Password change refused (too many attempts)"),
    "second_factor_setup_started": N_("Two-step verification set-up started"),
    "second_factor_setup_failed": N_("Two-step verification set-up code wrong"),
    "second_factor_setup_throttled": N_("Two-step verification set-up refused (too many attempts)"),
    "second_factor_enabled": N_("Two-step verification turned on"),
    "second_factor_disabled": N_("Two-step verification turned off"),
    "second_factor_asked": N_("Verification code asked for"),
    "second_factor_failed": N_("Wrong verification code"),
    "second_factor_throttled": N_("Verification code refused (too many attempts)"),
    "second_factor_reset": N_("Two-step verification reset by an administrator"),
    "second_factor_move_started": N_("Move of two-step verification to a new phone started"),
    "second_factor_move_failed": N_("Move of two-step verification to a new phone refused"),
    "second_factor_move_cancelled": N_("Move of two-step verification to a new phone cancelled"),
    "second_factor_moved": N_("Two-step verification moved to a new phone"),
    "recovery_code_used": N_("Recovery code used"),
    "recovery_codes_renewed": N_("Recovery codes renewed"),
    "department_added": N_("Department added"),
    "department_changed": N_("Department renamed or its default periods changed"),
    "department_deactivated": N_("Department deactivated"),
    "department_reactivated": N_("Department reactivated"),
    "department_deadline_set": N_("Department's own periods set"),
    "department_deadline_removed": N_("Department's own periods removed (back to its defaults)"),
    "calendar_notice_added": N_("Holiday notice entered"),
    "calendar_notice_removed": N_("Holiday notice removed"),
    "grid_outlines_imported": N_("Grid outlines imported"),
    "street_renamed": N_("Street renamed"),
    "community_renamed": N_("Community renamed"),
    "grid_renamed": N_("Grid renamed"),
    "community_added": N_("Community added"),
    "grid_added": N_("Grid added"),
    "api_refused": N_("API call refused"),
    "checkpoint_signed": N_("Audit checkpoint signed"),
}

# Labels of one entity type's triggers, where the trigger alone would read
# wrong in another domain (every workflow row begins with "create", which
# WORDS calls 登记 Registered, right for a case only). Looked up before WORDS.
TYPE_WORDS = {
    ("followup", "create"): N_("Follow-up planned"),
    ("sweep", "create"): N_("Sweep planned"),
    ("elder_assignment", "create"): N_("Elder suggested"),
    ("signoff", "create"): N_("Closure sent for sign-off"),
    ("lawyer_duty", "create"): N_("Duty planned"),
    ("duty_swap", "create"): N_("Swap requested"),
    ("referral", "create"): N_("Referral drafted"),
    ("legal_opinion", "create"): N_("Lawyer chosen for a legal opinion"),
}

# The same for rows of no workflow (an integrator's client and its sensors,
# app/api), whose triggers would read wrong on their own ("create", 登记).
ROW_WORDS = {
    ("api_client", "create"): N_("API client added"),
    ("api_client", "rotate"): N_("API client given a new token"),
    ("api_client", "revoke"): N_("API client revoked"),
    ("api_client", "set_webhook"): N_("API client's webhook address changed"),
    ("iot_device", "register"): N_("Sensor registered"),
    ("iot_candidate", "alarm"): N_("Sensor alarm received"),
    ("iot_candidate", "confirm"): N_("Sensor alarm made a case"),
    ("iot_candidate", "dismiss"): N_("Sensor alarm dismissed"),
}


# Labels of the steps the system takes in someone's stead, where the step's
# own label says who would take it (an elder's recusal): looked up first
# when the system took it.
SYSTEM_WORDS = {
    ("elder_assignment", "withdraw"): N_("Withdrawn automatically by the system"),
    ("legal_opinion", "withdraw"): N_("Withdrawn automatically by the system"),
}


# An export told by what it exported and how (its recorded "export" and
# "format"): the case file's print view and its PDF both record "export",
# which alone reads the same for a page printed and a file taken away.
EXPORT_WORDS = {
    ("casefile", "print"): N_("Case file printed"),
    ("casefile", "pdf"): N_("Case file downloaded as PDF"),
}


def export_word(trigger: str, payload: dict, locale: str) -> str | None:
    """The label of an export event by what its data recorded, or None."""
    if trigger != "export":
        return None
    label = EXPORT_WORDS.get((payload.get("export"), payload.get("format")))
    return translate(label, locale) if label else None


def word(entity_type: str | None, trigger: str, locale: str, role: str | None = None) -> str | None:
    """The label of a trigger that is not a workflow transition (or that
    reads differently for this entity type, or when the system (`role`)
    took it), or None."""
    label = ((SYSTEM_WORDS.get((entity_type, trigger)) if role == SYSTEM else None)
             or TYPE_WORDS.get((entity_type, trigger)) or ROW_WORDS.get((entity_type, trigger))
             or WORDS.get(trigger))
    return translate(label, locale) if label else None


RELATED: dict[str, list[Callable]] = defaultdict(list)
# (entity_type, related entity_type) -> shown_to(entity, user): see install_related.
SHOWN_TO: dict[tuple[str, str], Callable] = {}
# entity_type -> fn(ids, locale) -> {id: what the history calls that row}:
# for related rows told apart by more than their workflow's name (two
# referrals of one case, each to its department).
SUBJECTS: dict[str, Callable[[list[int], str], dict[int, str]]] = {}


def install_subject(entity_type: str, fn: Callable[[list[int], str], dict[int, str]]) -> None:
    """Name the related rows of `entity_type` on a timeline by what fn gives
    (one call per page for all of them), not by their workflow's name."""
    SUBJECTS[entity_type] = fn


def install_related(entity_type: str, fn: Callable, shown_to: Callable | None = None) -> None:
    """Show on the timeline of `entity_type` rows the events of the rows
    fn(entity) names: fn returns (their entity_type, a select of their ids).
    fn is given a stand-in whose only attribute is `id`, a bound parameter, so
    that the statement is built once, not on every page. `shown_to(entity,
    user)`, if given, says whether a user's timeline of the entity shows those
    events (without it, everyone who sees the entity sees them). Installing
    the same function again (a second app in one process) changes nothing."""
    if fn not in RELATED[entity_type]:
        RELATED[entity_type].append(fn)
    if shown_to is not None:
        SHOWN_TO[(entity_type, fn(_STAND_IN)[0])] = shown_to


@dataclass
class Entry:
    at: datetime
    actor: str | None
    role: str
    action: str
    from_label: str | None
    to_label: str | None
    reason: str | None
    data: dict
    # What the reason is called: the step's own form asks for a "Reason" when
    # it needs one, else for a "Note" (accepting a case), and says so here too.
    reason_label: str = ""
    # For a related row's event: its workflow's name (e.g. "五老和事会指派"),
    # shown before the action; None for the entity's own events.
    subject: str | None = field(default=None)
    # Set off by the entry above it (a follow-up planned by an agreement): told
    # after that step in either direction (`oldest_first`).
    set_off: bool = False
    # The action of the step that set it off, to say so ("↳ set off by ...").
    set_off_by: str | None = None
    # The kind of row the event is about (a referral's "kind" is not a party's).
    entity_type: str | None = None


REASON, NOTE = N_("Reason"), NC_("recorded with a step", "Note")

# Submitted fields that are the step's own note (a supervisor's urging, 督办意见):
# told where a reason is told, under the field's label, not among the data.
STEP_NOTES = ("urging",)


def step_note(event, payload: dict, t, locale: str) -> tuple[str | None, str, dict]:
    """(the step's reason or note, what it is called, the rest of `payload`):
    a reason recorded as one, else a note submitted with the step (taken out
    of the data, where it would be told again). The histories and the audit
    browser say it alike. `t` is the event's transition (None: no workflow's)."""
    note = None if event.reason else next((k for k in STEP_NOTES if payload.get(k)), None)
    if note is None:
        label = NOTE if t is not None and not t.reason_required else REASON
        return reason_text(event.reason, locale), translate(label, locale), payload
    return (payload[note], field_label(note, locale, event.entity_type),
            {k: v for k, v in payload.items() if k != note})

_STAND_IN = SimpleNamespace(id=bindparam("entity_id"))


@lru_cache(maxsize=32)
def _related_ids(fns: tuple[Callable, ...]):
    """One statement for every domain's rows (a case page used to send one
    each), built once per set of installed functions: building it and its
    cache key on every page cost more than running it."""
    queries = [ids.with_only_columns(literal(entity_type).label("entity_type"), *ids.selected_columns)
               for entity_type, ids in (fn(_STAND_IN) for fn in fns)]
    return union_all(*queries)


@lru_cache(maxsize=64)
def _events(kinds: tuple[str, ...]):
    """The events of rows of `kinds`, each kind's ids in the parameter ids<i>."""
    return (select(AuditEvent, User.display_name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(or_(*(and_(AuditEvent.entity_type == kind,
                              AuditEvent.entity_id.in_(bindparam(f"ids{i}", expanding=True)))
                         for i, kind in enumerate(kinds))))
            .order_by(AuditEvent.id.desc()))  # log order: seq is per entity, the merged rows are several


def subjects(entity) -> dict[str, list[int]]:
    """entity_type -> ids: the entity and the related rows whose events its
    timeline shows (also the rows whose audit keys go with a shredded case)."""
    wanted: dict[str, list[int]] = defaultdict(list)
    wanted[entity.__entity_type__].append(entity.id)
    fns = tuple(RELATED.get(entity.__entity_type__, ()))
    if fns:
        for entity_type, entity_id in db.session.execute(_related_ids(fns), {"entity_id": entity.id}):
            wanted[entity_type].append(entity_id)
    return wanted


def _known_names(entity, rows) -> dict[str, dict]:
    """The names the history has read already, as the references' resolvers
    give them (app/__init__.py): its actors' (joined to the events), and the
    entity's own title (a case's file number) for the events naming it, so
    that naming them sends no query."""
    known = {"user_id": {event.actor_id: name for event, name in rows if name is not None}}
    own = f"{entity.__entity_type__}_id"
    # Only where the history names such rows (a case's "dispute_id"): another
    # entity's title may read other rows (a sign-off's, its case).
    if own in REFERENCES and hasattr(entity, "title"):
        known[own] = {entity.id: entity.title}
    # The named rows the entity has loaded already (a case page's community,
    # grid and parties): a reference "party_id" names the rows of the
    # relationship "party" or "parties" by their names, as its resolver does.
    state = inspect(entity)
    for ref in REFERENCES:
        for attr in _relationship_names(ref):
            if attr not in state.mapper.relationships or attr in state.unloaded:
                continue
            loaded = getattr(entity, attr)
            for row in loaded if isinstance(loaded, list) else [loaded]:
                if row is not None and isinstance(getattr(row, "name", None), str):
                    known.setdefault(ref, {})[row.id] = row.name
    return known


def _relationship_names(ref: str) -> tuple[str, ...]:
    """"grid_id" -> ("grid", "grids"); "party_id" -> ("party", "parties")."""
    if not ref.endswith("_id"):
        return ()
    one = ref.removesuffix("_id")
    return (one, one[:-1] + "ies" if one.endswith("y") else one + "s")


def causal_order(events: list, causes: list[str | None]) -> tuple[list[int], set[int]]:
    """The positions of `events` (newest first, as the log has them) with
    each step followed by what it set off, and the positions so placed. A
    step's effects record their events before the step records its own
    (app/audit/chain.py, CAUSE): in the log's order a follow-up planned by an
    agreement sits between it and older steps, and read oldest first came
    before the agreement. An event whose cause is not among `events` keeps
    its place."""
    ordered, set_off_by = _causal_order(events, causes)
    return ordered, set(set_off_by)


def _causal_order(events: list, causes: list[str | None]) -> tuple[list[int], dict[int, int]]:
    """causal_order, with the position of the step that set each placed one off."""
    after: dict[int, list[int]] = {}
    waiting: dict[str, list[int]] = {}
    for i in range(len(events) - 1, -1, -1):  # oldest first: an effect comes before its cause
        event = events[i]
        effects = waiting.pop(event_key(event.entity_type, event.entity_id, event.trigger), None)
        if effects:
            after[i] = effects[::-1]  # newest first, as the rest
        if causes[i] is not None:
            waiting.setdefault(causes[i], []).append(i)
    set_off = {i: cause for cause, effects in after.items() for i in effects}
    ordered: list[int] = []

    def place(i: int) -> None:
        ordered.append(i)
        for effect in after.get(i, ()):
            place(effect)

    for i in range(len(events)):
        if i not in set_off:
            place(i)
    return ordered, set_off


def oldest_first(entries: list[Entry]) -> list[Entry]:
    """A timeline (newest first) in the order things happened: each step
    still followed by what it set off."""
    groups: list[list[Entry]] = []
    for entry in entries:
        if entry.set_off and groups:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return [entry for group in reversed(groups) for entry in group]


def _viewer():
    """The user of the request (signed in or not); None outside a request (a command), which sees everything."""
    return current_user if has_request_context() else None


def timeline(entity, locale: str, viewer=None) -> list[Entry]:
    """The entity's history, newest first, as `viewer` (by default the
    signed-in user) may read it: the related rows another role may not read
    (install_related's `shown_to`) are left out."""
    return timeline_and_events(entity, locale, viewer)[0]


def timeline_and_events(entity, locale: str, viewer=None) -> tuple[list[Entry], list | None]:
    """timeline(), and the entity's own audit events it read, oldest first
    (every one of them, as stored), for a page that reads more from them
    without asking the log again (a case's judicial confirmation); None if
    its own events were not read."""
    from .engine.registry import workflow_for_entity_type

    own_type = entity.__entity_type__
    wanted = subjects(entity)
    viewer = viewer if viewer is not None else _viewer()
    if viewer is not None:
        for kind in list(wanted):
            shown_to = SHOWN_TO.get((own_type, kind))
            if shown_to is not None and not shown_to(entity, viewer):
                del wanted[kind]
    kinds = tuple(sorted(wanted))
    rows = db.session.execute(_events(kinds), {f"ids{i}": wanted[kind] for i, kind in enumerate(kinds)}).all()
    own_events = [event for event, _ in reversed(rows)
                  if event.entity_type == own_type and event.entity_id == entity.id] if own_type in wanted else None
    opened = open_all([event for event, _ in rows], db.session)
    order, set_off_by = _causal_order([event for event, _ in rows], [p.get(CAUSE) for p in opened])
    actions = [_action(event, own_type, entity, locale, payload) for (event, _), payload in zip(rows, opened)]
    causes = [actions[set_off_by[i]][0] if i in set_off_by else None for i in order]
    rows, opened, actions = [rows[i] for i in order], [opened[i] for i in order], [actions[i] for i in order]
    # Keys starting with "_" are the engine's record of what a step set (for
    # verify), not what anyone submitted: not shown.
    payloads = [mask_data({k: v for k, v in p.items() if not k.startswith("_")}) for p in opened]
    # A related row's workflow (None for the entity's own events and a row of no workflow).
    own_wfs = [None if event.entity_type == own_type else workflow_for_entity_type(event.entity_type)
               for event, _ in rows]
    kept = _fold_transient(rows, payloads, [w or entity.__workflow__ for w in own_wfs])
    rows, payloads, actions, causes, own_wfs = ([seq[i] for i in kept]
                                                for seq in (rows, payloads, actions, causes, own_wfs))
    names = names_for(payloads, known=_known_names(entity, rows))
    subjects_of = _subjects(rows, own_type, locale)
    entries = []
    for (event, name), payload, (action, t), cause, own_wf in zip(rows, payloads, actions, causes, own_wfs):
        reason, reason_label, payload = step_note(event, payload, t, locale)
        wf = own_wf or entity.__workflow__
        subject = subjects_of.get((event.entity_type, event.entity_id)) or (
            translate(own_wf.label, locale) if own_wf else None)
        from_label, to_label = state_labels(event, lambda code: translate(wf.state(code).label, locale))
        if event.from_state and wf.has_state(event.from_state) and wf.state(event.from_state).transient:
            from_label = None  # the step out of it tells the row's creation too (_fold_transient): none before
        entries.append(
            Entry(
                at=event.at,
                actor=name,  # None: the system or a member of the public, named by role
                role=event.actor_role,
                action=action,
                from_label=from_label,
                to_label=to_label,
                reason=reason,
                reason_label=reason_label,
                data=readable(payload, locale, names, event.entity_type),
                subject=subject,
                set_off=cause is not None,
                set_off_by=cause,
                entity_type=event.entity_type,
            )
        )
    return entries, own_events


def state_labels(event, label: Callable[[str], str]) -> tuple[str | None, str | None]:
    """What a history shows of the states an event moved between: (from,
    to), each `label(code)` or None where there is no state (registration
    has none before it). Both None for a step that keeps the state (a
    supervisor's urging, an edit): every history (the case pages, the audit
    log, the case file) says "X → X" of none. Raw states stay in the log."""
    if event.from_state == event.to_state:
        return None, None
    return (label(event.from_state) if event.from_state else None,
            label(event.to_state) if event.to_state else None)


def _fold_transient(rows, payloads: list[dict], workflows: list) -> list[int]:
    """The positions of `rows` (newest first) a history shows: not a row's
    creation into a transient state (its workflow's State.transient, a
    legal-opinion request's draft), which no one took as a step of its own.
    Its data (the lawyer asked) is told with the step that left the state,
    which reads as the row's first step. A creation with no step out of it
    (none should be) is shown as it is."""
    hidden: set[int] = set()
    for i, (event, _name) in enumerate(rows):
        wf = workflows[i]
        if (event.from_state is not None or not event.to_state or wf is None
                or not wf.has_state(event.to_state) or not wf.state(event.to_state).transient):
            continue
        out = next((j for j in range(i - 1, -1, -1)
                    if (rows[j][0].entity_type, rows[j][0].entity_id) == (event.entity_type, event.entity_id)), None)
        if out is None or rows[out][0].from_state != event.to_state:
            continue
        payloads[out] = {**payloads[i], **payloads[out]}
        hidden.add(i)
    return [i for i in range(len(rows)) if i not in hidden]


def _action(event, own_type: str, entity, locale: str, payload: dict):
    """(what the history calls the event's step, its transition or None)."""
    from .engine.registry import workflow_for_entity_type

    # A related row without a workflow has all its triggers in WORDS.
    wf = (None if event.entity_type == own_type else workflow_for_entity_type(event.entity_type)) \
        or entity.__workflow__
    t = wf.transition(event.trigger, event.from_state or "") if wf is not None else None
    action = export_word(event.trigger, payload, locale) or word(event.entity_type, event.trigger, locale,
                                                                  event.actor_role)
    if action is None:
        action = translate(t.label, locale) if t else event.trigger
    return action, t


def _subjects(rows, own_type: str, locale: str) -> dict[tuple[str, int], str]:
    """(entity_type, id) -> the name of each related row whose domain names them (install_subject)."""
    ids: dict[str, set[int]] = defaultdict(set)
    for event, _ in rows:
        if event.entity_type != own_type and event.entity_type in SUBJECTS:
            ids[event.entity_type].add(event.entity_id)
    return {(entity_type, i): name for entity_type, wanted in ids.items()
            for i, name in SUBJECTS[entity_type](sorted(wanted), locale).items()}
