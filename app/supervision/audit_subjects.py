"""What an audit event is about, as a person reads it: "纠纷案件 (2026)莱人调字第15号"
with a link to the case, "账户 张建国", not `dispute #285` or `user #6`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select

from ..dates import day_text
from ..engine.registry import workflow_for_entity_type
from ..extensions import db
from ..i18n import N_, translate
from ..labels import RANGE_TEXT, REFERENCES, field_value
from ..workdays import festival_label
from .models import SignOff

# Entity types that are no workflow's rows.
ENTITY_LABELS = {
    "api_client": N_("API client"),
    "calendar_notice": N_("Holiday notice"),
    "department": N_("Department"),
    "iot_candidate": N_("Sensor alert"),
    "iot_device": N_("Sensor"),
    "org": N_("Streets, communities and grids"),
    "rota_room": N_("Duty room"),
    "user": N_("Account"),
    "elder": N_("Council member"),
    "export": N_("Export"),
    "login": N_("Login"),
    "rota_holiday": N_("Holiday"),
    "rota_lawyer": N_("Lawyer on the roster"),
    "rota_plan": N_("Rota plan"),
}
# entity type -> the recorded field whose reference names its rows (labels.install_reference)
NAMED_BY = {"dispute": "dispute_id", "user": "user_id", "elder": "elder_id", "rota_lawyer": "lawyer_id",
            "department": "department_id", "rota_room": "room_id"}
# entity type -> the recorded field that names its row in each of its events (no reference resolves it)
NAMED_IN_EVENT = {"api_client": "client", "iot_device": "device_id"}


def notice_name(entry: int, payload: dict, locale: str) -> str:
    """A holiday notice by its festival and its days ("元旦 2027年1月1日 至
    2027年1月3日"), not by its number (the ordinal of its first day): the
    days its event recorded, else that first day."""
    recorded = payload.get("holidays") or payload.get("days") or []
    try:
        days = sorted(date.fromisoformat(d) for d in recorded)
    except (TypeError, ValueError):
        days = []
    if not days:
        try:
            days = [date.fromordinal(entry)]
        except (OverflowError, ValueError):
            return f"#{entry}"
    name = festival_label(payload.get("name") or "", locale)
    if days[0] == days[-1]:
        return f"{name} {day_text(days[0], locale)}".strip()
    return (translate(RANGE_TEXT, locale) % {"label": name, "first": day_text(days[0], locale),
                                             "last": day_text(days[-1], locale)}).strip()


@dataclass(frozen=True)
class Subject:
    kind: str        # the entity type's label
    name: str        # the row's name, or its number
    url: str | None  # where to read it, if a page shows it


def entity_label(entity_type: str | None, locale: str) -> str:
    if not entity_type:
        return ""
    wf = workflow_for_entity_type(entity_type)
    label = wf.label if wf else ENTITY_LABELS.get(entity_type)
    return translate(label, locale) if label else entity_type


def subjects(events, locale: str, payloads: list[dict] | None = None) -> dict[int, Subject]:
    """event id -> its Subject, for a page of events: one query per kind of row.
    An export is about no row: it is named by what it exported (its recorded
    "export", from `payloads`, one per event)."""
    exported = {e.id: p.get("export") for e, p in zip(events, payloads or ()) if e.entity_type == "export"}
    named_in_event = {e.id: p.get(NAMED_IN_EVENT[e.entity_type]) for e, p in zip(events, payloads or ())
                      if e.entity_type in NAMED_IN_EVENT}
    named_in_event.update({e.id: notice_name(e.entity_id, p, locale) for e, p in zip(events, payloads or ())
                           if e.entity_type == "calendar_notice" and e.entity_id is not None})
    wanted: dict[str, set] = {}
    for e in events:
        if e.entity_id is not None:
            wanted.setdefault(e.entity_type, set()).add(e.entity_id)
    names = {kind: REFERENCES[NAMED_BY[kind]](ids) for kind, ids in wanted.items()
             if kind in NAMED_BY and NAMED_BY[kind] in REFERENCES}
    review_cases = {}
    if wanted.get("signoff"):
        review_cases = dict(db.session.execute(
            select(SignOff.id, SignOff.dispute_id).where(SignOff.id.in_(wanted["signoff"]))).all())
        names["dispute"] = {**names.get("dispute", {}),
                            **REFERENCES["dispute_id"](set(review_cases.values()))}
    result = {}
    for e in events:
        kind = entity_label(e.entity_type, locale)
        if e.entity_id is None:
            what = exported.get(e.id)
            result[e.id] = Subject(kind, str(field_value("export", what, locale)) if what else "", None)
            continue
        name = names.get(e.entity_type, {}).get(e.entity_id) or named_in_event.get(e.id) or f"#{e.entity_id}"
        url = None
        if e.entity_type == "dispute":
            url = url_for("supervision.case", case_id=e.entity_id)
        elif e.entity_type == "signoff" and e.entity_id in review_cases:
            case_id = review_cases[e.entity_id]
            name = names["dispute"].get(case_id) or f"#{case_id}"
            url = url_for("supervision.case", case_id=case_id)
        result[e.id] = Subject(kind, str(name), url)
    return result
