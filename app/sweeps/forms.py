from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..validators import year_2000_to_2100
from . import codes


class SweepForm(FlaskForm):
    # Checked by hand against the user's places (a place outside them is a
    # 403 with a message, not "not a valid choice").
    place = SelectField(_l("Where"), validate_choice=False, validators=[DataRequired()])
    held_on = DateField(_l("Date of the sweep"), validators=[InputRequired(_l("Give the date of the sweep.")),
                                                              year_2000_to_2100])
    checked = SelectMultipleField(_l("What was checked"),
                                  validators=[DataRequired(_l("Tick at least one thing that was checked."))])
    participant_ids = SelectMultipleField(_l("Who took part"), coerce=int, validators=[Optional()])
    participants = StringField(_l("Others who took part"), validators=[Optional(), Length(max=500)],
                               description=_l("Besides you: grid workers, police, legal adviser, volunteers…"))
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=10000)],
                             description=_l("What was found, and what was done about it. Write “nothing found” if so."))

    def fill_choices(self, locale, places):
        self.place.choices = places
        self.checked.choices = codes.choices(codes.SWEEP_CHECKS, locale)

    def fill_people(self, people):
        """people: (user, kind) pairs, from alliance.candidates."""
        self.people = people
        self.participant_ids.choices = [(user.id, user.display_name) for user, _kind in people]


class SweepFilterForm(FlaskForm):
    class Meta:
        csrf = False

    community = SelectField(_l("Where"), default="")
    state = SelectField(_l("State"), default="")
    colour = SelectField(_l("Deadline"), default="")
    sort = SelectField(_l("Order"), default="newest")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])
