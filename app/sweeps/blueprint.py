from flask import Blueprint

bp = Blueprint("sweeps", __name__)

from . import views  # noqa: E402,F401
