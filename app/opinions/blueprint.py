"""The opinions blueprint: every URL under /opinions and the view that answers it."""
from flask import Blueprint

from . import views

bp = Blueprint("opinions", __name__, url_prefix="/opinions")

bp.app_context_processor(views.template_helpers)
bp.add_url_rule("/cases/<int:case_id>/new", view_func=views.new_request, methods=["GET", "POST"])
bp.add_url_rule("/<int:opinion_id>/<trigger>", view_func=views.step, methods=["POST"])
bp.add_url_rule("/mine", view_func=views.mine)
bp.add_url_rule("/<int:opinion_id>", view_func=views.show)
