"""The rota's forms. Every POST carries a CSRF token (Flask-WTF); forms that
change a versioned row carry the version the user saw."""
from __future__ import annotations

import re
from datetime import date, time

from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..disputes import codes as dispute_codes
from ..validators import phone_field, written_day
from . import codes

MAX_UNAVAILABLE = 200


def sane_date(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


def read_dates(text: str) -> list[tuple[str, date | None]]:
    """Each entry of a list of dates (separated by spaces, commas or lines)
    with its day, or None when it is not one: written 2027-01-09, 2027/1/9,
    2027.1.9 or 2027年1月9日, as on the admin's holiday notice."""
    return [(part, written_day(part)) for part in re.split(r"[\s,，、;；]+", text or "") if part]


def date_problems(entries, rule=None) -> list[str]:
    """What is wrong with each entry, in the order written: unreadable, out
    of 2000–2100, or (rule(day) -> sentence naming it, or None) against the
    caller's rule."""
    problems = []
    for part, day in entries:
        if day is None:
            problems.append(str(_l("“%(text)s” is not a date: write it like 2027-01-09, 2027/1/9 or 2027年1月9日.",
                                   text=part[:20])))
        elif not 2000 <= day.year <= 2100:
            problems.append(str(_l("“%(text)s”: give a date between 2000 and 2100.", text=part[:20])))
        elif rule is not None:
            problem = rule(day)
            if problem:
                problems.append(str(problem))
    return list(dict.fromkeys(problems))


def parse_dates(text: str, rule=None) -> set[date]:
    """The dates of the list; every bad entry is said at once."""
    entries = read_dates(text)
    problems = date_problems(entries, rule)
    if problems:
        raise ValidationError(" ".join(problems))
    days = {day for _part, day in entries}
    if len(days) > MAX_UNAVAILABLE:
        raise ValidationError(_l("At most %(n)s dates.", n=MAX_UNAVAILABLE))
    return days


class WrittenDateField(DateField):
    """A date from an address (the plan page's range is a link, bookmarked or
    edited by hand): read as the holiday notice's dates are (2027-01-09,
    2027/1/9, 2027年1月9日), and one that is not a date is named in the
    message, since the browser's date input cannot show it back."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = written_day(valuelist[0])
        if self.data is None:
            raise ValueError(_l("“%(text)s” is not a date: write it like 2027-01-09, 2027/1/9 or 2027年1月9日.",
                                text=valuelist[0].strip()[:20]))

    def _value(self):
        # 2027/1/9 read is shown as the date input's own 2027-01-09.
        return self.data.isoformat() if self.data else super()._value()


class RangeForm(FlaskForm):
    first_day = WrittenDateField(_lp("date range", "From"), validators=[InputRequired(), sane_date])
    last_day = WrittenDateField(_lp("date range", "To"), validators=[InputRequired(), sane_date])

    def validate_last_day(self, field):
        """A range backwards, or longer than a plan covers, is refused here,
        before the page draws it (ROTA_PLAN_MAX_DAYS)."""
        from .planning import too_long

        first, last = self.first_day.data, field.data
        if first is None or last is None or field.errors:
            return
        if last < first:
            raise ValidationError(_l("The last day is before the first day."))
        problem = too_long(first, last)
        if problem:
            raise ValidationError(problem)


class SeatForm(FlaskForm):
    day = DateField(validators=[InputRequired(), sane_date])
    room_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    seat = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=50)])
    lawyer_id = SelectField(_l("Lawyer"), coerce=int, validators=[InputRequired()])
    version = HiddenField()


REASON_MAX = 2000  # as the buttons' reason input (rota/_macros.html) allows


# The id of the button's form sent back with its reason marked (rota/_macros.html).
SENT_BACK = "step-sent-back"


class ActionForm(FlaskForm):
    """A workflow step on a duty or a swap: the version seen, and a reason."""

    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})

    # Sent back with its reason marked: the URL it was posted to, which
    # tells the page's buttons which one's reason box shows the error.
    sent_to: str | None = None


class SwapForm(FlaskForm):
    target_id = SelectField(_l("Ask"), coerce=int, validators=[InputRequired()])
    note = StringField(_l("Note to the colleague (optional)"), validators=[Optional(), Length(max=500)])


class HolidayForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    first_day = DateField(_l("First day"), validators=[InputRequired(), sane_date])
    last_day = DateField(_l("Last day"), validators=[InputRequired(), sane_date])


class RoomForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    community_id = SelectField(_l("Community"), coerce=int, validators=[InputRequired()])
    seats = IntegerField(_l("Seats per Saturday"), default=1, validators=[InputRequired(), NumberRange(min=1, max=10)])
    opens = TimeField(_l("Opens at"), default=time(9, 0), validators=[InputRequired()])
    closes = TimeField(_l("Closes at"), default=time(16, 0), validators=[InputRequired()])
    active = BooleanField(_l("Open (duties are planned in it)"), default=True)

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "community_id": self.community_id.data, "seats": self.seats.data,
                "opens": self.opens.data, "closes": self.closes.data, "active": bool(self.active.data)}


class LawyerForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    firm = StringField(_l("Law firm"), validators=[DataRequired(), Length(max=120)])
    practice_areas = StringField(_l("Practice areas"), validators=[Optional(), Length(max=300)])
    phone = phone_field(_l("Phone"))
    user_id = SelectField(_l("Login (role: volunteer lawyer)"), coerce=int, validators=[InputRequired()])
    active = BooleanField(_l("Active (planned on the rota)"), default=True)
    unavailable = TextAreaField(_l("Unavailable dates"), validators=[Optional(), Length(max=5000)],
                                render_kw={"rows": 3, "placeholder": "2026-12-05, 2026-12-19"})

    # The parsed dates; an empty box (which Optional() stops before the
    # validator below) is no date at all.
    unavailable_days = frozenset()

    # The dates already recorded for the lawyer (set by the view): a past one
    # may stay, so only the others are held to the rule.
    known_unavailable = frozenset()

    def validate_unavailable(self, field):
        from .planning import unavailable_problem_of

        known = self.known_unavailable
        self.unavailable_days = parse_dates(
            field.data, rule=lambda day: None if day in known else unavailable_problem_of(day))

    def values(self, keep_phone: str | None) -> dict:
        new_phone = (self.phone.data or "").strip()
        return {"name": self.name.data.strip(), "firm": self.firm.data.strip(),
                "practice_areas": (self.practice_areas.data or "").strip(),
                "phone": new_phone or keep_phone, "active": bool(self.active.data),
                "user_id": self.user_id.data or None}


class UnavailableForm(FlaskForm):
    """A lawyer marks or clears one date of their own."""

    day = DateField(_l("Date"), validators=[InputRequired(), sane_date])


class ConsultationForm(FlaskForm):
    service_type = SelectField(_l("Service"), validators=[DataRequired()])
    # No suggestions from the browser: earlier visitors' matters are not for the next one's eyes.
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"})
    advice = TextAreaField(_l("Advice given"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 4})
    outcome = TextAreaField(_lp("consultation", "Outcome"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 2})
    # One-time token (as the intake and referral forms have): sent twice, one consultation is logged.
    submission_token = HiddenField()

    def fill_choices(self, locale):
        self.service_type.choices = dispute_codes.choices(codes.SERVICE_TYPES, locale)

    def token(self) -> str | None:
        return (self.submission_token.data or "")[:64] or None


class ConvertForm(FlaskForm):
    consent = BooleanField(_l("The visitor agrees that the matter becomes a mediation case"),
                           validators=[DataRequired(message=_l("The visitor's consent is needed."))])
    applicant_name = StringField(_l("Visitor's name"), validators=[DataRequired(), Length(max=80)],
                                 render_kw={"autocomplete": "off"})
    applicant_phone = phone_field(_l("Visitor's phone"))
    respondent_name = StringField(_l("Other side's name (optional)"), validators=[Optional(), Length(max=80)],
                                  render_kw={"autocomplete": "off"})
    dispute_type = SelectField(_l("Type of dispute"), validators=[DataRequired(_l("Choose the type of dispute."))])
    facts = TextAreaField(_l("Brief facts"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3})

    def fill_choices(self, locale):
        # No type chosen for the lawyer (as on the mediators' intake form): the first of the list
        # (婚姻家庭), kept by whoever did not change it, would count the case as that type.
        self.dispute_type.choices = [("", _l("Choose…"))] + dispute_codes.choices(dispute_codes.DISPUTE_TYPES, locale)


class ReferForm(FlaskForm):
    consent = BooleanField(_l("The visitor agrees to be referred for legal aid"),
                           validators=[DataRequired(message=_l("The visitor's consent is needed."))])


class PlainForm(FlaskForm):
    """Just the CSRF token (issue or revoke a calendar link)."""
