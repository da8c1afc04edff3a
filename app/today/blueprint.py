"""The today blueprint: the /today page, from views.py, wired here so that no view module imports
the blueprint (as Indico's blueprint.py does).
"""
from flask import Blueprint

from . import views

bp = Blueprint("today", __name__)

bp.add_url_rule("/today", view_func=views.index)
