"""An entity's audit events as plain sentences for the case page.

A case's timeline also shows the steps of the rows that belong to it (an
elder's invitation, a follow-up visit, a sign-off): each such domain installs,
with `install_related("dispute", fn)` from its init_app, a function returning
the (entity_type, id) pairs of its rows for one case, and their events are
merged with the case's own in log order.
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, or_, select

from .audit.models import AuditEvent
from .auth.models import User
from .extensions import db
from .labels import field_value, user_ids_in
from .privacy import mask_data

WORDS = {
    "create": ("登记", "Registered"),
    "edit": ("修改", "Edited"),
    "upload": ("上传附件", "File attached"),
    "reveal": ("查看个人信息", "Revealed personal data"),
    "add_party": ("添加当事人", "Party added"),
    "edit_party": ("修改当事人信息", "Party details changed"),
    "session_recorded": ("记录调解过程", "Session recorded"),
    "print_agreement": ("打印调解协议（含个人信息）", "Agreement printed (with personal data)"),
    "notification_settings": ("修改通知设置", "Notification settings changed"),
    "roster_add": ("登记入五老名册", "Added to the council's roster"),
    "roster_edit": ("修改五老名册信息", "Roster details changed"),
    "unavailable_add": ("登记不便参加的日期", "Unavailable dates added"),
    "unavailable_remove": ("删除不便参加的日期", "Unavailable dates removed"),
    "relation_add": ("申报利害关系人", "Declared relation added"),
    "relation_remove": ("删除利害关系人", "Declared relation removed"),
    # The lawyers' Saturday rota (app/rota)
    "rota_roster_add": ("登记入律师值班名册", "Added to the lawyer rota's roster"),
    "rota_roster_edit": ("修改律师值班名册信息", "Lawyer rota roster changed"),
    "replanned": ("重新排班", "Re-planned"),
    "assigned": ("协调员调整值班律师", "Lawyer changed by the coordinator"),
    "swapped": ("换班", "Duty swapped"),
    "plan_generated": ("生成排班计划", "Rota plan made"),
    "plan_published": ("发布排班", "Rota published"),
    "holiday_added": ("添加节假日", "Holiday added"),
    "holiday_removed": ("删除节假日", "Holiday removed"),
    "feed_issued": ("生成日历链接", "Calendar link issued"),
    "feed_revoked": ("停用日历链接", "Calendar link revoked"),
    "consultation_logged": ("记录法律咨询", "Consultation logged"),
    "consultation_to_case": ("咨询转为调解案件", "Consultation became a case"),
    "legal_aid_referral": ("转介法律援助", "Referred for legal aid"),
    "export": ("导出", "Exported"),
    "login": ("登录", "Logged in"),
    "login_failed": ("登录失败", "Failed login"),
    "login_throttled": ("登录受限（尝试过多）", "Login refused (too many attempts)"),
    "logout": ("退出登录", "Logged out"),
}

# Labels of one entity type's triggers, where the trigger alone would read
# wrong in another domain (every workflow row begins with "create", which
# WORDS calls 登记 Registered, right for a case only). Looked up before WORDS.
TYPE_WORDS = {
    ("followup", "create"): ("安排回访", "Follow-up planned"),
    ("sweep", "create"): ("列入排查计划", "Sweep planned"),
    ("elder_assignment", "create"): ("列为建议人选", "Elder suggested"),
    ("signoff", "create"): ("结案提交督导审核", "Closure sent for sign-off"),
    ("lawyer_duty", "create"): ("排入值班", "Duty planned"),
    ("duty_swap", "create"): ("提出换班申请", "Swap requested"),
}


def word(entity_type: str | None, trigger: str, locale: str) -> str | None:
    """The label of a trigger that is not a workflow transition (or that
    reads differently for this entity type), or None."""
    pair = TYPE_WORDS.get((entity_type, trigger)) or WORDS.get(trigger)
    if pair is None:
        return None
    return pair[1 if locale.startswith("en") else 0]


RELATED: dict[str, list[Callable]] = defaultdict(list)


def install_related(entity_type: str, fn: Callable) -> None:
    """Show on the timeline of `entity_type` rows the events of the rows
    fn(entity) names, as (entity_type, entity_id) pairs. Installing the same
    function again (a second app in one process) changes nothing."""
    if fn not in RELATED[entity_type]:
        RELATED[entity_type].append(fn)


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
    # For a related row's event: its workflow's name (e.g. "五老和事会指派"),
    # shown before the action; None for the entity's own events.
    subject: str | None = field(default=None)


def _subjects(entity) -> dict[str, list[int]]:
    wanted: dict[str, list[int]] = defaultdict(list)
    wanted[entity.__entity_type__].append(entity.id)
    for fn in RELATED.get(entity.__entity_type__, ()):
        for entity_type, entity_id in fn(entity):
            wanted[entity_type].append(entity_id)
    return wanted


def timeline(entity, locale: str) -> list[Entry]:
    from .engine.registry import workflow_for_entity_type

    own_type = entity.__entity_type__
    wanted = _subjects(entity)
    rows = db.session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(or_(*(and_(AuditEvent.entity_type == kind, AuditEvent.entity_id.in_(ids))
                     for kind, ids in wanted.items())))
        .order_by(AuditEvent.id.desc())  # log order: seq is per entity, the merged rows are several
    ).all()
    payloads = [mask_data(json.loads(event.data)) for event, _ in rows]
    named = set().union(*(user_ids_in(p) for p in payloads), *(user_ids_in(p.get("changes") or {}) for p in payloads))
    users = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(named))).all()) if named else {}
    entries = []
    for (event, name), payload in zip(rows, payloads):
        own_wf = None if event.entity_type == own_type else workflow_for_entity_type(event.entity_type)
        # A related row without a workflow has all its triggers in WORDS.
        wf = own_wf or entity.__workflow__
        action = word(event.entity_type, event.trigger, locale)
        if action is None:
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
                subject=own_wf.label(locale) if own_wf else None,
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
