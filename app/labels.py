"""Labels for the data fields that transitions and edits record, so that the
history and the diagram pages speak the user's language, not field codes.

Labels are English msgids translated through the catalogue (app.i18n). A
field recording a code (a dispute type, a route...) shows the code's label:
the domains install their code lists here (`install_codes`, called from the
app factory), so this shared module imports no domain.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Callable


from .dates import day_text, deadline_text, moment_text
from .i18n import N_, NC_, translate

FIELD_LABELS = {
    "route": N_("Route told"),
    "outcome": N_("On-the-spot outcome"),
    "mediator_id": N_("Mediator"),
    "co_mediator_ids": N_("Co-mediators"),
    "main_facts": N_("Main facts"),
    "matters": N_("Matters in dispute"),
    "responsibilities": N_("Responsibilities"),
    "perform_how": N_("How performed"),
    "perform_where": N_("Where performed"),
    "perform_by": N_("Performed by"),
    "due_at": N_("Due"),
    "notice_given": N_("Notice of rights given"),
    "days": N_("Extra days"),
    "consent": N_("Both parties consent"),
    "consenting_parties": N_("Parties who consented"),
    "recused_mediator_id": N_("Mediator who stepped aside"),
    "refusing_party": N_("Party who refused mediation"),
    "requested_by": N_("Recusal asked for by"),
    "consent_how": N_("How they consented"),
    "form": N_("Form of agreement"),
    "terms": N_("Agreed terms"),
    "summary": N_("Closing summary"),
    "agreed_amount": N_("Agreed amount"),
    "signed_on": N_("Signed on"),
    "signers": N_("Signed by"),
    "signed_by": N_("Signed by"),
    "applied_on": N_("Applied for judicial confirmation on"),
    "court": N_("Court applied to"),
    "ruled_on": N_("Date of the court's ruling"),
    "ruling": N_("Court's ruling"),
    "channel": N_("Channel"),
    "dispute_type": N_("Type of dispute"),
    "place": NC_("recorded field", "Place"),
    "arose_on": N_("Date it arose"),
    "facts": N_("Brief facts"),
    "amount": N_("Amount involved"),
    "people_count": N_("People involved"),
    "risk": N_("Risk level"),
    "grid_id": N_("Grid"),
    "applicant_name": N_("Applicant's name"),
    "applicant_phone": NC_("recorded field", "Applicant's phone"),
    "applicant_id_number": NC_("recorded field", "Applicant's ID number"),
    "respondent_name": N_("Respondent's name"),
    "respondent_phone": NC_("recorded field", "Respondent's phone"),
    "party_id": N_("Party"),
    "attachment_id": N_("Attachment no."),
    "file_name": N_("File name"),
    "size": N_("Size (bytes)"),
    "sha256": N_("SHA-256 checksum"),
    "community_id": N_("Community"),
    "department_id": N_("Department"),
    "department": N_("Department"),
    "request": N_("Request to the department"),
    "reporter_name": N_("Reporter's name"),
    "reporter_phone": N_("Reporter's phone"),
    "fields": N_("Fields"),
    "address": N_("Employer or address"),
    "role": NC_("party", "Role"),
    "kind": N_("Person or organisation"),
    "name": NC_("recorded field", "Name"),
    "sex": N_("Sex"),
    "ethnicity": N_("Ethnicity"),
    "age": N_("Age"),
    "id_type": N_("ID type"),
    "id_number": N_("ID number"),
    "occupation": N_("Occupation"),
    "phone": N_("Phone"),
    "username": N_("Username"),
    "session_id": N_("Session no."),
    "held_at": N_("Held at"),
    "attendees": N_("Who attended"),
    "record": N_("Record of what was said"),
    "party_ids": N_("Parties"),
    # Follow-ups, sweeps and notification settings (app/followups)
    "followup_kind": N_("Kind of follow-up"),
    "planned_for": NC_("recorded field", "Planned for"),
    "method": N_("How"),
    "reached": N_("Who was reached"),
    "fulfilment": N_("Performance"),
    "satisfaction": N_("Satisfaction"),
    "visited_on": N_("Date of the visit"),
    "notes": N_("Notes"),
    "mark_fulfilled": N_("Marked fulfilled"),
    "sweep_level": N_("Kind of sweep"),
    "period_start": N_("Period from"),
    "period_end": N_("Period until"),
    "street_id": N_("Street"),
    "held_on": N_("Date of the sweep"),
    "checked": N_("What was checked"),
    "findings": N_("Findings"),
    "participants": N_("Who took part"),
    "participant_ids": N_("Known people who took part"),
    "answer": N_("The department's answer"),
    "urging": N_("Urging note"),
    "sweep_id": N_("Sweep"),
    "email_set": N_("E-mail address given"),
    "email_on": N_("E-mail notifications"),
    # 五老和事会 (app/elders)
    "elder": N_("Elder"),
    "elder_id": N_("Elder no."),
    "rank": N_("Rank in the list"),
    "score": N_("Score"),
    "conflicts": N_("Possible conflicts of interest"),
    "override_reason": N_("Why invited despite the conflict"),
    "session_at": N_("Planned session"),
    "session_place": N_("Session place"),
    "previous_session_at": N_("Session planned before"),
    "previous_session_place": N_("Session place before"),
    "work_done": N_("What was done"),
    "advice": N_("Advice"),
    "report_outcome": N_("Outcome of the session"),
    "on_behalf_of": N_("Recorded for the elder"),
    # Legal opinions of volunteer lawyers (app/opinions)
    "question": N_("Question for the lawyer"),
    "opinion": N_("Legal opinion"),
    "laws_cited": N_("Laws cited"),
    # Supervision: sign-off reviews and exports (app/supervision)
    "comment": N_("Comment"),
    "to_intake": N_("Sent to intake for acceptance"),
    "signoff_id": N_("Review no."),
    "round": N_("Closure no."),
    "closed_as": N_("Closed as"),
    "export": NC_("recorded field", "Exported"),
    "format": NC_("recorded field", "Format"),
    "filters": N_("Filters"),
    "rows": N_("Rows"),
    "cases_counted": N_("Cases counted"),
    # The lawyers' Saturday rota (app/rota)
    "day": N_("Duty date"),
    "room_id": N_("Room"),
    "seat": N_("Seat"),
    "lawyer_id": N_("Lawyer on duty"),
    "by_hand": N_("Set by hand"),
    "swap_id": N_("Swap request no."),
    "target_id": N_("Colleague asked"),
    "duty_id": N_("Duty no."),
    "note": N_("Note"),
    "service_type": N_("Service"),
    "topic": N_("Topic"),
    "first_day": N_("First day"),
    "last_day": N_("Last day"),
    "created": N_("New"),
    "changed": N_("Changed"),
    "cancelled": NC_("recorded field", "Cancelled"),
    "kept": N_("Kept"),
    "unfilled": N_("Seats left empty"),
    "published": NC_("recorded field", "Published"),
    "unavailable": N_("Unavailable dates"),
    "firm": N_("Law firm"),
    "practice_areas": N_("Practice areas"),
    "user_id": N_("Login"),
    "active": N_("Active"),
    "seats": NC_("recorded field", "Seats per Saturday"),
    "opens": N_("Opens"),
    "closes": N_("Closes"),
    "consultation_id": N_("Consultation no."),
    "dispute_id": N_("Case no."),
    "visitor_consent": N_("The visitor consented"),
    # Accounts: logins, sessions, two-step verification (app/auth)
    "session": N_("Login session no."),
    "by_session": N_("From login session no."),
    "known_device": N_("Known device"),
    "second_factor": N_("Second step used"),
    "must_set_up_second_factor": N_("Must set up two-step verification"),
    "cause": N_("Cause"),
    "by": NC_("recorded field", "By"),
    "for": N_("For"),
    "problem": N_("Problem"),
    "had_second_factor": N_("Had two-step verification"),
    "setup_discarded": N_("Unfinished set-up discarded"),
    "sessions_ended": N_("Sessions ended"),
    "recovery_codes_left": N_("Recovery codes left"),
    "recovery_codes": N_("Recovery codes made"),
    "display_name": N_("Full name"),
    "until": N_("Refused until"),
    "after": N_("Ended after"),
    "expired_at": N_("Timed out at"),
    "last_seen": N_("Last active"),
    # The centre's holiday notices (app/main/calendar_admin.py) and grid outlines (app/org)
    "holidays": N_("Holidays"),
    "workdays": N_("Working days in exchange"),
    "deadlines_moved": N_("Deadlines moved off the holidays"),
    "open_referrals": N_("Referrals still open"),
    "source": N_("Source"),
    "grids": N_("Grids"),
}

# Where one field name records different things for different kinds of row:
# (entity type, field) -> label, looked up before FIELD_LABELS.
TYPE_FIELD_LABELS = {
    # A duty kept on a day that became a holiday (app/rota/holiday_days.py): the holiday's name.
    ("lawyer_duty", "holiday"): N_("Holiday"),
    ("user", "address"): NC_("network", "Address"),
    # A party's kind is a person or an organisation; a referral's, what the department is asked to do.
    ("referral", "kind"): N_("What is asked"),
    ("user", "role"): NC_("account", "Role"),
    # An integrator's client (app/api/clients.py) and what it called.
    ("api_client", "client"): N_("API client"),
    ("api_client", "scopes"): N_("What it may do"),
    ("api_client", "per_minute"): N_("Calls a minute"),
    ("api_client", "webhook_url"): N_("Webhook URL"),
    ("api_client", "status"): N_("Response status"),
    ("api_client", "method"): N_("Request"),
    ("api_client", "path"): N_("Address called"),
    # A sensor and its alarms (app/api/iot.py).
    ("iot_device", "kind"): N_("Senses"),
    ("iot_device", "device_id"): N_("Sensor no."),
    ("iot_candidate", "kind"): N_("Senses"),
    ("iot_candidate", "device_id"): N_("Sensor no."),
    ("iot_candidate", "api_client"): N_("API client"),
    ("iot_candidate", "value"): N_("Measured"),
    ("iot_candidate", "threshold"): N_("Threshold"),
    ("iot_candidate", "alarm_count"): N_("Alarms"),
    ("iot_candidate", "at"): N_("Alarm time"),
    # A department's own deadlines (app/referrals).
    ("department", "ack_hours"): N_("Hours to acknowledge"),
    ("department", "answer_days"): N_("Days to answer"),
    ("department", "before"): N_("Before"),
    ("department", "kind"): N_("What is asked"),
    ("department", "name"): N_("Department name"),
    # A holiday notice: the festival's name, and every day it set.
    ("calendar_notice", "name"): N_("Festival"),
    ("calendar_notice", "days"): N_("Days"),
    # A legal-opinion request (app/opinions): the lawyer asked, not the one on duty.
    ("legal_opinion", "lawyer_id"): N_("Lawyer asked"),
    ("legal_opinion", "override_reason"): N_("Why asked despite the conflict"),
    # A grid an administrator added (app/org/edits.py).
    ("org", "code"): N_("Grid code"),
    ("org", "households"): N_("Households"),
    # A signed audit checkpoint (app/audit/checkpoints.py): the chain's position it signed.
    ("audit_checkpoint", "events"): N_("Events covered"),
    ("audit_checkpoint", "last_id"): N_("Last event no."),
    ("audit_checkpoint", "head"): N_("Hash of the last event"),
    ("audit_checkpoint", "by"): N_("Signed through"),
}


def install_type_labels(entity_type: str, labels: dict[str, str]) -> None:
    """Label the fields `entity_type`'s rows record by a domain's own labels
    (an elder's roster), where no label of that type is set here."""
    for name, label in labels.items():
        TYPE_FIELD_LABELS.setdefault((entity_type, name), label)


def field_label(name: str, locale: str, entity_type: str | None = None) -> str:
    label = TYPE_FIELD_LABELS.get((entity_type, name)) or FIELD_LABELS.get(name)
    return translate(label, locale) if label else name


# Field name -> {code: label} of the fields whose values are codes.
CODE_LISTS: dict[str, dict[str, str]] = {}
# (entity type, field) -> {code: label}: a field whose codes mean other things
# for other kinds of row (a referral's kind), looked up before CODE_LISTS.
TYPE_CODE_LISTS: dict[tuple[str, str], dict[str, str]] = {}

YES, NO = N_("yes"), N_("no")
LIST_SEPARATOR = NC_("list separator", ", ")
COLON = NC_("between a label and its value", ": ")


def install_codes(field: str, codes: dict[str, str], entity_type: str | None = None) -> None:
    """Show the values of `field` (of the rows of `entity_type` only, if
    given) by their labels in `codes`."""
    lists, key = (CODE_LISTS, field) if entity_type is None else (TYPE_CODE_LISTS, (entity_type, field))
    if lists.setdefault(key, codes) is not codes:
        raise ValueError(f"field {field!r} already shows another code list")


# Field name -> resolve(ids) -> {id: name}: the fields that record the ids of
# rows people know by a name (a mediator, a party, an elder). Installed by the
# app factory, like the code lists, so that this module imports no domain.
REFERENCES: dict[str, Callable[[set], dict]] = {}


def install_reference(field: str, resolve: Callable[[set], dict]) -> None:
    """Show the ids recorded under `field` (one id or a list of ids) by the names `resolve` gives."""
    if REFERENCES.setdefault(field, resolve) is not resolve:
        raise ValueError(f"field {field!r} already names another kind of row")


# Recorded fields whose values are neither codes nor ids (those: install_codes,
# install_reference), by the kind of value they hold:
#   WHEN: a day ("2026-12-07") or a moment (ISO, with its offset or naive UTC),
#         shown as the pages show dates and times, in the centre's time;
#   KEYED: form keys naming rows of several kinds ("party-12", "user-3": the
#          people who signed), shown by the names the reference "<kind>_id" gives;
#   JOINED: names stored in one text, joined with the Chinese enumeration comma
#           (the agreement's signers), shown joined as the page's language joins a list.
WHEN, KEYED, JOINED = "when", "keyed", "joined"
VALUE_KINDS = {
    "held_at": WHEN, "session_at": WHEN, "signed_on": WHEN, "arose_on": WHEN, "perform_by": WHEN,
    "previous_session_at": WHEN, "planned_for": WHEN, "visited_on": WHEN, "held_on": WHEN, "period_start": WHEN,
    "period_end": WHEN,
    "day": WHEN, "first_day": WHEN, "last_day": WHEN, "until": WHEN, "expired_at": WHEN, "last_seen": WHEN,
    "holidays": WHEN, "workdays": WHEN, "days": WHEN, "applied_on": WHEN, "ruled_on": WHEN,
    "signers": KEYED, "signed_by": JOINED,
}
STORED_SEPARATOR = "、"


def joined_text(value, locale: str):
    """Names stored joined with "、" ("张三、李四"), joined for `locale` ("张三, 李四")."""
    if not isinstance(value, str):
        return value
    return translate(LIST_SEPARATOR, locale).join(value.split(STORED_SEPARATOR))


# Recorded fields whose value is a dict of named values (an export's filters):
# field -> Group, installed by the app factory like the code lists.
@dataclass(frozen=True)
class Group:
    # key -> (label, the recorded field whose value kind it reads as: a code list, a reference; None: as it is)
    keys: dict[str, tuple[str | None, str | None]]
    # (first key, last key, label): a range said in one phrase ("登记日期 2026-01-01 至 2026-12-31"); the
    # keys it names in `replaces` are left out when it is there (the months the days came from).
    ranges: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()


GROUPS: dict[str, Group] = {}
RANGE_TEXT = N_("%(label)s %(first)s to %(last)s")
GROUP_SEPARATOR = NC_("filter separator", "; ")


def install_group(field: str, group: Group) -> None:
    """Show the dict recorded under `field` as a labelled list of its values."""
    if GROUPS.setdefault(field, group) is not group:
        raise ValueError(f"field {field!r} already shows another group")


# A field a payload records under one name but that means something else
# in some payloads: (field telling which, its value, field) -> the name it is
# shown under (the statistics export's "rows" count its cases).
SHOWN_AS: dict[tuple[str, str, str], str] = {}


def install_shown_as(when: tuple[str, str], field: str, shown_as: str) -> None:
    SHOWN_AS[(*when, field)] = shown_as


def _group_items(name: str, value) -> list[tuple[str, object]]:
    """(the recorded field a group's value reads as, value) of each of its values."""
    group = GROUPS.get(name)
    if group is None or not isinstance(value, dict):
        return []
    return [(group.keys[k][1], v) for k, v in value.items() if k in group.keys and group.keys[k][1]]


def _group_text(group: Group, value: dict, locale: str, names: dict | None) -> str:
    parts, done = [], set()
    for first, last, label, replaces in group.ranges:
        if value.get(first) and value.get(last):
            parts.append(translate(RANGE_TEXT, locale) % {"label": translate(label, locale),
                                                          "first": value[first], "last": value[last]})
            done |= {first, last, *replaces}
    for key, item in value.items():
        if key in done:
            continue
        label, as_field = group.keys.get(key, (key, None))
        shown = field_value(as_field, item, locale, names) if as_field else item
        parts.append(f"{translate(label, locale)}{translate(COLON, locale)}{shown}" if label else str(shown))
    return translate(GROUP_SEPARATOR, locale).join(parts)


def _reference(name: str):
    if name in REFERENCES:
        return name
    for suffix in ("mediator_id", "mediator_ids"):  # lead, co- and former mediators: all people
        if name.endswith(suffix) and "mediator_id" in REFERENCES:
            return "mediator_id"
    return None


def _id(value) -> int | None:
    """A recorded id: a number, or its digits as a form's select submits them
    (a recusal's `requested_by`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _ids(value) -> list:
    ids = [_id(v) for v in (value if isinstance(value, list) else [value])]
    return ids if ids and None not in ids else []


def _keyed(value) -> list[tuple[str, int]]:
    """(reference field, id) of each "<kind>-<id>" key whose kind names a reference."""
    found = []
    for key in value if isinstance(value, list) else ():
        kind, _, number = str(key).rpartition("-")
        ref = _reference(f"{kind}_id")
        if ref and number.isdigit():
            found.append((ref, int(number)))
    return found


def names_for(payloads: list[dict], known: dict[str, dict] | None = None) -> dict[str, dict]:
    """{reference field: {id: name}} for every id the payloads (and the
    before/after values of their recorded changes) name: one query per kind
    of row, not per event, and none for ids whose names the caller already
    read (`known`: {reference field: {id: name}}, the names its resolver
    gives, e.g. a history's actors joined to its events)."""
    wanted: dict[str, set] = {}

    def want(name, value):
        if VALUE_KINDS.get(name) == KEYED:
            for ref, i in _keyed(value):
                wanted.setdefault(ref, set()).add(i)
            return
        ref = _reference(name)
        if ref and _ids(value):
            wanted.setdefault(ref, set()).update(_ids(value))

    for payload in payloads:
        for name, value in payload.items():
            for as_field, item in _group_items(name, value):
                want(as_field, item)
            if name == "changes" and isinstance(value, dict):
                for field, pair in value.items():
                    for v in pair if isinstance(pair, list) else ():
                        want(field, v)
            else:
                want(name, value)
    # Fields that name the same kind of row (mediator_id, user_id, closed_by_id...) share one query.
    by_resolver: dict[Callable, set] = {}
    for ref, ids in wanted.items():
        by_resolver.setdefault(REFERENCES[ref], set()).update(ids)
    read: dict[Callable, dict] = {}
    for ref, named in (known or {}).items():
        if ref in REFERENCES:
            read.setdefault(REFERENCES[ref], {}).update(named)
    names = {}
    for resolve, ids in by_resolver.items():
        have = read.get(resolve, {})
        missing = ids - have.keys()
        names[resolve] = {**{i: have[i] for i in ids if i in have}, **(resolve(missing) if missing else {})}
    return {ref: names[REFERENCES[ref]] for ref in wanted}


# Recorded moments by which something is due (an edit's or a move's `changes`): read in local time, and one at
# local midnight as the end of the day before (clock.last_day).
DEADLINE_FIELDS = frozenset({"due_at", "ack_by", "answer_by", "visit_by", "period_ends_at", "expires_at"})


def when_text(value, locale: str):
    """A recorded day or moment (ISO text) as the pages say it (app.dates:
    "2026年12月7日", "2026/12/7 06:50"), a moment in the centre's time; any
    other value as it is."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return translate(LIST_SEPARATOR, locale).join(str(when_text(v, locale)) for v in value)
    if not isinstance(value, str):
        return value
    try:
        if len(value) == len("YYYY-MM-DD"):
            return day_text(date.fromisoformat(value), locale)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment_text(moment, locale)  # one recorded without an offset is UTC, as stored


def field_value(name: str, value, locale: str, names: dict | None = None, entity_type: str | None = None):
    """A recorded value as a person reads it: yes/no, a code's label (of the
    field as `entity_type`'s rows record it), the labels of recorded field
    names, a person's or a row's name instead of an id (`names`: from
    names_for), a day or a moment as the pages show them."""
    if isinstance(value, bool):
        return translate(YES if value else NO, locale)
    if name in GROUPS and isinstance(value, dict):
        return _group_text(GROUPS[name], value, locale, names)
    kind = VALUE_KINDS.get(name)
    if kind == WHEN:
        return when_text(value, locale)
    if kind == JOINED:
        return joined_text(value, locale)
    keyed = _keyed(value) if kind == KEYED and names is not None else []
    if keyed and len(keyed) == len(value):  # every key names a row: else shown as recorded
        return translate(LIST_SEPARATOR, locale).join(str(names.get(ref, {}).get(i, f"#{i}")) for ref, i in keyed)
    ref = _reference(name)
    if names is not None and ref and _ids(value):
        known = names.get(ref, {})
        shown = [str(known.get(v, f"#{v}")) for v in _ids(value)]
        return translate(LIST_SEPARATOR, locale).join(shown)
    if name == "fields" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return translate(LIST_SEPARATOR, locale).join(field_label(v, locale) for v in value)
    # A deadline, recorded in UTC: read in local time (a bare date, had one been recorded, stays as it is).
    if name in DEADLINE_FIELDS and isinstance(value, str) and len(value) > len("YYYY-MM-DD"):
        try:
            due = datetime.fromisoformat(value)
        except ValueError:
            return value
        return deadline_text(due, locale)  # one at local midnight: the end of the day before
    codes = TYPE_CODE_LISTS.get((entity_type, name)) or CODE_LISTS.get(name)
    if codes and isinstance(value, list) and value and all(isinstance(v, str) and v in codes for v in value):
        return translate(LIST_SEPARATOR, locale).join(translate(codes[v], locale) for v in value)
    if codes and isinstance(value, str) and value in codes:
        return translate(codes[value], locale)
    # Codes kept in one text, space-separated (an API client's scopes).
    if codes and isinstance(value, str) and value.split() and all(v in codes for v in value.split()):
        return translate(LIST_SEPARATOR, locale).join(translate(codes[v], locale) for v in value.split())
    return _plain(value, locale, names, entity_type)


def _plain(value, locale: str, names: dict | None, entity_type: str | None):
    """A list or a dict no rule above reads, as words, not as Python writes
    them: a list's items joined as the page's language joins a list, a dict's
    as "label: value" (each read as its field), joined by "; "."""
    if isinstance(value, dict):
        return translate(GROUP_SEPARATOR, locale).join(
            f"{field_label(k, locale, entity_type)}{translate(COLON, locale)}"
            f"{_shown(field_value(k, v, locale, names, entity_type))}" for k, v in value.items())
    if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        return translate(LIST_SEPARATOR, locale).join(_shown(v) for v in value)
    return value


def _shown(value) -> str:
    return "—" if value is None else str(value)


# Recorded ids of rows no one knows by a number (a mediation session is known
# by when it was held, recorded with it): kept in the log, not shown.
UNSHOWN = frozenset({"session_id"})
# A recorded id whose row the payload also names in another field (an elder
# suggested: "elder", the name, and "elder_id"): shown once, by that field.
NAMED_BY = {"elder_id": "elder"}


def readable(payload: dict, locale: str, names: dict, entity_type: str | None = None) -> dict:
    """A recorded payload with every value as a person reads it (the codes
    of the fields as `entity_type`'s rows record them); the before/after
    pairs of an edit's "changes" too. An empty list (no co-mediators) says
    nothing: left out."""
    shown = {}
    for key, value in payload.items():
        if key in UNSHOWN or value == [] or payload.get(NAMED_BY.get(key)) not in (None, ""):
            continue
        if key == "changes" and isinstance(value, dict):
            shown[key] = {k: [field_value(k, v, locale, names, entity_type) for v in pair]
                          if isinstance(pair, list) else pair for k, pair in value.items()}
        else:
            named = next((v for (which, is_, field), v in SHOWN_AS.items()
                          if field == key and payload.get(which) == is_), key)
            shown[named] = field_value(key, value, locale, names, entity_type)
    return shown


# Reasons the system writes on the steps it takes itself (the follow-ups a
# fulfilled case cancels, the invitations an agreement withdraws): stored as
# their English msgids, with their values filled in ("%(day)s"), and read in
# the page's language. Those stored in Chinese before map to the msgid that
# replaced them: on a Chinese page they are shown as they were written.
_REASONS: dict[str, str] = {}  # a msgid without values -> itself
_REASON_PATTERNS: list[tuple[re.Pattern, str]] = []  # (a msgid with values, as a pattern; the msgid)
_OLD_REASONS: dict[str, str] = {}  # an old text -> the msgid that replaced it
_OLD_PATTERNS: list[tuple[re.Pattern, str]] = []
_OLD_LATER: list[Callable[[], dict[str, str]]] = []
_VALUE = re.compile(r"%\\\((\w+)\\\)s")


def install_reason(msgid: str, *old) -> str:
    """Read `msgid` (stored by `system_reason`) in the page's language, and
    the `old` texts it replaced (exact texts, or patterns whose named groups
    are its values) too."""
    if "%(" in msgid:
        _REASON_PATTERNS.append((re.compile(_VALUE.sub(r"(?P<\1>.*?)", re.escape(msgid)), re.S), msgid))
    else:
        _REASONS[msgid] = msgid
    for text in old:
        if isinstance(text, re.Pattern):
            _OLD_PATTERNS.append((text, msgid))
        else:
            _OLD_REASONS[text] = msgid
    return msgid


def install_old_reasons(later: Callable[[], dict[str, str]]) -> None:
    """Old texts worked out when first read ({text: msgid}): those that name a
    label in Chinese, which needs the catalogue."""
    if later not in _OLD_LATER:
        _OLD_LATER.append(later)
        _old_later.cache_clear()


@cache
def _old_later() -> dict[str, str]:
    return {text: msgid for later in _OLD_LATER for text, msgid in later().items()}


def system_reason(msgid: str, **values) -> str:
    """The reason to store for a step the system takes: `msgid` (installed)
    with its values."""
    return msgid % values if values else msgid


def reason_text(text: str | None, locale: str) -> str | None:
    """A recorded reason as the page's language says it: the system's own
    reasons translated, anyone else's as written."""
    if not text:
        return text
    if text in _REASONS:
        return translate(text, locale)
    for pattern, msgid in _REASON_PATTERNS:
        if found := pattern.fullmatch(text):
            return translate(msgid, locale) % found.groupdict()
    if locale.startswith("zh"):
        return text  # an old reason was written in Chinese
    msgid = _OLD_REASONS.get(text) or _old_later().get(text)
    if msgid is not None:
        return translate(msgid, locale)
    for pattern, msgid in _OLD_PATTERNS:
        if found := pattern.fullmatch(text):
            return translate(msgid, locale) % {k: v or "" for k, v in found.groupdict().items()}
    return text
