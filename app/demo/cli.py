import click
from flask import current_app
from flask.cli import AppGroup

from ..database import analyze
from ..extensions import db
from .build import build_cases, build_org_and_users, has_users, is_loaded
from .domains import DOMAIN_DEMOS

demo_cli = AppGroup("demo", help="Demo data: a Laiyang-like city.")


@demo_cli.command("load")
@click.option("--cases", default=1000, show_default=True, type=click.IntRange(0, 1_000_000),
              help="How many disputes to create through the engine.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable demo data.")
@click.option("--if-empty", is_flag=True, help="Load only into a database without any user account.")
def load(cases, seed, if_empty):
    """Build the city, its users and disputes (does nothing if already loaded)."""
    if if_empty and has_users():
        click.echo("the database already has accounts; demo data not loaded")
        return
    if is_loaded():
        click.echo("demo data already loaded; nothing to do")
        return
    password = current_app.config["DEMO_PASSWORD"]
    summary = build_org_and_users(password)
    click.echo(summary)
    with click.progressbar(length=cases, label="creating disputes through the engine") as bar:
        build_cases(cases, seed, progress=bar.update)
    click.echo(f"{cases} disputes created")
    for name, load_domain in DOMAIN_DEMOS:
        click.echo(load_domain(seed))
    analyze(db.session)
    click.echo("planner statistics refreshed (ANALYZE)")
    click.echo(f"log in at /login as mediator, gridworker, elder, lawyer, coordinator, supervisor, liaison, assistant or admin, "
               f"or citysupervisor and citycoordinator (the whole city); password: {password}")
