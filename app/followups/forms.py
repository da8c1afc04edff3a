from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from ..validators import plausible_date, year_2000_to_2100
from . import codes
from .rules import REACHED_MISSING


class ReachedUnlessUnreachable:
    """Who was reached is required, unless the parties could not be reached:
    marked required as the other required fields are (the `required` flag),
    and said next to the field rather than only by the step's guard."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if form.fulfilment.data != "unreachable" and not (field.data or "").strip():
            raise StopValidation(str(REACHED_MISSING))


class VisitForm(FlaskForm):
    """What a follow-up visit found. The version is the follow-up's, so a
    visit recorded meanwhile by someone else is caught."""

    version = HiddenField()
    visited_on = DateField(_l("Date of the visit"), validators=[InputRequired(_l("Give the date of the visit.")),
                                                                 plausible_date])
    method = SelectField(_l("How"), validators=[DataRequired()])
    # In the page's order: the first field marked after an error gets the focus.
    # No answer chosen in advance: a visit sent without a look must not record "fully performed".
    fulfilment = SelectField(_l("Is the agreement performed?"), default="",
                             validators=[DataRequired(_l("Say whether the agreement is performed."))])
    reached = StringField(_l("Who was reached"), validators=[ReachedUnlessUnreachable(), Length(max=200)],
                          description=_l("Names, e.g. both parties, or the respondent's wife."))
    satisfaction = SelectField(_l("Parties' satisfaction"), validators=[Optional()], default="")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    # Ticked unless unticked: a mediator who found the agreement fully performed
    # expects the case to follow (its other planned follow-ups are cancelled).
    mark_fulfilled = BooleanField(_l("Also confirm the agreement performed"), default=True,
                                  description=_l("Only with the result “Fully performed”: the case is marked "
                                                 "fulfilled and its other planned follow-ups are cancelled."))

    def fill_choices(self, locale):
        self.method.choices = codes.choices(codes.METHODS, locale)
        self.fulfilment.choices = [("", _l("Choose…"))] + codes.choices(codes.FULFILMENT, locale)
        self.satisfaction.choices = [("", _l("Not asked"))] + codes.choices(codes.SATISFACTION, locale)

    def engine_data(self) -> dict:
        return {
            "method": self.method.data, "fulfilment": self.fulfilment.data, "visited_on": self.visited_on.data,
            "reached": (self.reached.data or "").strip(), "satisfaction": self.satisfaction.data or "",
            "notes": (self.notes.data or "").strip(), "mark_fulfilled": self.confirms_performance(),
        }


    def confirms_performance(self) -> bool:
        # Ticked by default, so a visit finding less than full performance
        # leaves the case as it is rather than being refused for the tick.
        return bool(self.mark_fulfilled.data) and self.fulfilment.data == "fully"

    def confirmation_left_aside(self) -> bool:
        """The box came ticked with a result other than "fully performed"
        (without a script the form shows it whatever the result; with one it
        is hidden and not sent): the visit is recorded and the box left
        aside, and the mediator is told so."""
        return bool(self.mark_fulfilled.data) and self.fulfilment.data != "fully"


class UrgeForm(FlaskForm):
    """A supervisor's 督办 of an escalated follow-up; the version is the
    follow-up's, so a visit recorded meanwhile is caught."""

    version = HiddenField()
    urging = TextAreaField(_l("Urging note"), validators=[Optional(), Length(max=2000)],
                           description=_l("What the mediators are to do now, and by when; they read it on this "
                                          "page."))


class AddFollowUpForm(FlaskForm):
    version = HiddenField()  # the case's: a case changed meanwhile is caught
    planned_on = DateField(_l("Planned for"), validators=[InputRequired(_l("Give the day of the follow-up.")),
                                                           year_2000_to_2100])


class FollowUpFilterForm(FlaskForm):
    """GET filters (bookmarkable, nothing written: no CSRF token)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), default="open")
    colour = SelectField(_l("Deadline"), default="")
    mine = SelectField(_l("Whose"), default="")
    sort = SelectField(_l("Order"), default="urgency")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])
