"""The disputes blueprint: every URL under /cases and the view that answers it.

The views are plain functions in views.py (the lists, registering a case, one
case, its steps and edits), parties.py, attachments.py, agreement.py and
sessions.py. None of them imports this module, so this is the one place that
wires them, and no view module needs another to get `bp` (the way Indico's
blueprint.py modules wire their controllers).
"""
from flask import Blueprint

from . import agreement, assistants, attachments, bulk, judicial, loose_ends, parties, sessions, views

bp = Blueprint("disputes", __name__, url_prefix="/cases")

bp.add_url_rule("/", view_func=views.index)
bp.add_url_rule("/mine", view_func=views.mine)
bp.add_url_rule("/mine/assign", view_func=bulk.bulk_assign, methods=["POST"])
bp.add_url_rule("/report", view_func=assistants.report, methods=["GET", "POST"])
bp.add_url_rule("/reported", view_func=assistants.reported)
bp.add_url_rule("/new", view_func=views.new, methods=["GET", "POST"])
bp.add_url_rule("/<int:case_id>", view_func=views.show)
bp.add_url_rule("/<int:case_id>/steps/<trigger>", view_func=views.step)
bp.add_url_rule("/<int:case_id>/fire/<trigger>", view_func=views.fire, methods=["POST"])
bp.add_url_rule("/<int:case_id>/edit", view_func=views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:case_id>/slip", view_func=views.slip)
bp.add_url_rule("/<int:case_id>/parties/<int:party_id>/reveal", view_func=views.reveal, methods=["POST"])

bp.app_context_processor(views.inbox_helpers)

bp.add_url_rule("/<int:case_id>/parties/new", view_func=parties.new_party, methods=["GET", "POST"])
bp.add_url_rule("/<int:case_id>/parties/<int:party_id>/edit", view_func=parties.edit_party, methods=["GET", "POST"])

bp.add_app_template_global(attachments.attachment_form)
bp.add_app_template_global(loose_ends.of_case, "case_loose_ends")
bp.add_app_template_global(loose_ends.withdrawn_by, "withdrawn_by_step")
bp.add_app_template_global(attachments.may_upload)
bp.add_app_template_global(attachments.attachment_is_image)
bp.add_app_template_filter(attachments.filesize)
bp.add_url_rule("/<int:case_id>/attachments", view_func=attachments.upload_form)
bp.add_url_rule("/<int:case_id>/attachments", view_func=attachments.attachment_upload, methods=["POST"])
bp.add_url_rule("/<int:case_id>/attachments/<int:attachment_id>", view_func=attachments.attachment)

# The case page's helpers are the app's: other domains' views answer with the case page too
# (a referral, a follow-up or an elder's step sent back with its errors, case_page.render_case).
bp.add_app_template_global(agreement.confirmation_window)
bp.add_app_template_global(judicial.judicial_confirmation)
bp.add_url_rule("/<int:case_id>/agreement/print", view_func=agreement.print_agreement)

bp.add_app_template_global(sessions.session_panel)
bp.add_url_rule("/<int:case_id>/sessions", view_func=sessions.session_form)
bp.add_url_rule("/<int:case_id>/sessions", view_func=sessions.record_session, methods=["POST"])
