"""What an audit event is about, as a person reads it: "纠纷案件 (2026)莱人调字第15号"
with a link to the case, "部门交办 (2026)莱人调字第3号 · 市场监管" with a link to the
referral, "账户 张建国", not `dispute #285`, `referral #3` or `user #6`; each linked
to its page when the one reading the log may open it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from typing import Callable

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..dates import day_text
from ..disputes.models import Dispute
from ..disputes.scope import can_see
from ..elders.models import Elder, ElderAssignment
from ..engine.registry import workflow_for_entity_type
from ..extensions import db
from ..followups.models import FollowUp
from ..i18n import N_, translate
from ..labels import RANGE_TEXT, REFERENCES, field_value
from ..opinions.models import LegalOpinion
from ..referrals.models import Referral
from ..rota.models import Duty, Room, SwapRequest
from ..sweeps.models import Sweep
from ..workdays import festival_label
from .models import SignOff

# Entity types that are no workflow's rows.
ENTITY_LABELS = {
    "api_client": N_("API client"),
    "audit_checkpoint": N_("Audit checkpoint"),
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


def _may_open(endpoint: str, viewer) -> bool:
    """Whether the viewer's role may open the endpoint's page (its view's
    roles_required): the row's own scope is asked of the row."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and getattr(viewer, "role", None) in getattr(view, "_roles", ())


@dataclass(frozen=True)
class RowPage:
    """The rows of one entity type as the log names and links them: read in
    one statement for a page of events (`options`: what the name and the row's
    visible_to read, loaded with them). `on_case`: named by the case they
    belong to (its file number, else its number), "回访 (2026)莱人调字第19号",
    not by their own id, which says nothing to a reader; `endpoint` and `arg`:
    the row's page, and `case_page` when it has none of its own for the
    viewers of the log (an elder's invitation is read on its case's page)."""
    model: type
    endpoint: str
    arg: str
    options: tuple = ()
    on_case: bool = False
    name: Callable | None = None  # (row, locale) -> its name, when not on_case
    page_of: str = "id"  # the row's attribute that `arg` takes: its own id, or its parent's whose page shows it


def _referral_name(row, locale: str) -> str:
    return row.department.name


def _swap_name(row, locale: str) -> str:
    other = row.taker or row.target
    return f"{day_text(row.duty.day, locale)} {row.requester.name} → {other.name if other else '…'}"


def _period_name(label: str, first: date, last: date, locale: str) -> str:
    if first == last:
        return f"{label} {day_text(first, locale)}"
    return translate(RANGE_TEXT, locale) % {"label": label, "first": day_text(first, locale),
                                            "last": day_text(last, locale)}


ROW_PAGES = {
    "referral": RowPage(Referral, "referrals.show", "referral_id",
                        (joinedload(Referral.dispute), joinedload(Referral.department)), on_case=True),
    "legal_opinion": RowPage(LegalOpinion, "opinions.show", "opinion_id", (joinedload(LegalOpinion.dispute),),
                             on_case=True),
    "followup": RowPage(FollowUp, "followups.show", "followup_id", (joinedload(FollowUp.dispute),), on_case=True),
    "elder_assignment": RowPage(ElderAssignment, "supervision.case", "case_id",
                                (joinedload(ElderAssignment.dispute),), on_case=True, page_of="dispute_id"),
    "sweep": RowPage(Sweep, "sweeps.show", "sweep_id", (joinedload(Sweep.community), joinedload(Sweep.street)),
                     name=lambda row, locale: _period_name(row.place_name, row.period_start, row.period_end, locale)),
    "lawyer_duty": RowPage(Duty, "rota.duty", "duty_id", (joinedload(Duty.room).joinedload(Room.community),),
                           name=lambda row, locale: f"{row.room.name} {day_text(row.day, locale)}"),
    "elder": RowPage(Elder, "elders.elder_page", "elder_id"),
    # A swap by its Saturday and its lawyers ("2027年3月27日 刘律师 → 王建国"), read on its duty's page.
    "duty_swap": RowPage(SwapRequest, "rota.duty", "duty_id",
                         (joinedload(SwapRequest.duty), joinedload(SwapRequest.requester),
                          joinedload(SwapRequest.target), joinedload(SwapRequest.taker)),
                         name=lambda row, locale: _swap_name(row, locale), page_of="duty_id"),
}
# A referral's case and department both: two referrals of one case differ by their departments.
EXTRA_NAMES = {"referral": _referral_name}
# A row of a case not (yet) accepted, named by the case's number: "#1003" alone would read as the row's own.
CASE_NUMBER = N_("case %(case)s")
# Rows any viewer whose role opens the page may open (the administrators' pages of every account and department).
ANY_ROW_PAGES = {"user": ("users.show", "user_id"), "department": ("referrals.department", "department_id")}


def _visible(row, viewer) -> bool:
    check = getattr(row, "editable_by", None) if isinstance(row, Elder) else row.visible_to
    return bool(check(viewer))


def subjects(events, locale: str, payloads: list[dict] | None = None, viewer=None) -> dict[int, Subject]:
    """event id -> its Subject, for a page of events: one query per kind of row
    (none per event). A row is linked to its page when `viewer` may open it.
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
             if kind in NAMED_BY and NAMED_BY[kind] in REFERENCES and kind != "dispute"}
    # (entity type, id) -> (name, url): the rows read here, each named, linked if the viewer may open it.
    read: dict[tuple[str, int], tuple[str, str | None]] = {}
    review_cases = dict(db.session.execute(
        select(SignOff.id, SignOff.dispute_id).where(SignOff.id.in_(wanted["signoff"]))).all()) \
        if wanted.get("signoff") else {}
    for kind, page in ROW_PAGES.items():
        if not wanted.get(kind) or not (page.on_case or page.name or _may_open(page.endpoint, viewer)):
            continue
        opens = _may_open(page.endpoint, viewer)
        rows = db.session.execute(select(page.model).where(page.model.id.in_(wanted[kind]))
                                  .options(*page.options)).unique().scalars()
        for row in rows:
            if page.on_case:
                name = row.dispute.file_no or translate(CASE_NUMBER, locale) % {"case": f"#{row.dispute_id}"}
                extra = EXTRA_NAMES.get(kind)
                name = f"{name} · {extra(row, locale)}" if extra else name
            elif page.name:
                name = page.name(row, locale)
            else:
                name = names.get(kind, {}).get(row.id) or f"#{row.id}"
            target = getattr(row, page.page_of)
            url = url_for(page.endpoint, **{page.arg: target}) if opens and _visible(row, viewer) else None
            read[(kind, row.id)] = (name, url)
    case_ids = wanted.get("dispute", set()) | set(review_cases.values())
    case_rows = {row.id: row for row in db.session.execute(
        select(Dispute.id, Dispute.file_no, Dispute.street_id, Dispute.community_id, Dispute.grid_id)
        .where(Dispute.id.in_(case_ids))).all()} if case_ids else {}
    opens_cases = _may_open("supervision.case", viewer)

    def case_subject(case_id):
        row = case_rows.get(case_id)
        name = Dispute.title_of(row.file_no, case_id) if row else f"#{case_id}"
        url = url_for("supervision.case", case_id=case_id) if row and opens_cases and can_see(viewer, row) else None
        return name, url

    result = {}
    for e in events:
        kind = entity_label(e.entity_type, locale)
        if e.entity_id is None:
            what = exported.get(e.id)
            result[e.id] = Subject(kind, str(field_value("export", what, locale)) if what else "", None)
            continue
        if (e.entity_type, e.entity_id) in read:
            name, url = read[(e.entity_type, e.entity_id)]
        elif e.entity_type == "dispute":
            name, url = case_subject(e.entity_id)
        elif e.entity_type == "signoff" and e.entity_id in review_cases:
            name, url = case_subject(review_cases[e.entity_id])
        else:
            name = names.get(e.entity_type, {}).get(e.entity_id) or named_in_event.get(e.id) or f"#{e.entity_id}"
            endpoint, arg = ANY_ROW_PAGES.get(e.entity_type, (None, None))
            url = url_for(endpoint, **{arg: e.entity_id}) if endpoint and _may_open(endpoint, viewer) else None
        result[e.id] = Subject(kind, str(name), url)
    return result
