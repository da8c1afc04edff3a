from decimal import Decimal
from types import SimpleNamespace

from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .. import clock
from ..i18n import translate
from ..uploads import upload_field
from ..validators import amount, not_in_future, phone_field, plausible_date, resident_id
from . import codes
from .intake import NewCase, PartyDetails
from .rules import CONSENTING_ROLES, WRITTEN_AGREEMENT_FIELDS, agreement_problems, signer_choices, signing_problems


CENTS = Decimal("0.01")


def _int_or_none(value):
    if value is None or isinstance(value, int):
        return value
    return int(value) if str(value).isdigit() else None


class IntakeForm(FlaskForm):
    submission_token = HiddenField()
    channel = SelectField(_l("How it came in"), validators=[DataRequired()])
    dispute_type = SelectField(_l("Type of dispute"), validators=[DataRequired()])
    grid_id = SelectField(_l("Grid"), coerce=int, validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    arose_on = DateField(_l("Date it arose"), validators=[Optional(), plausible_date, not_in_future])
    facts = TextAreaField(_l("Brief facts"), validators=[DataRequired(), Length(max=5000)])
    amount = DecimalField(_l("Amount involved (yuan)"), places=2,
                          validators=[Optional(), amount])
    people_count = IntegerField(_l("People involved"),
                                validators=[Optional(), NumberRange(min=1, max=100000)])
    risk = SelectField(_l("Risk level"), default="low")
    applicant_name = StringField(_l("Applicant's name"), validators=[DataRequired(), Length(max=80)])
    applicant_phone = phone_field(_l("Applicant's phone"))
    applicant_id_number = StringField(_l("Applicant's ID number"), validators=[Optional(), resident_id])
    respondent_name = StringField(_l("Respondent's name"), validators=[Optional(), Length(max=80)])
    respondent_phone = phone_field(_l("Respondent's phone"))
    # Several at once: a patrol records a scene in a few shots.
    photo = upload_field(_l("Photos or documents (optional)"), multiple=True)

    def fill_choices(self, locale, grids):
        self.channel.choices = codes.choices(codes.CHANNELS, locale)
        # No type chosen for the user: the first of the list (婚姻家庭), kept by whoever did not
        # change it, would be counted in the statistics as that type.
        self.dispute_type.choices = [("", _l("Choose…"))] + codes.choices(codes.DISPUTE_TYPES, locale)
        self.risk.choices = codes.choices(codes.RISK_LEVELS, locale)
        self.grid_id.choices = [(g.id, f"{g.community.name} · {g.name}") for g in grids]

    def new_case(self, sweep_id: int | None = None) -> NewCase:
        """The case the form describes, for the intake service (which trims
        and checks it): the applicant, and the respondent if named."""
        parties = [PartyDetails("applicant", self.applicant_name.data, self.applicant_phone.data,
                                self.applicant_id_number.data)]
        if self.respondent_name.data:
            parties.append(PartyDetails("respondent", self.respondent_name.data, self.respondent_phone.data))
        return NewCase(
            dispute_type=self.dispute_type.data, facts=self.facts.data, grid_id=self.grid_id.data,
            place=self.place.data or "", arose_on=self.arose_on.data, amount=self.amount.data,
            people_count=self.people_count.data, risk=self.risk.data, sweep_id=sweep_id,
            submission_token=self.token(), parties=parties,
        )

    def token(self) -> str | None:
        """The form's one-time token, which makes a second sending of it give
        back the case the first one created."""
        return (self.submission_token.data or "")[:64] or None

    def submitted(self) -> dict:
        """What the user sent, as the case's creation event keeps it."""
        return {k: v for k, v in self.data.items() if k not in ("csrf_token", "submission_token", "photo")}


class EditForm(FlaskForm):
    """Completing or correcting a case's details (before it is closed)."""

    version = HiddenField()
    channel = SelectField(_l("How it came in"), validators=[DataRequired()])
    dispute_type = SelectField(_l("Type of dispute"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    arose_on = DateField(_l("Date it arose"), validators=[Optional(), plausible_date, not_in_future])
    facts = TextAreaField(_l("Brief facts"), validators=[DataRequired(), Length(max=5000)])
    amount = DecimalField(_l("Amount involved (yuan)"), places=2,
                          validators=[Optional(), amount])
    people_count = IntegerField(_l("People involved"), validators=[Optional(), NumberRange(min=1, max=100000)])
    risk = SelectField(_l("Risk level"))
    # Checked against the case's community and the user's role (validate_grid_id), not the choices:
    # a value sent by hand gets a message that says why, not "Not a valid choice".
    grid_id = SelectField(_l("Grid"), coerce=_int_or_none, validate_choice=False)

    FIELDS = ("channel", "dispute_type", "place", "arose_on", "facts", "amount", "people_count", "risk")
    # Until fill_choices names the case: no case, no grid to place it in, not movable.
    _dispute, _grids, _may_move = None, {}, False

    def fill_choices(self, locale, dispute=None, grids=(), may_move: bool = False):
        """`grids`: the case's community's, where `dispute` may be placed;
        `may_move`: whether this user may change the case's grid (a mediator:
        a grid worker would move it out of their own sight)."""
        self.channel.choices = codes.choices(codes.CHANNELS, locale)
        self.dispute_type.choices = codes.choices(codes.DISPUTE_TYPES, locale)
        self.risk.choices = codes.choices(codes.RISK_LEVELS, locale)
        self._dispute, self._grids, self._may_move = dispute, {g.id: g for g in grids}, may_move
        if dispute is not None and not self.grid_id.raw_data:
            # Not sent (a grid worker's disabled field, a page of before the field): the grid stays.
            self.grid_id.data = dispute.grid_id
        self.grid_id.choices = ([("", _l("Not placed in a grid yet"))] if dispute is None or dispute.grid_id is None
                                else []) + [(g.id, g.name) for g in grids]
        if not may_move:
            self.grid_id.render_kw = {"disabled": True}
            self.grid_id.description = _l("A mediator of the community moves a case to another grid.")
        else:
            self.grid_id.description = _l("Its grid worker sees the case: moving it to another grid shows it to "
                                          "that grid's worker instead.")

    @property
    def offers_grid(self) -> bool:
        """The page shows the grid: the case has one, or its community has grids to place it in."""
        return bool(self._grids) or (self._dispute is not None and self._dispute.grid_id is not None)

    def validate_grid_id(self, field):
        current = self._dispute.grid_id if self._dispute is not None else None
        if field.data == current:
            return
        if not self._may_move:
            raise ValidationError(_l("A mediator of the community moves a case to another grid."))
        if field.data is None:
            raise ValidationError(_l("Choose the grid."))
        if field.data not in self._grids:
            raise ValidationError(_l("Choose one of the grids of the case's community."))

    def changes(self) -> dict:
        values = {name: getattr(self, name).data for name in self.FIELDS}
        if self._dispute is not None:
            values["grid_id"] = self.grid_id.data  # validated: the case's own, or (a mediator's) one of its community's
        values["place"] = (values["place"] or "").strip()
        values["facts"] = values["facts"].strip()
        if values["amount"] is not None:
            values["amount"] = values["amount"].quantize(CENTS)
        return values


def _people(mediators):
    """The mediators to choose from, the user in a group of their own ("me") ahead of the colleagues:
    one looks for oneself first. Each option keeps the person's plain name."""
    me = getattr(current_user, "id", None)
    mine = [(m.id, m.display_name) for m in mediators if m.id == me]
    others = [(m.id, m.display_name) for m in mediators if m.id != me]
    if not mine:
        return others
    return {gettext("Me"): mine, gettext("Colleagues"): others} if others else {gettext("Me"): mine}


def _field_for(name, required=True):
    """The form field for a transition's data item. Choices that depend on
    the case, the user or the language are set on each form (_choices_for)."""
    needed = [DataRequired()] if required else [Optional()]
    if name == "route":
        return SelectField(_l("Route the parties are told"), validators=needed)
    if name == "outcome":
        return TextAreaField(_l("What was agreed on the spot"), validators=needed + [Length(max=5000)])
    if name == "mediator_id":
        return SelectField(_l("Mediator"), coerce=int, validators=needed)
    if name == "co_mediator_ids":
        return SelectMultipleField(_l("Co-mediators (optional)"), coerce=int, validators=[Optional()],
                                   description=_l("Tick each colleague who helps with this case; none for no one."))
    if name == "refusing_party":
        return SelectField(_l("Party who refused mediation"), coerce=int, validators=needed)
    if name == "recused_mediator_id":
        return SelectField(_l("Mediator who steps aside"), coerce=int, validators=needed)
    if name == "requested_by":
        return SelectField(_l("Asked for by"), validators=needed)
    if name == "notice_given":
        return BooleanField(_l("The parties were told their rights and duties"), validators=needed)
    if name == "consenting_parties":
        return SelectMultipleField(_l("Parties who consented (every applicant and respondent)"), coerce=int,
                                   validators=needed)
    if name == "consent_how":
        return SelectField(_l("How they consented"), validators=needed)
    if name == "days":
        # The settings' limits are the rule's (extension_allowed), said in its message.
        return IntegerField(_l("Extra days"), validators=[InputRequired(), NumberRange(min=1, max=366)])
    if name == "form":
        return SelectField(_l("Form of agreement"), validators=needed)
    if name == "terms":
        return TextAreaField(_l("Agreed terms"), validators=needed + [Length(max=10000)])
    if name == "main_facts":
        return TextAreaField(_l("Main facts"), validators=needed + [Length(max=10000)])
    if name == "matters":
        return TextAreaField(_l("Matters in dispute"), validators=needed + [Length(max=10000)])
    if name == "responsibilities":
        return TextAreaField(_l("Each party's responsibility"), validators=needed + [Length(max=10000)])
    if name == "perform_how":
        return TextAreaField(_l("How it is performed"), validators=needed + [Length(max=2000)])
    if name == "perform_where":
        return StringField(_l("Where it is performed"), validators=needed + [Length(max=200)])
    if name == "perform_by":
        return DateField(_l("Performed by (date)"), validators=needed + [plausible_date])
    if name == "agreed_amount":
        return DecimalField(_l("Agreed amount (yuan)"), places=2, validators=[Optional(), amount])
    if name == "signed_on":
        return DateField(_l("Signed on"), validators=needed + [plausible_date])
    if name == "signers":
        return SelectMultipleField(_l("Signed by"), validators=needed,
                                   description=_l("Tick each party and the mediator who signed: the agreement "
                                                  "takes effect when all of them have."))
    if name == "applied_on":
        return DateField(_l("Date the parties applied"), validators=needed + [plausible_date])
    if name == "court":
        return StringField(_l("Court applied to"), validators=needed + [Length(max=120)],
                           description=_l("The basic people's court where the parties jointly applied, "
                                          "e.g. 莱阳市人民法院."))
    if name == "ruled_on":
        return DateField(_l("Date of the court's ruling"), validators=needed + [plausible_date])
    if name == "ruling":
        return SelectField(_l("Court's ruling"), validators=needed)
    if name == "summary":
        return TextAreaField(_l("Closing summary"), validators=needed + [Length(max=5000)])
    if name == "comment":  # a supervisor's review (app/supervision)
        return TextAreaField(_l("Comment"), validators=needed + [Length(max=2000)])
    if name == "urging":  # a supervisor's 督办 of a late case
        return TextAreaField(_l("Urging note"), validators=needed + [Length(max=2000)],
                             description=_l("What is to be done now, and by when; those told read it in the "
                                            "case's history."))
    if name == "to_intake":  # returning an on-the-spot closure (app/supervision)
        return BooleanField(_l("It needs real mediation: send it back to intake to be accepted"))
    raise LookupError(f"no form field is defined for the transition data {name!r}")


def _parties(dispute) -> list:
    return [] if dispute is None else dispute.parties


def _choices_for(field, name, dispute, locale, mediators):
    """Set what `field` (of data item `name`) offers on this case, to this
    user, in this language."""
    if name == "route":
        field.choices = codes.choices(codes.ROUTES, locale)
    elif name == "mediator_id":
        field.choices = _people(mediators)
        field.description = _not_listed(dispute, locale)
    elif name == "co_mediator_ids":
        field.choices = _people(mediators)
    elif name in ("refusing_party", "consenting_parties"):
        field.choices = [(p.id, f"{codes.label(codes.PARTY_ROLES, p.role, locale)} · {p.name}")
                         for p in _parties(dispute) if p.role in CONSENTING_ROLES]
    elif name == "recused_mediator_id":
        on_case = [] if dispute is None else [m for m in [dispute.assignee, *dispute.co_mediators] if m is not None]
        field.choices = [(m.id, m.display_name) for m in on_case]
    elif name == "requested_by":
        field.choices = codes.choices(codes.RECUSAL_ASKED_BY, locale) + [
            (str(p.id), f"{codes.label(codes.PARTY_ROLES, p.role, locale)} · {p.name}") for p in _parties(dispute)]
    elif name == "consent_how":
        field.choices = codes.choices(codes.CONSENT_FORMS, locale)
    elif name == "form":
        field.choices = codes.choices(codes.AGREEMENT_FORMS, locale)
    elif name == "signers":
        field.choices = signer_choices(dispute) if dispute is not None else []
    elif name == "ruling":
        field.choices = [("", _l("Choose…"))] + codes.choices(codes.RULINGS, locale)


def _not_listed(dispute, locale) -> str:
    """Why mediators of the community are missing from the assignment list."""
    if dispute is None or not dispute.recusals:
        return ""
    lines = []
    for r in dispute.recusals:
        by = (f"{codes.label(codes.PARTY_ROLES, r.party.role, locale)} {r.party.name}" if r.party
              else translate(_l("the mediator"), locale))
        lines.append(translate(_l("%(name)s is not listed: stepped aside (回避) from this case at the request of "
                                  "%(by)s, and may not lead or co-mediate it again."), locale)
                     % {"name": r.mediator.display_name, "by": by})
    return " ".join(lines)


REJECTION_SEEN = _l("The party sees the route and this reason when they check the case with its tracking code: "
                    "write it for them (where to go, and why not here).")


MEDIATE_AGAIN_REASON = _l("Say what the parties want to change in the agreement, or that they seek a new one. "
                          "A new 30-day mediation period starts today; the court's ruling and this reason stay "
                          "in the case's history.")


# A step's form class, built once for each set of fields: a new WTForms class
# per request cost a step's GET and its POST more than filling the form in
# (its metaclass collects and orders the fields when first instantiated).
_STEP_FORMS: dict[tuple, type] = {}


def _step_form_class(t, classify: tuple[str, ...] = ()) -> type:
    key = (t.required, t.optional, t.reason_required, classify)
    form_class = _STEP_FORMS.get(key)
    if form_class is None:

        class _Form(FlaskForm):
            version = HiddenField()
            CLASSIFY = classify
            _dispute, _trigger = None, None

            def validate(self, extra_validators=None):
                """The fields' own checks, then the step's rules that look at several fields (the dates of
                an agreement, a written agreement's contents, who signed): every problem at once, each
                under its field, where the step would refuse them one at a time in a banner."""
                ok = super().validate(extra_validators)
                check = RULE_CHECKS.get(self._trigger)
                if check is None or self._dispute is None:
                    return ok
                for name, problem in check(self._dispute, self.step_data()).items():
                    if name in self and not self[name].errors:
                        self[name].errors = [*self[name].errors, problem]
                        ok = False
                return ok

            def step_data(self) -> dict:
                return {name: self[name].data for name in self._data_names}

        for name in t.required:
            setattr(_Form, name, _field_for(name))
        for name in t.optional:
            setattr(_Form, name, _field_for(name, required=False))
        for name in classify:
            setattr(_Form, name, _classify_field(name))
        _Form._data_names = t.required + t.optional
        reason_validators = [DataRequired(), Length(max=2000)] if t.reason_required else [Optional(), Length(max=2000)]
        _Form.reason = TextAreaField(_l("Reason") if t.reason_required else _l("Note (optional)"),
                                     validators=reason_validators)
        form_class = _STEP_FORMS[key] = _Form
    return form_class


# Accepting a case whose type is still "Other" or which has no grid (a
# resident's report arrives so: app/public) asks for them with the step, so
# that the statistics by type and grid count it where it belongs; the view
# saves them as an edit of the case in the step's transaction.
CLASSIFY_TRIGGERS = ("accept",)
UNCLASSIFIED_TYPE = "other"


def to_classify(t, dispute, grids) -> tuple[str, ...]:
    """The case fields the step `t` asks for on this case: its type while it
    is "Other", its grid while it has none (and its community has grids)."""
    if dispute is None or t.trigger not in CLASSIFY_TRIGGERS:
        return ()
    return unclassified(dispute, grids)


def unclassified(dispute, grids) -> tuple[str, ...]:
    """What accepting `dispute` asks for: its type while it is "Other", its
    grid while it has none and `grids` (its community's) offer one."""
    names = []
    if dispute.dispute_type == UNCLASSIFIED_TYPE:
        names.append("dispute_type")
    if dispute.grid_id is None and grids:
        names.append("grid_id")
    return tuple(names)


def _classify_field(name):
    if name == "dispute_type":
        return SelectField(_l("Type of dispute"), validators=[DataRequired(_l("Choose the type of dispute."))],
                           description=_l("It came in as “Other”: choose what it really is, so that the "
                                          "statistics by type count it there (“Other” only if no type fits)."))
    if name == "grid_id":
        return SelectField(_l("Grid"), coerce=_int_or_none, validators=[DataRequired(_l("Choose the grid."))],
                           description=_l("The grid where it happens (see the place given): its grid worker "
                                          "then sees the case too."))
    raise LookupError(f"no classification field {name!r}")


def _classify_choices(form, dispute, locale, grids) -> None:
    choose = [("", _l("Choose…"))]
    if "dispute_type" in form.CLASSIFY:
        form.dispute_type.choices = choose + codes.choices(codes.DISPUTE_TYPES, locale)
    if "grid_id" in form.CLASSIFY:
        form.grid_id.choices = choose + [(g.id, g.name) for g in grids]


def classification(form) -> dict:
    """The case fields set with the step, as an edit's changes."""
    return {name: form[name].data for name in form.CLASSIFY}


def transition_form(t, dispute, locale, mediators=(), formdata=None, grids=()):
    """A form for one transition: its required fields, the reason, and the
    version of the case the user saw (to catch stale forms); `grids`, the
    case's community's, for a step that may set the case's grid."""
    classify = to_classify(t, dispute, grids)
    form = _step_form_class(t, classify)(formdata=formdata, prefix=t.trigger)
    form._dispute, form._trigger = dispute, t.trigger
    for name in t.required + t.optional:
        _choices_for(form[name], name, dispute, locale, mediators)
    if classify:
        _classify_choices(form, dispute, locale, grids)
    if t.trigger == "agree":
        # Marked (and, with the page's script, made required) when "written" is chosen: app.js.
        for name in WRITTEN_AGREEMENT_FIELDS:
            form[name].description = translate(WRITTEN_NEEDS, locale)
            form[name].render_kw = {"data-required-when": f"{form.form.name}=written"}
        if form.form.data == "written":
            for name in WRITTEN_AGREEMENT_FIELDS:
                form[name].render_kw = dict(form[name].render_kw, required=True)
    if t.trigger == "reject":
        # Mediation Law art. 18: the party is told where to turn; /track shows both (app/public/progress.py).
        form.reason.description = translate(REJECTION_SEEN, locale)
    elif t.trigger == "mediate_after_rejection":
        form.reason.description = translate(MEDIATE_AGAIN_REASON, locale)
    if formdata is None:
        form.version.data = dispute.version
        if "signed_on" in form:
            # Most agreements are signed the day their signing is recorded (the centre's day).
            form.signed_on.data = clock.today()
        for name in ("applied_on", "ruled_on"):
            if name in form:
                form[name].data = clock.today()
    return form


WRITTEN_NEEDS = _l("Required for a written agreement.")


def _agreement_check(dispute, data) -> dict:
    # The web form records the agreement today: the step's own day.
    return agreement_problems(data, clock.today())


# The steps whose rules over several fields are also run with the form's validators (each problem under its
# field); the step's guards and effects still decide.
RULE_CHECKS = {"agree": _agreement_check, "sign": signing_problems}


def _sane_date(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


GRIDLESS = "none"  # the grid filter's value for cases registered without a grid


class CaseFilterForm(FlaskForm):
    """The case list's filters. A GET form (bookmarkable, nothing is
    written), so it carries no CSRF token. A value that does not validate is
    ignored with a message; it never reaches the query."""

    class Meta:
        csrf = False

    q = StringField(_l("File number or party name"), filters=[lambda v: (v or "").strip()[:80]])
    state = SelectField(_l("State"), default="")
    dispute_type = SelectField(_l("Type of dispute"), default="")
    channel = SelectField(_l("How it came in"), default="")
    grid = SelectField(_l("Grid"), default="")
    colour = SelectField(_l("Deadline"), default="")
    date_from = DateField(_l("Registered from"), validators=[Optional(), _sane_date])
    date_to = DateField(_l("Registered until"), validators=[Optional(), _sane_date])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])

    FILTERS = ("q", "state", "dispute_type", "channel", "grid", "colour", "date_from", "date_to")

    def fill_choices(self, locale, states, grids):
        everything = [("", _l("All"))]
        self.state.choices = everything + [(s.code, translate(s.label, locale)) for s in states]
        self.dispute_type.choices = everything + codes.choices(codes.DISPUTE_TYPES, locale)
        self.channel.choices = everything + codes.choices(codes.CHANNELS, locale)
        # Cases registered without a grid are on none of the grids: "none" lists them (the grid map links to it).
        # A grid worker's cases are their grid's and their own reports, which always name a grid.
        gridless = [(GRIDLESS, _l("Without a grid"))] if grids and current_user.role != "gridworker" else []
        self.grid.choices = everything + gridless + [(str(g.id), f"{g.community.name} · {g.name}") for g in grids]
        self.colour.choices = colour_choices()

    def drop_invalid(self) -> list[tuple[str, str]]:
        """Validate; clear every field that failed. Returns (label, error) pairs."""
        self.validate()
        dropped = []
        for name, errors in self.errors.items():
            field = self[name]
            dropped.append((str(field.label.text), str(errors[0])))
            field.data = "" if isinstance(field, (SelectField, StringField)) else None
            field.raw_data = []
        return dropped

    def link_args(self) -> dict:
        """The valid, non-empty filters, for links to other pages of the list."""
        args = {}
        for name in self.FILTERS:
            value = self[name].data
            if value not in (None, ""):
                args[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return args


class PartyForm(FlaskForm):
    """A party of the case (当事人): who they are and how to reach them. The
    version is the case's, so a stale form is caught."""

    version = HiddenField()
    role = SelectField(_l("Role in the dispute"), validators=[DataRequired()])
    kind = SelectField(_l("Person or organisation"), validators=[DataRequired()], default="person")
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    sex = SelectField(_l("Sex"), validators=[Optional()], default="")
    ethnicity = StringField(_l("Ethnicity"), validators=[Optional(), Length(max=20)])
    age = IntegerField(_l("Age"), validators=[Optional(), NumberRange(min=0, max=130)],
                       render_kw={"inputmode": "numeric"})
    id_type = SelectField(_l("ID type"), validators=[Optional()], default="resident_id")
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=40)],
                            render_kw={"autocomplete": "off"})
    occupation = StringField(_l("Occupation"), validators=[Optional(), Length(max=60)])
    address = StringField(_l("Employer or address"), validators=[Optional(), Length(max=200)])
    phone = phone_field(_l("Phone"))
    clear_id_number = BooleanField(_l("Remove the ID number"))
    clear_phone = BooleanField(_l("Remove the phone number"))
    acts_for_id = SelectField(_l("Acts for (an agent only)"), validators=[Optional()], default="")

    FIELDS = ("role", "kind", "name", "sex", "ethnicity", "age", "id_type", "id_number", "occupation",
              "address", "phone", "acts_for_id")

    def fill_choices(self, locale, principals=()):
        """`principals`: the case's applicants and respondents an agent may act for."""
        none = [("", "—")]
        self.role.choices = codes.choices(codes.PARTY_ROLES, locale)
        self.kind.choices = codes.choices(codes.PARTY_KINDS, locale)
        self.sex.choices = none + codes.choices(codes.SEXES, locale)
        self.id_type.choices = none + codes.choices(codes.ID_TYPES, locale)
        self.acts_for_id.choices = none + [
            (str(p.id), f"{codes.label(codes.PARTY_ROLES, p.role, locale)} {p.name}") for p in principals]

    party = None  # the party being edited, if any

    def validate(self, extra_validators=None):
        """The resident-ID checksum applies to the number that will be
        stored: the one typed, or the kept one when the type changes."""
        ok = super().validate(extra_validators)
        if self.id_type.data == "resident_id" and not self.id_number.errors:
            number = (self.id_number.data or "").strip()
            if not number and self.party is not None and not self.clear_id_number.data:
                number = self.party.id_number or ""
            try:
                resident_id(self, SimpleNamespace(data=number))
            except ValidationError as error:
                self.id_number.errors.append(str(error))
                ok = False
        return ok

    def values(self, party=None) -> dict:
        """The party's fields as they will be stored. On an existing party an
        ID number or phone left blank keeps the stored one (the form never
        shows them unmasked), unless "remove" is ticked."""
        values = {}
        for name in self.FIELDS:
            value = getattr(self, name).data
            values[name] = value.strip() if isinstance(value, str) else value
            if values[name] == "":
                values[name] = None
        if values["id_number"]:
            values["id_number"] = values["id_number"].upper()
        for name in ("id_number", "phone"):
            if party is not None and values[name] is None and not getattr(self, f"clear_{name}").data:
                values[name] = getattr(party, name)
        if values["id_number"] is None:
            values["id_type"] = None
        # Only an agent acts for someone.
        agent = values["role"] == "agent" and values["acts_for_id"]
        values["acts_for_id"] = int(values["acts_for_id"]) if agent else None
        return values


def colour_choices():
    """The deadline-colour filter of every list of workflow rows."""
    return [("", _l("All")), ("red", _l("Overdue (red)")), ("yellow", _l("Due soon (yellow)")),
            ("blue", _l("On track (blue)")), ("none", _l("No deadline"))]
