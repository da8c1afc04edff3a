"""In-app notifications, and their e-mail copies when the installation sends
e-mail (mail.py, off by default).

`notify(user, kind, ...)` adds the row to the current transaction: call it
from an effect or a service before its commit, and the notification exists
exactly when the step does. A domain that notifies about its own things
installs, from its init_app, the sentence with `message(kind, msgid)` and,
for a link, the page of its rows with `install_link(entity_type, fn)`: this
package knows no domain.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Callable

from flask import current_app, g, has_request_context
from flask_babel import gettext
from sqlalchemy import bindparam, func, select, update

from .. import clock
from ..dates import day_text, days_text, moment_text
from ..extensions import db
from ..i18n import current_locale, translate
from ..labels import LIST_SEPARATOR
from ..workdays import festival_label
from .models import Notification, NotificationPref

MESSAGES: dict[str, object] = {}
# A kind's sentence before its data changed shape: said for the rows written
# before, which lack the new sentence's names.
OLDER: dict[str, object] = {}
LINKS: dict[str, Callable[[int], str]] = {}


def message(kind: str, msgid, older=None) -> None:
    """Register the sentence of a kind of notification (a lazy gettext
    string with %(name)s placeholders filled from the notification's data),
    and the one it replaced (`older`), for the rows written before."""
    MESSAGES[kind] = msgid
    if older is not None:
        OLDER[kind] = older


def install_link(entity_type: str, fn: Callable[[int], str]) -> None:
    """Where a notification about a row of `entity_type` leads: fn(id) -> URL."""
    LINKS[entity_type] = fn


def link(entity_type: str):
    def register(fn: Callable[[int], str]):
        install_link(entity_type, fn)
        return fn

    return register


def _id_of(user) -> int:
    return user if isinstance(user, int) else user.id


def wants_email(user_id: int) -> bool:
    if not current_app.config.get("MAIL_ENABLED"):
        return False
    pref = db.session.get(NotificationPref, user_id)
    return bool(pref and pref.email_on and pref.email)


def notify(user, kind: str, *, entity_type: str | None = None, entity_id: int | None = None,
           data: dict | None = None, now=None) -> Notification:
    """Add a notification for `user` (a User or an id) to the current
    transaction; it is committed, or rolled back, with the step."""
    user_id = _id_of(user)
    note = Notification(
        user_id=user_id, kind=kind, entity_type=entity_type, entity_id=entity_id,
        data=json.dumps(data or {}, ensure_ascii=False, default=str), created_at=now or clock.now(),
        email_state="pending" if wants_email(user_id) else None, email_tries=0,
    )
    db.session.add(note)
    return note


# Built once: every step on a row whose notices its steps answer sends it.
_MARK_READ = (update(Notification)
              .where(Notification.user_id == bindparam("reader_id"),
                     Notification.entity_type == bindparam("about_type"),
                     Notification.entity_id == bindparam("about_id"), Notification.read_at.is_(None))
              .values(read_at=bindparam("read_now")).execution_options(synchronize_session=False))


def mark_read(user, kind: str | tuple[str, ...] | None = None, *, entity_type: str, entity_id: int,
              now=None) -> int:
    """Mark read, in the current transaction, the user's unread notifications
    about the entity (of `kind` only, or of those kinds, if given): what they
    asked for is done, from whichever page it was done. Returns how many."""
    if kind is None:
        statement = _MARK_READ
    elif isinstance(kind, str):
        statement = _MARK_READ.where(Notification.kind == kind)
    else:
        statement = _MARK_READ.where(Notification.kind.in_(kind))
    return db.session.execute(statement, {"reader_id": _id_of(user), "about_type": entity_type,
                                          "about_id": entity_id, "read_now": now or clock.now()}).rowcount


# The steps that answer notices: a notice asks its reader for a step, and
# once the step is taken the notice is read, in the step's transaction, from
# whichever page it was taken. Each domain declares, from its init_app, which
# of its steps answer which of the notices it sends (`answered_by`); this
# package keeps the list and the engine's step hook reads it.
@dataclass(frozen=True)
class Answer:
    """What a step on a row answers. `kinds`: the kinds of notices (None:
    every kind about the row). `about`: the row those notices are about, as
    (entity type, id), when it is not the step's own row (a mediator's notice
    about the case, answered by a step on the case's legal-opinion request).
    `naming`: what the notices' data must say, when notices of one kind about
    one case may tell of several rows (the elder, the lawyer they name).
    `reader`: whose notices, when not the actor's (an elder's invitation,
    answered by the mediator recording the elder's answer for them)."""
    kinds: tuple[str, ...] | None = None
    about: Callable | None = None
    naming: Callable | None = None
    reader: Callable | None = None

    def read(self, entity, actor, now) -> None:
        reader = self.reader(entity) if self.reader else actor.id
        if reader is None:
            return
        about_type, about_id = self.about(entity) if self.about else (entity.__entity_type__, entity.id)
        if self.naming is None:
            mark_read(reader, self.kinds, entity_type=about_type, entity_id=about_id, now=now)
        else:
            _mark_named_read(reader, self.kinds, about_type, about_id, self.naming(entity), now)


# (entity type, trigger or None for every step of it) -> what such a step answers.
ANSWERS: dict[tuple[str, str | None], list[Answer]] = defaultdict(list)


def answered_by(entity_type: str, triggers=None, **answer) -> None:
    """Called by a domain's init_app: the steps `triggers` (None: every step)
    on a row of `entity_type` answer the notices `answer` describes (Answer's
    fields; by default all the actor's notices about that row). Declaring the
    same again (a second app in one process) changes nothing."""
    rule = Answer(**{k: tuple(v) if k == "kinds" and v is not None else v for k, v in answer.items()})
    if rule.naming is not None and not rule.kinds:
        raise ValueError("notices told apart by what they name are of named kinds")
    for trigger in (None,) if triggers is None else triggers:
        rules = ANSWERS[(entity_type, trigger)]
        # Two packages' kinds answered alike by one step (a case's urging, its
        # assignment) are read by one statement.
        alike = next((i for i, r in enumerate(rules) if (r.about, r.naming, r.reader) ==
                      (rule.about, rule.naming, rule.reader)), None)
        if alike is None:
            rules.append(rule)
        elif rules[alike].kinds is not None:
            kinds = None if rule.kinds is None else tuple(dict.fromkeys(rules[alike].kinds + rule.kinds))
            rules[alike] = replace(rule, kinds=kinds)


def answered_by_steps(entity_type: str) -> None:
    """The kinds of rows whose notices ask their reader for a step on the
    row itself (sign a referral, answer a request, take a swap): a user's
    step on one, whatever it is, marks read their notices about it."""
    answered_by(entity_type)


def _mark_named_read(reader: int, kinds, about_type: str, about_id: int, named: dict, now) -> int:
    """Mark read the reader's unread notices of `kinds` about the row whose
    data say what `named` says: read first, then marked by id (their data is
    JSON text, compared here rather than in SQL)."""
    found = db.session.execute(
        select(Notification.id, Notification.data)
        .where(Notification.user_id == reader, Notification.entity_type == about_type,
               Notification.entity_id == about_id, Notification.read_at.is_(None), Notification.kind.in_(kinds))
    ).all()
    ids = [note_id for note_id, data in found
           if all(json.loads(data or "{}").get(key) == value for key, value in named.items())]
    if not ids:
        return 0
    return db.session.execute(
        update(Notification).where(Notification.id.in_(ids)).values(read_at=now or clock.now())
        .execution_options(synchronize_session=False)).rowcount


def read_what_the_step_answers(entity, actor, trigger, now) -> None:
    """The engine's step hook (installed by this package's init_app): in
    the step's own transaction, the notices it answers are read (`answered_by`):
    by default the actor's own; others' notices about the row stay as they
    were (a colleague told of the same referral still sees it new). A step
    the system takes (a timer, a deactivation) answers nobody's notice."""
    if actor.id is None:
        return
    entity_type = entity.__entity_type__
    for rules in (ANSWERS.get((entity_type, None)), ANSWERS.get((entity_type, trigger))):
        for rule in rules or ():
            rule.read(entity, actor, now)


def _shown(key: str, value):
    """Days and moments are stored as ISO text and shown as the pages say
    them (app.dates): a day under "day" or a name ending in "_on", several
    under "days", a stored (UTC) moment under a name ending in "_at". A
    name ending in "_label" holds a msgid (a code's English label), shown
    in the reader's language; so is a holiday's name under "holiday" when it
    names festivals only ("劳动节" reads "Labour Day" in English). Names
    stored as a list (a day's rooms) are joined as the reader's language
    lists them."""
    if isinstance(value, list) and key == "rooms":
        return translate(LIST_SEPARATOR, current_locale()).join(str(v) for v in value)
    if isinstance(value, str) and key.endswith("_label"):
        return gettext(value) if value else value
    if isinstance(value, str) and key == "holiday":
        return festival_label(value, current_locale()) if value else value
    try:
        if isinstance(value, str) and (key == "day" or key.endswith("_on")):
            return day_text(date.fromisoformat(value))
        if isinstance(value, str) and key.endswith("_at"):
            return moment_text(datetime.fromisoformat(value))
        if key == "days" and isinstance(value, (str, list)):
            days = value.split("、") if isinstance(value, str) else value  # older rows joined them in one text
            return days_text(date.fromisoformat(d) for d in days)
    except (TypeError, ValueError):
        return value
    return value


def _older_form(data: dict) -> dict:
    """Rows written before a message's data changed shape, in today's shape:
    an elder's invitation kept its session as a local day and time (until 7
    December 2026), now one stored moment."""
    if "session_at" not in data and "session_on" in data and "session_time" in data:
        try:
            local = clock.at_local(date.fromisoformat(data["session_on"]), time.fromisoformat(data["session_time"]))
        except (TypeError, ValueError):
            return data
        data = dict(data, session_at=local.isoformat(timespec="minutes"))
    return data


# What the row a notice is about is now, said beside the notice in the list
# (an invitation accepted since, or done): a domain installs, per kind of row,
# fn(ids) -> {id: RowNow}, one statement for a page of notices. A notice whose
# row is settled (the answer it asked for given) is said in its settled
# sentence where its kind has one: no longer "please accept or decline".
STATES: dict[str, Callable[[list[int]], dict]] = {}
SETTLED: dict[str, object] = {}


@dataclass(frozen=True)
class RowNow:
    text: str  # the row's state, in the reader's language
    settled: bool  # the notice's question is answered


def install_state(entity_type: str, fn: Callable[[list[int]], dict]) -> None:
    STATES[entity_type] = fn


def settled_message(kind: str, msgid) -> None:
    """The sentence of a notice of `kind` once its row is settled."""
    SETTLED[kind] = msgid


def states_of(notes) -> dict[tuple[str, int], RowNow]:
    """What each notice's row is now, keyed by (entity_type, entity_id), for the rows whose kind has a state installed."""
    wanted: dict[str, set[int]] = {}
    for note in notes:
        if note.entity_type in STATES and note.entity_id is not None:
            wanted.setdefault(note.entity_type, set()).add(note.entity_id)
    found = {}
    for entity_type, ids in wanted.items():
        for entity_id, now in STATES[entity_type](sorted(ids)).items():
            found[(entity_type, entity_id)] = now
    return found


def text_of(note: Notification, settled: bool = False) -> str:
    msgid = (SETTLED.get(note.kind) if settled else None) or MESSAGES.get(note.kind)
    if msgid is None:
        return note.kind
    stored = _older_form(json.loads(note.data or "{}"))
    data = {key: _shown(key, value) for key, value in stored.items()}
    for sentence in (msgid, OLDER.get(note.kind)):
        if sentence is None:
            continue
        try:
            return str(sentence) % data
        except (KeyError, TypeError, ValueError):  # a message and its data out of step: try the older
            continue
    return str(msgid)  # say what we can


def url_of(note: Notification) -> str | None:
    return link_to(note.entity_type, note.entity_id)


def link_to(entity_type: str | None, entity_id: int | None) -> str | None:
    """The page of a row, as its notifications link to it (None if its package installed no link)."""
    make = LINKS.get(entity_type or "")
    return make(entity_id) if make and entity_id is not None else None


# The count of a user's unread notifications (their id in the parameter
# "unread_user_id") as a scalar subquery, so that a page may read it in the
# statement of its own counts (the navigation's count of waiting reports) and
# hand it over with `remember_unread`. Built once: every page's navigation reads it.
UNREAD = (select(func.count()).select_from(Notification)
          .where(Notification.user_id == bindparam("unread_user_id"), Notification.read_at.is_(None))
          .scalar_subquery())
_UNREAD_COUNT = select(UNREAD)


def remember_unread(user, count: int) -> None:
    """The unread count this request has just read with other figures: the
    next `unread_count` of this user takes it instead of asking again (once,
    so that a later change in the same request is read afresh)."""
    if has_request_context():
        g.unread_notifications = (user.id, count)


def unread_count(user) -> int:
    if has_request_context():
        known = g.pop("unread_notifications", None)
        if known is not None and known[0] == user.id:
            return known[1]
    return db.session.execute(_UNREAD_COUNT, {"unread_user_id": user.id}).scalar()
