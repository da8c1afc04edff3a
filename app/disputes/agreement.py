"""The mediation agreement: its judicial-confirmation window and the printed
人民调解协议书 (or, for an oral agreement, the 人民调解口头协议登记表).

The printed document is legal Chinese text, so its body is fixed Chinese; only
the page's buttons go through gettext. The print view masks ID numbers and
phones; the copy for signing and the archive (`?copy=full`) prints them in
full, only for the mediators who work the case, and each such print is
audited like a reveal.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from workflows import DISPUTE

from .. import clock, workdays
from ..audit.chain import record as audit_record
from ..auth.access import roles_required
from ..database import writes
from ..extensions import db
from ..privacy import mask_id, mask_phone
from . import codes
from .access import CASE_ROLES, load_case

# People's Mediation Law art. 33: both parties may apply to a court for
# judicial confirmation within 30 days of the agreement taking effect. The
# workflow's "agreed" state carries the same period as its deadline.
CONFIRMATION_PERIOD: timedelta = DISPUTE.state("agreed").deadline or timedelta(days=30)


@dataclass
class ConfirmationWindow:
    """The period in which the parties may apply for judicial confirmation.
    Counted in whole days of the centre's calendar (app.clock): the day the
    agreement takes effect is not counted, and the last day counts in full."""

    took_effect: date
    last_day: date
    days_left: int  # 0 on the last day itself, negative once closed

    @property
    def is_open(self) -> bool:
        return self.days_left >= 0


def took_effect(dispute) -> date | None:
    """The day the agreement took effect: a written one when every party and
    the mediator signed it (None until then), an oral one when recorded."""
    if dispute.agreed_at is None:
        return None
    if dispute.agreement_form == "written":
        return dispute.signed_on
    return clock.local_date(dispute.agreed_at)


def confirmation_window(dispute, now=None) -> ConfirmationWindow | None:
    """The window's last day is the 30th day after the agreement took effect,
    or the next working day when that is a rest day (Civil Code art. 203)."""
    effective = took_effect(dispute)
    if effective is None:
        return None
    # Its last day read once per version of the case (the calendar is a statement): the case page's
    # guards and its agreement panel both ask.
    cached = dispute.__dict__.get("_window_last_day")
    if cached is not None and cached[:2] == (dispute.version, effective):
        last_day = cached[2]
    else:
        last_day = workdays.legal_last_day(effective + CONFIRMATION_PERIOD)
        dispute._window_last_day = (dispute.version, effective, last_day)
    today = clock.local_date(now or clock.now())
    return ConfirmationWindow(effective, last_day, (last_day - today).days)


# The printed document ------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"
# Used when the code lists (app/disputes/codes.py) do not name a value.
SEXES = {"male": "男", "female": "女", "m": "男", "f": "女"}
ID_TYPES = {"resident_id": "居民身份证", "passport": "护照", "credit_code": "统一社会信用代码", "other": "其他证件"}


def _chinese(table: str, fallback: dict, code: str | None) -> str:
    """The Chinese label of a code from codes.<table>, else from fallback,
    else the stored value itself."""
    if not code:
        return ""
    listed = getattr(codes, table, None) or {}
    if code in listed:
        return codes.label(listed, code, "zh")
    return fallback.get(code.lower(), code)


def cn_number(n: int) -> str:
    """Chinese numerals for the count of copies (一式三份)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def cn_date(value: date | None) -> str:
    if value is None:
        return "　　年　　月　　日"
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass
class PrintedParty:
    code: str  # applicant / respondent / agent
    role: str
    is_person: bool
    name: str
    sex: str
    ethnicity: str
    age: str
    occupation: str
    address: str
    phone: str
    id_type: str
    id_number: str


def _printed(party, full: bool) -> PrintedParty:
    return PrintedParty(
        code=party.role,
        role=codes.label(codes.PARTY_ROLES, party.role, "zh"),
        is_person=(party.kind or "person") == "person",
        name=party.name,
        sex=_chinese("SEXES", SEXES, party.sex),
        ethnicity=party.ethnicity or "",
        age=f"{party.age}岁" if party.age is not None else "",
        occupation=party.occupation or "",
        address=party.address or "",
        phone=(party.phone if full else mask_phone(party.phone)) or "",
        id_type=_chinese("ID_TYPES", ID_TYPES, party.id_type) if party.id_number else "",
        id_number=(party.id_number if full else mask_id(party.id_number)) or "",
    )


@writes  # printing personal data in full is audited, so this GET writes
@roles_required(*CASE_ROLES)
def print_agreement(case_id):
    dispute = load_case(case_id)
    if dispute.agreement_form not in ("written", "oral"):
        abort(404)  # nothing to print yet
    may_print_full = current_user.role == "mediator" and dispute.works_on(current_user)
    full = request.args.get("copy") == "full"
    if full and not may_print_full:
        abort(403, description=_("The copy for signing, with ID numbers and phone numbers in full, is only for the "
                                 "mediators working on this case. The masked copy can be printed."))
    parties = [_printed(p, full) for p in dispute.parties]
    signing = [p for p in parties if p.code != "agent"]  # one copy and one signature each
    if full:
        audit_record("dispute", dispute.id, "print_agreement", current_user,
                     data={"form": dispute.agreement_form, "party_ids": [p.id for p in dispute.parties],
                           "fields": ["id_number", "phone"]})
        db.session.commit()
    mediators = ([dispute.assignee] if dispute.assignee else []) + [
        m for m in dispute.co_mediators if m.id != dispute.assignee_id]
    agreed_on = clock.local_date(dispute.agreed_at) if dispute.agreed_at else None
    # A signed agreement carries its signing date; an unsigned one leaves the
    # date blank for the signatures, as the paper form does.
    signed_on = dispute.signed_on if dispute.agreement_form == "written" else agreed_on
    template = "disputes/agreement_print.html" if dispute.agreement_form == "written" \
        else "disputes/oral_agreement_print.html"
    return render_template(
        template, d=dispute, parties=parties, signing=signing, full=full, may_print_full=may_print_full,
        mediators=mediators,
        committee=f"{dispute.community.name}人民调解委员会", copies=cn_number(len(signing) + 1),
        agreed_on=cn_date(agreed_on), signed_on=cn_date(signed_on), perform_by=cn_date(dispute.perform_by) if dispute.perform_by else "",
        dispute_type=codes.label(codes.DISPUTE_TYPES, dispute.dispute_type, "zh"),
        window=confirmation_window(dispute), cn_date=cn_date,
    )
