from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import uploads
from ..extensions import db
from ..org.models import Community, Street
from ..validators import phone_field


def _int_or_none(value):
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


class ReportForm(FlaskForm):
    submission_token = HiddenField()
    community_id = SelectField(_l("Your community"), coerce=_int_or_none, validate_choice=False,
                               validators=[DataRequired(_l("Choose the community where it happens."))])
    description = TextAreaField(_l("What is the problem?"), validators=[DataRequired(), Length(max=2000)])
    place = StringField(_l("Where exactly? (building, street)"), validators=[Optional(), Length(max=200)])
    photo = uploads.upload_field(_l("Photo (optional)"), kinds=uploads.IMAGES)
    phone = phone_field(_l("Your phone (optional, so that a mediator can call you)"), own=True)
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=80)])

    def fill_choices(self):
        """Every community, grouped by street: [(street name, [(id, name)])]."""
        rows = db.session.execute(
            select(Community.id, Community.name, Street.name).join(Street).order_by(Street.id, Community.id)
        ).all()
        groups: dict[str, list] = {}
        for cid, name, street in rows:
            groups.setdefault(street, []).append((cid, name))
        self.groups = list(groups.items())
        self.community_ids = {cid for cid, _, _ in rows}

    def validate_community_id(self, field):
        if field.data not in self.community_ids:
            raise ValidationError(_l("Choose the community where it happens."))


class TrackForm(FlaskForm):
    # Any other text is answered "no case with this code" (404), not a form error.
    code = StringField(_l("Tracking code"), validators=[DataRequired()],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                  "maxlength": 40})
