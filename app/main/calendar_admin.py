"""The admin's page for a year's holiday notice entered by hand, for the
years the `chinesecalendar` package does not know yet (app/workdays.py).

An entry is one festival of the State Council's notice: its holiday days and
the 调休 working days that pay for it. An entry that names a day the package
already knows, or a day another entry holds, is refused with a message and
nothing is written. Adding and removing an entry are audited in the same
transaction. An entry that moves legal deadlines already set (which removing
it does not move back) is first shown with those deadlines, nothing saved,
and saved once the admin confirms those same days.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, select
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .. import clock, labels, workdays
from ..i18n import translate
from ..audit.chain import lock_chain, record
from ..auth.access import roles_required
from ..dates import days_text
from ..engine.holidays import move_off_holidays
from ..engine.registry import workflow_for_entity_type
from ..extensions import db
from ..form_errors import correct_the_marked
from ..notifications.service import link_to
from ..validators import WRITTEN_DAY, year_2000_to_2100
from .holiday_notice import gaps_to_enter, still_to_enter

# The longest festival of a notice (the Spring Festival) is 9 days.
MAX_ENTRY_DAYS = 15
# A day as people write it (shared with the rota's unavailable dates).
DATE_RE = WRITTEN_DAY


class NoticeForm(FlaskForm):
    name = StringField(_l("Festival"), validators=[DataRequired(), Length(max=60)],
                       render_kw={"list": "notice-festivals", "autocomplete": "off"})
    first_day = DateField(_l("First day off"), validators=[InputRequired(), year_2000_to_2100])
    last_day = DateField(_l("Last day off"), validators=[InputRequired(), year_2000_to_2100])
    workdays = StringField(_l("Make-up working days (YYYY-MM-DD, separated by spaces or commas)"),
                           validators=[Optional(), Length(max=200)])

    def validate_last_day(self, field):
        if self.first_day.data and field.data:
            if field.data < self.first_day.data:
                raise ValidationError(_l("The last day cannot be before the first."))
            if (field.data - self.first_day.data).days >= MAX_ENTRY_DAYS:
                raise ValidationError(_l("A festival lasts at most %(n)s days.", n=MAX_ENTRY_DAYS))

    def validate_workdays(self, field):
        try:
            days = self.swapped_days()
        except ValueError:
            raise ValidationError(_l("Write each day as YYYY-MM-DD, e.g. 2027-09-26.")) from None
        if any(d.weekday() not in workdays.WEEKEND for d in days):
            raise ValidationError(_l("A make-up working day is a Saturday or a Sunday made a working day."))

    def swapped_days(self) -> list[date]:
        text = (self.workdays.data or "").strip()
        parts = [p for p in re.split(r"[\s,，、;；]+", text) if p]
        found = [DATE_RE.fullmatch(p) for p in parts]
        if not all(found):
            raise ValueError(text)
        return sorted({date(*(int(n) for n in match.groups())) for match in found})  # ValueError: no such day


class EntryRefused(Exception):
    pass


@dataclass(frozen=True)
class Entered:
    entry: int  # the entry's key
    moved: list[tuple[str, int, datetime, datetime]]  # the deadlines moved: (entity type, id, before, after)
    said: list[str]  # what the other packages did about the new holidays (workdays.holidays_entered)
    saved: bool = True  # False: held back for the admin to confirm the deadlines it moves

    @property
    def deadlines_moved(self) -> int:
        return len(self.moved)


def add_entry(name: str, first: date, last: date, swapped: list[date], actor, *, confirmed: bool = True) -> Entered:
    """Write one festival's days; refused (EntryRefused, nothing written) when
    a day is the package's or another entry's. In the same transaction, the
    legal deadlines already set whose last day is one of its holidays move
    to the next working day (app/engine/holidays.py), and the packages that
    listen are told of the new holidays (the rota's coordinators of the
    duties on them). Not `confirmed`, an entry that moves deadlines is held
    back: rolled back before anyone is told, the deadlines it would move
    returned (`saved` False) for the admin to confirm."""
    holidays = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if set(holidays) & set(swapped):
        raise EntryRefused(_("A day cannot be both a holiday and a working day."))
    days = {d: workdays.HOLIDAY for d in holidays} | {d: workdays.WORKDAY for d in swapped}
    known = [d for d in sorted(days) if workdays.library_kind(d) is not None]
    if known:
        raise EntryRefused(_("The chinesecalendar package already has %(days)s from the State Council's notice: "
                             "enter only the days of a year it does not know.",
                             days=days_text(known)))
    lock_chain(db.session)  # one admin at a time: the chain lock serialises the check and the insert
    taken = db.session.execute(select(workdays.CalendarDay).where(workdays.CalendarDay.day.in_(list(days)))) \
        .scalars().all()
    if taken:
        raise EntryRefused(_("%(days)s already belong to “%(name)s”: remove that entry first to change it.",
                             days=days_text(t.day for t in taken), name=taken[0].name))
    entry, now = first.toordinal(), clock.now()
    for day, kind in days.items():
        db.session.add(workdays.CalendarDay(day=day, kind=kind, name=name, created_by_id=actor.id,
                                            created_at=now, entry=entry))
    db.session.flush()  # the legal periods below count the new days
    moved = move_off_holidays(holidays, actor, name, now=now)
    if moved and not confirmed:
        db.session.rollback()
        return Entered(entry, moved, [], saved=False)
    said = workdays.holidays_entered(holidays, actor, name, now)
    record("calendar_notice", entry, "calendar_notice_added", actor, at=now,
           data={"name": name, "holidays": [d.isoformat() for d in holidays],
                 "workdays": [d.isoformat() for d in swapped], "deadlines_moved": len(moved)})
    db.session.commit()
    return Entered(entry, moved, said)


def entries() -> list[dict]:
    rows = db.session.execute(select(workdays.CalendarDay).order_by(workdays.CalendarDay.day)).scalars().all()
    found: dict[int, dict] = {}
    for row in rows:
        item = found.setdefault(row.entry, {"entry": row.entry, "name": row.name, "holidays": [], "workdays": []})
        item["holidays" if row.kind == workdays.HOLIDAY else "workdays"].append(row.day)
    return sorted(found.values(), key=lambda e: e["entry"], reverse=True)


def fingerprint(name: str, first: date, last: date, swapped: list[date]) -> str:
    """The entry as the admin confirmed it: a confirmation applies to these days only."""
    return "|".join([name, first.isoformat(), last.isoformat(), *(d.isoformat() for d in swapped)])


def moved_rows(moved) -> list[dict]:
    """The deadlines an entry would move, as the confirmation lists them:
    each row by the name people know it by (a case by its file number, as
    its history names it; "#id" for a row that has none)."""
    ids: dict[str, set] = {}
    for entity_type, row_id, _before, _after in moved:
        ids.setdefault(entity_type, set()).add(row_id)
    titles = {entity_type: _titles(entity_type, wanted) for entity_type, wanted in ids.items()}
    rows = []
    for entity_type, row_id, before, after in moved:
        wf = workflow_for_entity_type(entity_type)
        rows.append({"kind": wf.label if wf else entity_type, "id": row_id,
                     "title": titles[entity_type].get(row_id) or f"#{row_id}", "before": before, "after": after,
                     "url": link_to(entity_type, row_id)})
    return rows


# The recorded field whose names (labels.REFERENCES) are the titles of a kind
# of row whose deadlines an entry may move: only cases have legal periods.
TITLE_FIELDS = {"dispute": "dispute_id"}


def _titles(entity_type: str, ids: set) -> dict:
    resolve = labels.REFERENCES.get(TITLE_FIELDS.get(entity_type, ""))
    return resolve(ids) if resolve else {}


@roles_required("admin")
def calendar_page():
    form = NoticeForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            entry = (form.name.data.strip(), form.first_day.data, form.last_day.data, form.swapped_days())
            try:
                # A deadline moved is not moved back when the entry is removed (app/engine/holidays.py):
                # an entry that moves any is first shown with the deadlines it moves, to be confirmed.
                entered = add_entry(*entry, current_user, confirmed=request.form.get("confirm") == fingerprint(*entry))
            except EntryRefused as refused:
                db.session.rollback()
                flash(str(refused), "danger")
                status = 409
            else:
                if not entered.saved:
                    return _calendar(form, {"fingerprint": fingerprint(*entry), "rows": moved_rows(entered.moved)}), 200
                flash(_("Saved: legal periods and the rota now count these days."), "success")
                if entered.deadlines_moved:
                    flash(ngettext("%(num)s deadline set before ended on one of these holidays: it now ends on the "
                                   "next working day (recorded in its case's history).",
                                   "%(num)s deadlines set before ended on one of these holidays: they now end on "
                                   "the next working day (recorded in their cases' history).",
                                   entered.deadlines_moved), "info")
                for said in entered.said:
                    flash(said, "info")
                return redirect(url_for(".calendar_page"))
        else:
            correct_the_marked(form, "notice-form")
    return _calendar(form), status


def _calendar(form, confirming=None) -> str:
    years = workdays.library_years()
    today = clock.today()
    return render_template("main/calendar.html", form=form, entries=entries(), years=years, this_year=today.year,
                           to_enter=gaps_to_enter(today), still_to_enter=still_to_enter, confirming=confirming,
                           festivals=[translate(workdays.FESTIVAL_LABELS[shown]) for shown, _keys in workdays.NOTICE_FESTIVALS],
                           holidays=workdays.holiday_runs(date(today.year, 1, 1), date(today.year, 12, 31)))


@roles_required("admin")
def remove_entry(entry: int):
    rows = db.session.execute(select(workdays.CalendarDay).where(workdays.CalendarDay.entry == entry)) \
        .scalars().all()
    if not rows:
        abort(404)
    lock_chain(db.session)
    record("calendar_notice", entry, "calendar_notice_removed", current_user,
           data={"name": rows[0].name, "days": [r.day.isoformat() for r in rows]})
    db.session.execute(delete(workdays.CalendarDay).where(workdays.CalendarDay.entry == entry))
    db.session.commit()
    flash(_("Entry removed."), "success")
    return redirect(url_for(".calendar_page"))

