"""The closure list and the statistics as tables (headers and rows in the
user's language), for the CSV and XLSX exports."""
from __future__ import annotations

from flask_babel import gettext as _, ngettext, pgettext

from .. import clock
from ..disputes import codes
from ..i18n import translate
from ..spreadsheets import Section
from ..sweeps.codes import PARTICIPANT_KINDS
from .models import OUTCOMES


def _local(at):
    return clock.to_local(at).replace(tzinfo=None, microsecond=0) if at else None


def _review_label(review) -> str:
    if review is None:
        return _("No review")
    return translate(review.__workflow__.state(review.state).label)


def _locale() -> str:
    from ..i18n import current_locale

    return current_locale()


def closures_section(rows) -> Section:
    locale = _locale()
    # A case resolved on the spot was never accepted: it has no file number, only its case number.
    headers = [_("File number or case no."), _("Type of dispute"), _("How it came in"), _("Community"), _("Grid"),
               _("Handled by"), pgettext("registration time", "Registered"), _("Closed on"), _("Days taken"),
               pgettext("closure", "Outcome"), _("Sign-off"), _("Closing summary")]
    body = []
    for row in rows:
        d = row.dispute
        body.append([
            d.file_no or _("Case no. %(n)s", n=d.id),
            codes.label(codes.DISPUTE_TYPES, d.dispute_type, locale),
            codes.label(codes.CHANNELS, d.channel, locale),
            d.community.name,
            d.grid.name if d.grid else "",
            row.handler.display_name if row.handler else "",
            _local(d.created_at),
            _local(d.closed_at),
            round(row.days, 1),
            codes.label(OUTCOMES, row.outcome, locale),
            _review_label(row.review),
            d.summary or "",
        ])
    return Section(_("Closed cases"), headers, body)


def _rate(value):
    return None if value is None else round(value * 100, 1)


def _count_row(label, c):
    # The accepted cases still in mediation follow the success rate: they are in its denominator.
    return [label, c.registered, c.accepted, c.agreements, c.on_spot, c.refused, _rate(c.shown("success_rate")),
            c.in_mediation, _rate(c.shown("on_spot_rate")), _rate(c.shown("resolution_rate"))]


def success_rate_note(c) -> str:
    """What the success rate of `c` needs said beside it: how many of the
    accepted cases are still in mediation, and that the rate is low (or not
    yet given) until their mediation ends; "" when none is."""
    if c.awaits_conclusion("success_rate"):
        return ngettext("The %(num)d accepted case is still in mediation: no rate until its mediation ends.",
                        "All %(num)d accepted cases are still in mediation: no rate until their mediation ends.",
                        c.accepted)
    if c.in_mediation:
        return ngettext("Of %(accepted)d accepted cases, %(num)d is still in mediation: the rate reads low until "
                        "its mediation ends.",
                        "Of %(accepted)d accepted cases, %(num)d are still in mediation: the rate reads low until "
                        "their mediation ends.", c.in_mediation, accepted=c.accepted)
    return ""


def registered_rate_note(c) -> str:
    """Why the on-the-spot and resolution rates of `c` (÷ registered) read
    "—" although cases were registered: none has concluded yet, each
    awaiting acceptance or still being mediated; "" otherwise."""
    if not c.awaits_conclusion("on_spot_rate"):
        return ""
    return ngettext("The %(num)d registered case has not concluded yet (it awaits acceptance or is still in "
                    "mediation): no rate until it concludes.",
                    "None of the %(num)d registered cases has concluded yet (each awaits acceptance or is still "
                    "in mediation): no rate until one concludes.", c.registered)


def rate_note(c, rate: str = "success_rate") -> str:
    """The words said beside the rate `rate` of `c`."""
    return success_rate_note(c) if rate == "success_rate" else registered_rate_note(c)


def statistics_sections(board) -> list[Section]:
    locale = _locale()
    count_headers = [pgettext("number of cases", "Registered"), _("Accepted for mediation"), _("Agreements"),
                     _("Resolved on the spot"), _("Ended by a party's refusal"),
                     _("Mediation success rate (per cent)"), _("Accepted cases still in mediation"),
                     _("On-the-spot rate (per cent)"), _("Resolution rate (per cent)")]
    period = f"{board.date_from.isoformat()} – {board.date_to.isoformat()}"
    summary = Section(_("Summary figures"), [_("Figure"), _("Value")], [
        [_("Period (registration dates)"), period],
        *[[h, v] for h, v in zip(count_headers, _count_row("", board.totals)[1:])],
        # Said in words, beside the figures: a low or empty rate is not read as failed mediation.
        [_("How to read the success rate"), " ".join(filter(None, (
            success_rate_note(board.totals), _("It counts the accepted cases still in mediation as not (yet) "
                                               "agreed; left empty where every accepted case is still in "
                                               "mediation, as where none was accepted."),
            registered_rate_note(board.totals),
            _("The on-the-spot and resolution rates are left empty where no registered case has concluded yet "
              "(each awaits acceptance or is still in mediation), as where none was registered."))))],
        [_("Closed or archived now"), board.closed],
        [_("Average days to close"), round(board.mean_days, 1) if board.mean_days is not None else None],
        [_("90th percentile of days to close"), int(board.p90_days) if board.p90_days is not None else None],
        [_("Amount involved in cases with an agreement (yuan)"), board.amount_total],
        [_("Cases with an agreement giving an amount"), board.amount_cases],
        [_("Amount agreed in the agreements (yuan)"), board.agreed_total],
        [_("Agreements giving an agreed amount"), board.agreed_cases],
        *[[_("Open now: %(colour)s", colour=name), board.open_by_colour.get(key, 0)]
          for key, name in (("red", _("overdue (red)")), ("yellow", _("due soon (yellow)")),
                            ("blue", _("on track (blue)")), ("none", _("no deadline")))],
        *([[_("Community sweeps held"), board.sweeps["community"]], [_("Street sweeps held"), board.sweeps["street"]],
           [_("Sweeps missed"), board.sweeps["missed"]], [_("Disputes found by sweeps"), board.sweeps["found"]],
           *[[_("Sweeps with: %(kind)s", kind=translate(label)), board.alliance.get(kind, 0)]
             for kind, label in PARTICIPANT_KINDS.items()]]
          if board.sweeps else []),
    ])
    sections = [summary]
    for title, first, groups, names in (
        (_("By type"), _("Type of dispute"), board.by_type, codes.DISPUTE_TYPES),
        (_("By channel"), _("How it came in"), board.by_channel, codes.CHANNELS),
        (_("By community"), _("Community"), board.by_community, None),
        (_("By month"), _("Month"), board.by_month, None),
    ):
        rows = [_count_row(codes.label(names, key, locale) if names else key, c) for key, c in groups]
        sections.append(Section(title, [first] + count_headers, rows))
    sections.append(department_section(board))
    if board.opinions is not None:
        sections.append(opinion_section(board.opinions))
    return sections


def opinion_labels() -> tuple:
    """(figure, label) of the legal opinions' table, as the page and the export name them."""
    return (("asked", _("Legal opinions asked")), ("answered", _("Opinions given")),
            ("declined", _("Declined by the lawyer")), ("expired", pgettext("legal opinion state", "Expired without an answer")),
            ("withdrawn", _("Withdrawn")), ("awaiting", _("Still awaiting an answer")))


def opinion_section(figures) -> Section:
    """The legal opinions asked in the period, by where they stand now."""
    return Section(_("Legal opinions"), [_("Figure"), _("Value")],
                   [[label, getattr(figures, key)] for key, label in opinion_labels()])


def department_section(board) -> Section:
    """The referrals sent in the period by department and month, each
    department's whole period first (its month cell saying so, as the page does)."""
    totals, monthly = board.departments
    headers = [_("Department"), _("Month"), _("Referrals sent"), _("Acknowledged on time"), _("Answered on time"),
               _("Returned at least once"), _("Average days to answer")]
    rows = []
    for total in totals:
        for figures in [total] + [m for m in monthly if m.department == total.department]:
            rows.append([figures.department, figures.month or _("Whole period"), figures.sent, figures.acknowledged_on_time,
                         figures.answered_on_time, figures.returned,
                         round(figures.mean_days_to_answer, 1) if figures.mean_days_to_answer is not None else None])
    return Section(_("Referrals by department"), headers, rows)


