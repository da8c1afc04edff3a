import sys

import click
from flask import current_app
from flask.cli import AppGroup

from workflows import WORKFLOWS
from workflows.diagram import mermaid
from workflows.spec import validation_problems

from ..i18n import DEFAULT_LOCALE, translate, translator
from .hooks import unknown_guards

workflows_cli = AppGroup("workflows", help="Inspect the workflows and run their timers.")


@workflows_cli.command("list")
def list_workflows():
    """Name every workflow with its states and transitions count."""
    for wf in WORKFLOWS.values():
        names = f"{translate(wf.label, DEFAULT_LOCALE)} / {wf.label}"
        click.echo(f"{wf.name}\t{names}\t{len(wf.states)} states\t{len(wf.transitions)} transitions")


@workflows_cli.command("check")
def check():
    """Validate every workflow definition; exit 1 on any problem."""
    bad = False
    for wf in WORKFLOWS.values():
        problems = validation_problems(wf) + [f"guard {g!r} is not registered" for g in unknown_guards([wf])]
        for problem in problems:
            click.echo(f"{wf.name}: {problem}", err=True)
        bad = bad or bool(problems)
        if not problems:
            click.echo(f"{wf.name}: ok")
    sys.exit(1 if bad else 0)


@workflows_cli.command("diagram")
@click.argument("name")
@click.option("--lang", default="zh", type=click.Choice(["zh", "en"]), show_default=True)
def diagram(name, lang):
    """Print workflow NAME as mermaid text."""
    if name not in WORKFLOWS:
        raise click.UsageError(f"no workflow {name!r}; try one of: {', '.join(WORKFLOWS)}")
    click.echo(mermaid(WORKFLOWS[name], translator(lang)), nl=False)


@workflows_cli.command("tick")
@click.option("--lock-file", default=None, metavar="PATH",
              help="Skip this run if another one on this host still holds PATH (default: TICK_LOCK_FILE).")
def tick_command(lock_file):
    """Fire every timeout that is due and run the periodic jobs (plan sweeps,
    send queued e-mail, prune old throttling records). Meant for cron or a
    systemd timer every minute, on any number of servers at once: each due
    event fires once. Exit 0 when all went well, 1 when some item failed
    (each named on stderr; the others went on), 2 when the run could not
    work at all (e.g. no database)."""
    import time

    from sqlalchemy.exc import SQLAlchemyError

    from .. import clock
    from .runlock import HostLock
    from .timers import tick

    path = lock_file or current_app.config["TICK_LOCK_FILE"]
    with HostLock(path) as held:
        if not held:
            # The previous run on this host is still going (a long backlog): it
            # will fire what is due; a second runner here would only wait on it.
            click.echo(f"tick: skipped, another run on this host holds {path}")
            sys.exit(0)
        started, now = time.monotonic(), clock.now()
        try:
            report = tick(now=now, on_fired=lambda t, i, trig: click.echo(f"fired {trig} on {t} #{i}"))
        except SQLAlchemyError as error:
            click.echo(f"tick: failed, nothing more was done: {error.__class__.__name__}: {error}", err=True)
            sys.exit(2)
    for entity_type, entity_id, trigger, why in report.failed:
        if entity_type == "job":
            click.echo(f"failed job {trigger}: {why}", err=True)
        else:
            click.echo(f"failed {trigger} on {entity_type} #{entity_id}: {why}", err=True)
    click.echo(f"tick at {now.isoformat(timespec='seconds')}Z: {report.summary()}, "
               f"{time.monotonic() - started:.2f} s")
    sys.exit(1 if report.failed else 0)
