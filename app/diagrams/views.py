from flask import Blueprint, abort, render_template

from workflows import WORKFLOWS
from workflows.diagram import mermaid

from ..i18n import translate

bp = Blueprint("diagrams", __name__, url_prefix="/workflows")


@bp.route("/")
def index():
    return render_template("diagrams/index.html", workflows=WORKFLOWS.values())


@bp.route("/<name>")
def show(name):
    wf = WORKFLOWS.get(name)
    if wf is None:
        abort(404)
    return render_template("diagrams/show.html", wf=wf, text=mermaid(wf, translate))
