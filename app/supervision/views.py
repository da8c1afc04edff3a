"""Supervisors' pages: closure history (with each case's timeline and
replay), sign-off, statistics, exports and the case file (卷宗).

Every page and every export is limited to the user's scope (scope.py):
another street's case or place gives 404, and nothing outside the scope is
ever counted or written into a file. Each export is an audit event.
"""
from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, pgettext
from flask_login import current_user

from workflows.signoff import SIGNOFF

from .. import clock, engine
from ..audit.chain import record
from ..timeline import timeline
from ..database import primary, replica_reads, writes
from ..auth.access import roles_required
from ..disputes import codes
from ..disputes.access import load_case
from ..disputes.models import Dispute
from ..disputes.rules import URGE_CASE, responsible_now
from ..engine.deadlines import colour
from ..engine.urgings import standing
from ..extensions import db
from ..form_errors import correct_the_marked, lead_to
from ..i18n import current_locale
from ..paging import COUNT_CAP, Page
from ..i18n import translate
from ..privacy import mask_id, mask_phone
from ..validators import form_version
from ..sweeps.codes import PARTICIPANT_KINDS
from .. import spreadsheets as exports
from . import bulk, casefile, grid_map, history, reports, stats, trends
from .forms import ClosureFilterForm, MapFilterForm, ReviewForm, StatsFilterForm
from .models import OUTCOMES, SignOff
from .replay import replay
from .rules import latest_signoff
from .scope import Place, Scope

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
bp.add_url_rule("/closures/sign-off", view_func=bulk.bulk_sign_off, methods=["GET", "POST"])

ROLES = ("supervisor", "admin")
# Sent as content_type, whole: given as mimetype, Werkzeug appends a second "; charset=utf-8".
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _bad_request(message: str):
    """A clear 400 page for a request that cannot be answered as asked."""
    return render_template("error.html", code=400, title=_("The request could not be understood"),
                           detail=message, hint=_("Go back, correct the filters and try again.")), 400


def _closure_filters(form):
    return history.ClosureFilters(
        date_from=form.date_from.data, date_to=form.date_to.data, dispute_type=form.dispute_type.data or None,
        channel=form.channel.data or None, outcome=form.outcome.data or None, review=form.review.data or None,
        days_min=form.days_min.data, days_max=form.days_max.data,
    )


def _filter_form(form_class):
    """A filter form read from the query string within the user's scope;
    places outside it come back in `dropped`, to be told to the user."""
    scope = Scope(current_user)
    form = form_class(formdata=request.args)
    form.fill_choices(scope, current_locale())
    place, dropped = form.read(scope)
    return scope, form, place, dropped


@bp.route("/")
@roles_required(*ROLES)
def index():
    return redirect(url_for(".closures"))


@bp.route("/closures")
@roles_required(*ROLES)
@replica_reads
def closures():
    scope, form, place, dropped = _filter_form(ClosureFilterForm)
    for label, error in dropped:
        flash(_("The filter “%(name)s” was ignored: %(error)s", name=label, error=error), "warning")
    per_page = current_app.config["SUPERVISION_PER_PAGE"]
    if form.reversed_range() or form.reversed_days():
        flash(_reversed_message(form), "warning")
        page = Page.empty(per_page)
    else:
        page = history.page(db.session, scope, place, _closure_filters(form), form.page.data or 1, per_page)
    awaiting = bulk.awaiting_count(current_user)
    return render_template("supervision/closures.html", form=form, page=page, link_args=form.link_args(),
                           codes=codes, outcomes=OUTCOMES, awaiting=awaiting, cap=COUNT_CAP)


def _reversed_message(form) -> str:
    if form.reversed_range():
        return _("The date range ends before it starts: no case can match.")
    return _("“%(low)s” is more than “%(high)s”: no case can match.", low=form.days_min.label.text,
             high=form.days_max.label.text)


def _send(sections, fmt: str, kind: str, filters: dict, rows: int):
    if fmt not in FORMATS:
        abort(404)
    body = exports.to_csv(sections) if fmt == "csv" else exports.to_xlsx(sections)
    with primary():  # the export's audit event is a write
        record("export", None, "export", current_user,
               data={"export": kind, "format": fmt, "filters": filters, "rows": rows})
        db.session.commit()
    stamp = clock.local_now().strftime("%Y%m%d-%H%M")  # the centre's date and time, as its people read them
    return Response(body, content_type=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{kind}-{stamp}.{fmt}"',
        "Cache-Control": "no-store",
    })


@bp.route("/closures/export.<fmt>")
@roles_required(*ROLES)
@writes  # the export is audited: this GET writes
@replica_reads
def export_closures(fmt):
    if fmt not in FORMATS:
        abort(404)
    scope, form, place, dropped = _filter_form(ClosureFilterForm)
    if dropped:
        return _bad_request(_("The filter “%(name)s” was ignored: %(error)s", name=dropped[0][0], error=dropped[0][1]))
    if form.reversed_range() or form.reversed_days():
        return _bad_request(_reversed_message(form))
    limit = current_app.config["EXPORT_MAX_ROWS"]
    rows, cut = history.all_rows(db.session, scope, place, _closure_filters(form), limit)
    if cut:
        return _bad_request(_("More than %(n)s cases match: narrow the filters and export again.", n=limit))
    return _send([reports.closures_section(rows)], fmt, "closures", form.link_args(), len(rows))


def _stats_period(form) -> tuple[date, date]:
    return form.period(clock.today())


@bp.route("/stats")
@roles_required(*ROLES)
@replica_reads
def statistics():
    scope, form, place, dropped = _filter_form(StatsFilterForm)
    for label, error in dropped:
        flash(_("The filter “%(name)s” was ignored: %(error)s", name=label, error=error), "warning")
    start, end = _stats_period(form)
    if form.reversed_range():
        flash(_("The period ends before it starts: no case can match."), "warning")
        board = stats.empty(start, end)
    else:
        board = stats.dashboard(scope, place, start, end, clock.now(), by_street=True)
    if form.step.data == "week" and not form.reversed_range():
        trend = trends.weekly(scope, place, start, end)
    else:
        trend = trends.monthly(board.by_month)
    lines = [("registered", pgettext("number of cases", "Registered"), "#0a58ca", ""),
             ("on_spot", _("On the spot"), "#198754", "6 3"), ("agreements", _("Agreements"), "#9c3d00", "2 3")]
    description = trends.describe(trend, {name: label for name, label, _c, _d in lines})
    return render_template("supervision/stats.html", form=form, board=board, codes=codes,
                           link_args=form.link_args(), place_names=form.place_names(),
                           alliance_kinds=PARTICIPANT_KINDS, trend=trend,
                           trend_lines=lines, trend_description=description,
                           opinion_labels=reports.opinion_labels(), rate_note=reports.rate_note)


@bp.route("/stats/export.<fmt>")
@roles_required(*ROLES)
@writes  # the export is audited: this GET writes
@replica_reads
def export_statistics(fmt):
    if fmt not in FORMATS:
        abort(404)
    scope, form, place, dropped = _filter_form(StatsFilterForm)
    if dropped:
        return _bad_request(_("The filter “%(name)s” was ignored: %(error)s", name=dropped[0][0], error=dropped[0][1]))
    start, end = _stats_period(form)
    if form.reversed_range():
        return _bad_request(_("The period ends before it starts: no case can match."))
    board = stats.dashboard(scope, place, start, end, clock.now())
    filters = dict(form.link_args(), first_day=start.isoformat(), last_day=end.isoformat())
    return _send(reports.statistics_sections(board), fmt, "statistics", filters, board.totals.registered)


@bp.route("/map")
@roles_required(*ROLES, "mediator", "gridworker")
@replica_reads
def grid_map_page():
    """The grids of the user's area coloured by a measure, with a table of
    the same figures; each grid links to its cases."""
    form = MapFilterForm(formdata=request.args)
    scope = Scope(current_user)
    streets = [(s.id, s.name) for s in scope.streets()] if scope.city else []
    for label, error in form.read(grid_map.MEASURES, streets):
        flash(_("The filter “%(name)s” was ignored: %(error)s", name=label, error=error), "warning")
    start, end = form.period(clock.today())
    if end < start:
        flash(_("The date range ends before it starts: no case can match."), "warning")
        start = end
    street = form.street_id()
    if street is not None:
        scope.check(Place(street_id=street))  # 404 for a street that does not exist
    gmap = grid_map.grid_map(current_user, form.measure.data, start, end, street)
    # The case list has no street filter: for one street of a city's map it would list the city's.
    return render_template("supervision/map.html", form=form, gmap=gmap, measures=grid_map.MEASURES,
                           case_args=grid_map.case_list_args, gridless_listed=street is None or not scope.city)


# --- one case: its timeline, its reviews, replay, case file


def _review_forms(dispute):
    review = latest_signoff(dispute.id)
    if review is None or review.state != "awaiting":
        return review, []
    offered = engine.available(review, current_user)
    forms = []
    for t in offered:
        form = ReviewForm(prefix=t.trigger)
        form.version.data = review.version
        form.review.data = review.id
        forms.append((t, form))
    return review, forms


def case_supervision(dispute) -> dict | None:
    """For the ordinary case page (its template includes
    supervision/_case_link.html): None for a user who may not open this
    case's supervision page (the roles of `case`, the view; the case page has
    already checked that the user may see the case); else whether its
    closure awaits this user's sign-off. Only a closed case can have a review
    waiting: no statement for the others."""
    if current_user.role not in ROLES:
        return None
    awaits = False
    if dispute.state == "closed":
        review = closure_review(dispute)
        awaits = review is not None and review.state == "awaiting" and bool(engine.available(review, current_user))
    return {"awaits_sign_off": awaits}


bp.add_app_template_global(case_supervision)


def closure_review(dispute):
    """The review of a closed case's closure, for the line on its page that
    says where the sign-off stands (supervision/_closure_review.html); None
    for a case not closed (no statement), read once per page."""
    if dispute.state != "closed":
        return None
    return _latest_review(dispute)


def returned_review(dispute):
    """The review that returned a case reopened by it, for the notice at the
    top of its page (who returned it, when, and the comment saying what to do
    again), while the case is open; None for a closed case (its latest
    closure's review is what closure_review says), one ended otherwise
    (withdrawn, rejected: nothing is left to do again) and one whose last
    review was not a return (or that has none)."""
    if dispute.state == "closed" or dispute.__workflow__.state(dispute.state).terminal:
        return None
    review = _latest_review(dispute)
    return review if review is not None and review.state == "returned" else None


def _latest_review(dispute):
    """Read once per page, whichever line asks."""
    kept = g.setdefault("closure_reviews", {})
    if dispute.id not in kept:
        kept[dispute.id] = latest_signoff(dispute.id)
    return kept[dispute.id]


bp.add_app_template_global(closure_review)
bp.add_app_template_global(returned_review)

# A case whose file (卷宗) is complete: what an archive files.
FILED_STATES = ("closed", "archived")


def casefile_offered(dispute) -> bool:
    """Whether the ordinary case page (its template includes
    supervision/_casefile_link.html) links to the case's file: for those who
    work the case at any time (they alone may print the archive copy), and
    once it is closed or archived for everyone whose role prints case files
    (CASEFILE_ROLES; the case page has already checked that the user may
    see the case, as the case file's own views do)."""
    if current_user.role not in CASEFILE_ROLES:
        return False
    return dispute.state in FILED_STATES or dispute.may_reveal_to(current_user)


bp.add_app_template_global(casefile_offered)


def _render_case(dispute, status=200, open_trigger=None, submitted=None):
    """The supervisor's case page; `submitted` is the form of the review step
    `open_trigger`, sent back with its errors."""
    locale = current_locale()
    review, forms = _review_forms(dispute)
    if submitted is not None:
        forms = [(t, submitted if t.trigger == open_trigger else f) for t, f in forms]
    reviews = db.session.query(SignOff).filter(SignOff.dispute_id == dispute.id).order_by(SignOff.round).all()
    # 督办 is taken on the case page, with the case's other steps: this page leads there.
    urge = next((t for t in engine.available(dispute, current_user) if t.trigger == URGE_CASE), None)
    return render_template(
        "supervision/case.html", d=dispute, state=dispute.__workflow__.state(dispute.state), review=review,
        reviews=reviews, forms=forms, open_trigger=open_trigger, timeline=timeline(dispute, locale), codes=codes,
        as_of_value=as_of_value, colour=colour(dispute), urge=urge,
        urged=standing(Dispute, [dispute]).get(dispute.id), responsible=responsible_now(dispute),
        outcomes=OUTCOMES, signoff_wf=SIGNOFF, mask_id=mask_id, mask_phone=mask_phone,
    ), status


@bp.route("/cases/<int:case_id>")
@roles_required(*ROLES)
def case(case_id):
    return _render_case(load_case(case_id))


@bp.route("/cases/<int:case_id>/review/<trigger>", methods=["POST"])
@roles_required(*ROLES)
def review(case_id, trigger):
    dispute = load_case(case_id)
    current = latest_signoff(dispute.id)
    t = SIGNOFF.transition(trigger, current.state) if current else None
    if current is None or t is None:
        flash(_("This closure has no review waiting: it may have been decided already. Reload the page."), "warning")
        return _render_case(dispute, 409)
    form = ReviewForm(formdata=request.form, prefix=trigger)
    if form.review.data and form.review.data != str(current.id):
        flash(_("The case was closed again since this page was loaded: read the new closing summary, then decide."),
              "warning")
        return _render_case(dispute, 409)
    if not form.validate():
        correct_the_marked(form, f"review-{trigger}")
        return _render_case(dispute, 422, trigger, form)
    comment = (form.comment.data or "").strip()
    try:
        extra = {"to_intake": bool(form.to_intake.data)} if "to_intake" in t.optional else {}
        engine.fire(current, trigger, current_user, expected_version=form_version(form.version.data), comment=comment,
                    **extra)
    except engine.Refused as refused:
        if refused.field == "comment":
            form.comment.errors = [str(refused.message)]
            flash(_("A comment is needed to return the case: tell the mediator what to do again."), "danger")
            lead_to(form, f"review-{trigger}")
        else:
            flash(str(refused.message), "danger")
        db.session.expire_all()
        return _render_case(load_case(case_id), refused.status, trigger, form)
    flash(_("Done: %(action)s.", action=translate(t.label)), "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.cli.command("rebuild-counters")
def rebuild_counters():
    """Recompute the statistics' counters and the open cases' counters from
    the cases (after bulk SQL that bypassed the application)."""
    import click

    from .counters import rebuild

    counted = rebuild()
    db.session.commit()
    click.echo(f"statistics and open-case counters rebuilt from {counted} cases")


def _moment(text: str | None) -> datetime | None:
    """A local date or date-and-time from the replay form, as stored UTC;
    a date alone means the end of that day."""
    text = (text or "").strip()
    for fmt, whole in (("%Y-%m-%dT%H:%M:%S", "second"), ("%Y-%m-%dT%H:%M", None), ("%Y-%m-%d %H:%M", None),
                       ("%Y-%m-%d", "day")):
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not 2000 <= local.year <= 2100:
            return None
        if whole == "day":
            local = datetime.combine(local.date(), time(23, 59, 59))
        elif whole == "second":  # a timeline event's own second: the event and everything before it
            local = local.replace(microsecond=999999)
        return clock.to_utc(local)
    return None


def as_of_value(moment: datetime) -> str:
    """A moment as the replay form and the timeline's links write it: local time, to the second."""
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M:%S")


@bp.route("/cases/<int:case_id>/as-of")
@roles_required(*ROLES)
def as_of(case_id):
    dispute = load_case(case_id)
    text = request.args.get("at", "").strip()
    if not text:  # opened from the case page, or sent empty: the case as it stands now
        text = as_of_value(clock.now())
    at = _moment(text)
    status = 200
    if at is None:
        flash(_("Give a date (and time) between 2000 and 2100, like 2026-03-01 or 2026-03-01T14:30."), "warning")
        status = 422
    snap = replay(dispute, at, current_locale()) if at else None
    users = {}
    if snap and snap.existed:
        from ..auth.models import User

        ids = {snap.assignee_id, *snap.co_mediator_ids} - {None}
        users = {u.id: u.display_name for u in db.session.query(User).filter(User.id.in_(ids))} if ids else {}
    return render_template("supervision/as_of.html", d=dispute, snap=snap, at_text=text, users=users,
                           as_of_value=as_of_value,
                           wf=dispute.__workflow__, codes=codes, mask_id=mask_id, mask_phone=mask_phone), status


# Those who work a case may print its case file too, and only they get the
# archive copy with ID numbers and phones in full (Dispute.may_reveal_to).
CASEFILE_ROLES = (*ROLES, "mediator", "gridworker")


def _casefile_copy(dispute) -> bool:
    """Whether the archive copy (personal data in full) was asked for; 403
    when the reader may not reveal this case's personal data."""
    if request.args.get("copy") != "archive":
        return False
    if not dispute.may_reveal_to(current_user):
        abort(403, description=_("The archive copy, with ID numbers and phone numbers in full, is only for the "
                                 "case's mediators and the person who registered it. The ordinary copy of the case "
                                 "file can be printed."))
    return True


def _casefile_audit(dispute, fmt, full) -> None:
    data = {"export": "casefile", "format": fmt}
    if full:
        data.update(copy="archive", party_ids=[p.id for p in dispute.parties], fields=["id_number", "phone"])
    record("dispute", dispute.id, "export", current_user, data=data)


@bp.route("/cases/<int:case_id>/casefile")
@roles_required(*CASEFILE_ROLES)
@writes  # the export is audited: this GET writes
def casefile_print(case_id):
    dispute = load_case(case_id)
    full = _casefile_copy(dispute)
    document = casefile.build(dispute, full=full)
    _casefile_audit(dispute, "print", full)
    db.session.commit()
    back = (url_for("supervision.case", case_id=dispute.id) if current_user.role in ROLES
            else url_for("disputes.show", case_id=dispute.id))
    return render_template("supervision/casefile.html", d=dispute, doc=document, back=back,
                           may_reveal=dispute.may_reveal_to(current_user), font_missing=not _font_ok())


def _font_ok() -> bool:
    try:
        casefile.font_path()
    except casefile.FontMissing:
        return False
    return True


@bp.route("/cases/<int:case_id>/casefile.pdf")
@roles_required(*CASEFILE_ROLES)
@writes  # the export is audited: this GET writes
def casefile_pdf(case_id):
    dispute = load_case(case_id)
    full = _casefile_copy(dispute)
    document = casefile.build(dispute, full=full)
    try:
        body = casefile.to_pdf(document)
    except casefile.FontMissing as missing:
        current_app.logger.error("case file PDF: CJK font missing at %s", missing)
        return render_template(
            "error.html", code=503, title=_("The PDF cannot be made on this server"),
            detail=_("The Chinese font it needs is not installed. Ask the administrator to run "
                     "“apt-get install fonts-noto-cjk” (or set CASEFILE_FONT)."),
            hint=_("The print view of the case file works meanwhile: print it, or save it as PDF from the browser."),
        ), 503
    _casefile_audit(dispute, "pdf", full)
    db.session.commit()
    name = f"casefile-{dispute.file_year or ''}-{dispute.file_seq or dispute.id}.pdf"
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
