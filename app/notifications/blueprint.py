"""The notifications blueprint: its URLs, the bell on every page, and the
views in views.py that answer them, wired here so that no view module
imports the blueprint (as Indico's blueprint.py does).
"""
from flask import Blueprint

from . import views

bp = Blueprint("notifications", __name__)

bp.app_context_processor(views.bell)
bp.add_url_rule("/notifications/", view_func=views.index)
bp.add_url_rule("/notifications/<int:note_id>/open", view_func=views.open_notification, methods=["POST"])
bp.add_url_rule("/notifications/read", view_func=views.mark_all_read, methods=["POST"])
bp.add_url_rule("/notifications/settings", view_func=views.settings, methods=["GET", "POST"])
