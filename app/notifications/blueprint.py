"""The notifications blueprint: `bp`, and the one module whose views are on it."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401  (its routes are on bp)
