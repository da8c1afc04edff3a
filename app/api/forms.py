from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from ..auth import place_choices
from ..auth.forms import GroupedSelect
from ..disputes import codes
from ..i18n import N_, current_locale, translate
from .clients import by_name
from .models import SCOPES


class ConfirmForm(FlaskForm):
    version = HiddenField()
    facts = TextAreaField(_l("What was found on the spot"), validators=[DataRequired(), Length(max=2000)])


class DismissForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(_l("Why it is not a dispute"), validators=[DataRequired(), Length(max=1000)])


# What each scope lets a client do, for the administrator; the code stays in the label for the integrator,
# whose documentation names it.
# Labels kept as data (the audit log names a client's scopes by them too: app/__init__.py).
SCOPE_LABELS = {
    "disputes:write": N_("Send cases"),
    "disputes:read": N_("Read the cases it sent"),
    "iot:write": N_("Send sensor alerts"),
    "rota:read": N_("Read the lawyers' rota"),
    "stats:read": N_("Read its community's statistics"),
}


def scope_label(scope: str) -> str:
    return f"{translate(SCOPE_LABELS[scope])} ({scope})" if scope in SCOPE_LABELS else scope


class ClientForm(FlaskForm):
    name = StringField(_l("Name of the system"), validators=[DataRequired(), Length(max=60)])
    scopes = SelectMultipleField(_l("What it may do"),
                                 validators=[DataRequired(_l("Choose at least one scope."))])
    # Chosen, as an account's role is: not left at the list's first (a read-only client made a
    # "resident photo report" by default).
    channel = SelectField(_l("Channel of the cases it sends"),
                          validators=[DataRequired(_l("Choose the channel of the cases it sends."))],
                          description=_l("A client that only reads sends no case: choose the channel its "
                                         "system belongs to."))
    community_id = SelectField(_l("Community whose statistics it may read"), coerce=int, default=0,
                               widget=GroupedSelect(),
                               description=_l("Needed for reading statistics; a client sees no other place's."))
    webhook_url = StringField(_l("Webhook URL (optional)"),
                              validators=[Optional(), URL(require_tld=False), Length(max=500)])
    per_minute = IntegerField(_l("Calls a minute"), default=120, validators=[NumberRange(min=1, max=100000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the request's language.
        self.scopes.choices = [(s, scope_label(s)) for s in SCOPES]
        self.channel.choices = [("", _l("Choose a channel"))] + codes.choices(codes.CHANNELS, current_locale())
        self.community_id.choices = place_choices.community_groups()

    def validate_name(self, field):
        if field.data and by_name(field.data.strip()) is not None:
            raise ValidationError(_l("A client of this name exists already: give this one another name."))

    def validate_community_id(self, field):
        if "stats:read" in (self.scopes.data or []) and not field.data:
            raise ValidationError(_l("Choose the community whose statistics it reads."))


class ClientActionForm(FlaskForm):
    """Revoke or rotate: the CSRF token alone."""
