"""The case file (卷宗) of one case: cover, registration, notice of rights,
session records, agreement, follow-ups, closing summary and history, as one
structure read by the print view and by the PDF.

Personal data stays masked in the case file (ID numbers and phones): the
people who may print a case file (supervisors) may not reveal them.

The PDF is drawn with fpdf2 in a CJK font from the system: Debian's
fonts-noto-cjk (`apt-get install fonts-noto-cjk`), path in CASEFILE_FONT.
Without it the PDF cannot show Chinese, and the page says what to install.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import format_datetime, gettext as _, pgettext
from sqlalchemy import select

from .. import clock
from ..audit.models import AuditEvent
from ..timeline import timeline
from ..disputes import codes
from ..extensions import db
from ..i18n import current_locale, translate
from ..privacy import mask_id, mask_phone
from .models import OUTCOMES, SignOff


class FontMissing(RuntimeError):
    """The CJK font the PDF needs is not installed."""


@dataclass
class Part:
    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    blocks: list[list[tuple[str, str]]] = field(default_factory=list)  # several records, each lines


@dataclass
class CaseFile:
    title: str
    file_no: str
    parts: list[Part]


def _when(at) -> str:
    return format_datetime(at, "yyyy-MM-dd HH:mm") if at else "—"


def _first_event(dispute, trigger):
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id == dispute.id,
                                 AuditEvent.trigger == trigger).order_by(AuditEvent.seq).limit(1)
    ).scalar_one_or_none()


def _name(user_id):
    from ..auth.models import User

    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else "—"


def build(dispute) -> CaseFile:
    locale = current_locale()
    lab = codes.label
    accepted = _first_event(dispute, "accept")
    retention = current_app.config["RETENTION_YEARS"]
    closed_year = clock.local_date(dispute.closed_at or dispute.created_at).year  # the centre's year, not UTC's
    mediators = ([dispute.assignee.display_name] if dispute.assignee else []) + [
        u.display_name for u in dispute.co_mediators]
    parties = "；".join(f"{lab(codes.PARTY_ROLES, p.role, locale)} {p.name}" for p in dispute.parties)
    cover = Part(_("Cover"), [
        (_("File number"), dispute.file_no or f"#{dispute.id}"),
        (_("Parties"), parties or "—"),
        (_("Mediators"), "、".join(mediators) or "—"),
        (pgettext("registration time", "Registered"), _when(dispute.created_at)),
        (_("Accepted for mediation"), _when(accepted.at) if accepted else "—"),
        (_("Closed on"), _when(dispute.closed_at)),
        (_("Retention period"), _("%(years)s years, until the end of %(year)s", years=retention,
                                  year=closed_year + retention)),
    ])
    registration = Part(_("Registration"), [
        (_("How it came in"), lab(codes.CHANNELS, dispute.channel, locale)),
        (_("Type of dispute"), lab(codes.DISPUTE_TYPES, dispute.dispute_type, locale)),
        (_("Community / grid"), dispute.community.name + (f" · {dispute.grid.name}" if dispute.grid else "")),
        (_("Place"), dispute.place or "—"),
        (_("Date it arose"), dispute.arose_on.isoformat() if dispute.arose_on else "—"),
        (_("Amount involved"), str(dispute.amount) if dispute.amount is not None else "—"),
        (_("Brief facts"), dispute.facts),
        (_("Registered by"), dispute.created_by.display_name if dispute.created_by else "—"),
    ])
    registration.blocks = [[
        (_("Role in the dispute"), lab(codes.PARTY_ROLES, p.role, locale)), (_("Name"), p.name),
        (_("Sex"), lab(codes.SEXES, p.sex, locale) if p.sex else "—"), (_("Age"), str(p.age) if p.age else "—"),
        (_("ID number"), mask_id(p.id_number) or "—"), (_("Phone"), mask_phone(p.phone) or "—"),
        (_("Employer or address"), p.address or "—"),
    ] for p in dispute.parties]
    notice = _first_event(dispute, "start_mediation")
    rights = Part(_("Notice of rights and duties"), [
        (_("Notice given"), _("Yes, on %(when)s by %(who)s", when=_when(notice.at), who=_name(notice.actor_id))
         if notice else _("Not recorded")),
    ])
    sessions = Part(_("Session records"))
    sessions.blocks = [[
        (_("Held at"), _when(s.held_at)), (_("Place"), s.place), (_("Who attended"), s.attendees),
        (_("Record of what was said"), s.record), (_("Recorded by"), s.recorded_by.display_name),
    ] for s in dispute.sessions]
    agreement = Part(_("Agreement"))
    if dispute.agreement_form:
        agreement.lines = [
            (_("Form of agreement"), lab(codes.AGREEMENT_FORMS, dispute.agreement_form, locale)),
            (_("Agreed on"), _when(dispute.agreed_at)),
            (_("Main facts"), dispute.agreement_facts or "—"),
            (_("Matters in dispute"), dispute.agreement_matters or "—"),
            (_("Responsibilities"), dispute.agreement_responsibilities or "—"),
            (_("Agreed terms"), dispute.agreement_terms or "—"),
            (_("How performed"), dispute.perform_how or "—"),
            (_("Where performed"), dispute.perform_where or "—"),
            (_("Performed by"), dispute.perform_by.isoformat() if dispute.perform_by else "—"),
        ]
    followups = Part(_("Follow-up visits"))
    followups.blocks = _followups(dispute, locale)
    closing = Part(_("Closing summary"), [
        (pgettext("closure", "Outcome"), _outcome(dispute, locale)),
        (_("Closing summary"), dispute.summary or "—"),
        (_("Route told"), lab(codes.ROUTES, dispute.route, locale) if dispute.route else "—"),
    ])
    closing.blocks = [[
        (_("Sign-off"), f"{r.round} · {translate(r.__workflow__.state(r.state).label, locale)}"),
        (_("Reviewed by"), r.decided_by.display_name if r.decided_by else "—"),
        (_("Reviewed on"), _when(r.decided_at)), (_("Comment"), r.comment or "—"),
    ] for r in _reviews(dispute)]
    history = Part(_("History"))
    history.lines = [(_when(e.at), _entry_text(e)) for e in reversed(timeline(dispute, locale))]
    parts = [cover, registration, rights, sessions, agreement, followups, closing, history]
    return CaseFile(title=_("Case file"), file_no=dispute.file_no or f"#{dispute.id}", parts=parts)


def _reviews(dispute) -> list[SignOff]:
    return list(db.session.execute(
        select(SignOff).where(SignOff.dispute_id == dispute.id).order_by(SignOff.round)).scalars())


def _outcome(dispute, locale) -> str:
    reviews = _reviews(dispute)
    if reviews:
        return codes.label(OUTCOMES, reviews[-1].outcome, locale)
    return "—"


def _entry_text(e) -> str:
    text = (f"[{e.subject}] " if e.subject else "") + e.action
    if e.from_label or e.to_label:
        text += f" ({e.from_label or ''} → {e.to_label or ''})"
    text += f" · {e.actor or ''}"
    if e.reason:
        text += f" · {e.reason}"
    return text


def _followups(dispute, locale) -> list:
    from ..followups import codes as fcodes
    from ..followups.models import FollowUp

    rows = db.session.execute(
        select(FollowUp).where(FollowUp.dispute_id == dispute.id).order_by(FollowUp.planned_for, FollowUp.id)
    ).scalars()
    lab = codes.label
    return [[
        (_("Kind of visit"), lab(fcodes.FOLLOWUP_KINDS, f.kind, locale)),
        (_("Planned for"), _when(f.planned_for)),
        (_("State"), translate(f.__workflow__.state(f.state).label, locale)),
        (_("Visited on"), f.visited_on.isoformat() if f.visited_on else "—"),
        (_("How visited"), lab(fcodes.METHODS, f.method, locale) if f.method else "—"),
        (_("Performance"), lab(fcodes.FULFILMENT, f.fulfilment, locale) if f.fulfilment else "—"),
        (_("Satisfaction"), lab(fcodes.SATISFACTION, f.satisfaction, locale) if f.satisfaction else "—"),
        (_("Notes"), f.notes or "—"),
    ] for f in rows]


def font_path() -> str:
    path = current_app.config["CASEFILE_FONT"]
    if not os.path.isfile(path):
        raise FontMissing(path)
    return path


def to_pdf(casefile: CaseFile) -> bytes:
    """An A4 PDF of the case file. Raises FontMissing without the CJK font."""
    from fpdf import FPDF

    path = font_path()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(f"{casefile.title} {casefile.file_no}")
    pdf.add_font("cjk", fname=path, collection_font_number=current_app.config["CASEFILE_FONT_INDEX"])
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("cjk", size=20)
    pdf.multi_cell(width, 12, casefile.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=14)
    pdf.multi_cell(width, 9, casefile.file_no, align="C", new_x="LMARGIN", new_y="NEXT")
    for part in casefile.parts:
        pdf.ln(4)
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(width, 9, part.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        _lines(pdf, width, part.lines)
        for block in part.blocks:
            pdf.ln(2)
            _lines(pdf, width, block)
        if not part.lines and not part.blocks:
            pdf.multi_cell(width, 6, _("None recorded."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _lines(pdf, width, lines) -> None:
    for label, text in lines:
        pdf.multi_cell(width, 6, f"{label}：{text}" if label else str(text), new_x="LMARGIN", new_y="NEXT")


