"""The elders blueprint: every URL under /elders and the view that answers it.

The views are plain functions in views.py (the council on a case and the
elders' own pages), roster.py and load.py; none of them imports this module,
so this is the one place that wires them (as Indico's blueprint.py does).
"""
from flask import Blueprint

from . import load, roster, views

bp = Blueprint("elders", __name__, url_prefix="/elders")

bp.app_context_processor(views.template_helpers)
bp.add_url_rule("/cases/<int:case_id>/suggest", view_func=views.suggestions)
bp.add_url_rule("/cases/<int:case_id>/invite/<int:elder_id>", view_func=views.invite_elder, methods=["POST"])
bp.add_url_rule("/assignments/<int:assignment_id>/<trigger>", view_func=views.step, methods=["POST"])
bp.add_url_rule("/me", view_func=views.mine)
bp.add_url_rule("/invitations/<int:assignment_id>", view_func=views.invitation)

bp.add_url_rule("/load", view_func=load.load_table)

bp.add_url_rule("/roster", view_func=roster.roster)
bp.add_url_rule("/roster/new", view_func=roster.new_elder, methods=["GET", "POST"])
bp.add_url_rule("/roster/<int:elder_id>/edit", view_func=roster.edit_elder, methods=["GET", "POST"])
bp.add_url_rule("/roster/<int:elder_id>", view_func=roster.elder_page)
bp.add_url_rule("/roster/<int:elder_id>/reveal", view_func=roster.reveal_phone, methods=["POST"])
bp.add_url_rule("/roster/<int:elder_id>/unavailable", view_func=roster.add_unavailable, methods=["POST"])
bp.add_url_rule("/roster/<int:elder_id>/unavailable/<int:row_id>/delete", view_func=roster.remove_unavailable,
                methods=["POST"])
bp.add_url_rule("/roster/<int:elder_id>/relations", view_func=roster.add_relation, methods=["POST"])
bp.add_url_rule("/roster/<int:elder_id>/relations/<int:row_id>/delete", view_func=roster.remove_relation,
                methods=["POST"])
