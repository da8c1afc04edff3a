"""The today blueprint: the /today page and the due-time wording every page's
templates use, from views.py, wired here so that no view module imports
the blueprint (as Indico's blueprint.py does).
"""
from flask import Blueprint

from . import views

bp = Blueprint("today", __name__)

bp.app_context_processor(views.template_helpers)
bp.add_url_rule("/today", view_func=views.index)
