"""IoT alarms (物联网设备感知): devices are registered per grid; repeated
alarms of one device within IOT_FOLD_MINUTES fold into one candidate case
with an alarm count, which a grid worker of that grid (or a mediator of its
community) confirms, making a case through the single intake (channel
"iot"), or dismisses with a reason. Every change is audited."""
from __future__ import annotations

from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..audit.chain import record
from ..disputes.intake import NewCase, PartyDetails, open_case
from ..engine.errors import Conflict
from ..extensions import db
from ..i18n import N_, NC_
from ..org.models import Grid
from .models import IotCandidate, IotDevice
from .problems import ApiProblem

# What a device senses: the candidates page and the audit log show the label.
KIND_LABELS = {
    "noise": N_("Noise"),
    "water_leak": N_("Water leak"),
    "smoke": N_("Smoke"),
    "gas": N_("Gas"),
    "other": NC_("sensor kind", "Other"),
}
KINDS = tuple(KIND_LABELS)


def register_device(device_id: str, grid_id: int, kind: str, place: str, actor) -> IotDevice:
    if db.session.get(Grid, grid_id) is None:
        raise ValueError(f"no grid {grid_id}")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if db.session.execute(select(IotDevice).where(IotDevice.device_id == device_id)).scalar_one_or_none():
        raise ValueError(f"device {device_id!r} is registered already")
    device = IotDevice(device_id=device_id, grid_id=grid_id, kind=kind, place=place or "", created_at=clock.now())
    db.session.add(device)
    db.session.flush()
    record("iot_device", device.id, "register", actor,
           data={"device_id": device_id, "grid_id": grid_id, "kind": kind, "place": place or ""})
    db.session.commit()
    return device


def naive_utc(moment):
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else clock.to_utc(moment)


def receive(client, actor, data: dict) -> tuple[IotCandidate | None, bool]:
    """Fold one alarm into its device's open candidate within the window, or
    open a new one. (None, False) for a reading below its threshold."""
    device = db.session.execute(
        select(IotDevice).where(IotDevice.device_id == data["device_id"])).scalar_one_or_none()
    if device is None:
        raise ApiProblem(422, "This device is not registered with the centre.",
                         errors=[{"pointer": "#/device_id", "detail": "Unknown device."}])
    if data["value"] < data["threshold"]:
        return None, False
    try:
        at = naive_utc(data["at"]) if data.get("at") else clock.now()
    except (OverflowError, ValueError):
        raise ApiProblem(422, "The time is out of range.", errors=[{"pointer": "#/at", "detail": "Out of range."}])
    window = timedelta(minutes=current_app.config["IOT_FOLD_MINUTES"])
    candidate = db.session.execute(
        select(IotCandidate).where(IotCandidate.device_id == device.id, IotCandidate.status == "open",
                                   IotCandidate.kind == data["kind"], IotCandidate.last_at >= at - window)
        .order_by(IotCandidate.id.desc()).limit(1)).scalar_one_or_none()
    created = candidate is None
    if created:
        candidate = IotCandidate(device_id=device.id, client_id=client.id, kind=data["kind"], alarm_count=1,
                                 max_value=data["value"], threshold=data["threshold"],
                                 place=data.get("place") or device.place, first_at=at, last_at=at, status="open")
        db.session.add(candidate)
    else:
        candidate.alarm_count += 1
        candidate.max_value = max(candidate.max_value, data["value"])
        candidate.last_at = max(candidate.last_at, at)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ApiProblem(409, "Another alarm of this device was being folded at the same moment: send it again.")
    record("iot_candidate", candidate.id, "alarm", actor, data={
        "api_client": client.name, "device_id": device.device_id, "kind": data["kind"], "value": data["value"],
        "threshold": data["threshold"], "at": at.isoformat(), "alarm_count": candidate.alarm_count})
    db.session.commit()
    return candidate, created


def visible_to(candidate: IotCandidate, user) -> bool:
    grid = candidate.device.grid
    if user.role == "gridworker":
        return user.grid_id == grid.id
    if user.role == "mediator":
        return user.community_id == grid.community_id
    return False


def open_for(user) -> list[IotCandidate]:
    rows = db.session.execute(
        select(IotCandidate).where(IotCandidate.status == "open").order_by(IotCandidate.last_at.desc())
    ).scalars().all()
    return [c for c in rows if visible_to(c, user)]


def _decided(candidate, user, status, version):
    if candidate.status != "open":
        raise Conflict(None, candidate.decided_at)
    if version is not None and candidate.version != version:
        raise Conflict(None, candidate.last_at)
    candidate.status, candidate.decided_by_id, candidate.decided_at = status, user.id, clock.now()


def confirm(candidate: IotCandidate, user, version: int | None, facts: str):
    """The candidate becomes a case (channel 物联网感知) in the device's grid."""
    _decided(candidate, user, "confirmed", version)
    device = candidate.device
    case = NewCase(dispute_type="other", facts=facts, grid_id=device.grid_id, place=candidate.place,
                   parties=[PartyDetails("applicant", f"物联网设备 {device.device_id}")])
    submitted = {"iot_candidate_id": candidate.id, "device_id": device.device_id, "kind": candidate.kind,
                 "alarm_count": candidate.alarm_count, "facts": facts}

    def link(dispute):
        db.session.flush()
        candidate.dispute_id = dispute.id
        record("iot_candidate", candidate.id, "confirm", user, data={"dispute_id": dispute.id})

    return open_case(case, "iot", user, submitted, also=link).case


def dismiss(candidate: IotCandidate, user, version: int | None, reason: str) -> None:
    _decided(candidate, user, "dismissed", version)
    candidate.reason = reason
    record("iot_candidate", candidate.id, "dismiss", user, reason=reason)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(None, None)
