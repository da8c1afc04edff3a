"""The rota of a month for a coordinator to take away (issue 16, item 9): a
CSV or XLSX file, and a print view for the room's notice board. The same
Saturdays, rooms and seats as the month page (grid.py), within the
coordinator's street (city-level: every street); no phone numbers. Each file
sent is an audit event, like every other export."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _, pgettext
from flask_login import current_user

from workflows.lawyer_duty import LAWYER_DUTY

from .. import clock
from ..audit.chain import record
from ..auth.access import roles_required
from ..database import writes
from ..extensions import db
from ..i18n import current_locale, translate
from ..workdays import festival_label
from ..spreadsheets import Section, to_csv, to_xlsx
from .days import month_bounds, month_of, parse_month
from .grid import grid
from .models import LIVE_STATES
from .scope import street_of

# Sent as content_type, whole: given as mimetype, Werkzeug appends a second "; charset=utf-8".
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXPORTERS = ("coordinator", "admin")


def _month():
    asked = request.args.get("m")
    if asked and month_of(asked) is None:
        # Not another month's file under a mistyped name: the month page says what went wrong.
        raise _NoSuchMonth(asked)
    year, number = parse_month(asked, clock.today())
    first, last = month_bounds(year, number)
    return first, last, grid(first, last, LIVE_STATES, street_of(current_user))


def month_section(first, rows) -> Section:
    headers = [_("Date"), _("Room"), _("Seat"), _("Hours"), _("Lawyer"), _("Law firm"), _("State")]
    lines = []
    for row in rows:
        if row.holiday and not row.seats:  # a holiday whose duties were kept lists them
            # No room's name in the room column: the day's state says it, the reason with it.
            lines.append([row.day.isoformat(), None, None, None, None, None,
                          _("No duty") + pgettext("between a label and its value", ": ") + festival_label(row.holiday, current_locale())])
            continue
        for seat in row.seats:
            duty = seat.duty
            lines.append([
                row.day.isoformat(), seat.room.name, seat.seat,
                f"{seat.room.opens:%H:%M}–{seat.room.closes:%H:%M}",
                duty.lawyer.name if duty else _("unfilled"), duty.lawyer.firm if duty else None,
                translate(LAWYER_DUTY.state(duty.state).label) if duty else None,
            ])
    return Section(_("Rota %(month)s", month=f"{first:%Y-%m}"), headers, lines)


class _NoSuchMonth(Exception):
    def __init__(self, asked):
        super().__init__(asked)
        self.page = redirect(url_for("rota.month", m=asked))


@roles_required(*EXPORTERS)
@writes  # the export is audited: this GET writes
def export_month(fmt):
    if fmt not in FORMATS:
        abort(404)
    try:
        first, _last, rows = _month()
    except _NoSuchMonth as wrong:
        return wrong.page
    section = month_section(first, rows)
    body = to_csv([section]) if fmt == "csv" else to_xlsx([section])
    record("export", None, "export", current_user,
           data={"export": "rota", "format": fmt, "filters": {"m": f"{first:%Y-%m}"}, "rows": len(section.rows)})
    db.session.commit()
    return Response(body, content_type=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="rota-{first:%Y-%m}.{fmt}"', "Cache-Control": "no-store"})


@roles_required(*EXPORTERS)
def print_month():
    try:
        first, _last, rows = _month()
    except _NoSuchMonth as wrong:
        return wrong.page
    return render_template("rota/month_print.html", rows=rows, first=first, duty_wf=LAWYER_DUTY)
