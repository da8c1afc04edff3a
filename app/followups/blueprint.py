from flask import Blueprint

bp = Blueprint("followups", __name__)

from . import views  # noqa: E402,F401
