"""The supervisors' filter forms (GET, bookmarkable, no CSRF) and the
sign-off form (POST, CSRF).

A filter value that does not parse is ignored with a message; a place
(street, area, community, grid, mediator) that exists but lies outside the
user's scope is refused with 404 by Scope.check, never silently widened.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..disputes import codes
from .models import OUTCOMES
from .scope import Place, Scope

PLACE_FIELDS = ("street", "area", "community", "grid", "mediator")
# Hundreds of options in one select are hard to use on a phone, and cost a
# city's pages most of their time (bench/scale.py): past this many, a city's
# 片区, communities and mediators wait for a street (or a community) to be chosen,
# a street's grids for a community, and the audit browser has a person's name
# typed. A street's own communities and mediators are listed whole.
LISTED = 60


def _sane_date(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


def _id_choice(value):
    """A place's id as chosen in a select: '' for none; anything else that
    is not a plain number is left as text and fails the choice check."""
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 9 else text


def _chosen(field) -> int | None:
    """The id a place select holds, or None (nothing chosen, or text that
    is no id: read() drops it with a message)."""
    return field.data if isinstance(field.data, int) else None


def _keeping(chosen: int | None, choices: list, find) -> list:
    """`choices`, and the chosen row (find() gives it) when they lack it: a
    filter still applied shows as chosen, even after a street chosen since
    does not hold it (the user sees why nothing matches)."""
    if chosen is None or any(value == chosen for value, _ in choices):
        return choices
    return choices + find()


class _Filters(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_lp("date range", "From"), validators=[Optional(), _sane_date])
    date_to = DateField(_l("Until (date)"), validators=[Optional(), _sane_date])
    street = SelectField(_l("Street"), coerce=_id_choice, default=None, validate_choice=False)
    area = SelectField(_l("Area"), coerce=_id_choice, default=None, validate_choice=False)
    community = SelectField(_l("Community"), coerce=_id_choice, default=None, validate_choice=False)
    grid = SelectField(_l("Grid"), coerce=_id_choice, default=None, validate_choice=False)

    FILTERS: tuple[str, ...] = ("date_from", "date_to", "street", "area", "community", "grid")

    def fill_choices(self, scope: Scope, locale: str):
        everything = [("", _l("All"))]
        streets = scope.streets()
        self.street.choices = everything + [(s.id, s.name) for s in streets]
        street, area, community, grid = (_chosen(f) for f in (self.street, self.area, self.community, self.grid))
        # A city's list, no street or community chosen, waits for one past LISTED: whether it is longer
        # needs one more than that, not all of it.
        waits = len(streets) > 1 and street is None and community is None
        areas = scope.areas(street_id=street, near_community=community, limit=LISTED + 1 if waits else None)
        if waits and len(areas) > LISTED:
            areas = []
            self.area.description = _l("Choose a street, apply, and its areas are listed here.")
        self.area.choices = everything + _keeping(area, areas, lambda: scope.areas(area_id=area))
        communities = scope.communities(street_id=street, near_community=community,
                                        limit=LISTED + 1 if waits else None)
        if waits and len(communities) > LISTED:
            communities = []
            self.community.description = _l("Choose a street, apply, and its communities are listed here.")
        self.community.choices = everything + _keeping(community, communities,
                                                       lambda: scope.communities(community_id=community))

        def chosen():  # a grid named in the request stays listed, so that it shows as chosen
            return scope.grids(grid_id=grid) if grid is not None else []

        if waits:
            # A city's every grid (thousands) in one select helps nobody.
            self.grid.choices = everything + chosen()
            self.grid.description = _l("Choose a street or a community, apply, and its grids are listed here.")
            return
        grids = scope.grids(street_id=street, community_id=community,
                            limit=None if community is not None else LISTED + 1)
        if len(grids) > LISTED and community is None:
            # A street's hundreds of grids (the demo's street: 369, 78 KB of the page): the community first.
            self.grid.choices = everything + chosen()
            self.grid.description = _l("Choose a community, apply, and its grids are listed here.")
        else:
            self.grid.choices = everything + _keeping(grid, grids, chosen)

    def read(self, scope: Scope) -> tuple[Place, list[tuple[str, str]]]:
        """Validate: drop (with a message) what does not parse, then check
        the place against the scope (404 outside it)."""
        self.validate()
        dropped = []
        for name, errors in self.errors.items():
            field = self[name]
            dropped.append((str(field.label.text), str(errors[0])))
            field.data = None
            field.raw_data = []
        place = {}
        for name in PLACE_FIELDS:
            if name not in self:
                continue
            value = self[name].data
            if value is not None and not isinstance(value, int):
                dropped.append((str(self[name].label.text), str(_l("Not a valid choice."))))
                self[name].data = None
                value = None
            place[f"{name}_id"] = value
        return scope.check(Place(**place)), dropped

    def reversed_range(self) -> bool:
        return bool(self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data)

    def place_names(self) -> list[str]:
        """The names of the places shown, widest first, from the choices
        (after read(); no statement): each place chosen, and the scope's one
        street when no street is (a street's supervisor, a one-street city),
        whose select is hidden and so would name it nowhere else. Empty for
        a city of several streets with none chosen."""
        streets = self.street.choices[1:]
        names = []
        for name in ("street", "area", "community", "grid"):
            chosen = _chosen(self[name])
            if chosen is None and name == "street" and len(streets) == 1:
                chosen = streets[0][0]
            names += [str(label) for value, label in self[name].choices if chosen is not None and value == chosen]
        return names

    def link_args(self) -> dict:
        args = {}
        for name in self.FILTERS:
            value = self[name].data
            if value not in (None, ""):
                args[name] = value.isoformat() if isinstance(value, date) else value
        return args


class ClosureFilterForm(_Filters):
    """The closure history: closed and archived cases, by closing date."""

    date_from = DateField(_l("Closed from"), validators=[Optional(), _sane_date])
    date_to = DateField(_l("Closed until"), validators=[Optional(), _sane_date])
    dispute_type = SelectField(_l("Type of dispute"), default="")
    channel = SelectField(_l("How it came in"), default="")
    outcome = SelectField(_lp("closure", "Outcome"), default="")
    mediator = SelectField(_l("Mediator"), coerce=_id_choice, default=None, validate_choice=False)
    review = SelectField(_l("Sign-off"), default="")
    days_min = IntegerField(_l("Days taken, at least"), validators=[Optional(), NumberRange(min=0, max=36500)])
    days_max = IntegerField(_l("Days taken, at most"), validators=[Optional(), NumberRange(min=0, max=36500)])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])

    FILTERS = _Filters.FILTERS + ("dispute_type", "channel", "outcome", "mediator", "review", "days_min",
                                  "days_max")

    def reversed_days(self) -> bool:
        """At least more days than at most: no case can match."""
        low, high = self.days_min.data, self.days_max.data
        return low is not None and high is not None and high < low

    def fill_choices(self, scope: Scope, locale: str):
        super().fill_choices(scope, locale)
        everything = [("", _l("All"))]
        self.dispute_type.choices = everything + codes.choices(codes.DISPUTE_TYPES, locale)
        self.channel.choices = everything + codes.choices(codes.CHANNELS, locale)
        self.outcome.choices = everything + codes.choices(OUTCOMES, locale)
        street, community, mediator = (_chosen(f) for f in (self.street, self.community, self.mediator))
        waits = len(self.street.choices) > 2 and street is None and community is None  # as the communities
        mediators = scope.mediators(street_id=street, near_community=community, limit=LISTED + 1 if waits else None)
        if waits and len(mediators) > LISTED:  # a city's hundreds: a street's, once it is chosen
            mediators = []
            self.mediator.description = _l("Choose a street or a community, apply, and its mediators are listed "
                                           "here.")
        self.mediator.choices = everything + _keeping(mediator, mediators,
                                                      lambda: scope.mediators(mediator_id=mediator))
        self.review.choices = everything + [
            ("awaiting", _l("Awaiting sign-off")), ("signed_off", _l("Signed off")), ("none", _l("No review")),
        ]


def _month(form, field):
    """'YYYY-MM', a month between 2000 and 2100; parsed into (year, month)."""
    text = (field.data or "").strip() if isinstance(field.data, str) else field.data
    if not text:
        field.data = None
        return
    if isinstance(text, tuple):
        return
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdecimal() for p in parts):
        raise ValidationError(_l("Give a month like 2026-03."))
    year, month = int(parts[0]), int(parts[1])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError(_l("Give a month like 2026-03."))
    field.data = (year, month)


class StatsFilterForm(_Filters):
    """The statistics: cases registered in whole months, in the chosen place
    (monthly, quarterly and yearly figures; the counters keep months)."""

    date_from = None
    date_to = None
    month_from = StringField(_l("From month"), validators=[Optional(), _month])
    month_to = StringField(_l("To month"), validators=[Optional(), _month])
    step = SelectField(_l("Trend per"), default="month",
                       choices=[("month", _lp("trend step", "Month")), ("week", _lp("trend step", "Week"))])

    FILTERS = ("month_from", "month_to", "street", "area", "community", "grid", "step")

    def period(self, today: date) -> tuple[date, date]:
        """The first day of the first month and the last day of the last;
        by default this year up to this month (up to a month given alone:
        that month's year up to it)."""
        start = self.month_from.data or ((self.month_to.data[0], 1) if self.month_to.data else (today.year, 1))
        end = self.month_to.data or ((today.year, today.month) if start <= (today.year, today.month) else start)
        last = date(end[0] + (end[1] == 12), end[1] % 12 + 1, 1) - timedelta(days=1)
        return date(*start, 1), last

    def reversed_range(self) -> bool:
        return bool(self.month_from.data and self.month_to.data and self.month_to.data < self.month_from.data)

    def link_args(self) -> dict:
        args = {}
        for name in self.FILTERS:
            value = self[name].data
            if isinstance(value, tuple):
                value = f"{value[0]:04d}-{value[1]:02d}"
            if value not in (None, ""):
                args[name] = value
        return args


class AuditFilterForm(FlaskForm):
    """The audit browser's filters."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Done by"), coerce=_id_choice, default=None, validate_choice=False)
    # Where too many people act for one select: their username or the start of their name, typed.
    actor_name = StringField(_l("Done by (username or name)"), filters=[lambda v: (v or "").strip()[:80]])
    role = SelectField(_lp("account", "Role"), default="")
    entity_type = StringField(_l("Entity type"), filters=[lambda v: (v or "").strip()[:40]])
    entity_id = IntegerField(_l("Entity number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    trigger = StringField(_l("Action"), filters=[lambda v: (v or "").strip()[:60]])
    date_from = DateField(_lp("date range", "From"), validators=[Optional(), _sane_date])
    date_to = DateField(_l("Until (date)"), validators=[Optional(), _sane_date])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=10**6)])

    FILTERS = ("actor", "role", "entity_type", "entity_id", "trigger", "date_from", "date_to")

    def drop_invalid(self) -> list[tuple[str, str]]:
        self.validate()
        dropped = []
        for name, errors in self.errors.items():
            field = self[name]
            dropped.append((str(field.label.text), str(errors[0])))
            field.data = None if name in ("actor", "entity_id", "date_from", "date_to", "page") else ""
            field.raw_data = []
        if self.actor.data is not None and not isinstance(self.actor.data, int):
            dropped.append((str(self.actor.label.text), str(_l("Not a valid choice."))))
            self.actor.data = None
        return dropped

    link_args = _Filters.link_args
    reversed_range = _Filters.reversed_range


class ReviewForm(FlaskForm):
    """Sign off a closure, or return the case with a comment."""

    version = HiddenField()
    # The review (round) the page showed: a case returned and closed again
    # meanwhile has a new review, whose version starts again at 1.
    review = HiddenField()
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    # Returning an on-the-spot closure: to 待受理 (for acceptance and real
    # mediation) instead of back to 现场化解.
    to_intake = BooleanField(_l("It needs real mediation: send it back to intake to be accepted"))


class MapFilterForm(FlaskForm):
    """The grid map's measure and period (by default the last 365 days),
    and a city's street."""

    class Meta:
        csrf = False

    measure = SelectField(_l("Colour grids by"), default="open", validate_choice=True)
    date_from = DateField(_l("Registered from"), validators=[Optional(), _sane_date])
    date_to = DateField(_l("Registered until"), validators=[Optional(), _sane_date])
    # A city's: its grids one street at a time.
    street = SelectField(_l("Street"), coerce=_id_choice, default=None, validate_choice=False)

    def period(self, today: date) -> tuple[date, date]:
        end = self.date_to.data or today
        start = self.date_from.data or end - timedelta(days=364)
        return start, end

    def read(self, measures: dict, streets: list) -> list[tuple[str, str]]:
        """Validate; every field that failed falls back to its default and
        comes back as (label, error) to be told to the user. `streets` are
        the (id, name) to choose from (none but a city's user's)."""
        self.measure.choices = list(measures.items())
        self.street.choices = [("", _l("All"))] + streets
        self.validate()
        dropped = []
        for name, errors in self.errors.items():
            dropped.append((str(self[name].label.text), str(errors[0])))
            self[name].data = self[name].default
        if not self.measure.data:
            self.measure.data = "open"
        if not streets:
            self.street.data = None  # only a city's user chooses a street
        elif self.street.data is not None and not isinstance(self.street.data, int):
            dropped.append((str(self.street.label.text), str(_l("Not a valid choice."))))
            self.street.data = None
        return dropped

    def street_id(self) -> int | None:
        return _chosen(self.street)


# The administrators' organisation tree (org_admin.py) --------------------------------


class PlaceRenameForm(FlaskForm):
    """A street's, community's or grid's new name; `was` is the name the
    form was loaded with (a rename made meanwhile is caught, not overwritten)."""

    name = StringField(_l("New name"), validators=[DataRequired(_l("Give the new name.")), Length(max=80)])
    was = HiddenField()


class CommunityAddForm(FlaskForm):
    name = StringField(_l("Community name"), validators=[DataRequired(_l("Give the community's name.")),
                                                         Length(max=80)])


class GridAddForm(FlaskForm):
    name = StringField(_l("Grid name"), validators=[DataRequired(_l("Give the grid's name.")), Length(max=80)])
    code = StringField(_l("Grid code (optional)"), validators=[Optional(), Length(max=32)],
                       description=_l("The code its outline has in a GeoJSON file. Without one, the file names "
                                      "the grid as community/grid."))
    households = IntegerField(_l("Households (optional)"),
                              validators=[Optional(), NumberRange(min=1, max=100000,
                                                                  message=_l("Give a whole number from 1 to 100000."))])


class OutlinesUploadForm(FlaskForm):
    """A GeoJSON file of grid outlines (read by org/geo.py; checked whole)."""

    file = FileField(_l("GeoJSON file"), validators=[FileRequired(_l("Choose the GeoJSON file to import."))],
                     render_kw={"accept": ".geojson,.json,application/geo+json,application/json"})
