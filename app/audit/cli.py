import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..database import read_only
from ..extensions import db
from .chain import Digest, current_digest
from .models import AuditEvent
from .verify import verify

audit_cli = AppGroup("audit", help="Check the tamper-evident audit log.")


@audit_cli.command("verify")
@click.option("--digest", "digest_line", help="A line printed earlier by `flask audit digest`.")
def verify_command(digest_line):
    """Check every hash, link, sequence and replayed state; exit 1 on any problem."""
    digest = None
    if digest_line:
        try:
            digest = Digest.parse(digest_line)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--digest")
    # One read-only snapshot: writers go on meanwhile (app/database.py).
    with read_only():
        total = db.session.execute(select(func.count(AuditEvent.id))).scalar()
        with click.progressbar(length=total, label="verifying", file=sys.stderr) as bar:
            problems = verify(digest, progress=bar.update)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"audit log NOT intact: {len(problems)} problem(s) in {total} events", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {total} events checked")


@audit_cli.command("digest")
def digest_command():
    """Print the event count and head hash; keep it somewhere safe."""
    with read_only():
        click.echo(str(current_digest()))
