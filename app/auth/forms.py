from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from .passwords import password_problem


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def _acceptable(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200), _acceptable],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ. Type the same one twice."))],
        render_kw={"autocomplete": "new-password"})

    def validate_new_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password other than the current one."))


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""
    code = StringField(_lp("two-step verification", "Code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"})


class TwoFactorBeginForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})


class TwoFactorConfirmForm(FlaskForm):
    code = StringField(_l("Six-digit code from the app"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
