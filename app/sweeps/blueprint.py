"""The sweeps blueprint: its URLs and the views in views.py that answer them,
wired here so that no view module imports the blueprint (as Indico's
blueprint.py does).
"""
from flask import Blueprint

from . import views

bp = Blueprint("sweeps", __name__)

bp.context_processor(views.template_helpers)
bp.add_url_rule("/sweeps/", view_func=views.index)
bp.add_url_rule("/sweeps/record", view_func=views.record_sweep, methods=["GET", "POST"])
bp.add_url_rule("/sweeps/<int:sweep_id>", view_func=views.show)
bp.add_url_rule("/sweeps/<int:sweep_id>/register", view_func=views.register_found, methods=["GET", "POST"])
