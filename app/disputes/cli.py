"""`flask disputes …`: checks and repairs of case data."""
import sys
from types import SimpleNamespace

import click
from flask.cli import AppGroup

from workflows import SYSTEM
from workflows.dispute import UNACCEPTED_REPAIRABLE

from .. import engine
from ..extensions import db
from .repair import repair, unaccepted_cases

disputes_cli = AppGroup("disputes", help="Check and repair dispute cases.")

# The command's operator: the system, as for `flask audit shred`.
REPAIR_ACTOR = SimpleNamespace(id=None, role=SYSTEM)


@disputes_cli.command("unaccepted")
@click.option("--fix", is_flag=True, help="Take each case back through the engine (needs --reason).")
@click.option("--reason", help="Why, for each case's audit event.")
@click.option("--to-intake", is_flag=True,
              help="Send them to intake (待受理) for acceptance instead of back to the on-the-spot resolution.")
def unaccepted_command(fix, reason, to_intake):
    """List cases past acceptance that were never accepted (no file number),
    e.g. on-the-spot closures a supervisor returned into mediation. Exit 1
    when any is found and not fixed. With --fix, each goes back to 现场化解
    (or, with --to-intake, to 待受理) in its own audited step."""
    if fix and not (reason or "").strip():
        raise click.UsageError("--fix needs --reason")
    cases = unaccepted_cases()
    for d in cases:
        click.echo(f"case #{d.id}\tstate {d.state}\tno file number")
    if not cases:
        click.echo("no case past acceptance lacks a file number")
        return
    if not fix:
        click.echo(f"{len(cases)} case(s) were never accepted; repair them with --fix --reason …", err=True)
        sys.exit(1)
    failed = []
    with click.progressbar(cases, label="repairing", file=sys.stderr) as bar:
        for d in bar:
            if d.state not in UNACCEPTED_REPAIRABLE:
                failed.append((d.id, f"state {d.state} needs a person's judgement"))
                continue
            try:
                repair(d, REPAIR_ACTOR, reason.strip(), to_intake=to_intake)
            except engine.Refused as refused:
                db.session.rollback()
                failed.append((d.id, str(refused.message)))
    for case_id, why in failed:
        click.echo(f"case #{case_id} not repaired: {why}", err=True)
    click.echo(f"{len(cases) - len(failed)} case(s) repaired")
    sys.exit(1 if failed else 0)
