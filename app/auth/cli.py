import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from workflows import ROLES

from ..extensions import db
from ..org.models import Community, Department, Grid, Street
from . import accounts, two_factor
from .models import user_named

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", help="Name shown to others (default: the username).")
@click.option("--street", "street_name", help="Street the user works in (supervisors, coordinators; "
              "for them --community gives its street).")
@click.option("--whole-city", is_flag=True, help="A supervisor or coordinator of the whole city (instead of --street).")
@click.option("--community", "community_name", help="Community the user works in (mediators).")
@click.option("--grid", "grid_name", help="Grid the user works in (grid workers).")
@click.option("--department", "department_name", help="Department a liaison answers for (required for liaisons).")
@click.password_option(help="Prompted for when not given.")
def create_user(username, role, display_name, street_name, whole_city, community_name, grid_name, department_name,
                password):
    """Create USERNAME with ROLE; prompts for the password. The same rules and
    audit as the users page (app/auth/accounts.py)."""
    details = accounts.Details(display_name=display_name or username, role=role, whole_city=whole_city)
    if grid_name:
        details.grid_id = _id_named(Grid, grid_name, "grid")
    elif community_name:
        details.community_id = _id_named(Community, community_name, "community")
    if street_name:
        details.street_id = _id_named(Street, street_name, "street")
    derived = _street_for_role(details, street_name)
    if department_name:
        details.department_id = _department_id(department_name, _street_of(details))
    with force_locale("en"):
        try:
            accounts.create(username, details, password, None, "cli")
        except accounts.AccountProblem as problem:
            db.session.rollback()
            if problem.code == "missing" and role in accounts.STREET_OR_CITY:
                raise click.ClickException(f"a {role} needs --street or --whole-city") from None
            if problem.code == "missing":
                raise click.ClickException(f"a {role} needs --{problem.field}") from None
            if problem.code == "taken":
                raise click.ClickException(f"user {username!r} already exists") from None
            if problem.code == "taken_other_case":
                raise click.ClickException(f"{problem.message} (usernames ignore capitals)") from None
            raise click.ClickException(problem.message) from None
    db.session.commit()
    click.echo(f"created {role} {username!r}" + (f" for {derived}" if derived else ""))


def _street_for_role(details, street_name) -> str | None:
    """A supervisor, coordinator or liaison keeps a street, never a community
    or grid (accounts.ROLE_PLACES drops them): given --community (or --grid),
    they work for the street it lies in. With --street naming another street,
    or with --whole-city, what was meant is unclear: refused, saying what to
    give. Returns the street so derived, for the output; None otherwise."""
    kept = accounts.ROLE_PLACES.get(details.role, ())
    if "street" not in kept or "community" in kept or not (details.community_id or details.grid_id):
        return None
    if details.grid_id:
        place = db.session.get(Grid, details.grid_id)
        what, community = "grid", place.community
    else:
        place = community = db.session.get(Community, details.community_id)
        what = "community"
    role = details.role
    if details.whole_city:
        raise click.ClickException(f"a {role} of the whole city has no {what}: give --whole-city without --{what}")
    if details.street_id and details.street_id != community.street_id:
        raise click.ClickException(
            f"{what} {place.name!r} is in street {community.street.name!r}, not in {street_name!r}: "
            f"a {role} works for a street, give --street alone")
    details.street_id = community.street_id
    details.community_id = details.grid_id = None
    return f"street {community.street.name!r} (the {what}'s)"


def _id_named(model, name: str, what: str) -> int:
    found = db.session.execute(select(model.id).where(model.name == name)).scalars().all()
    if not found:
        raise click.ClickException(f"no {what} named {name!r}")
    if len(found) > 1:
        raise click.ClickException(f"several {what}s are named {name!r}")
    return found[0]


def _street_of(details) -> int | None:
    """The street the account will have, to tell departments of one name apart."""
    if details.grid_id:
        return db.session.get(Grid, details.grid_id).community.street_id
    if details.community_id:
        return db.session.get(Community, details.community_id).street_id
    return details.street_id


def _department_id(name, street_id) -> int:
    """The department of that name: the street's own when the user has a
    street, else the only one so named."""
    query = select(Department).where(Department.name == name)
    if street_id:
        query = query.where((Department.street_id == street_id) | Department.street_id.is_(None))
    found = db.session.execute(query).scalars().all()
    if not found:
        raise click.ClickException(f"no department named {name!r}")
    if len(found) > 1:
        raise click.ClickException(f"several departments are named {name!r}: give --street")
    return found[0].id


@users_cli.command("reset-2fa")
@click.argument("username")
@click.option("--reason", help="Why, for the audit log (e.g. the user lost their phone).")
def reset_two_factor(username, reason):
    """Remove USERNAME's second factor and recovery codes and log out their
    sessions: they log in with the password alone next time (and set up a new
    factor if their role needs one). Audited."""
    user = user_named(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    data = two_factor.reset(user, None, "cli", reason=reason)
    db.session.commit()
    if data["had_second_factor"]:
        click.echo(f"reset the second factor of {username!r}; {data['sessions_ended']} session(s) logged out")
    else:
        click.echo(f"{username!r} had no second factor turned on; {data['sessions_ended']} session(s) logged out")


@users_cli.command("deactivate")
@click.argument("username")
@click.option("--reason", help="Why, for the audit log (e.g. the volunteer left the centre).")
def deactivate_user(username, reason):
    """Deactivate USERNAME: their sessions are logged out, the password no
    longer logs in, and what waited for them is ended as on the users page
    (a volunteer lawyer's open legal-opinion requests are withdrawn and the
    case's mediators told; an elder stays on the council, their invitations
    open for the mediators to record their answers). Audited."""
    _set_active(username, False, reason)


@users_cli.command("reactivate")
@click.argument("username")
@click.option("--reason", help="Why, for the audit log.")
def reactivate_user(username, reason):
    """Let USERNAME log in again. What their deactivation ended stays ended. Audited."""
    _set_active(username, True, reason)


def _set_active(username: str, active: bool, reason: str | None) -> None:
    user = user_named(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    with force_locale("en"):
        try:
            done = accounts.set_active(user, active, None, reason=reason)
        except accounts.AccountProblem as problem:
            db.session.rollback()
            raise click.ClickException(problem.message) from None
        said = [str(s) for s in done.said] if done is not None else []
    db.session.commit()
    if done is None:
        click.echo(f"{username!r} was {'active' if active else 'deactivated'} already; nothing changed")
        return
    if active:
        click.echo(f"reactivated {username!r}")
        return
    click.echo(f"deactivated {username!r}; {done.data['sessions_ended']} session(s) logged out")
    for line in said:
        click.echo(line)
