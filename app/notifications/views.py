"""The notifications page, the bell's count, and the e-mail settings.

Marking a notification read is the reader's own bookkeeping, not a step of
any case, so it is not audited; changing where notifications are e-mailed
is (without the address itself: it is personal data)."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from workflows import ROLES

from .. import clock
from ..audit.chain import record
from ..auth.access import roles_required
from ..extensions import db
from ..form_errors import correct_the_marked
from ..paging import page_of
from .forms import NotificationSettingsForm
from .models import Notification, NotificationPref
from .service import states_of, text_of, unread_count, url_of


def bell():
    def unread():
        if not current_user.is_authenticated:
            return 0
        return unread_count(current_user)

    return {"unread_notifications": unread}


def _own(note_id: int) -> Notification:
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    return note


@roles_required(*ROLES)
def index():
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    # Only the unread: the few that still ask something, out from under the many read.
    unread = request.args.get("unread") == "1"
    query = select(Notification).where(Notification.user_id == current_user.id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    # Newest written first: a notice's own time (a step's, which a timer may run late), not the order of the ids.
    page = page_of(query, (Notification.created_at.desc(), Notification.id.desc()), number,
                   current_app.config["FOLLOWUPS_PER_PAGE"])
    return render_template("notifications/index.html", page=page, text_of=text_of, url_of=url_of, unread=unread,
                           link_args={"unread": "1"} if unread else {}, row_now=states_of(page.rows))


@roles_required(*ROLES)
def open_notification(note_id):
    """Mark it read and go to what it is about."""
    note = _own(note_id)
    if note.read_at is None:
        note.read_at = clock.now()
        db.session.commit()
    return redirect(url_of(note) or url_for(".index"))


@roles_required(*ROLES)
def mark_all_read():
    done = db.session.execute(
        update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    ).rowcount
    db.session.commit()
    flash(_("%(n)s notification(s) marked as read.", n=done), "success")
    return redirect(url_for(".index"))


@roles_required(*ROLES)
def settings():
    pref = db.session.get(NotificationPref, current_user.id)
    form = NotificationSettingsForm(obj=pref if request.method == "GET" else None)
    mail_on = bool(current_app.config.get("MAIL_ENABLED"))
    if form.validate_on_submit():
        email = (form.email.data or "").strip() or None
        if pref is None:
            pref = NotificationPref(user_id=current_user.id, email_on=False)
            db.session.add(pref)
        before = {"email_set": bool(pref.email), "email_on": bool(pref.email_on)}
        pref.email, pref.email_on, pref.changed_at = email, bool(form.email_on.data), clock.now()
        after = {"email_set": bool(email), "email_on": pref.email_on}
        record("user", current_user.id, "notification_settings", current_user,
               data={"changes": {k: [before[k], after[k]] for k in after}})
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".settings"))
    status = 200
    if form.is_submitted():
        correct_the_marked(form)
        status = 422
    return render_template("notifications/settings.html", form=form, mail_on=mail_on), status
