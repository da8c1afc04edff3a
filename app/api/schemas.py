"""The API's bodies, as marshmallow schemas: they validate what comes in and
are the source of the OpenAPI document."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..disputes import codes

MAX_DESCRIPTION = 5000
# No database keeps a NUL character in text (PostgreSQL refuses it), and the
# app refuses one in a query string (400): stated in the document as well.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Text may not contain a NUL character.")


def text(max_length: int, min_length: int = 0, **options) -> fields.String:
    return fields.String(validate=[validate.Length(min=min_length, max=max_length), NO_NUL], **options)
MAX_PHOTOS = 5  # per case, base64 in the JSON and files of the multipart variant together


class Strict(Schema):
    class Meta:
        # An unknown field is a mistake of the sender's, told back, not ignored.
        unknown = "raise"


class PartyIn(Strict):
    role = fields.String(required=True, validate=validate.OneOf(["applicant", "respondent"]))
    name = text(80, 1, required=True)
    phone = fields.String(validate=validate.Regexp(r"^[0-9+\- ]{5,20}$"))
    id_number = text(18)

    @validates_schema
    def a_name(self, data, **kwargs):
        if not data.get("name", "").strip():
            raise ValidationError("Give the party's name.", field_name="name")


class DisputeIn(Strict):
    community_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    grid_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    description = text(MAX_DESCRIPTION, 1, required=True)
    place = text(200, load_default="")
    dispute_type = fields.String(load_default="other", validate=validate.OneOf(list(codes.DISPUTE_TYPES)))
    external_ref = text(80, 1)
    reported_at = fields.DateTime()
    reporter_phone = fields.String(validate=validate.Regexp(r"^[0-9+\- ]{5,20}$"))
    parties = fields.List(fields.Nested(PartyIn), validate=validate.Length(max=10))
    photos = fields.List(fields.String(metadata={"contentEncoding": "base64", "description": "a JPEG, PNG or WebP"}),
                         validate=validate.Length(max=MAX_PHOTOS))

    @validates_schema
    def a_place(self, data, **kwargs):
        if data.get("community_id") is None and data.get("grid_id") is None:
            raise ValidationError("Give community_id or grid_id.", field_name="community_id")
        if not data["description"].strip():
            raise ValidationError("Describe the dispute.", field_name="description")


class Labels(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class JudicialConfirmationOut(Schema):
    applied_on = fields.Date(required=True, metadata={"description": "the day the parties applied to the court"})
    court = fields.String(required=True)
    ruling = fields.String(required=True, allow_none=True, validate=validate.OneOf(list(codes.RULINGS)),
                           metadata={"description": "null while the court's ruling is awaited"})
    ruling_label = fields.Nested(Labels, required=True, allow_none=True)
    ruled_on = fields.Date(required=True, allow_none=True)


class DisputeOut(Schema):
    id = fields.Integer(required=True)
    tracking_code = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.Nested(Labels, required=True)
    file_no = fields.String(required=True, allow_none=True)
    channel = fields.String(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    registered_at = fields.DateTime(required=True)
    changed_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True)
    judicial_confirmation = fields.Nested(
        JudicialConfirmationOut, required=True, allow_none=True,
        metadata={"description": "the parties' application for judicial confirmation (司法确认) of the agreement now "
                                 "in effect, and the court's ruling; null until they apply"})
    url = fields.String(required=True)


class DisputeQuery(Schema):
    external_ref = text(80, 1)
    changed_since = fields.DateTime()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class DisputeList(Schema):
    items = fields.List(fields.Nested(DisputeOut), required=True)


class FieldError(Schema):
    pointer = fields.String(required=True)
    detail = fields.String(required=True)
    location = fields.String()


class Problem(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldError))


class IotEventIn(Strict):
    device_id = text(80, 1, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["noise", "water_leak", "smoke", "gas", "other"]))
    value = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-1e9, max=1e9))
    threshold = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-1e9, max=1e9))
    place = text(200)
    at = fields.DateTime()


class IotEventOut(Schema):
    folded = fields.Boolean(required=True, metadata={"description": "false: below its threshold, not kept"})
    candidate_id = fields.Integer(required=True, allow_none=True)
    alarm_count = fields.Integer(required=True)
    status = fields.String(required=True, allow_none=True)


class MonthQuery(Schema):
    month = fields.String(validate=validate.Regexp(r"^20[0-9]{2}-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM; this month when left out"})


class SeatOut(Schema):
    room = fields.String(required=True)
    community = fields.String(required=True)
    seat = fields.Integer(required=True)
    lawyer = fields.String(required=True, allow_none=True)
    firm = fields.String(required=True, allow_none=True)


class RotaDayOut(Schema):
    date = fields.Date(required=True)
    holiday = fields.String(required=True, allow_none=True)
    seats = fields.List(fields.Nested(SeatOut), required=True)


class RotaOut(Schema):
    month = fields.String(required=True)
    days = fields.List(fields.Nested(RotaDayOut), required=True)


class CountsOut(Schema):
    registered = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    agreements = fields.Integer(required=True)
    on_spot = fields.Integer(required=True)
    # A share from 0 to 1; null until a case the rate counts has concluded (as when it counts none), where the
    # statistics page reads "—": never 0.0 for cases still awaiting acceptance or in mediation.
    success_rate = fields.Float(required=True, allow_none=True, metadata={"description": (
        "调解成功率: agreements ÷ accepted, 0 to 1; null while every accepted case is still in mediation, or none "
        "was accepted")})
    on_spot_rate = fields.Float(required=True, allow_none=True, metadata={"description": (
        "现场化解率: resolved on the spot ÷ registered, 0 to 1; null while no registered case has concluded (each "
        "awaits acceptance or is still in mediation), or none was registered")})
    resolution_rate = fields.Float(required=True, allow_none=True, metadata={"description": (
        "化解率: (agreements + resolved on the spot) ÷ registered, 0 to 1; null while no registered case has "
        "concluded (each awaits acceptance or is still in mediation), or none was registered")})


class GroupOut(CountsOut):
    code = fields.String(required=True)
    label = fields.Nested(Labels, required=True, allow_none=True)


class StatsOut(Schema):
    month = fields.String(required=True)
    community_id = fields.Integer(required=True)
    community = fields.String(required=True)
    totals = fields.Nested(CountsOut, required=True)
    closed = fields.Integer(required=True)
    mean_days = fields.Float(required=True, allow_none=True)
    p90_days = fields.Float(required=True, allow_none=True)
    by_type = fields.List(fields.Nested(GroupOut), required=True)
    by_channel = fields.List(fields.Nested(GroupOut), required=True)
