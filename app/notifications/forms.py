import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, ValidationError

# One @, something on both sides, a dot in the domain, no spaces or angle
# brackets: enough to catch typing mistakes; the mail server judges the rest.
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def email_address(form, field):
    if field.data and not EMAIL.match(field.data.strip()):
        raise ValidationError(_l("Enter an e-mail address like name@example.com."))


class NotificationSettingsForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=200), email_address])
    email_on = BooleanField(_l("Also send my notifications by e-mail"))

    def validate_email_on(self, field):
        if field.data and not (self.email.data or "").strip():
            raise ValidationError(_l("Give an e-mail address to receive notifications by e-mail."))
