from flask import Blueprint, render_template, request

from ..auth.access import roles_required
from .chain import Digest, current_digest
from .verify import verify

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/verify")
@roles_required("supervisor", "admin")
def check():
    """Run the integrity check, optionally against a digest kept earlier."""
    digest_line = request.args.get("digest", "").strip()
    digest, digest_error = None, None
    if digest_line:
        try:
            digest = Digest.parse(digest_line)
        except ValueError as error:
            digest_error = str(error)
    problems = verify(digest) if not digest_error else []
    return render_template("audit/verify.html", problems=problems, digest=current_digest(),
                           checked_against=digest, digest_error=digest_error, digest_line=digest_line)
