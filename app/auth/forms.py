from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import Select, html_params

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


class TwoFactorMoveForm(FlaskForm):
    """Moving to a new phone: the password and a current code (from the old
    phone, or a recovery code). Its fields are named apart from the other
    forms on the page (unique ids)."""
    move_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                                  render_kw={"autocomplete": "current-password"})
    move_code = StringField(_l("Code from your current phone, or a recovery code"),
                            validators=[DataRequired(), Length(max=40)],
                            render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"})


class TwoFactorMoveConfirmForm(FlaskForm):
    """The first code from the new phone."""
    new_phone_code = StringField(_l("Six-digit code from the new phone"),
                                 validators=[DataRequired(), Length(max=20)],
                                 render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorMoveCancelForm(FlaskForm):
    """Dropping a move under way: the CSRF token only."""


# -- the administrators' users pages (app/auth/admin.py) ----------------------------


class GroupedSelect(Select):
    """A select whose choices (a dict: group label -> choices) are shown in
    <optgroup>s, except the group labelled "", whose choices (the empty one)
    stand before the groups. WTForms' own puts every choice in a group."""

    def __call__(self, field, **kwargs):
        if not field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = True
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, choices in field.iter_groups():
            options = [self.render_option(value, label, selected, **render_kw)
                       for value, label, selected, render_kw in choices]
            html += options if group == "" else [f"<optgroup {html_params(label=group)}>", *options, "</optgroup>"]
        html.append("</select>")
        return Markup("".join(html))


class UserFilterForm(FlaskForm):
    """GET filters (bookmarkable, nothing written: no CSRF token)."""

    class Meta:
        csrf = False

    role = SelectField(_lp("account", "Role"), default="")
    active = SelectField(_l("Status"), default="")
    place = SelectField(_l("Street or community"), default="", widget=GroupedSelect())
    q = StringField(_l("Name or username"), validators=[Optional(), Length(max=60)])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])


class AccountForm(FlaskForm):
    """An account's name, role and places; the choices are filled by the view
    (the places grouped by street and community, each option naming its
    street and community for the form's script, app/static/js/places.js).
    `state` is what the form was loaded with (accounts.state_of)."""
    display_name = StringField(_l("Name shown to others"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_lp("account", "Role"), validators=[DataRequired()])
    street_id = SelectField(_l("Street"), coerce=int, default=0)
    community_id = SelectField(_l("Community"), coerce=int, default=0, widget=GroupedSelect())
    grid_id = SelectField(_l("Grid"), coerce=int, default=0, widget=GroupedSelect())
    department_id = SelectField(_l("Department"), coerce=int, default=0, widget=GroupedSelect(),
                                description=_l("Only for a department liaison: the referrals they answer."))
    state = HiddenField()


class NewPasswordFields:
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200), _acceptable],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ. Type the same one twice."))],
        render_kw={"autocomplete": "new-password"})


class UserCreateForm(AccountForm, NewPasswordFields):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)],
                           render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"})


class PasswordSetForm(FlaskForm, NewPasswordFields):
    pass


class AccountStateForm(FlaskForm):
    """Deactivate or reactivate: the loaded state guards against another
    administrator's change meanwhile. A deactivation says why (the view
    requires it), as the command line's --reason and a second factor's
    reset do: months later the log must tell a leaver from a mistake."""
    state = HiddenField()
    # Its own id: the account page also has the second factor's reset, whose reason is "reason".
    reason = StringField(_l("Reason"), id="deactivate-reason", validators=[Optional(), Length(max=200)],
                         description=_l("For the audit log, e.g. left the centre at the end of November."),
                         render_kw={"required": True})  # shown on the deactivation only, where it is required


class TwoFactorResetForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)],
                         description=_l("For the audit log, e.g. the user lost their phone."))
