from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from ..disputes import codes
from .models import SCOPES


class ConfirmForm(FlaskForm):
    version = HiddenField()
    facts = TextAreaField(_l("What was found on the spot"), validators=[DataRequired(), Length(max=2000)])


class DismissForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(_l("Why it is not a dispute"), validators=[DataRequired(), Length(max=1000)])


class ClientForm(FlaskForm):
    name = StringField(_l("Name of the system"), validators=[DataRequired(), Length(max=60)])
    scopes = SelectMultipleField(_l("May"), choices=[(s, s) for s in SCOPES],
                                 validators=[DataRequired(_l("Choose at least one scope."))])
    channel = SelectField(_l("Channel of the cases it sends"), choices=list(codes.CHANNELS.items()))
    community_id = IntegerField(_l("Community whose statistics it may read (id)"), validators=[Optional()])
    webhook_url = StringField(_l("Webhook URL (optional)"),
                              validators=[Optional(), URL(require_tld=False), Length(max=500)])
    per_minute = IntegerField(_l("Calls a minute"), default=120, validators=[NumberRange(min=1, max=100000)])


class ClientActionForm(FlaskForm):
    """Revoke or rotate: the CSRF token alone."""
