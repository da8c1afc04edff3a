"""An entity's audit events as plain sentences for the case page."""
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..labels import field_value, user_ids_in
from ..privacy import mask_data
from .models import AuditEvent

WORDS = {
    "create": ("登记", "Registered"),
    "edit": ("修改", "Edited"),
    "upload": ("上传附件", "File attached"),
    "reveal": ("查看个人信息", "Revealed personal data"),
    "add_party": ("添加当事人", "Party added"),
    "edit_party": ("修改当事人信息", "Party details changed"),
    "session_recorded": ("记录调解过程", "Session recorded"),
    "print_agreement": ("打印调解协议（含个人信息）", "Agreement printed (with personal data)"),
}


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


def timeline(entity, locale: str) -> list[Entry]:
    wf = entity.__workflow__
    rows = db.session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity_type == entity.__entity_type__, AuditEvent.entity_id == entity.id)
        .order_by(AuditEvent.seq.desc())
    ).all()
    english = locale.startswith("en")
    payloads = [mask_data(json.loads(event.data)) for event, _ in rows]
    wanted = set().union(*(user_ids_in(p) for p in payloads), *(user_ids_in(p.get("changes") or {}) for p in payloads))
    users = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()) if wanted else {}
    entries = []
    for (event, name), payload in zip(rows, payloads):
        if event.trigger in WORDS:
            action = WORDS[event.trigger][1 if english else 0]
        else:
            t = wf.transition(event.trigger, event.from_state or "")
            action = t.label(locale) if t else event.trigger
        entries.append(
            Entry(
                at=event.at,
                actor=name,  # None: the system or a member of the public, named by role
                role=event.actor_role,
                action=action,
                from_label=wf.state(event.from_state).label(locale) if event.from_state else None,
                to_label=wf.state(event.to_state).label(locale) if event.to_state else None,
                reason=event.reason,
                data=_readable(payload, locale, users),
            )
        )
    return entries


def _readable(payload: dict, locale: str, users: dict) -> dict:
    shown = {}
    for key, value in payload.items():
        if key == "changes" and isinstance(value, dict):
            shown[key] = {k: [field_value(k, v, locale, users) for v in pair] if isinstance(pair, list) else pair
                          for k, pair in value.items()}
        else:
            shown[key] = field_value(key, value, locale, users)
    return shown
