"""The administrators' users pages (/admin/users): the list with its filters,
making an account, and one account's page (its name, role and places,
deactivating and reactivating it, a new password, resetting its two-step
verification). For the role `admin` only. Every change goes through
accounts.py (as `flask users create` does) or two_factor.reset (as `flask
users reset-2fa` does), audited in the change's transaction.

Two administrators editing one account: each form carries the state it was
loaded with (accounts.state_of); a change made meanwhile is refused with 409
rather than overwritten."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext, pgettext
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from workflows import ROLES

from ..extensions import db
from ..form_errors import correct_the_marked
from ..i18n import current_locale
from ..paging import page_of
from . import accounts, place_choices, two_factor
from .access import roles_required
from .forms import AccountForm, AccountStateForm, PasswordSetForm, TwoFactorResetForm, UserCreateForm, UserFilterForm
from .models import TwoFactor, User
from .roles import role_label

bp = Blueprint("users", __name__, url_prefix="/admin/users")

ADMIN = "admin"
PLACE_FIELDS = ("street_id", "community_id", "grid_id", "department_id")


def _role_choices(locale: str) -> list[tuple[str, str]]:
    return [(role, role_label(role, locale)) for role in ROLES]


# The list -----------------------------------------------------------------------


def _filter_form(locale: str) -> UserFilterForm:
    form = UserFilterForm(formdata=request.args)
    form.role.choices = [("", _("All roles"))] + _role_choices(locale)
    form.active.choices = [("", _("Active and deactivated")), ("yes", pgettext("account state", "Active")), ("no", _("Deactivated"))]
    form.place.choices = place_choices.filter_choices()
    form.validate()
    for name in form.errors:
        form[name].data = form[name].default
    return form


def _with_two_factor(ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.execute(select(TwoFactor.user_id).where(
        TwoFactor.user_id.in_(ids), TwoFactor.confirmed_at.is_not(None))).scalars())


@bp.route("")
@roles_required(ADMIN)
def index():
    locale = current_locale()
    form = _filter_form(locale)
    query = select(User)
    if form.role.data:
        query = query.where(User.role == form.role.data)
    if form.active.data:
        query = query.where(User.active.is_(form.active.data == "yes"))
    in_place = place_choices.filter_clause(form.place.data)
    if in_place is not None:
        query = query.where(in_place)
    text = (form.q.data or "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\")))
    page = page_of(query, (User.username, User.id), form.page.data or 1, current_app.config["USERS_PER_PAGE"],
                   options=[selectinload(getattr(User, name)) for name in ("street", "community", "grid", "department")])
    args = {name: form[name].data for name in ("role", "active", "place", "q") if form[name].data}
    return render_template("auth/users.html", form=form, page=page, link_args=args,
                           two_factor_on=_with_two_factor([u.id for u in page.rows]))


# The account's details ---------------------------------------------------------------


def _fill_choices(form: AccountForm, locale: str, *, new: bool = False, user: User | None = None) -> None:
    # A new account's role is chosen, not left at the list's first (an account made a mediator by default).
    form.role.choices = ([("", _("Choose a role"))] if new else []) + _role_choices(locale)
    place_choices.fill(form, department_id=user.department_id if user is not None else None)


def _details(form: AccountForm) -> accounts.Details:
    places = {name: form[name].data or None for name in PLACE_FIELDS}
    whole_city = places["street_id"] == place_choices.WHOLE_CITY
    if whole_city:
        places["street_id"] = None
    return accounts.Details(display_name=form.display_name.data or "", role=form.role.data, whole_city=whole_city,
                            **places)


def _show_problem(form, problem: accounts.AccountProblem, anchor: str | None = None) -> None:
    """A refusal of the accounts service: on its field, announced at the top
    and focused as the form's own checks are (a grid worker without a grid);
    one of no field of the form as the top message alone."""
    field = {"password": "password", "username": "username", "role": "role", "display_name": "display_name",
             "street": "street_id", "community": "community_id", "grid": "grid_id",
             "department": "department_id"}.get(problem.field)
    if field and field in form:
        form[field].errors = list(form[field].errors) + [problem.message]
        correct_the_marked(form, anchor)
    else:
        flash(problem.message, "danger")


def _new_page(form: UserCreateForm, status: int = 200):
    return render_template("auth/user_new.html", form=form, role_places=accounts.ROLE_PLACES), status


@bp.route("/new")
@roles_required(ADMIN)
def new():
    """The form for a new account; `role` and `department_id` in the query
    preselect them (the department page's "add a liaison")."""
    form = UserCreateForm(formdata=None)
    _fill_choices(form, current_locale(), new=True)
    if request.args.get("role") in ROLES:
        form.role.data = request.args["role"]
    department_id = request.args.get("department_id", type=int)
    if department_id and any(value == department_id for value, *_ in form.department_id.iter_choices()):
        form.department_id.data = department_id
    return _new_page(form)


@bp.route("/new", methods=["POST"])
@roles_required(ADMIN)
def create():
    form = UserCreateForm()
    _fill_choices(form, current_locale(), new=True)
    if not form.validate_on_submit():
        correct_the_marked(form)
        return _new_page(form, 422)
    try:
        user = accounts.create(form.username.data, _details(form), form.password.data, current_user, "web")
    except accounts.AccountProblem as problem:
        db.session.rollback()
        _show_problem(form, problem)
        return _new_page(form, 422)
    db.session.commit()
    flash(_("Account %(username)s created. Give its password to its user in person.", username=user.username),
          "success")
    if user.role in ROSTER_LINKED:
        # Until the coordinator links it, the new volunteer's first login ends at "ask the coordinator".
        flash(ROSTER_LINKED[user.role], "info")
    return redirect(url_for("users.show", user_id=user.id))


ROSTER_LINKED = {
    "lawyer": _l("The account works once the coordinator links it to the lawyer's entry (Lawyers → the lawyer → "
                 "Login): tell the coordinator."),
    "elder": _l("The account works once the coordinator links it to the elder's entry (Council of elders → the "
                "elder → Login account): tell the coordinator."),
}


def _load(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _account_form(user: User, formdata=None) -> AccountForm:
    form = AccountForm(formdata=formdata)
    _fill_choices(form, current_locale(), user=user)
    if formdata is None:
        form.display_name.data, form.role.data = user.display_name, user.role
        for name in PLACE_FIELDS:
            form[name].data = getattr(user, name) or 0
        if user.role in accounts.STREET_OR_CITY and not user.street_id:
            form.street_id.data = place_choices.WHOLE_CITY
        form.state.data = accounts.state_of(user)
    return form


def _user_page(user: User, status: int = 200, **forms):
    state = accounts.state_of(user)
    context = {
        "form": forms.get("form") or _account_form(user),
        "state_form": forms.get("state_form") or AccountStateForm(formdata=None, state=state),
        "password_form": forms.get("password_form") or PasswordSetForm(formdata=None),
        "reset_form": forms.get("reset_form") or TwoFactorResetForm(formdata=None),
    }
    factor = two_factor.factor_of(user)
    return render_template("auth/user.html", account=user, factor=factor, role_places=accounts.ROLE_PLACES,
                           two_factor_on=factor is not None and factor.confirmed_at is not None,
                           is_self=user.id == current_user.id, **context), status


def _own_account(user: User, message: str):
    """An administrator's own password and second factor are theirs to
    change on their account page, which asks for the current password or a
    code: here they would log themself out. The page shows the way there."""
    flash(message, "warning")
    return _user_page(user, 409)


def _stale(user: User):
    db.session.rollback()
    flash(_("Another administrator changed this account meanwhile. Check it below and make your change again."),
          "warning")
    return _user_page(user, 409)


@bp.route("/<int:user_id>")
@roles_required(ADMIN)
def show(user_id: int):
    return _user_page(_load(user_id))


@bp.route("/<int:user_id>", methods=["POST"])
@roles_required(ADMIN)
def update(user_id: int):
    user = _load(user_id)
    form = _account_form(user, request.form)
    if not form.validate_on_submit():
        correct_the_marked(form, "user-form")
        return _user_page(user, 422, form=form)
    try:
        changes = accounts.update(user, _details(form), current_user, form.state.data or "")
    except accounts.StaleForm:
        return _stale(user)
    except accounts.AccountProblem as problem:
        db.session.rollback()
        _show_problem(form, problem, "user-form")
        return _user_page(user, 422, form=form)
    db.session.commit()
    if user.id == current_user.id and user.role != ADMIN:
        # Their own page is an administrator's: say why it is gone rather than answer 403.
        flash(_("The account is saved. You are no longer an administrator: the users pages are closed to you."),
              "warning")
        return redirect(url_for("main.index"))
    flash(_("The account is saved.") if changes else _("Nothing was changed."), "success" if changes else "info")
    return redirect(url_for("users.show", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = _load(user_id)
    form = AccountStateForm()
    if not form.validate_on_submit() and not form.reason.errors:
        abort(400)
    reason = (form.reason.data or "").strip()
    if not active and not reason and not form.reason.errors:
        form.reason.errors = [_("Say why the account is deactivated: the audit log keeps it.")]
    if form.reason.errors:
        correct_the_marked(form, "deactivate-form")
        return _user_page(user, 422, state_form=form)
    try:
        done = accounts.set_active(user, active, current_user, form.state.data or "", reason=reason or None)
    except accounts.StaleForm:
        return _stale(user)
    except accounts.AccountProblem as problem:
        db.session.rollback()
        flash(problem.message, "danger")
        return _user_page(user, 409)
    db.session.commit()
    if done is None:
        flash(_("Nothing was changed."), "info")
    elif active:
        flash(_("%(name)s is active again and can log in.", name=user.display_name), "success")
    else:
        flash(_("%(name)s is deactivated: their sessions are logged out and they can no longer log in.",
                name=user.display_name), "success")
        for said in done.said:
            flash(said, "info")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@roles_required(ADMIN)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@roles_required(ADMIN)
def reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/<int:user_id>/password", methods=["POST"])
@roles_required(ADMIN)
def set_password(user_id: int):
    user = _load(user_id)
    if user.id == current_user.id:
        return _own_account(user, _("This is your own account: change your password on your account page. It asks "
                                    "for your current password and keeps you logged in here."))
    form = PasswordSetForm()
    if not form.validate_on_submit():
        correct_the_marked(form, "password-form")
        return _user_page(user, 422, password_form=form)
    data = accounts.set_password(user, form.password.data, current_user, "web")
    db.session.commit()
    flash(ngettext("The new password is set and %(num)d session of the account was logged out. "
                   "Give the password to its user in person.",
                   "The new password is set and %(num)d sessions of the account were logged out. "
                   "Give the password to its user in person.", data["sessions_ended"]), "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/reset-two-factor", methods=["POST"])
@roles_required(ADMIN)
def reset_two_factor(user_id: int):
    user = _load(user_id)
    if user.id == current_user.id:
        return _own_account(user, _("This is your own account: manage your two-step verification on your account "
                                    "page. Changing phones? Move it to the new phone there, with your password and "
                                    "a code from the old phone or a recovery code."))
    if two_factor.factor_of(user) is None:
        flash(_("This account has no two-step verification to reset."), "info")
        return _user_page(user, 409)
    form = TwoFactorResetForm()
    if not form.validate_on_submit():
        correct_the_marked(form, "reset-2fa-form")
        return _user_page(user, 422, reset_form=form)
    data = two_factor.reset(user, current_user, "web", reason=form.reason.data.strip())
    db.session.commit()
    flash(ngettext("Two-step verification is reset and %(num)d session of the account was logged out. "
                   "Its user logs in with the password alone next time.",
                   "Two-step verification is reset and %(num)d sessions of the account were logged out. "
                   "Its user logs in with the password alone next time.", data["sessions_ended"]), "success")
    return redirect(url_for("users.show", user_id=user.id))
