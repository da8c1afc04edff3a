"""The follow-ups blueprint: its URLs and the views in views.py that answer
them, wired here so that no view module imports the blueprint (as Indico's
blueprint.py does).
"""
from flask import Blueprint

from . import views

bp = Blueprint("followups", __name__)

bp.app_context_processor(views.template_helpers)
bp.add_url_rule("/followups/", view_func=views.index)
bp.add_url_rule("/followups/<int:followup_id>", view_func=views.show)
bp.add_url_rule("/followups/<int:followup_id>/visit", view_func=views.record_visit, methods=["POST"])
bp.add_url_rule("/followups/<int:followup_id>/urge", view_func=views.urge, methods=["POST"])
bp.add_url_rule("/followups/cases/<int:case_id>/add", view_func=views.add_form)
bp.add_url_rule("/followups/cases/<int:case_id>/add", view_func=views.add, methods=["POST"])
