import sys

import click
from flask.cli import AppGroup

from workflows import WORKFLOWS
from workflows.diagram import mermaid
from workflows.spec import validation_problems

from .hooks import unknown_guards

workflows_cli = AppGroup("workflows", help="Inspect the workflows and run their timers.")


@workflows_cli.command("list")
def list_workflows():
    """Name every workflow with its states and transitions count."""
    for wf in WORKFLOWS.values():
        click.echo(f"{wf.name}\t{wf.zh} / {wf.en}\t{len(wf.states)} states\t{len(wf.transitions)} transitions")


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
    click.echo(mermaid(WORKFLOWS[name], lang), nl=False)


@workflows_cli.command("tick")
def tick_command():
    """Fire every timeout that is due, and prune old throttling records
    (run from cron or a systemd timer)."""
    from .timers import tick

    report = tick(on_fired=lambda t, i, trig: click.echo(f"fired {trig} on {t} #{i}"))
    for entity_type, entity_id, trigger, why in report.failed:
        click.echo(f"failed {trigger} on {entity_type} #{entity_id}: {why}", err=True)
    from ..housekeeping import prune_counters

    pruned = prune_counters()
    click.echo(f"tick: {len(report.fired)} fired, {len(report.failed)} failed, {pruned} old throttling records pruned")
    sys.exit(1 if report.failed else 0)
