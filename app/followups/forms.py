import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..validators import plausible_date
from . import codes


# One @, something on both sides, a dot in the domain, no spaces or angle
# brackets: enough to catch typing mistakes; the mail server judges the rest.
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def email_address(form, field):
    if field.data and not EMAIL.match(field.data.strip()):
        raise ValidationError(_l("Enter an e-mail address like name@example.com."))


def _sane_year(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


class VisitForm(FlaskForm):
    """What a follow-up visit found. The version is the follow-up's, so a
    visit recorded meanwhile by someone else is caught."""

    version = HiddenField()
    visited_on = DateField(_l("Date of the visit"), validators=[InputRequired(_l("Give the date of the visit.")),
                                                                 plausible_date])
    method = SelectField(_l("How"), validators=[DataRequired()])
    reached = StringField(_l("Who was reached"), validators=[Optional(), Length(max=200)],
                          description=_l("Names, e.g. both parties, or the respondent's wife."))
    fulfilment = SelectField(_l("Is the agreement performed?"), validators=[DataRequired()])
    satisfaction = SelectField(_l("Parties' satisfaction"), validators=[Optional()], default="")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    mark_fulfilled = BooleanField(_l("The agreement is fully performed: mark the case fulfilled"))

    def fill_choices(self, locale):
        self.method.choices = codes.choices(codes.METHODS, locale)
        self.fulfilment.choices = codes.choices(codes.FULFILMENT, locale)
        self.satisfaction.choices = [("", _l("Not asked"))] + codes.choices(codes.SATISFACTION, locale)

    def engine_data(self) -> dict:
        return {
            "method": self.method.data, "fulfilment": self.fulfilment.data, "visited_on": self.visited_on.data,
            "reached": (self.reached.data or "").strip(), "satisfaction": self.satisfaction.data or "",
            "notes": (self.notes.data or "").strip(), "mark_fulfilled": bool(self.mark_fulfilled.data),
        }


class AddFollowUpForm(FlaskForm):
    version = HiddenField()  # the case's: a case changed meanwhile is caught
    planned_on = DateField(_l("Planned for"), validators=[InputRequired(_l("Give the day of the follow-up.")),
                                                           _sane_year])


class SweepForm(FlaskForm):
    # Checked by hand against the user's places (a place outside them is a
    # 403 with a message, not "not a valid choice").
    place = SelectField(_l("Where"), validate_choice=False, validators=[DataRequired()])
    held_on = DateField(_l("Date of the sweep"), validators=[InputRequired(_l("Give the date of the sweep.")),
                                                              _sane_year])
    checked = SelectMultipleField(_l("What was checked"),
                                  validators=[DataRequired(_l("Tick at least one thing that was checked."))])
    participants = StringField(_l("Who took part"), validators=[Optional(), Length(max=500)],
                               description=_l("Besides you: grid workers, police, legal adviser, volunteers…"))
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=10000)],
                             description=_l("What was found, and what was done about it. Write “nothing found” if so."))

    def fill_choices(self, locale, places):
        self.place.choices = places
        self.checked.choices = codes.choices(codes.SWEEP_CHECKS, locale)


class FollowUpFilterForm(FlaskForm):
    """GET filters (bookmarkable, nothing written: no CSRF token)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), default="open")
    colour = SelectField(_l("Deadline"), default="")
    mine = SelectField(_l("Whose"), default="")
    sort = SelectField(_l("Order"), default="urgency")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])


class SweepFilterForm(FlaskForm):
    class Meta:
        csrf = False

    community = SelectField(_l("Where"), default="")
    state = SelectField(_l("State"), default="")
    colour = SelectField(_l("Deadline"), default="")
    sort = SelectField(_l("Order"), default="newest")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])


class NotificationSettingsForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=200), email_address])
    email_on = BooleanField(_l("Also send my notifications by e-mail"))

    def validate_email_on(self, field):
        if field.data and not (self.email.data or "").strip():
            raise ValidationError(_l("Give an e-mail address to receive notifications by e-mail."))


def colour_choices():
    return [("", _l("All")), ("red", _l("Overdue (red)")), ("yellow", _l("Due soon (yellow)")),
            ("blue", _l("On track (blue)")), ("none", _l("No deadline"))]
