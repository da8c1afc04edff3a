from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import uploads


class ReferForm(FlaskForm):
    """A new referral of a case, sent at once."""

    department_id = SelectField(_l("Department"), coerce=int, validators=[InputRequired(_l("Choose a department."))])
    kind = SelectField(_l("What is asked"), validators=[DataRequired()])
    request = TextAreaField(_l("Request to the department"),
                            validators=[DataRequired(_l("Say what the department is asked to do.")),
                                        Length(max=5000)])
    # One-time token (as the intake forms have): the same form sent twice makes one referral.
    submission_token = HiddenField()

    def token(self) -> str | None:
        return (self.submission_token.data or "")[:64] or None


class StepForm(FlaskForm):
    """One step of a referral; the version is the referral's, so a step
    taken meanwhile by someone else is caught."""

    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    answer = TextAreaField(_l("The department's answer"), validators=[Optional(), Length(max=10000)])
    # A supervisor's 督办: what the department is to do, and by when.
    urging = TextAreaField(_l("Urging note"), validators=[Optional(), Length(max=2000)],
                           description=_l("What the department is to do now, and by when; the liaisons and the "
                                          "case's mediators read it here."))
    file = uploads.upload_field(_l("Photo or document (JPEG, PNG, WebP or PDF)"))


class DepartmentForm(FlaskForm):
    name = StringField(_l("Department name"), validators=[DataRequired(), Length(max=80)])
    street_id = SelectField(_l("Covers"), coerce=int, default=0)
    ack_hours = IntegerField(_l("Hours to acknowledge"), default=24,
                             validators=[InputRequired(), NumberRange(min=1, max=720)])
    answer_days = IntegerField(_l("Days to answer"), default=7,
                               validators=[InputRequired(), NumberRange(min=1, max=365)])


class ReferralFilterForm(FlaskForm):
    """GET filters (bookmarkable, nothing written: no CSRF token)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), default="open")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])


class DepartmentDeadlineForm(FlaskForm):
    """A department's own periods for one kind of referral (replacing its
    defaults for that kind)."""

    kind = SelectField(_l("What is asked"), validators=[DataRequired(_l("Choose a kind of referral."))])
    ack_hours = IntegerField(_l("Hours to acknowledge"),
                             validators=[InputRequired(_l("Give the hours to acknowledge, a whole number.")),
                                         NumberRange(min=1, max=720)])
    answer_days = IntegerField(_l("Days to answer"),
                               validators=[InputRequired(_l("Give the days to answer, a whole number.")),
                                           NumberRange(min=1, max=365)])


class RemoveDeadlineForm(FlaskForm):
    """Back to the department's defaults for one kind (CSRF only)."""


class DepartmentEditForm(FlaskForm):
    """A department's name and default periods (its area stays: the
    referrals sent to it were checked against it)."""

    name = StringField(_l("Department name"), validators=[DataRequired(_l("Give the department's name.")),
                                                          Length(max=80)])
    ack_hours = IntegerField(_l("Hours to acknowledge"),
                             validators=[InputRequired(_l("Give the hours to acknowledge, a whole number.")),
                                         NumberRange(min=1, max=720)])
    answer_days = IntegerField(_l("Days to answer"),
                               validators=[InputRequired(_l("Give the days to answer, a whole number.")),
                                           NumberRange(min=1, max=365)])


class DepartmentStateForm(FlaskForm):
    """Deactivate or reactivate a department (CSRF only)."""
