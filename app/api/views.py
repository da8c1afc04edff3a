"""The routes of /api/v1. Each is public to the login check (an integrator
has no session) and guarded instead by its client token and scope."""
from flask import current_app, jsonify, render_template
from flask_smorest import Blueprint

from ..auth.access import public
from . import disputes_api, iot, reads
from .guard import client_required, current_actor, current_client
from werkzeug.exceptions import HTTPException

from .problems import PROBLEM, ApiProblem, handle_api_problem, handle_http_exception
from .schemas import (MAX_PHOTOS, DisputeIn, DisputeList, DisputeOut, DisputeQuery, IotEventIn, IotEventOut,
                      MonthQuery, Problem, RotaOut, StatsOut)

blp = Blueprint("api", __name__, url_prefix="/api/v1",
                description="Cases sent by the city's other systems, and what they may read back.")
BEARER = [{"bearer": []}]
blp.register_error_handler(ApiProblem, handle_api_problem)
blp.register_error_handler(HTTPException, handle_http_exception)
# The app's handlers for these codes (HTML pages) would come before a
# blueprint's handler for HTTPException as a whole: name each code here too.
for _code in (400, 401, 403, 404, 405, 409, 413, 422, 429, 500):
    blp.register_error_handler(_code, handle_http_exception)


def problems(*codes):
    """Document the problem+json answers a route can give."""
    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, schema=Problem, content_type=PROBLEM)(view)
        return view

    return decorate


# Read by disputes_api.sent() rather than by webargs: one route takes the
# JSON body or its multipart variant, so the document states both here.
DISPUTE_BODY = {"required": True, "content": {
    "application/json": {"schema": DisputeIn},
    disputes_api.MULTIPART: {
        "schema": {"type": "object", "required": [disputes_api.DISPUTE_PART], "additionalProperties": False,
                   "properties": {
                       disputes_api.DISPUTE_PART: {"$ref": "#/components/schemas/DisputeIn"},
                       disputes_api.PHOTO_PART: {
                           "type": "array", "maxItems": MAX_PHOTOS,
                           "items": {"type": "string", "format": "binary"},
                           "description": "photo files (JPEG, PNG or WebP), with any base64 photos of the "
                                          f"JSON part at most {MAX_PHOTOS} in all"}}},
        "encoding": {disputes_api.DISPUTE_PART: {"contentType": "application/json"},
                     disputes_api.PHOTO_PART: {"contentType": "image/jpeg, image/png, image/webp"}}}}}


@blp.route("/disputes", methods=["POST"])
@public
@client_required("disputes:write")
@blp.response(201, DisputeOut)
@problems(400, 401, 403, 409, 413, 422, 429)
@blp.doc(security=BEARER, requestBody=DISPUTE_BODY, parameters=[{
    "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 200},
    "description": "The same key and body (with a multipart body: the same JSON part and the same photo files, "
                   "in order) give the same answer and one case; another body gives 409."}])
def submit_dispute():
    """Send a dispute (JSON, or multipart: a JSON part `dispute` and photo files `photos`): it enters as
    `submitted` through the centre's single intake."""
    status, body = disputes_api.submit()
    return body, status


@blp.route("/disputes", methods=["GET"])
@public
@client_required("disputes:read")
@blp.arguments(DisputeQuery, location="query")
@blp.response(200, DisputeList)
@problems(400, 401, 403, 422, 429)
@blp.doc(security=BEARER)
def list_disputes(query):
    """The cases this client sent, by its reference or changed since a moment."""
    return disputes_api.listing(query)


@blp.route("/disputes/<int:dispute_id>", methods=["GET"], endpoint="dispute")
@public
@client_required("disputes:read")
@blp.response(200, DisputeOut)
@problems(400, 401, 403, 404, 429)
@blp.doc(security=BEARER)
def get_dispute(dispute_id):
    """One case this client sent: its state (in both languages), dates and outcome; never personal data."""
    return disputes_api.one(dispute_id)


@blp.route("/iot/events", methods=["POST"])
@public
@client_required("iot:write")
@blp.arguments(IotEventIn)
@blp.response(202, IotEventOut)
@problems(400, 401, 403, 409, 422, 429)
@blp.doc(security=BEARER)
def iot_event(data):
    """An alarm from a registered device: folded with the device's alarms within the window into one candidate."""
    candidate, _ = iot.receive(current_client(), current_actor(), data)
    if candidate is None:
        return {"folded": False, "candidate_id": None, "alarm_count": 0, "status": None}
    return {"folded": True, "candidate_id": candidate.id, "alarm_count": candidate.alarm_count,
            "status": candidate.status}


@blp.route("/rota", methods=["GET"])
@public
@client_required("rota:read")
@blp.arguments(MonthQuery, location="query")
@blp.response(200, RotaOut)
@problems(400, 401, 403, 422, 429)
@blp.doc(security=BEARER)
def rota(query):
    """The published Saturday rota of a month: rooms, seats, lawyers' names and firms."""
    return reads.rota(query.get("month"))


@blp.route("/stats", methods=["GET"])
@public
@client_required("stats:read")
@blp.arguments(MonthQuery, location="query")
@blp.response(200, StatsOut)
@problems(400, 401, 403, 422, 429)
@blp.doc(security=BEARER)
def stats(query):
    """The month's statistics of the client's community, the same figures as the statistics page."""
    return reads.stats(current_client(), query.get("month"))


def openapi_json():
    return jsonify(current_app.extensions["api_spec"].spec.to_dict())


def docs_page():
    return render_template("api/docs.html", spec=current_app.extensions["api_spec"].spec.to_dict())
