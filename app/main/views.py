from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from workflows import WORKFLOWS

from . import calendar_admin

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.role in ("mediator", "gridworker"):
        return redirect(url_for("disputes.mine"))
    if current_user.role == "lawyer":
        return redirect(url_for("rota.mine"))
    if current_user.role == "coordinator":
        return redirect(url_for("rota.overview"))
    if current_user.role == "elder":
        return redirect(url_for("elders.mine"))
    if current_user.role == "supervisor":
        return redirect(url_for("supervision.closures"))
    if current_user.role == "assistant":
        return redirect(url_for("disputes.reported"))
    if current_user.role == "liaison":
        return redirect(url_for("referrals.index"))
    if current_user.role == "admin":
        return redirect(url_for("disputes.index"))
    return render_template("main/index.html", workflows=WORKFLOWS.values())


# The admin's holiday notices (calendar_admin.py).
bp.add_url_rule("/admin/calendar", view_func=calendar_admin.calendar_page, methods=["GET", "POST"])
bp.add_url_rule("/admin/calendar/<int:entry>/remove", view_func=calendar_admin.remove_entry,
                methods=["POST"], endpoint="remove_calendar_entry")
