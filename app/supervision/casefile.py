"""The case file (卷宗) of one case: cover, list of contents (卷内目录),
registration, notice of rights, session records, legal opinions asked of
volunteer lawyers, agreement, follow-ups, closing summary and history, as one
structure read by the print view and by the PDF.

The legal opinions are in the file of those who may read them on the case
page (app/opinions: the case's mediators and supervisors, an
administrator); for the others (a grid worker) the part is left out, as the
case's history leaves out the requests' steps.

The cover carries what an archive files a case under: the committee (setting
COMMITTEE_NAME), file number, case name, parties, dates of acceptance and
closing, outcome, who filed it and when (立卷人, 立卷日期: whoever archived
the case, else whoever closed it) and the retention period. The PDF numbers
its pages and its list of contents gives each part's first page; the print
view lists the parts (a browser decides its own pages).

Personal data stays masked (ID numbers and phones) except in the archive
copy (`full=True`), which the views give only to those who may reveal the
case's personal data; every print is audited by the views.

The PDF is drawn with fpdf2 in a CJK font from the system: Debian's
fonts-noto-cjk (`apt-get install fonts-noto-cjk`), path in CASEFILE_FONT.
Without it the PDF cannot show Chinese, and the page says what to install.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from flask import current_app, has_request_context
from flask_babel import gettext as _, pgettext
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..audit.models import AuditEvent
from ..auth.roles import role_label
from ..dates import day_text, moment_text
from ..timeline import oldest_first, timeline
from ..disputes import codes
from ..disputes.judicial import judicial_confirmation
from ..extensions import db
from ..i18n import current_locale, translate
from ..privacy import mask_id, mask_phone
from .models import OUTCOMES, SignOff


# Marks a step that another set off, under it (the case page's "↳"): the PDF's font, Noto Sans CJK, has no "↳"
# (drawn as an empty box) but has the box-drawing "└" of the Chinese standards (tests/test_casefile.py).
SET_OFF_MARK = "└"


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
    committee: str = ""
    full: bool = False  # the archive copy: ID numbers and phones in full

    @property
    def contents(self) -> list[Part]:
        """The parts the list of contents names: all but the cover."""
        return self.parts[1:]


def _when(at) -> str:
    """A moment as the case page says it (app.dates); "—" for none."""
    return moment_text(at) if at else "—"


def _day(day) -> str:
    """A day (or a stored moment's local day) as the pages say it; "—" for none."""
    return day_text(day) if day else "—"


def _first_event(dispute, trigger):
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id == dispute.id,
                                 AuditEvent.trigger == trigger).order_by(AuditEvent.seq).limit(1)
    ).scalar_one_or_none()


def _name(user_id):
    from ..auth.models import User

    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else "—"


def _filed(dispute):
    """Who filed the case (立卷人) and when: the archiving, else the closing."""
    return _first_event(dispute, "archive") or _first_event(dispute, "close")


def case_name(dispute, locale) -> str:
    """案由 as an archive names it: the applicants and respondents and the type of dispute."""
    def names(role):
        return "、".join(p.name for p in dispute.parties if p.role == role)

    kind = codes.label(codes.DISPUTE_TYPES, dispute.dispute_type, locale)
    applicants, respondents = names("applicant"), names("respondent")
    if applicants and respondents:
        return _("%(applicants)s v. %(respondents)s, %(kind)s dispute", applicants=applicants,
                 respondents=respondents, kind=kind)
    return _("%(kind)s dispute", kind=kind)


def _party_lines(p, by_id, agents, locale, full) -> list[tuple[str, str]]:
    lab = codes.label
    person = (p.kind or "person") == "person"
    lines = [(_("Role in the dispute"), lab(codes.PARTY_ROLES, p.role, locale)), (_("Name"), p.name)]
    if p.role == "agent":
        principal = by_id.get(p.acts_for_id)
        lines.append((_("Acts for"), f"{lab(codes.PARTY_ROLES, principal.role, locale)} {principal.name}"
                      if principal else "—"))
    if person:
        lines += [
            (_("Sex"), lab(codes.SEXES, p.sex, locale) if p.sex else "—"),
            (_("Ethnicity"), p.ethnicity or "—"),
            (_("Age"), str(p.age) if p.age is not None else "—"),
        ]
    lines += [
        (_("ID type"), lab(codes.ID_TYPES, p.id_type, locale) if p.id_type else "—"),
        (_("ID number"), (p.id_number if full else mask_id(p.id_number)) or "—"),
    ]
    if person:
        lines.append((_("Occupation"), p.occupation or "—"))
    lines += [
        (_("Employer or address"), p.address or "—"),
        (_("Phone"), (p.phone if full else mask_phone(p.phone)) or "—"),
    ]
    if agents.get(p.id):
        lines.append((_("Agent"), "、".join(a.name for a in agents[p.id])))
    return lines


def build(dispute, full: bool = False) -> CaseFile:
    """The case file; `full`: the archive copy with ID numbers and phones
    unmasked (the caller checks that the reader may see them)."""
    locale = current_locale()
    lab = codes.label
    accepted = _first_event(dispute, "accept")
    filed = _filed(dispute)
    retention = current_app.config["RETENTION_YEARS"]
    closed_year = clock.local_date(dispute.closed_at or dispute.created_at).year  # the centre's year, not UTC's
    mediators = ([dispute.assignee.display_name] if dispute.assignee else []) + [
        u.display_name for u in dispute.co_mediators]
    committee = current_app.config["COMMITTEE_NAME"].format(community=dispute.community.name)
    by_id = {p.id: p for p in dispute.parties}
    agents: dict[int, list] = {}
    for p in dispute.parties:
        if p.role == "agent" and p.acts_for_id in by_id:
            agents.setdefault(p.acts_for_id, []).append(p)
    principals = [p for p in dispute.parties if p.role != "agent"]
    parties = "；".join(
        f"{lab(codes.PARTY_ROLES, p.role, locale)} {p.name}"
        + (_(" (agent: %(names)s)", names="、".join(a.name for a in agents[p.id])) if agents.get(p.id) else "")
        for p in principals)
    cover = Part(_("Cover"), [
        (_("Mediation committee"), committee),
        (_("File number"), dispute.file_no or f"#{dispute.id}"),
        (_("Case name"), case_name(dispute, locale)),
        (_("Parties"), parties or "—"),
        (_("Mediators"), "、".join(mediators) or "—"),
        (pgettext("registration time", "Registered"), _when(dispute.created_at)),
        (_("Accepted for mediation"), _when(accepted.at) if accepted else "—"),
        (_("Closed on"), _when(dispute.closed_at)),
        (pgettext("closure", "Outcome"), _outcome(dispute, locale)),
        (_("Filed by"), _name(filed.actor_id) if filed else "—"),
        (_("Filed on"), _day(filed.at if filed else None)),
        (_("Retention period"), _("%(years)s years, until the end of %(year)s", years=retention,
                                  year=closed_year + retention)),
    ])
    registration = Part(_("Registration"), [
        (_("How it came in"), lab(codes.CHANNELS, dispute.channel, locale)),
        (_("Type of dispute"), lab(codes.DISPUTE_TYPES, dispute.dispute_type, locale)),
        (_("Community / grid"), dispute.community.name + (f" · {dispute.grid.name}" if dispute.grid else "")),
        (_("Where the dispute arose"), dispute.place or "—"),
        (_("Date it arose"), _day(dispute.arose_on)),
        (_("Amount involved"), str(dispute.amount) if dispute.amount is not None else "—"),
        (_("Brief facts"), dispute.facts),
        (_("Registered by"), dispute.created_by.display_name if dispute.created_by else "—"),
    ])
    # Each principal, then the agents acting for them; agents of no recorded party last.
    ordered = []
    for p in principals:
        ordered += [p] + agents.get(p.id, [])
    ordered += [p for p in dispute.parties if p not in ordered]
    registration.blocks = [_party_lines(p, by_id, agents, locale, full) for p in ordered]
    notice = _first_event(dispute, "start_mediation")
    rights = Part(_("Notice of rights and duties"), [
        (_("Notice given"), _("Yes, on %(when)s by %(who)s", when=_when(notice.at), who=_name(notice.actor_id))
         if notice else _("Not recorded")),
    ])
    sessions = Part(_("Session records"))
    sessions.blocks = [[
        (_("Held at"), _when(s.held_at)), (_("Place of the session"), s.place), (_("Who attended"), s.attendees),
        (_("Record of what was said"), s.record), (_("Recorded by"), s.recorded_by.display_name),
    ] for s in dispute.sessions]
    opinions = Part(_("Legal opinions"))
    opinions.blocks = _opinions(dispute, locale)
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
            (_("Performed by"), _day(dispute.perform_by)),
        ]
        judicial = judicial_confirmation(dispute)
        if judicial.applied:
            agreement.lines += [
                (_("Applied for judicial confirmation"), _("On %(date)s to %(court)s", date=_day(judicial.applied_on),
                                                           court=judicial.court)),
                (_("Court's ruling"), _("%(ruling)s on %(date)s", ruling=lab(codes.RULINGS, judicial.ruling, locale),
                                        date=_day(judicial.ruled_on)) if judicial.ruling else _("Awaited")),
            ]
            if judicial.note:
                agreement.lines.append((_("Note on the ruling"), judicial.note))
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
    history.lines = [(_when(e.at), _entry_text(e, locale)) for e in oldest_first(timeline(dispute, locale))]
    parts = [cover, registration, rights, sessions, agreement, followups, closing, history]
    if _reads_opinions(dispute):
        parts.insert(parts.index(sessions) + 1, opinions)
    title = _("Case file (archive copy)") if full else _("Case file")
    return CaseFile(title=title, file_no=dispute.file_no or f"#{dispute.id}", parts=parts, committee=committee,
                    full=full)


def _reviews(dispute) -> list[SignOff]:
    return list(db.session.execute(
        select(SignOff).where(SignOff.dispute_id == dispute.id).order_by(SignOff.round)).scalars())


def _outcome(dispute, locale) -> str:
    if dispute.closed_at is None:
        # Not closed (or reopened since): no way of closing yet. Where the case
        # stands (达成协议) is not one, and would read as if it were closed.
        return "—"
    reviews = _reviews(dispute)
    if reviews:
        return codes.label(OUTCOMES, reviews[-1].outcome, locale)
    # Closed before sign-offs existed: where the case stands.
    return translate(dispute.__workflow__.state(dispute.state).label, locale)


def _entry_text(e, locale) -> str:
    # What a step set off follows it, marked as its effect (not a step of its own).
    text = (f"{SET_OFF_MARK} " if e.set_off else "") + (f"[{e.subject}] " if e.subject else "") + e.action
    if e.from_label:
        text += f" ({e.from_label} → {e.to_label or ''})"
    elif e.to_label:  # a row's first step (registration): no state before it
        text += f" ({e.to_label})"
    # No user's name: the system (or a member of the public) took the step, named by role as the case page does.
    text += f" · {e.actor or role_label(e.role, locale)}"
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
        (_("Planned for"), _day(f.planned_for)),
        (_("State"), translate(f.__workflow__.state(f.state).label, locale)),
        (_("Visited on"), _day(f.visited_on)),
        (_("How visited"), lab(fcodes.METHODS, f.method, locale) if f.method else "—"),
        (_("Performance"), lab(fcodes.FULFILMENT, f.fulfilment, locale) if f.fulfilment else "—"),
        (_("Satisfaction"), lab(fcodes.SATISFACTION, f.satisfaction, locale) if f.satisfaction else "—"),
        (_("Notes"), f.notes or "—"),
    ] for f in rows]


def _reads_opinions(dispute) -> bool:
    """Whether the reader sees the case's legal opinions; outside a request (a command) everything is read."""
    from ..opinions.models import staff_see_opinions

    return not has_request_context() or staff_see_opinions(dispute, current_user)


def _opinions(dispute, locale) -> list:
    """Each request for a legal opinion, oldest first: whom, when and what was
    asked, where it stands, the answer and its acknowledgement. The lawyer's
    phone is not printed; the question and the opinion are the case's own
    working records, as a session's record is."""
    from ..opinions.panel import case_opinions, reasons_of
    from ..opinions.rules import conflict_words

    rows = sorted(case_opinions(dispute.id), key=lambda o: o.id)
    reasons = reasons_of(rows)
    blocks = []
    for o in rows:
        lines = [
            (_("Lawyer"), o.lawyer.name),
            (_("Law firm"), o.lawyer.firm or "—"),
            (_("Asked by"), o.requested_by.display_name if o.requested_by else "—"),
            (_("Asked on"), _when(o.requested_at)),
            (_("Question"), o.question or "—"),
            (_("State"), translate(o.__workflow__.state(o.state).label, locale)),
        ]
        if o.conflicts:
            lines += [(_("Possible conflict"), "；".join(conflict_words(c) for c in o.conflicts)),
                      (_("Asked anyway because"), o.override_reason or "—")]
        if o.id in reasons:
            lines.append((_("Reason"), reasons[o.id] or "—"))
        lines += [
            (_("Legal opinion"), o.opinion or "—"),
            (_("Laws cited"), o.laws_cited or "—"),
            (_("Answered on"), _when(o.answered_at)),
            (_("Acknowledged on"), _when(o.acknowledged_at)),
        ]
        blocks.append(lines)
    return blocks


def font_path() -> str:
    path = current_app.config["CASEFILE_FONT"]
    if not os.path.isfile(path):
        raise FontMissing(path)
    return path


def to_pdf(casefile: CaseFile) -> bytes:
    """An A4 PDF of the case file: the cover on page 1, the list of contents
    on page 2 with each part's first page, numbered pages. Raises
    FontMissing without the CJK font."""
    path = font_path()
    # Drawn twice: the first pass learns on which page each part starts, the
    # second writes those pages into the list of contents (which keeps to
    # one page, so the parts do not move between the passes).
    return _draw(casefile, path, page_starts(casefile))[0]


def page_starts(casefile: CaseFile) -> list[int]:
    """The PDF page on which each part of the list of contents starts."""
    return _draw(casefile, font_path(), None)[1]


def _draw(casefile: CaseFile, path: str, starts: list[int] | None) -> tuple[bytes, list[int]]:
    from fpdf import FPDF

    class Numbered(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font("cjk", size=9)
            self.cell(0, 6, _("Page %(n)s", n=self.page_no()), align="C")

    pdf = Numbered(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(f"{casefile.title} {casefile.file_no}")
    pdf.add_font("cjk", fname=path, collection_font_number=current_app.config["CASEFILE_FONT_INDEX"])
    width = pdf.w - pdf.l_margin - pdf.r_margin
    cover, *rest = casefile.parts
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(width, 10, casefile.committee, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=24)
    pdf.multi_cell(width, 14, casefile.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=14)
    pdf.multi_cell(width, 9, casefile.file_no, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=12)
    _lines(pdf, width, cover.lines, height=8)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(width, 10, _("List of contents"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", size=11)
    number_w, page_w = 16, 24
    for label, w in ((_("No."), number_w), (_("Document"), width - number_w - page_w), (_("Page"), page_w)):
        pdf.cell(w, 8, label, border=1, align="C")
    pdf.ln(8)
    for i, part in enumerate(rest, start=1):
        pdf.cell(number_w, 8, str(i), border=1, align="C")
        pdf.cell(width - number_w - page_w, 8, part.title, border=1)
        pdf.cell(page_w, 8, str(starts[i - 1]) if starts else "", border=1, align="C")
        pdf.ln(8)
    found = []
    pdf.add_page()
    for part in rest:
        pdf.ln(4)
        if pdf.get_y() > pdf.h - 40:  # a heading never sits alone at the foot of a page
            pdf.add_page()
        found.append(pdf.page_no())
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(width, 9, part.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        _lines(pdf, width, part.lines)
        for block in part.blocks:
            pdf.ln(2)
            _lines(pdf, width, block)
        if not part.lines and not part.blocks:
            pdf.multi_cell(width, 6, _("None recorded."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output()), found


def _lines(pdf, width, lines, height=6) -> None:
    for label, text in lines:
        pdf.multi_cell(width, height, f"{label}：{text}" if label else str(text), new_x="LMARGIN", new_y="NEXT")
