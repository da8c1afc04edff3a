"""Errors as RFC 9457 problem details (`application/problem+json`), with one
entry per invalid field in `errors` (a JSON pointer into the body and what
is wrong with it)."""
from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM = "application/problem+json"


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str, *, errors: list[dict] | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors or [], headers or {}


def problem_response(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None):
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages, prefix: str = "") -> list[dict]:
    """marshmallow's nested {field: [message]} as flat entries with a JSON
    pointer each: {"pointer": "#/parties/0/name", "detail": "..."}."""
    found = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            found += field_errors(value, f"{prefix}/{key}")
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        found += [{"pointer": f"#{prefix}" if prefix else "#", "detail": m} for m in messages]
    elif isinstance(messages, list):
        for value in messages:
            found += field_errors(value, prefix)
    else:
        found.append({"pointer": f"#{prefix}" if prefix else "#", "detail": str(messages)})
    return found


def handle_api_problem(error: ApiProblem):
    return problem_response(error.status, error.detail, error.errors, error.headers)


def handle_http_exception(error: HTTPException):
    """Werkzeug's errors inside the API, and webargs' refusals of a body
    (which it raises as 400 or 422 with the messages attached): a body that
    cannot be used is always 422."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages is not None:
        # webargs keys messages by location ("json", "query"); the pointer is into that part.
        errors = []
        for location, fields in messages.items():
            errors += field_errors(fields) if location == "json" else [
                dict(e, pointer=e["pointer"], location=location) for e in field_errors(fields)]
        return problem_response(422, "The request is not valid: see errors, one entry per field.", errors)
    # A 405 names the methods the path takes, as the HTTP standard wants.
    allow = {k: v for k, v in error.get_headers() if k == "Allow"}
    return problem_response(error.code or 500, error.description or "", headers=allow)
