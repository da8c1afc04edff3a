from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from workflows.elder_assignment import ON_BEHALF

from .. import clock
from ..disputes import codes as dispute_codes
from ..disputes import row_steps
from ..validators import phone_field, resident_id
from . import codes

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _int_or_none(value):
    value = str(value or "").strip()
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else None


class InviteForm(FlaskForm):
    session_at = DateTimeLocalField(
        _l("Planned session"), format=DATETIME_FORMATS,
        validators=[InputRequired(message=_l("Give the planned date and time of the session."))],
    )
    # Optional: the room is often settled with the parties after the elder agrees to come.
    session_place = StringField(_l("Where (optional)"), validators=[Optional(), Length(max=200)],
                                description=_l("If you leave it empty, the elder reads that you will tell them the "
                                               "place, and whom to ask: you."))
    override_reason = TextAreaField(_l("Why invite this elder despite the possible conflict"),
                                    validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    def validate_session_at(self, field):
        planned_session(self, field)


def planned_session(form, field):
    """A planned session's time as typed (local): a real year, in the future."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between 2000 and 2100."))
    if field.data is not None and clock.to_utc(field.data) <= clock.now():
        raise ValidationError(_l("The planned session must be in the future."))


def step_form(trigger: str, assignment, formdata=None):
    """The form of one step on an invitation: the version the user saw, a
    reason where the step needs one, the report's fields for the report."""
    fields = (_report_fields if trigger == "file_report"
              else _on_behalf_fields(assignment, trigger) if trigger in ON_BEHALF
              else _no_show_fields if trigger == "record_no_show"
              else _reschedule_fields(assignment) if trigger == "reschedule" else None)
    return row_steps.build_step_form(assignment, trigger, "a", formdata, fields)


def _on_behalf_fields(assignment, trigger: str):
    """The mediator writes down what the elder said; the step notes that it
    was recorded for them (this reason replaces the plain one)."""
    t = assignment.__workflow__.transition(trigger, assignment.state)
    required = t is not None and t.reason_required

    def fields() -> dict:
        told = _l("Say how the elder told you (by phone, in person) and anything they said.")
        return {"reason": TextAreaField(
            _l("The elder's reason") if required else _l("Note (optional)"),
            validators=[DataRequired() if required else Optional(), Length(max=2000)],
            description=told, render_kw={"rows": 2})}
    return fields


def _no_show_fields() -> dict:
    """The mediator's own note on an elder who did not come (kept as the step's reason)."""
    return {"reason": TextAreaField(
        _l("Note (optional)"), validators=[Optional(), Length(max=2000)],
        description=_l("What you know of why the elder did not come, if anything."), render_kw={"rows": 2})}


def _reschedule_fields(assignment):
    """The new time and place, filled with the planned ones, checked as when
    inviting; an optional reason, which the elder's notice does not carry
    (the log keeps it)."""
    def fields() -> dict:
        planned = clock.to_local(assignment.session_at).replace(tzinfo=None) if assignment.session_at is not None else None
        return {
            "session_at": DateTimeLocalField(
                _l("New time of the session"), format=DATETIME_FORMATS, default=planned,
                validators=[InputRequired(message=_l("Give the planned date and time of the session.")),
                            planned_session]),
            "session_place": StringField(_l("Where (optional)"), validators=[Optional(), Length(max=200)],
                                         default=assignment.session_place),
            "reason": TextAreaField(_l("Why it moves (optional)"), validators=[Optional(), Length(max=2000)],
                                    render_kw={"rows": 2}),
        }
    return fields


def _report_fields() -> dict:
    return {
        "work_done": TextAreaField(_l("What was done at the session"),
                                   validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 4}),
        "advice": TextAreaField(_l("Advice to the parties or the mediator (optional)"),
                                validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}),
        "report_outcome": SelectField(_lp("elder's report", "Outcome"), validators=[DataRequired()],
                                      choices=[("", "—")] + _choices(codes.REPORT_OUTCOMES)),
    }


def _choices(codes_dict):
    from ..i18n import current_locale

    return dispute_codes.choices(codes_dict, current_locale())


class ElderForm(FlaskForm):
    """An elder on the roster. The phone and ID number are never shown in
    full here: left blank on an existing elder they keep the stored ones."""

    version = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    category = SelectField(_l("Kind of elder"), validators=[DataRequired()])
    community_id = SelectField(_l("Community"), coerce=int, validators=[InputRequired()])
    grid_id = SelectField(_l("Grid where the elder lives (optional)"), validators=[Optional()], default="")
    address = StringField(_l("Home address (optional)"), validators=[Optional(), Length(max=200)])
    phone = phone_field(_l("Phone"))
    clear_phone = BooleanField(_l("Remove the phone number"))
    id_number = StringField(_l("ID number (optional)"), validators=[Optional(), Length(max=40), resident_id],
                            render_kw={"autocomplete": "off"})
    clear_id_number = BooleanField(_l("Remove the ID number"))
    expertise = SelectMultipleField(_l("Types of dispute the elder is good at"), validators=[Optional()])
    languages = StringField(_l("Languages or dialects (optional)"), validators=[Optional(), Length(max=200)])
    max_concurrent = IntegerField(_l("Most invitations or cases at once"), default=2,
                                  validators=[InputRequired(), NumberRange(min=1, max=10)],
                                  render_kw={"inputmode": "numeric"})
    active = BooleanField(_l("Active on the council (untick when the elder retires from it)"), default=True)
    user_id = SelectField(_l("Login account (optional)"), validators=[Optional()], default="")
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    FIELDS = ("name", "category", "community_id", "grid_id", "address", "phone", "id_number", "expertise",
              "languages", "max_concurrent", "active", "user_id", "notes")

    grids_by_id: dict = {}

    def fill_choices(self, locale, communities, grids, accounts):
        self.category.choices = dispute_codes.choices(codes.CATEGORIES, locale)
        self.community_id.choices = [(c.id, c.name) for c in communities]
        self.grid_id.choices = [("", "—")] + [(str(g.id), f"{g.community.name} · {g.name}") for g in grids]
        self.grids_by_id = {g.id: g for g in grids}
        self.expertise.choices = dispute_codes.choices(dispute_codes.DISPUTE_TYPES, locale)
        self.user_id.choices = [("", "—")] + [(str(u.id), f"{u.display_name} ({u.username})") for u in accounts]

    def validate_grid_id(self, field):
        grid = self.grids_by_id.get(_int_or_none(field.data))
        if field.data and grid is None:
            raise ValidationError(_l("Choose a grid from the list."))
        if grid is not None and grid.community_id != self.community_id.data:
            raise ValidationError(_l("The grid must belong to the chosen community."))

    def values(self, elder=None) -> dict:
        values = {}
        for name in self.FIELDS:
            value = getattr(self, name).data
            values[name] = value.strip() if isinstance(value, str) else value
            if values[name] == "":
                values[name] = None
        values["grid_id"] = _int_or_none(values["grid_id"])
        values["user_id"] = _int_or_none(values["user_id"])
        values["expertise"] = [code for code in dispute_codes.DISPUTE_TYPES if code in (values["expertise"] or ())]
        if elder is not None and values["phone"] is None and not self.clear_phone.data:
            values["phone"] = elder.phone
        if values["id_number"] is not None:
            values["id_number"] = values["id_number"].upper()
        if elder is not None and values["id_number"] is None and not self.clear_id_number.data:
            values["id_number"] = elder.id_number
        return values


class VersionForm(FlaskForm):
    """A button that changes the roster: the elder's version, to catch a stale page."""

    version = HiddenField()


class UnavailableForm(VersionForm):
    start_on = DateField(_lp("date range", "From"), validators=[InputRequired(message=_l("Give the first day."))])
    end_on = DateField(_l("Until (included; empty for one day)"), validators=[Optional()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])

    def validate_start_on(self, field):
        # "Until" left empty: end_on's Optional() skips its checks, so the one day is checked here.
        if not self.end_on.raw_data or not self.end_on.raw_data[0]:
            self.validate_end_on(self.end_on)

    def validate_end_on(self, field):
        start = self.start_on.data
        end = field.data or start
        if start is None:
            return
        if not 2000 <= start.year <= 2100 or not 2000 <= end.year <= 2100:
            raise ValidationError(_l("Give a date between 2000 and 2100."))
        if end < start:
            raise ValidationError(_l("The period ends before it starts."))
        if end < clock.today():
            raise ValidationError(_l("This period is already over."))
        if (end - start).days > 366:
            raise ValidationError(_l("A period is at most a year; for longer, mark the elder inactive."))


class RelationForm(VersionForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    relation = SelectField(_l("Relation"), validators=[DataRequired()])
    id_number = StringField(_l("ID number (optional)"), validators=[Optional(), resident_id],
                            render_kw={"autocomplete": "off"})
    phone = phone_field(_l("Phone (optional)"))
    address = StringField(_l("Address (optional)"), validators=[Optional(), Length(max=200)])

    def fill_choices(self, locale):
        self.relation.choices = dispute_codes.choices(codes.RELATIONS, locale)
