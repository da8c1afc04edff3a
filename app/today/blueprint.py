from flask import Blueprint

bp = Blueprint("today", __name__)

from . import views  # noqa: E402,F401
