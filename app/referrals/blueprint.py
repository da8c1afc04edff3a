"""The referrals blueprint: its URLs and the views in views.py that answer
them, wired here so that no view module imports the blueprint."""
from flask import Blueprint

from . import views

bp = Blueprint("referrals", __name__)

bp.app_context_processor(views.template_helpers)
bp.add_url_rule("/referrals/", view_func=views.index)
bp.add_url_rule("/referrals/<int:referral_id>", view_func=views.show)
bp.add_url_rule("/referrals/<int:referral_id>/files/<int:file_id>", view_func=views.attachment)
bp.add_url_rule("/referrals/<int:referral_id>/<trigger>", view_func=views.step, methods=["POST"])
bp.add_url_rule("/referrals/cases/<int:case_id>/new", view_func=views.refer_form)
bp.add_url_rule("/referrals/cases/<int:case_id>/new", view_func=views.new, methods=["POST"])
bp.add_url_rule("/referrals/departments", view_func=views.departments)
bp.add_url_rule("/referrals/departments", view_func=views.add_department, methods=["POST"],
                endpoint="add_department")
bp.add_url_rule("/referrals/departments/<int:department_id>", view_func=views.department)
bp.add_url_rule("/referrals/departments/<int:department_id>", view_func=views.edit_department, methods=["POST"],
                endpoint="edit_department")
bp.add_url_rule("/referrals/departments/<int:department_id>/deactivate", view_func=views.deactivate_department,
                methods=["POST"])
bp.add_url_rule("/referrals/departments/<int:department_id>/reactivate", view_func=views.reactivate_department,
                methods=["POST"])
bp.add_url_rule("/referrals/departments/<int:department_id>/deadlines", view_func=views.set_deadline,
                methods=["POST"])
bp.add_url_rule("/referrals/departments/<int:department_id>/deadlines/<kind>/remove",
                view_func=views.remove_deadline, methods=["POST"])
