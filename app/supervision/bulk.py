"""Signing off several closures at once (issue 16, item 9).

The page lists the reviews awaiting sign-off in the supervisor's scope; the
supervisor ticks several and signs them off with one click. Each review is
still its own step: its own engine.fire (own transaction, own audit event),
checked against the version the page showed, so a review decided or changed
by someone else meanwhile is refused and named, while the others go through.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock, engine
from ..engine.deadlines import colour
from ..auth.access import roles_required
from ..disputes import codes
from ..extensions import db
from ..validators import form_version
from .models import OUTCOMES, SignOff
from .scope import is_city_level

LIMIT = 100  # one page of reviews; the oldest due first, so nothing waits forever


def _awaiting(user, query):
    query = query.where(SignOff.state == "awaiting")
    if not is_city_level(user):
        query = query.where(SignOff.street_id == user.street_id)
    return query


def awaiting_query(user):
    return _awaiting(user, select(SignOff)).options(joinedload(SignOff.dispute)).order_by(
        SignOff.due_at, SignOff.id).limit(LIMIT)


def awaiting_count(user) -> int:
    """How many closures await the user's sign-off, all of them (the page lists the first LIMIT)."""
    return db.session.execute(_awaiting(user, select(func.count(SignOff.id)))).scalar()


@dataclass
class Choice:
    review_id: int
    version: str


def read_choices(values: list[str]) -> list[Choice] | None:
    """The ticked boxes, "review id:version" each; None if one is malformed."""
    choices = []
    for value in values:
        review_id, _sep, version = value.partition(":")
        if not review_id.isdigit() or not version.isdigit():
            return None
        choices.append(Choice(int(review_id), version))
    return choices


def sign_off_one(choice: Choice, comment: str) -> str | None:
    """Sign one review off; None when done, else why not (for the user)."""
    review = db.session.get(SignOff, choice.review_id)
    if review is None or not review.visible_to(current_user):
        return _("review %(id)s was not found in your scope", id=choice.review_id)
    title = review.dispute.title
    try:
        engine.fire(review, "sign_off", current_user, expected_version=form_version(choice.version),
                    comment=comment or None)
    except engine.Refused as refused:
        db.session.expire_all()
        return f"{title}: {refused.message}"
    return None


@roles_required("supervisor")
def bulk_sign_off():
    if request.method == "POST":
        choices = read_choices(request.form.getlist("review"))
        comment = (request.form.get("comment") or "").strip()[:2000]
        if choices is None:
            flash(_("The form was damaged: reload the page and tick the closures again."), "danger")
            return _render(400)
        if not choices:
            flash(_("Tick at least one closure to sign off."), "warning")
            return _render(422)
        problems = [problem for choice in choices if (problem := sign_off_one(choice, comment))]
        done = len(choices) - len(problems)
        if done:
            flash(_("Signed off: %(n)s closure(s).", n=done), "success")
        for problem in problems:
            flash(_("Not signed off: %(why)s. Reload the page and look at it again.", why=problem), "warning")
        return redirect(url_for(".bulk_sign_off"))
    return _render(200)


def _render(status: int):
    reviews = list(db.session.execute(awaiting_query(current_user)).unique().scalars())
    # Counted apart only when the list is cut: the closure history's count and this page's agree.
    total = awaiting_count(current_user) if len(reviews) >= LIMIT else len(reviews)
    now = clock.now()
    return render_template("supervision/bulk_sign_off.html", reviews=reviews, total=total, codes=codes,
                           outcomes=OUTCOMES, colour=lambda r: colour(r, now)), status
