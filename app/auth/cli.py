import secrets

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from workflows import ROLES

from ..audit import record
from ..extensions import db
from ..org.models import Community, Department, Grid, Street
from . import two_factor
from .models import User
from .passwords import hash_password, password_problem

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", help="Name shown to others (default: the username).")
@click.option("--street", "street_name", help="Street the user works in (supervisors).")
@click.option("--community", "community_name", help="Community the user works in (mediators).")
@click.option("--grid", "grid_name", help="Grid the user works in (grid workers).")
@click.option("--department", "department_name", help="Department a liaison answers for (required for liaisons).")
@click.password_option(help="Prompted for when not given.")
def create_user(username, role, display_name, street_name, community_name, grid_name, department_name, password):
    """Create USERNAME with ROLE; prompts for the password."""
    if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise click.ClickException(f"user {username!r} already exists")
    with force_locale("en"):
        problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=hash_password(password), session_token=secrets.token_hex(16), active=True)
    if grid_name:
        grid = db.session.execute(select(Grid).where(Grid.name == grid_name)).scalar_one_or_none()
        if grid is None:
            raise click.ClickException(f"no grid named {grid_name!r}")
        user.grid_id, community_name = grid.id, grid.community.name
    if community_name:
        community = db.session.execute(select(Community).where(Community.name == community_name)).scalar_one_or_none()
        if community is None:
            raise click.ClickException(f"no community named {community_name!r}")
        user.community_id, user.street_id = community.id, community.street_id
    if street_name:
        street = db.session.execute(select(Street).where(Street.name == street_name)).scalar_one_or_none()
        if street is None:
            raise click.ClickException(f"no street named {street_name!r}")
        user.street_id = street.id
    if role == "liaison" and not department_name:
        raise click.ClickException("a liaison needs --department")
    if department_name:
        user.department_id = _department_id(department_name, user.street_id)
    db.session.add(user)
    db.session.flush()
    record("user", user.id, "user_created", None, data={"username": username, "role": role, "by": "cli"})
    db.session.commit()
    click.echo(f"created {role} {username!r}")


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
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    data = two_factor.reset(user, None, "cli", reason=reason)
    db.session.commit()
    if data["had_second_factor"]:
        click.echo(f"reset the second factor of {username!r}; {data['sessions_ended']} session(s) logged out")
    else:
        click.echo(f"{username!r} had no second factor turned on; {data['sessions_ended']} session(s) logged out")
