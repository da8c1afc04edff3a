"""The audit pages: the browser of every event, and the integrity check
with the digest to keep (download) and to check against (paste or upload)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, render_template, request
from flask_babel import gettext as _, pgettext
from flask_login import current_user
from sqlalchemy import select

from workflows import ROLES as ALL_ROLES

from .. import clock
from ..audit.chain import Digest, current_digest
from ..audit.digestcheck import compare
from ..audit.personal import open_all
from ..audit.verify import verify
from ..auth.access import roles_required
from ..auth.models import User
from ..database import read_only, replica_reads
from ..engine.registry import workflow_for_entity_type
from ..extensions import db
from ..i18n import current_locale, translate
from ..labels import field_label, names_for, readable
from ..privacy import mask_data
from ..timeline import export_word, state_labels, step_note, word
from . import audit_log, audit_subjects
from .forms import LISTED, AuditFilterForm
from .history import Page

bp = Blueprint("audit", __name__, url_prefix="/audit")

ROLES = ("supervisor", "admin")
MAX_DIGEST_FILE = 4096


def transition_of(event):
    """The workflow step the event records, or None."""
    wf = workflow_for_entity_type(event.entity_type)
    return wf.transition(event.trigger, event.from_state or "") if wf else None


def action_label(event, locale: str, payload: dict | None = None) -> str:
    named = export_word(event.trigger, payload or {}, locale) or word(event.entity_type, event.trigger, locale)
    if named is not None:
        return named
    t = transition_of(event)
    return translate(t.label, locale) if t else event.trigger


def _row(event, raw: dict, data: dict, names: dict, recorded: dict, subject, locale: str) -> dict:
    # A step's reason, or the note submitted with it (a supervisor's urging), told as the histories tell it.
    reason, reason_label, data = step_note(event, data, transition_of(event), locale)
    # Every event, the draft a legal opinion passes through too: the log is the whole record.
    from_label, to_label = state_labels(event, lambda code: state_label(event.entity_type, code, locale))
    return dict(event=event, actor=names.get(event.actor_id) or client_name(event, raw),
                action=action_label(event, locale, raw), from_label=from_label, to_label=to_label, subject=subject,
                reason=reason, reason_label=reason_label, data=readable(data, locale, recorded, event.entity_type))


def state_label(entity_type, code, locale):
    wf = workflow_for_entity_type(entity_type)
    if not code:
        return None
    return translate(wf.state(code).label, locale) if wf and wf.has_state(code) else code


# An integrator has no user account: its events keep the client's name in
# their data instead ("api_client"; "client" on refused calls).
CLIENT_KEYS = ("api_client", "client")


def client_name(event, data: dict) -> str | None:
    if event.actor_role != "api_client":
        return None
    return next((str(data[k]) for k in CLIENT_KEYS if data.get(k)), None)


@bp.route("/")
@roles_required(*ROLES)
@replica_reads
def events():
    locale = current_locale()
    form = AuditFilterForm(formdata=request.args)
    form.role.choices = [("", _("Any role"))] + [(r, r) for r in ALL_ROLES + ("system", "anonymous", "api_client")]
    for label, error in form.drop_invalid():
        flash(_("The filter “%(name)s” was ignored: %(error)s", name=label, error=error), "warning")
    typed = _choose_actor(form)
    per_page = current_app.config["SUPERVISION_PER_PAGE"]
    # A type or an action typed as the table shows it (纠纷案件, 登记签名) or as its code (old links).
    filters = audit_log.EventFilters(
        actor_id=form.actor.data, role=form.role.data or None,
        entity_types=audit_log.entity_types_named(form.entity_type.data, locale),
        entity_id=form.entity_id.data, actions=audit_log.actions_named(form.trigger.data, locale),
        date_from=form.date_from.data, date_to=form.date_to.data)
    if form.reversed_range():
        flash(_("The date range ends before it starts: no event can match."), "warning")
        page = Page(rows=[], number=1, per_page=per_page, total=0, capped=False)
    else:
        page = audit_log.page(current_user, filters, form.page.data or 1, per_page)
    ids = {e.actor_id for e in page.rows} - {None}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    # Personal values decrypted, then masked; the engine's own record of what a step set ("_" keys) left out.
    opened = open_all(page.rows, db.session)
    payloads = [mask_data({k: v for k, v in p.items() if not k.startswith("_")}) for p in opened]
    recorded = names_for(payloads, known={"user_id": names})  # the actors, named already: not asked again
    about = audit_subjects.subjects(page.rows, locale, opened, current_user)
    rows = [_row(e, raw, data, names, recorded, about[e.id], locale) for e, raw, data in zip(page.rows, opened, payloads)]
    return render_template("supervision/audit_events.html", form=form, actor_typed=typed, page=page, rows=rows,
                           link_args=form.link_args(),
                           entity_types=sorted(audit_log.entity_type_labels(locale)),
                           actions=sorted(audit_log.action_labels(locale)),
                           field_label=lambda n, entity_type=None: field_label(n, locale, entity_type))


def _choose_actor(form) -> bool:
    """Fill the actor filter: a select of the people in scope, or, past
    LISTED of them (a street's hundreds of grid workers, a city's
    thousands), a name typed. A typed name (also in a link kept from such a
    page) is found here: one match chosen, several or none told and the
    filter dropped. Returns whether the page shows the name typed."""
    people = audit_log.actors_in_scope(current_user, limit=LISTED + 1)
    typed = form.actor_name.data
    if typed:
        found = audit_log.actors_in_scope(current_user, limit=6, named=typed)
        form.actor.data = found[0][0] if len(found) == 1 else None
        if not found:
            flash(_("No one in your area is called “%(name)s”: the filter “Done by” was ignored.", name=typed),
                  "warning")
        elif len(found) > 1:
            listed = pgettext("list separator", ", ").join(f"{n} ({u})" for _i, n, u in found[:5]) + (
                "…" if len(found) > 5 else "")
            flash(_("Several people match “%(name)s” (%(people)s): type a user name. The filter “Done by” was "
                    "ignored.", name=typed, people=listed), "warning")
    everyone = [("", _("Anyone"))]
    as_select = len(people) <= LISTED
    if as_select:
        chosen = [p for p in people if p[0] == form.actor.data]
        form.actor.choices = everyone + [(i, f"{name} ({username})") for i, name, username in people]
    else:
        chosen = audit_log.actors_in_scope(current_user, actor_id=form.actor.data) if form.actor.data else []
        form.actor.choices = everyone + [(i, name) for i, name, _u in chosen]
        if chosen:
            form.actor_name.data = chosen[0][2]  # the user name, typed back as it would be
    if form.actor.data is not None and not chosen:
        # An id from a link (another street's person, or one since gone): the
        # box would show no one while the list showed only their events.
        form.actor.data = None
        flash(_("The person in “Done by” is not in your area: the filter was ignored."), "warning")
    return not as_select


def _read_digest(text: str):
    try:
        return Digest.parse(text), None
    except (ValueError, IndexError):
        return None, _("That is not an audit digest. A digest is one line like "
                       "“audit-digest events=1234 head=” followed by 64 characters 0-9 and a-f.")


@bp.route("/verify", methods=["GET", "POST"])
@roles_required(*ROLES)
def check():
    """Run the integrity check (on request: it reads the whole log), and
    compare the log with a digest kept earlier, pasted or uploaded."""
    digest_line, digest_error, comparison, status = "", None, None, 200
    if request.method == "POST":
        upload = request.files.get("digest_file")
        raw = upload.read(MAX_DIGEST_FILE + 1) if upload else b""
        if not raw:
            digest_error = _("Choose the digest file you kept.")
        elif len(raw) > MAX_DIGEST_FILE:
            digest_error = _("That file is too large to be a digest.")
        else:
            digest_line = raw.decode("utf-8", errors="replace").strip().splitlines()[0] if raw.strip() else ""
    else:
        digest_line = request.args.get("digest", "").strip()[:400]
    digest = None
    if digest_line and not digest_error:
        digest, digest_error = _read_digest(digest_line)
    if digest_error:
        status = 422
    # A digest that could not be read is not checked, and neither is the log:
    # a green "intact" beside the error would read as the digest's result.
    run = digest is not None or (request.args.get("run") == "1" and not digest_error)
    # A read-only check, POST or not: one snapshot, never the write lock. In
    # this process: a web worker is not forked (the command line checks a
    # large log in worker processes).
    with read_only():
        problems = verify(workers=1) if run else None
        if digest is not None:
            comparison = compare(digest)
        return render_template("supervision/audit_verify.html", problems=problems, current=current_digest(),
                               checked_against=digest, comparison=comparison, digest_error=digest_error,
                               digest_line=digest_line, ran=run), status


@bp.route("/digest.txt")
@roles_required(*ROLES)
def download_digest():
    """The current digest as a small file to keep somewhere safe."""
    digest = current_digest()
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")  # the centre's date and time, as its people read them
    return Response(f"{digest}\n", content_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="audit-digest-{stamp}.txt"', "Cache-Control": "no-store"})

