"""The rota blueprint: every URL under /rota and the view that answers it.

The views are plain functions in views.py (a lawyer's duties and swaps),
board_views.py, consult_views.py, export_views.py, feed_views.py, plan_views.py and
roster_views.py; none of them imports this module, so this is the one place
that wires them (as Indico's blueprint.py does).
"""
from flask import Blueprint

from . import board_views, consult_views, export_views, feed_views, plan_views, roster_views, views

bp = Blueprint("rota", __name__, url_prefix="/rota")

bp.add_url_rule("/", view_func=views.overview)
bp.add_url_rule("/mine", view_func=views.mine)
bp.add_url_rule("/mine/unavailable", view_func=views.mark_unavailable, methods=["POST"])
bp.add_url_rule("/month", view_func=views.month)
bp.add_url_rule("/month/export.<fmt>", view_func=export_views.export_month)
bp.add_url_rule("/month/print", view_func=export_views.print_month)
bp.add_url_rule("/duties/<int:duty_id>", view_func=views.duty)
bp.add_url_rule("/duties/<int:duty_id>/fire/<trigger>", view_func=views.fire_duty, methods=["POST"])
bp.add_url_rule("/swaps/<int:swap_id>/fire/<trigger>", view_func=views.fire_swap, methods=["POST"])
bp.add_url_rule("/duties/<int:duty_id>/swap", view_func=views.request_swap, methods=["POST"])

bp.add_url_rule("/board", view_func=board_views.board)

bp.add_url_rule("/duties/<int:duty_id>/consultations", view_func=consult_views.log_consultation, methods=["POST"])
bp.add_url_rule("/consultations/<int:consultation_id>", view_func=consult_views.consultation)
bp.add_url_rule("/consultations/<int:consultation_id>/case", view_func=consult_views.to_case, methods=["POST"])
bp.add_url_rule("/consultations/<int:consultation_id>/legal-aid", view_func=consult_views.refer, methods=["POST"])
bp.add_url_rule("/consultations", view_func=consult_views.consultation_counts)

bp.add_url_rule("/board.ics", view_func=feed_views.board_ics)
bp.add_url_rule("/feed/<token>.ics", view_func=feed_views.lawyer_ics)
bp.add_url_rule("/mine/feed", view_func=feed_views.feed)
bp.add_url_rule("/mine/duties.ics", view_func=feed_views.download_ics)
bp.add_url_rule("/mine/feed", view_func=feed_views.issue_feed, methods=["POST"])
bp.add_url_rule("/mine/feed/revoke", view_func=feed_views.revoke_feed, methods=["POST"])

bp.add_url_rule("/plan", view_func=plan_views.plan)
bp.add_url_rule("/plan", view_func=plan_views.generate, methods=["POST"])
bp.add_url_rule("/plan/publish", view_func=plan_views.publish, methods=["POST"])
bp.add_url_rule("/plan/seat", view_func=plan_views.set_seat, methods=["POST"])
bp.add_url_rule("/holiday-days/<day>", view_func=plan_views.holiday_day, methods=["POST"])
bp.add_url_rule("/fairness", view_func=plan_views.fairness)

bp.add_url_rule("/lawyers", view_func=roster_views.lawyers)
bp.add_url_rule("/lawyers/new", view_func=roster_views.new_lawyer, methods=["GET", "POST"])
bp.add_url_rule("/lawyers/<int:lawyer_id>", view_func=roster_views.edit_lawyer, methods=["GET", "POST"])
bp.add_url_rule("/lawyers/<int:lawyer_id>/phone", view_func=roster_views.reveal_phone, methods=["POST"])
bp.add_url_rule("/rooms", view_func=roster_views.rooms)
bp.add_url_rule("/rooms/new", view_func=roster_views.new_room, methods=["GET", "POST"])
bp.add_url_rule("/rooms/<int:room_id>", view_func=roster_views.edit_room, methods=["GET", "POST"])
bp.add_url_rule("/holidays", view_func=roster_views.holidays, methods=["GET", "POST"])
bp.add_url_rule("/holidays/<int:holiday_id>/delete", view_func=roster_views.delete_holiday, methods=["POST"])
