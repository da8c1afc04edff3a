"""What a referral is called wherever it is listed or told of: by the case's
community, its dispute type and the day it was sent ("东山社区 · 邻里 · 2026年12月3日送出").
A liaison's rows all came from the centre to their own department: the case's
number and the department's name told them apart by nothing; the place, the
kind of trouble and the day do, and are what they say on the phone.

Reads the referral's case and its community: lists load both with their rows
(app/referrals/views.py, today.py)."""
from __future__ import annotations

from .. import clock
from ..dates import day_text, deadline_text
from ..disputes.codes import DISPUTE_TYPES, label
from ..i18n import N_, current_locale, translate

NAME = N_("%(community)s · %(dispute_type)s · sent %(day)s")
UNSENT = N_("%(community)s · %(dispute_type)s · not sent yet")
# An escalated referral has no deadline running (its state has none): the one it missed is what to show.
MISSED = {"ack_escalated": ("ack_by", N_("acknowledgement was due %(deadline)s")),
          "answer_escalated": ("answer_by", N_("answer was due %(deadline)s"))}


def referral_name(referral, locale: str | None = None) -> str:
    locale = locale or current_locale()
    dispute = referral.dispute
    parts = {"community": dispute.community.name if dispute.community else "",
             "dispute_type": label(DISPUTE_TYPES, dispute.dispute_type, locale)}
    if referral.sent_at is None:
        return translate(UNSENT, locale) % parts
    return translate(NAME, locale) % dict(parts, day=day_text(referral.sent_at, locale))


def notice_data(referral) -> dict:
    """The pieces of the name in a notification's data, shown in its reader's
    language when read (app/notifications/service.py: a "_label" is a msgid, a
    day "_on" is formatted); the case and the department stay for the older messages."""
    dispute = referral.dispute
    sent = referral.sent_at
    return {"case": dispute.title, "department": referral.department.name,
            "community": dispute.community.name if dispute.community else "",
            "dispute_type_label": str(DISPUTE_TYPES.get(dispute.dispute_type, dispute.dispute_type or "")),
            "sent_on": clock.local_date(sent).isoformat() if sent else ""}


def missed_deadline(referral, locale: str | None = None) -> str:
    """The deadline an escalated referral missed, in words; "" for any other."""
    column, msgid = MISSED.get(referral.state, (None, None))
    moment = getattr(referral, column) if column else None
    if moment is None:
        return ""
    locale = locale or current_locale()
    return translate(msgid, locale) % {"deadline": deadline_text(moment, locale)}
